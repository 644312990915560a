"""Aggregates: mean x 100 per metric, per subtask for tasks that have subtasks, level scores.

Plain means at full precision (protocol deviations 1 and 7). NaN marks an unscored sample:
it is left out of the mean, and a metric with no scored sample is absent.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from clue_ray.metrics.scored_task import ScoredTask

if TYPE_CHECKING:
    import numpy as np

LEVELS = (1, 2)  # CLUE's; a user's task may open another (tasks/user_tasks.py)
V = TypeVar("V", float, "np.ndarray")  # a score, or an array of bootstrap draws of it


def mean100(values: Iterable[float]) -> float | None:
    """100 x the mean of the non-NaN values; None when there is none."""
    kept = [v for v in values if not math.isnan(v)]
    return 100.0 * sum(kept) / len(kept) if kept else None


def _metric_names(per_sample: Sequence[Mapping[str, float]]) -> list[str]:
    names: dict[str, None] = {}
    for metrics in per_sample:
        names.update(dict.fromkeys(metrics))
    return list(names)


def _by_subtask(per_sample: Sequence[Mapping[str, float]], subtasks: Sequence[str | None],
                names: Sequence[str], headline: str) -> dict[str, float]:
    result: dict[str, float] = {}
    for subtask in names:
        mean = mean100(m[headline] for m, s in zip(per_sample, subtasks, strict=True)
                       if s == subtask and headline in m)
        if mean is not None:
            result[f"{subtask}_{headline}"] = mean
    if result:
        result[headline] = sum(result.values()) / len(result)
    return result


def aggregate_task(
    task: ScoredTask, per_sample: Sequence[Mapping[str, float]], subtasks: Sequence[str | None]
) -> dict[str, float]:
    """Mean x 100 of every metric over the samples of one task.

    A task with subtasks (LongHealth): `<subtask>_<headline>` per subtask (mean x 100 of the
    per-sample headline metric of that subtask, e.g. `task1_accuracy`) and the headline, the
    plain mean of the subtask scores that are present.
    """
    if len(per_sample) != len(subtasks):
        raise ValueError("per_sample and subtasks differ in length")
    if task.subtasks:
        return _by_subtask(per_sample, subtasks, task.subtasks, task.headline_metric)
    result: dict[str, float] = {}
    for name in _metric_names(per_sample):
        mean = mean100(m[name] for m in per_sample if name in m)
        if mean is not None:
            result[name] = mean
    return result


def level_scores(values: Mapping[str, V | None], levels: Mapping[str, int],
                 overflowed: Collection[str] = ()) -> dict[str, V]:
    """`level1`, `level2` (and `levelN` for a level a user's task opens): the plain mean of
    the values of the level's tasks (headline scores,
    or arrays of their bootstrap draws), present only when every task of the level has a
    value and none had prompts that overflowed the model's context (the study reports no
    level score then). The one rule the run summary, the manifest, the leaderboard and the
    deltas use."""
    result: dict[str, V] = {}
    for level in sorted({*LEVELS, *levels.values()}):
        tasks = [t for t, lv in levels.items() if lv == level]
        if not tasks or any(t in overflowed for t in tasks):
            continue
        parts = [p for p in (values.get(t) for t in tasks) if p is not None and not _absent(p)]
        if len(parts) < len(tasks):
            continue
        result[f"level{level}"] = sum(parts[1:], parts[0]) / len(parts)
    return result


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
