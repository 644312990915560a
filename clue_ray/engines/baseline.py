"""The parameterless baseline: each task's fixed, deterministic rule (its declaration's
`baseline`, see tasks/baselines.py), no model."""

from __future__ import annotations

from collections.abc import Sequence

from clue_ray.engines.base import Generation, PromptRow
from clue_ray.tasks.registry import task_info


def baseline_answer(task: str, messages: Sequence[dict[str, str]]) -> str:
    """The task's rule's answer for one conversation."""
    return task_info(task).baseline(messages)


class BaselineEngine:
    """Applies the rule to every row."""

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Answers in order; overflowing rows are answered too (the rule needs no context)."""
        results = []
        for row in rows:
            answer = baseline_answer(row.task, row.messages)
            results.append(Generation(answer, len(answer.split()), "stop", None, 0.0))
        return results
