"""Safe by default: loopback unless told otherwise, a bearer token for anything else.

Every route but the scoring health route needs the token when one is set (health says only
which scorers are loaded and which tasks are served, so probes need no secret)."""

from __future__ import annotations

import hmac
import ipaddress
import os

from starlette.requests import Request
from starlette.responses import JSONResponse

from clue_ray.errors import ConfigError
from clue_ray.serve.http import error
from clue_ray.serve.settings import ServeSettings


def is_loopback(host: str) -> bool:
    """Whether a host name or address only ever reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(settings: ServeSettings) -> str | None:
    """The bearer token: `serve.token`, else the environment variable `serve.token_env`;
    refuses to serve beyond loopback without one."""
    token = settings.token or os.environ.get(settings.token_env) or None
    if token is not None and not token.strip():
        raise ConfigError("serve.token is blank: set a real token or none")
    if token is None and not is_loopback(settings.host):
        raise ConfigError(
            f"serve.host={settings.host} is reachable from other machines: set a bearer token "
            f"in the environment variable {settings.token_env} (or serve.token=...), or serve "
            "on serve.host=127.0.0.1")
    return token


def authorized(request: Request, token: str | None) -> bool:
    """True when no token is set, or the request carries `Authorization: Bearer <token>`
    (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def unauthorized() -> JSONResponse:
    """401 with the challenge a client expects."""
    return error("authorization: missing or wrong bearer token (send 'Authorization: Bearer "
                 "<token>')", 401, {"WWW-Authenticate": "Bearer"})
