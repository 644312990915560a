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

from clue_ray.engines.actor_pool import ActorPoolEngine
from clue_ray.engines.base import Engine, Generation, PromptRow
from clue_ray.engines.settings import EngineSettings
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.tasks.registry import TaskSet


@dataclass
class EchoSettings:
    """`engine.echo`: how many trailing words of the prompt to answer with."""

    words: int
    batch_size: int


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
    """The declaration: its name and section, a check of its own, and an actor pool of it."""

    name = "echo"
    settings_type = EchoSettings

    def check_settings(self, section: EchoSettings) -> None:
        if section.words < 1:
            raise ConfigError(f"engine.echo.words must be 1 or more, got {section.words}")

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return EchoEngine(settings.section())


ENGINE = EchoPlugin()
