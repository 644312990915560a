"""The engine stage: a Ray Data actor that loads its engine once and fills engine columns."""

from __future__ import annotations

import json
import math
import os
import socket
import time
from typing import Any

import pandas as pd

from clue_ray.engines.base import Engine, PromptRow
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ModelSettings
from clue_ray.rows import PROMPT_COLUMNS, require_columns
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import register_tasks

NEEDS = ("sample_id", "task", "prompt", "prompt_tokens", "max_tokens", "seed",
         "context_overflow", "messages")


def make_engine(model: ModelSettings, settings: EngineSettings) -> Engine:
    """The engine for a model: the rule for the baseline, else the configured kind."""
    if model.kind == "baseline":
        from clue_ray.engines.baseline import BaselineEngine

        return BaselineEngine()
    if settings.kind == "transformers" and settings.transformers is not None:
        from clue_ray.engines.transformers_engine import TransformersEngine

        return TransformersEngine(model, settings.transformers, settings.decoding)
    if settings.kind == "simulated" and settings.simulated is not None:
        from clue_ray.engines.simulated import SimulatedEngine

        return SimulatedEngine(settings.simulated)
    if settings.kind == "openai" and settings.openai is not None:
        from clue_ray.engines.openai_engine import OpenAIEngine

        return OpenAIEngine(model, settings.openai, settings.decoding)
    raise ValueError(f"engine '{settings.kind}' does not run as a map_batches actor")


def calls_per_actor(settings: EngineSettings) -> int:
    """Batches one engine actor takes at once: the openai engine takes enough to keep
    `max_in_flight` requests going, plus one whose rows wait while another drains (the
    engine's bound still holds); a local model takes one at a time."""
    if settings.kind != "openai" or settings.openai is None:
        return 1
    return math.ceil(settings.openai.max_in_flight / settings.openai.batch_size) + 1


class EngineStage:
    """Callable class for `Dataset.map_batches`: one engine per actor, loaded in __init__
    (called on `calls_per_actor` threads at once). `user_tasks`: the run's users' tasks,
    registered here (the baseline's rule is a task's)."""

    def __init__(self, model: ModelSettings, settings: EngineSettings,
                 user_tasks: tuple[TaskDefinition, ...] = ()) -> None:
        register_tasks(user_tasks)
        self.engine = make_engine(model, settings)
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
