"""A worked example of an engine plugin: `echo` answers every row with the last `words` words
of its prompt text (a trivial lower bound: copying the input). No model weights are loaded.

It is a whole engine in one module: its settings section, its engine, and its declaration
(`ENGINE`). Dropped into clue_ray/engines/ it is found by reading the package; from a package
of your own it is found through an entry point of the group `clue_ray.engines`
(`echo = echo_engine:ENGINE`). Its config is conf/engine/echo.yaml (echo.yaml beside this).
"""

from __future__ import annotations

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
class EchoSettings:
    """`engine.echo`: each field's description and range, checked when the config loads."""

    words: Annotated[int, Setting("trailing words of the prompt answered with", ge=1)]
    batch_size: Annotated[int, Setting("rows per batch handed to an engine actor", ge=1)]


class EchoEngine:
    """Answers each row with the end of its own prompt."""

    def __init__(self, settings: EchoSettings) -> None:
        self.words = settings.words

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """One answer per row, in order; a prompt too long for the model is not answered."""
        results = []
        for row in rows:
            if row.context_overflow:
                results.append(Generation.overflow())
                continue
            answer = " ".join(row.prompt.split()[-self.words:][: row.max_tokens])
            results.append(Generation(answer, len(answer.split()), "stop", None, 0.0))
        return results


class EchoPlugin(ActorPoolEngine):
    """The declaration: its name and section, and an actor pool of it."""

    name = "echo"
    settings_type = EchoSettings

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return EchoEngine(settings.section())


ENGINE = EchoPlugin()
