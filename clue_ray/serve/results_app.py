"""The results page deployment: `GET <route>` (the live page) and `GET <route>api/leaderboard`
(the same as JSON), a FastAPI app (`clue_ray.serve.http`). One replica, which holds the
shard cache."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ray import serve
from starlette.responses import HTMLResponse, JSONResponse

from clue_ray.config import registry_info
from clue_ray.results.settings import BootstrapSettings
from clue_ray.serve.expected import Expected
from clue_ray.serve.http import TOKEN, api
from clue_ray.serve.live_results import LiveResults
from clue_ray.serve.page import render_page
from clue_ray.tasks.registry import CLUE, TaskSet

API = "/api/leaderboard"
app = api()


@serve.deployment(num_replicas=1)
@serve.ingress(app)
class ResultsPage:
    """The leaderboard and progress of a results folder, refreshed as shards land."""

    def __init__(self, results: str, bootstrap: BootstrapSettings, intervals: bool,
                 planned: dict[str, Expected], route: str, refresh_s: float,
                 token: str | None, tasks: TaskSet = CLUE) -> None:
        self.live = LiveResults(Path(results), bootstrap, intervals, planned, registry_info,
                                tasks)
        self.api_path = route.rstrip("/") + API
        self.refresh_s = refresh_s
        self.token = token
        self.lock = asyncio.Lock()

    @app.get("/", dependencies=[TOKEN])
    async def page(self) -> HTMLResponse:
        """The live page."""
        return HTMLResponse(render_page(await self.snapshot(), self.api_path, self.refresh_s))

    @app.get(API, dependencies=[TOKEN])
    async def leaderboard(self) -> JSONResponse:
        """The page's data as JSON (its `version` changes when a shard or manifest did)."""
        return JSONResponse(await self.snapshot())

    async def snapshot(self) -> dict[str, Any]:
        """The current snapshot, refreshed off the event loop, one refresh at a time (the
        cache is not shared across threads)."""
        async with self.lock:
            return await asyncio.to_thread(self.live.snapshot)
