"""Engines that run inside a Ray Data actor pool: each actor loads its engine once and fills
the engine columns of the batches it is given (`EngineStage`); `ActorPoolEngine` is the
declaration such an engine subclasses (it says how to make the engine and how many batches
one actor takes at once)."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from clue_ray.engines.base import Engine, PromptRow
from clue_ray.engines.plugin import EnginePlugin, StageRequest
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ModelSettings
from clue_ray.rows import PROMPT_COLUMNS, require_columns
from clue_ray.tasks.registry import CLUE, TaskSet

if TYPE_CHECKING:
    from ray.data import Dataset

NEEDS = ("sample_id", "task", "prompt", "prompt_tokens", "max_tokens", "seed",
         "context_overflow", "messages")


class ActorPoolEngine(EnginePlugin):
    """An engine run by `EngineStage` actors, `cluster.engine_replicas` of them."""

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        """The engine one actor holds (loaded in the actor's constructor)."""
        raise NotImplementedError(f"engine '{self.name}' makes no engine")

    def calls_per_actor(self, section: Any) -> int:
        """Batches one actor takes at once (on as many threads); a local model takes one."""
        return 1

    def add_stage(self, dataset: Dataset, request: StageRequest) -> Dataset:
        """Prompt rows -> engine rows through a pool of `EngineStage` actors."""
        import ray

        low, high = request.cluster.engine_replicas
        calls = self.calls_per_actor(request.engine.section())
        return dataset.map_batches(
            EngineStage,
            fn_constructor_kwargs={"plugin": self, "model": request.model,
                                   "settings": request.engine, "tasks": request.tasks},
            batch_size=request.engine.batch_size(),
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(
                min_size=low, max_size=high, enable_true_multi_threading=calls > 1,
                max_concurrent_calls_per_actor=calls if calls > 1 else None),
            num_cpus=request.cluster.cpus_per_engine,
        )


class EngineStage:
    """Callable class for `Dataset.map_batches`: one engine per actor, made by the engine's
    declaration in __init__ (called on `calls_per_actor` threads at once). `tasks`: the
    run's tasks (the baseline's rule is a task's)."""

    def __init__(self, plugin: ActorPoolEngine, model: ModelSettings, settings: EngineSettings,
                 tasks: TaskSet = CLUE) -> None:
        self.engine = plugin.make_engine(model, settings, tasks)
        self.actor = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Add prediction, output_tokens, finish_reason, engine_error, latency_s and timing."""
        require_columns("engine", batch.columns, NEEDS)
        rows = [_prompt_row(record) for record in batch.to_dict("records")]
        started = time.time()
        generations = self.engine.generate(rows)
        finished = time.time()
        out = batch.drop(columns=list(PROMPT_COLUMNS))  # not needed after the engine
        out["prediction"] = [g.prediction for g in generations]
        out["output_tokens"] = [g.output_tokens for g in generations]
        out["finish_reason"] = [g.finish_reason for g in generations]
        out["engine_error"] = [g.engine_error for g in generations]
        out["latency_s"] = [g.latency_s for g in generations]
        out["engine_prompt_tokens"] = [g.engine_prompt_tokens for g in generations]
        out["engine_actor"] = self.actor
        out["engine_started_at"] = started
        out["engine_finished_at"] = finished
        return out


def _prompt_row(record: dict[str, Any]) -> PromptRow:
    return PromptRow(
        sample_id=str(record["sample_id"]),
        task=str(record["task"]),
        prompt=str(record["prompt"]),
        prompt_tokens=int(record["prompt_tokens"]),
        max_tokens=int(record["max_tokens"]),
        seed=int(record["seed"]),
        context_overflow=bool(record["context_overflow"]),
        messages=tuple(json.loads(record["messages"])) if record["messages"] else (),
    )
