"""Aggregates: mean x 100 per metric, LongHealth per subtask, level scores.

Plain means at full precision (protocol deviations 1 and 7). NaN marks an unscored sample:
it is left out of the mean, and a metric with no scored sample is absent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

LONGHEALTH = "longhealth"
SUBTASKS = ("task1", "task2", "task3")
LEVELS = (1, 2)


def mean100(values: Iterable[float]) -> float | None:
    """100 x the mean of the non-NaN values; None when there is none."""
    kept = [v for v in values if not math.isnan(v)]
    return 100.0 * sum(kept) / len(kept) if kept else None


def _metric_names(per_sample: Sequence[Mapping[str, float]]) -> list[str]:
    names: dict[str, None] = {}
    for metrics in per_sample:
        names.update(dict.fromkeys(metrics))
    return list(names)


def _longhealth(per_sample: Sequence[Mapping[str, float]], subtasks: Sequence[str | None]
                ) -> dict[str, float]:
    result: dict[str, float] = {}
    for subtask in SUBTASKS:
        mean = mean100(m["accuracy"] for m, s in zip(per_sample, subtasks, strict=True)
                       if s == subtask and "accuracy" in m)
        if mean is not None:
            result[f"{subtask}_accuracy"] = mean
    if result:
        result["accuracy"] = sum(result.values()) / len(result)
    return result


def aggregate_task(
    task: str, per_sample: Sequence[Mapping[str, float]], subtasks: Sequence[str | None]
) -> dict[str, float]:
    """Mean x 100 of every metric over the samples of one task.

    LongHealth: `task1_accuracy`..`task3_accuracy` (mean x 100 of the per-sample `accuracy` of
    that subtask) and `accuracy`, the plain mean of the subtask scores that are present.
    """
    if len(per_sample) != len(subtasks):
        raise ValueError("per_sample and subtasks differ in length")
    if task == LONGHEALTH:
        return _longhealth(per_sample, subtasks)
    result: dict[str, float] = {}
    for name in _metric_names(per_sample):
        mean = mean100(m[name] for m in per_sample if name in m)
        if mean is not None:
            result[name] = mean
    return result


def level_scores(
    task_aggregates: Mapping[str, Mapping[str, float]],
    headline: Mapping[str, str],
    levels: Mapping[str, int],
) -> dict[str, float]:
    """`level1`, `level2`: plain mean of the headline metrics of the level's tasks, present only
    when every task of that level has its headline value."""
    result: dict[str, float] = {}
    for level in LEVELS:
        tasks = [t for t, lv in levels.items() if lv == level]
        values = [task_aggregates.get(t, {}).get(headline.get(t, "")) for t in tasks]
        present = [v for v in values if v is not None and not math.isnan(v)]
        if tasks and len(present) == len(tasks):
            result[f"level{level}"] = sum(present) / len(present)
    return result
