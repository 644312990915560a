"""The HTTP edge of the scoring service and the results page: a FastAPI app per deployment
whose routes check the token before FastAPI reads the request, read a body under
`serve.max_body_bytes`, and answer every error as one line of JSON, `{"error": "..."}` (404
lists the routes, 405 names the method in `Allow`). FastAPI's docs and OpenAPI schema are not
served. The token and the cap are those of the app's guard: the replica's deployment instance
(`token`, `max_body_bytes`), which Serve also passes to the routes as `self`, or, for an app
served without Ray Serve (`clue-ray view`), the object set as its `state.guard`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from clue_ray.serve.auth import CHALLENGE, UNAUTHORIZED, authorized


def error(message: str, status: int, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """`{"error": message}` with an HTTP status."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def replica_instance() -> Any:
    """The replica's deployment instance (a ScoringService or a ResultsPage; Serve types it
    as any callable)."""
    from ray import serve  # here: an app served without Serve (`clue-ray view`) needs no Ray

    return serve.get_replica_context().servable_object


def guard_of(request: Request) -> Any:
    """What holds the app's `token` and `max_body_bytes`: its `state.guard` when it has one
    (served without Ray Serve), else the Serve replica's deployment instance."""
    return getattr(request.app.state, "guard", None) or replica_instance()


def require_token(request: Request) -> None:
    """401 unless the request carries the app's bearer token (when it has one)."""
    if not authorized(request, guard_of(request).token):
        raise HTTPException(401, UNAUTHORIZED, CHALLENGE)


TOKEN = Depends(require_token)  # a route with `dependencies=[TOKEN]` needs the token


class CappedRequest(Request):
    """A request whose body is read under a size cap and parsed as UTF-8 JSON."""

    def __init__(self, request: Request, limit: int) -> None:
        super().__init__(request.scope, request.receive)
        self.limit = limit

    async def body(self) -> bytes:
        """The body; 413 when it is longer than the cap, declared or sent. A refused body is
        still read, and dropped, up to the cap again before the answer goes out: a client
        still sending then reads the 413 (an answer sent while it sends, followed by the
        connection's close, reaches it as a reset instead)."""
        if hasattr(self, "_body"):
            return self._body
        declared = self.headers.get("content-length", "")
        refused = declared.isdigit() and int(declared) > self.limit
        chunks, size = [], 0
        async for chunk in self.stream():
            size += len(chunk)
            refused = refused or size > self.limit
            if refused and size > 2 * self.limit:
                break
            if not refused:
                chunks.append(chunk)
        if refused:
            raise HTTPException(413, f"body: larger than serve.max_body_bytes={self.limit} "
                                     "bytes")
        self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        """The body as JSON; 400 saying where it stops being JSON."""
        if not hasattr(self, "_json"):
            try:
                self._json = json.loads((await self.body()).decode("utf-8"))
            except UnicodeDecodeError:
                raise HTTPException(400, "body: not UTF-8 text") from None
            except json.JSONDecodeError as err:
                raise HTTPException(400, f"body: invalid JSON ({err.msg} at line {err.lineno} "
                                         f"column {err.colno})") from None
        return self._json


class GuardedRoute(APIRoute):
    """A route that checks the token it declares before FastAPI reads the request, and has
    a body it takes read as a `CappedRequest`."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handle = super().get_route_handler()
        token_first = any(d.dependency is require_token for d in self.dependencies)
        capped = self.body_field is not None

        async def guarded(request: Request) -> Response:
            if token_first:
                require_token(request)
            if capped:
                limit = guard_of(request).max_body_bytes
                request = CappedRequest(request, limit)
            return await handle(request)

        return guarded


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """An HTTP error as one line: 404 lists the routes, 405 names the allowed method."""
    if exc.status_code == 404:
        root = request.scope.get("root_path", "").rstrip("/")
        path = request.url.path.removeprefix(root) if root else request.url.path
        routes = ", ".join(f"{method} {route.path}" for route in request.app.routes
                           if isinstance(route, APIRoute) for method in sorted(route.methods))
        return error(f"path: no route /{path.lstrip('/')[:79]} (routes: {routes})", 404)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return error(f"method: this route takes {allowed}", 405, {"Allow": allowed})
    return error(str(exc.detail), exc.status_code, exc.headers)


def first_error(errors: Sequence[ErrorDetails]) -> str:
    """The first validation error as `<where>: <pydantic's message>` (never the input)."""
    return f"{'.'.join(str(part) for part in errors[0]['loc'])}: {errors[0]['msg']}"


def api(describe: Callable[[Sequence[ErrorDetails]], str] = first_error) -> FastAPI:
    """A deployment's FastAPI app: guarded routes, no redirect of a trailing slash, a body
    without a Content-Type read as JSON, a request that fails validation answered 400 with
    `describe(errors)`."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False,
                  strict_content_type=False)
    app.router.route_class = GuardedRoute

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(describe(exc.errors()), 400)

    # ignored: Starlette types a handler as taking any Exception, not the one it is added for
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    return app
