"""Per model and task: row counts, flag counts and aggregate scores, from the shards alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clue_ray.metrics.aggregate import aggregate_task, level_scores
from clue_ray.pipeline.columns import METRIC_PREFIX
from clue_ray.pipeline.shards import read_shards
from clue_ray.results.text_table import format_table, number
from clue_ray.tasks.registry import TASKS


@dataclass
class GroupSummary:
    """One model/task group (one seed pass at a time is averaged together)."""

    rows: int
    flags: dict[str, int]
    scores: dict[str, float]
    flagged_rows: int = 0


@dataclass
class ModelSummary:
    """All groups of a model, and its level scores."""

    tasks: dict[str, GroupSummary] = field(default_factory=dict)
    levels: dict[str, float] = field(default_factory=dict)


def load_rows(run_dir: Path) -> pd.DataFrame:
    """Every stored row under a run folder (empty frame when none)."""
    table = read_shards(run_dir)
    return table.to_pandas() if table is not None else pd.DataFrame()


def summarise(frame: pd.DataFrame) -> dict[str, ModelSummary]:
    """Aggregate scores (mean x 100) and flag counts per model and task."""
    result: dict[str, ModelSummary] = {}
    if frame.empty:
        return result
    for (model, task), group in frame.groupby(["model", "task"], sort=True):
        metrics = [c for c in group.columns if c.startswith(METRIC_PREFIX)
                   and group[c].notna().any()]
        per_sample = [
            {c[len(METRIC_PREFIX):]: float(v) for c, v in zip(metrics, values, strict=True)}
            for values in group[metrics].itertuples(index=False, name=None)
        ]
        subtasks = [s if isinstance(s, str) else None for s in group["subtask"]]
        flags: dict[str, int] = {}
        flagged = 0
        for row_flags in group["flags"]:
            present = list(row_flags) if row_flags is not None else []
            flagged += bool(present)
            for flag in present:
                flags[flag] = flags.get(flag, 0) + 1
        summary = result.setdefault(str(model), ModelSummary())
        summary.tasks[str(task)] = GroupSummary(
            rows=len(group), flags=flags, scores=aggregate_task(str(task), per_sample, subtasks),
            flagged_rows=flagged,
        )
    headline = {name: info.headline_metric for name, info in TASKS.items()}
    levels = {name: info.level for name, info in TASKS.items()}
    for summary in result.values():
        summary.levels = level_scores(
            {t: g.scores for t, g in summary.tasks.items()}, headline, levels
        )
    return result


def headline_table(summaries: dict[str, ModelSummary], tasks: Sequence[str]) -> str:
    """A text table: one row per model, each task's headline score, level scores, and the
    number of rows with at least one flag."""
    rows = []
    for model, summary in summaries.items():
        cells = [model]
        for task in tasks:
            group = summary.tasks.get(task)
            cells.append(number(group.scores.get(TASKS[task].headline_metric) if group else None))
        cells.extend(number(summary.levels.get(level)) for level in ("level1", "level2"))
        cells.append(str(sum(g.flagged_rows for g in summary.tasks.values())))
        rows.append(cells)
    return format_table(["model", *tasks, "level1", "level2", "flagged"], rows)
