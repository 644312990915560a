"""Safe by default: loopback unless told otherwise, a bearer token for anything else.

Every route but the scoring health route needs the token when one is set (health says only
which scorers are loaded and which tasks are served, so probes need no secret). The served
model (`clue-ray serve model=NAME`) follows the same rule through `BearerTokenMiddleware`:
every route of its OpenAI API needs the token; Serve's own `/-/healthz` stays open."""

from __future__ import annotations

import hmac
import ipaddress
import os

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from clue_ray.errors import ConfigError

UNAUTHORIZED = ("authorization: missing or wrong bearer token (send 'Authorization: Bearer "
                "<token>')")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def is_loopback(host: str) -> bool:
    """Whether a host name or address only ever reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(token: str | None, token_env: str, host: str,
                  prefix: str = "serve.") -> str | None:
    """The bearer token: `token`, else the environment variable `token_env`; refuses to
    serve beyond loopback without one. `prefix` is where the keys live (`serve.` for the
    scoring service, none for the served model), so the message names the real setting."""
    token = token and str(token)  # `token=123` on the command line arrives as an int
    token = token or os.environ.get(token_env) or None
    if token is not None and not token.strip():
        raise ConfigError(f"{prefix}token is blank: set a real token or none")
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"{prefix}host={host} is reachable from other machines: set a bearer token "
            f"in the environment variable {token_env} (or {prefix}token=...), or serve "
            f"on {prefix}host=127.0.0.1")
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
    return JSONResponse({"error": UNAUTHORIZED}, status_code=401, headers=CHALLENGE)


class BearerTokenMiddleware:
    """ASGI middleware: every HTTP request without the bearer token gets `unauthorized()`
    before the app sees it (a None token lets everything through)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not authorized(Request(scope), self.token):
            await unauthorized()(scope, receive, send)
            return
        await self.app(scope, receive, send)
