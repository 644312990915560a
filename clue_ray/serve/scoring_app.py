"""The scoring deployment: `POST <route>/score` and `GET <route>/health`, a FastAPI app
(`clue_ray.serve.http`) with the request model of `clue_ray.serve.score_request`.

Each replica loads the served tasks' references and the model-backed scorers (BERTScore,
the UMLS linker) once, in its constructor. Concurrent requests are batched by `@serve.batch`
(size and wait from conf/serve) and scored off the event loop; each answer carries the
number of requests its batch held (`X-Clue-Batch-Requests`). No prediction or reference text
is logged: requests are logged by Serve's access log (method, path, status, latency only).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from ray import serve
from starlette.responses import JSONResponse

from clue_ray.metrics.scoring import TaskScorer
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.serve.batch_scoring import ScoringFailed, reference_index, score_jobs
from clue_ray.serve.http import TOKEN, api, error
from clue_ray.serve.score_request import ScoreJob, ScoreRequest, request_error, score_job
from clue_ray.serve.settings import ScoringServiceSettings
from clue_ray.tasks.registry import CLUE, TaskSet

BATCH_HEADER = "X-Clue-Batch-Requests"
logger = logging.getLogger("ray.serve")
app = api(request_error)


@serve.deployment
@serve.ingress(app)
class ScoringService:
    """Scores predictions of the served tasks (declared in `task_set`, CLUE's and the users')
    against the references of `data_dir`."""

    def __init__(self, tasks: list[str], data_dir: str, scoring: ScoringSettings,
                 service: ScoringServiceSettings, max_body_bytes: int,
                 token: str | None, task_set: TaskSet = CLUE) -> None:
        self.references = reference_index(tasks, Path(data_dir), task_set)
        self.scorer = TaskScorer(scoring, task_set.pick(tasks))
        self.scorer.load()
        self.max_body_bytes = max_body_bytes
        self.token = token
        # ignored: serve.batch's wrapper has these setters, its declared type is a plain callable
        self.score_batch.set_max_batch_size(service.max_batch_size)  # type: ignore[attr-defined]
        self.score_batch.set_batch_wait_timeout_s(  # type: ignore[attr-defined]
            service.batch_wait_timeout_s)
        self.batches = 0
        self.largest_batch = 0

    @app.post("/score", dependencies=[TOKEN])
    async def score(self, request: ScoreRequest) -> JSONResponse:
        """`{"samples": [...], "aggregate": {...}}`, as `clue-ray score` writes them."""
        job = score_job(request, self.references, self.scorer.declarations)
        result, batch_requests = await self.score_batch(job)
        if isinstance(result, ScoringFailed):
            return error(str(result), 500)
        return JSONResponse(result, headers={BATCH_HEADER: str(batch_requests)})

    @serve.batch
    async def score_batch(self, jobs: list[ScoreJob]
                          ) -> list[tuple[dict[str, Any] | ScoringFailed, int]]:
        """Score the requests that arrived together (grouped by task) in a worker thread."""
        answers = await asyncio.to_thread(score_jobs, self.scorer, jobs)
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(jobs))
        for failed in {str(a) for a in answers if isinstance(a, ScoringFailed)}:
            logger.error(failed)
        return [(a, len(jobs)) for a in answers]

    @app.get("/health")
    async def health(self) -> dict[str, Any]:
        """Served tasks, loaded scorers, and this replica's batches so far (no token)."""
        return {"status": "ok", "tasks": list(self.references), "scorers": self.scorer.loaded(),
                "replica": {"pid": os.getpid(), "batches": self.batches,
                            "largest_batch_requests": self.largest_batch}}
