"""What scoring asks of a task: the facts of its declaration that metrics read. A task's
declaration (tasks/definition.py TaskDefinition) has them; scoring is handed declarations,
so metrics/ imports nothing from tasks/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Metrics = dict[str, float]  # per-sample metric name -> value


class ScoredTask(Protocol):
    """A task as scoring, flags and aggregates see it."""

    @property
    def name(self) -> str: ...

    @property
    def headline_metric(self) -> str: ...

    @property
    def metric_names(self) -> tuple[str, ...]: ...

    @property
    def subtasks(self) -> tuple[str, ...]: ...

    @property
    def score_sample(self) -> Callable[[str, str], Metrics] | None: ...

    @property
    def extract_answer(self) -> Callable[[str], str] | None: ...

    @property
    def answer_followed(self) -> Callable[[str], bool] | None: ...

    @property
    def invalid_codes(self) -> Callable[[str], bool] | None: ...
