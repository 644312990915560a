"""The results page deployment: `GET <route>` (the live page) and `GET <route>api/leaderboard`
(the same as JSON). One replica, which holds the shard cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ray import serve
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from clue_ray.config import registry_info
from clue_ray.results.settings import BootstrapSettings
from clue_ray.serve.auth import authorized, unauthorized
from clue_ray.serve.expected import Expected
from clue_ray.serve.http import json_answer, method_not_allowed, not_found, subpath
from clue_ray.serve.live_results import LiveResults
from clue_ray.serve.page import render_page

API = "/api/leaderboard"


@serve.deployment(num_replicas=1)
class ResultsPage:
    """The leaderboard and progress of a results folder, refreshed as shards land."""

    def __init__(self, results: str, bootstrap: BootstrapSettings, intervals: bool,
                 planned: dict[str, Expected], route: str, refresh_s: float,
                 token: str | None) -> None:
        self.live = LiveResults(Path(results), bootstrap, intervals, planned, registry_info)
        self.api_path = route.rstrip("/") + API
        self.refresh_s = refresh_s
        self.token = token
        self.lock = asyncio.Lock()

    async def __call__(self, request: Request) -> Response:
        """Route one HTTP request."""
        path = subpath(request)
        if path not in ("/", API):
            return not_found(path, ["GET /", f"GET {API}"])
        if request.method != "GET":
            return method_not_allowed("GET")
        if not authorized(request, self.token):
            return unauthorized()
        async with self.lock:  # one refresh at a time: the cache is not shared across threads
            snapshot = await asyncio.to_thread(self.live.snapshot)
        if path == API:
            return json_answer(snapshot)
        return HTMLResponse(render_page(snapshot, self.api_path, self.refresh_s))
