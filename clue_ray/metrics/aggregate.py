"""Aggregates: mean x 100 per metric, LongHealth per subtask, level scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

SUBTASKS = ("task1", "task2", "task3")
LEVELS = (1, 2)


def _mean100(values: Sequence[float]) -> float | None:
    kept = [v for v in values if not math.isnan(v)]
    return 100.0 * sum(kept) / len(kept) if kept else None


def aggregate_task(
    task: str, per_sample: Sequence[Mapping[str, float]], subtasks: Sequence[str | None]
) -> dict[str, float]:
    """Mean x 100 of every metric (NaN = unscored, excluded; a metric absent everywhere is
    absent). LongHealth: `task1_accuracy`..`task3_accuracy` and `accuracy`, their mean."""
    names: list[str] = []
    for metrics in per_sample:
        names.extend(n for n in metrics if n not in names)
    if task == "longhealth":
        result: dict[str, float] = {}
        for subtask in SUBTASKS:
            values = [m["accuracy"] for m, s in zip(per_sample, subtasks, strict=True)
                      if s == subtask and "accuracy" in m]
            mean = _mean100(values)
            if mean is not None:
                result[f"{subtask}_accuracy"] = mean
        if result:
            result["accuracy"] = sum(result.values()) / len(result)
        return result
    result = {}
    for name in names:
        mean = _mean100([m[name] for m in per_sample if name in m])
        if mean is not None:
            result[name] = mean
    return result


def level_scores(
    task_aggregates: Mapping[str, Mapping[str, float]],
    headline: Mapping[str, str],
    levels: Mapping[str, int],
) -> dict[str, float]:
    """`level1`, `level2`: mean of the level's headline metrics, present only when every task
    of the level has its headline value."""
    result = {}
    for level in LEVELS:
        tasks = [t for t, lv in levels.items() if lv == level]
        values = [task_aggregates.get(t, {}).get(headline[t]) for t in tasks]
        if tasks and all(v is not None for v in values):
            result[f"level{level}"] = sum(values) / len(values)  # type: ignore[arg-type]
    return result
