"""The simulated engine: no model, a fixed answer after a configurable latency.

Starting takes `load_s` (a model load). Latency = per prompt + per prompt token x prompt
tokens + per output token x output tokens, where the output is the configured answer cut to
max_tokens words. It stands in for a GPU in dry runs of a cluster plan, in tests and in the
utilisation benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from clue_ray.engines.actor_pool import ActorPoolEngine
from clue_ray.engines.base import Engine, Generation, PromptRow
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ModelSettings
from clue_ray.setting import Setting
from clue_ray.tasks.registry import TaskSet


@dataclass
class SimulatedSettings:
    """`engine.simulated`: no model, a fixed answer after a latency per prompt and per
    token (conf/engine/simulated.yaml)."""

    answer: Annotated[str, Setting("the text every row is answered with")]
    load_s: Annotated[float, Setting(
        "seconds to \"load the model\" when an engine starts", ge=0)]
    latency_per_prompt_s: Annotated[float, Setting("seconds per prompt", ge=0)]
    latency_per_prompt_token_s: Annotated[float, Setting("seconds per prompt token", ge=0)]
    latency_per_output_token_s: Annotated[float, Setting("seconds per output token", ge=0)]
    batch_size: Annotated[int, Setting("rows per batch handed to an engine actor", ge=1)]


class SimulatedEngine:
    """Sleeps for the modelled latency of each row, then answers."""

    def __init__(self, settings: SimulatedSettings) -> None:
        self.settings = settings
        if settings.load_s > 0:
            time.sleep(settings.load_s)  # stands in for loading weights onto a GPU

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """One fixed answer per row (overflowing rows are not "run")."""
        return [self._one(row) for row in rows]

    def _one(self, row: PromptRow) -> Generation:
        if row.context_overflow:
            return Generation.overflow()
        words = self.settings.answer.split()
        output = words[: row.max_tokens]
        s = self.settings
        latency = (
            s.latency_per_prompt_s
            + s.latency_per_prompt_token_s * row.prompt_tokens
            + s.latency_per_output_token_s * len(output)
        )
        started = time.perf_counter()
        if latency > 0:
            time.sleep(latency)
        finish = "length" if len(output) < len(words) else "stop"
        return Generation(" ".join(output), len(output), finish, None,
                          time.perf_counter() - started)


class SimulatedPlugin(ActorPoolEngine):
    """The simulated engine's declaration: its section, and an actor pool of it."""

    name = "simulated"
    settings_type = SimulatedSettings

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return SimulatedEngine(settings.section())


ENGINE = SimulatedPlugin()
