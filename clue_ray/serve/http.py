"""The HTTP edge shared by the deployments: size-capped bodies, routes relative to a
deployment's prefix, and one-line JSON errors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from clue_ray.serve.validation import BadRequest


def error(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """`{"error": message}` with an HTTP status."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def subpath(request: Request) -> str:
    """The request's path below the deployment's route prefix, always starting with '/'."""
    path = request.url.path
    root = request.scope.get("root_path", "").rstrip("/")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return "/" + path.lstrip("/")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) when it is longer than `limit` bytes, declared or sent. A
    refused body is still read, and dropped, up to `limit` bytes more before the answer goes
    out: a client still sending then reads the 413 (an answer sent while it sends, followed
    by the connection's close, reaches it as a reset instead)."""
    declared = request.headers.get("content-length")
    refused = declared is not None and declared.isdigit() and int(declared) > limit
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        refused = refused or size > limit
        if refused and size > 2 * limit:
            break
        if not refused:
            chunks.append(chunk)
    if refused:
        raise BadRequest(f"body: larger than serve.max_body_bytes={limit} bytes", status=413)
    return b"".join(chunks)


def method_not_allowed(allowed: str) -> JSONResponse:
    """405 naming the method the route takes."""
    return error(f"method: this route takes {allowed}", 405, {"Allow": allowed})


def not_found(path: str, routes: list[str]) -> JSONResponse:
    """404 listing the routes there are."""
    return error(f"path: no route {path[:80]} (routes: {', '.join(routes)})", 404)


def json_answer(payload: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """200 with a JSON body."""
    return JSONResponse(payload, headers=headers)
