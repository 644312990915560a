"""Per model and task: row counts, flag counts and aggregate scores, from the shards alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clue_ray.errors import excerpt
from clue_ray.metrics.aggregate import aggregate_task, level_scores
from clue_ray.metrics.failures import CONTEXT_OVERFLOW
from clue_ray.results.load import with_later_columns
from clue_ray.results.text_table import format_table, number
from clue_ray.rows import KEY_COLUMNS, METRIC_PREFIX
from clue_ray.storage.run_folder import RunFolder
from clue_ray.tasks.registry import CLUE, TaskSet

ERROR_CHARS = 160  # an error text may quote a prompt: keep only its start


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


def load_rows(run_dir: Path, scoring_id: str | None = None, model: str = "*") -> pd.DataFrame:
    """Every stored prediction of a run folder (of one model, when named) with its scores,
    flags and answer under one scoring id (default: the newest); empty frame when there are
    none. Rows without a score under that id have no metrics and no flags; `answer` is null
    where no shard has it."""
    folder = RunFolder(run_dir)
    predictions = folder.read_predictions(model)
    if predictions is None:
        return pd.DataFrame()
    rows = predictions.to_pandas()
    scoring_id = scoring_id or folder.newest_scoring_id()
    scores = folder.read_scores(scoring_id, model) if scoring_id else None
    if scores is None:
        return with_later_columns(
            rows.assign(flags=[[] for _ in range(len(rows))], scorer_error=None))
    score_frame = scores.to_pandas().drop(columns=["run_id", "subtask", "context_overflow"])
    merged = with_later_columns(rows.merge(score_frame, on=["model", *KEY_COLUMNS], how="left"))
    merged["flags"] = merged["flags"].map(lambda v: list(v) if isinstance(v, list | tuple)
                                          or hasattr(v, "tolist") else [])
    return merged


def failed_rows(frame: pd.DataFrame) -> list[str]:
    """One line per model, task and kind of failure: how many rows, and the first error."""
    lines: list[str] = []
    if frame.empty:
        return lines
    for (model, task), group in frame.groupby(["model", "task"], sort=True):
        for column, what in (("engine_error", "an engine error"),
                             ("scorer_error", "a scorer error")):
            errors = group[column].dropna() if column in group else None
            if errors is not None and len(errors):
                lines.append(f"  {model}/{task}: {len(errors)} row(s) with {what}, the first: "
                             f"{excerpt(errors.iloc[0], ERROR_CHARS)}")
    return lines


def summarise(frame: pd.DataFrame, tasks: TaskSet = CLUE) -> dict[str, ModelSummary]:
    """Aggregate scores (mean x 100) and flag counts per model and task (`tasks`: their
    declarations)."""
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
            rows=len(group), flags=flags, flagged_rows=flagged,
            scores=aggregate_task(tasks[str(task)], per_sample, subtasks),
        )
    for summary in result.values():
        summary.levels = level_scores(
            {t: g.scores.get(tasks[t].headline_metric) for t, g in summary.tasks.items()},
            tasks.level_of(),
            [t for t, g in summary.tasks.items() if g.flags.get(CONTEXT_OVERFLOW)])
    return result


def headline_table(summaries: dict[str, ModelSummary], tasks: Sequence[str],
                   task_set: TaskSet = CLUE) -> str:
    """A text table: one row per model, each task's headline score, level scores, and the
    number of rows with at least one flag."""
    rows = []
    for model, summary in summaries.items():
        cells = [model]
        for task in tasks:
            group = summary.tasks.get(task)
            cells.append(number(group.scores.get(task_set[task].headline_metric) if group
                                else None))
        cells.extend(number(summary.levels.get(f"level{level}")) for level in task_set.levels())
        cells.append(str(sum(g.flagged_rows for g in summary.tasks.values())))
        rows.append(cells)
    return format_table(["model", *tasks, *(f"level{lv}" for lv in task_set.levels()),
                         "flagged"], rows)
