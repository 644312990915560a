"""The leaderboard: one row per model and seed pass, every task's metrics (x 100), headline
scores and level scores with bootstrap intervals, sample and flagged-row counts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clue_ray.metrics.aggregate import level_scores
from clue_ray.models import ModelKind
from clue_ray.results.bootstrap import interval, point_estimate, resample
from clue_ray.results.load import ResultSet, seed_label
from clue_ray.results.samples import single
from clue_ray.results.settings import BootstrapSettings
from clue_ray.results.summary import summarise
from clue_ray.tasks.registry import CLUE, TaskSet

NAN = float("nan")


@dataclass
class Board:
    """The leaderboard table, the tasks it covers, and notes for the reader."""

    table: pd.DataFrame
    tasks: list[str]
    notes: list[str] = field(default_factory=list)


def level_tasks(level: int, tasks: TaskSet = CLUE) -> list[str]:
    """The tasks of a level, in registry order."""
    return [t for t in tasks if tasks[t].level == level]


def overflowed_tasks(rows: pd.DataFrame) -> set[str]:
    """Tasks with prompts that did not fit the model's context."""
    return {str(t) for t in rows.loc[rows["context_overflow"].fillna(False).astype(bool),
                                     "task"].unique()}


def withheld_levels(rows: pd.DataFrame, tasks: TaskSet = CLUE) -> dict[int, int]:
    """Levels with context-overflow rows (level -> rows): the study reports no level score
    for a model whose prompts do not fit its context."""
    overflow = rows[rows["context_overflow"].fillna(False).astype(bool)]
    found: dict[int, int] = {}
    for task, count in overflow.groupby("task").size().items():
        level = tasks[str(task)].level
        found[level] = found.get(level, 0) + int(count)
    return found


def family(model: str, kind: str, base: str | None) -> str:
    """Colour group of the headline plot: the base model for biomedical ones."""
    if kind == ModelKind.baseline:
        return ModelKind.baseline.value
    return base if kind == ModelKind.biomedical and base else model


def entry_row(model: str, seed: int, rows: pd.DataFrame, results: ResultSet,
              settings: BootstrapSettings, notes: list[str]) -> dict[str, object]:
    """One leaderboard row."""
    info = results.models[model]
    summary = summarise(rows, results.tasks)[model]
    row: dict[str, object] = {
        "model": model, "seed": seed_label(seed), "kind": info.kind,
        "base_model": info.base_model or "", "family": family(model, info.kind, info.base_model),
        "runs": ";".join(sorted(rows["run_id"].astype(str).unique())),
    }
    draws: dict[str, np.ndarray] = {}
    headlines: dict[str, float] = {}
    for task, group in summary.tasks.items():
        task_rows = rows[rows["task"] == task]
        sample = single(task_rows, results.tasks[task])
        headline = NAN
        low = high = NAN
        if sample.clusters:
            headline = float(point_estimate(sample)[0])
            draws[task] = resample(sample, settings.resamples, settings.seed, task)[:, 0]
            low, high = interval(draws[task], settings.confidence)
        headlines[task] = headline
        row[f"{task}.headline"], row[f"{task}.headline_lo"], row[f"{task}.headline_hi"] = (
            headline, low, high)
        row[f"{task}.samples"] = group.rows
        row[f"{task}.flagged"] = group.flagged_rows
        for metric, value in group.scores.items():
            row[f"{task}.{metric}"] = value
    overflowed = overflowed_tasks(rows)
    level_of = results.tasks.level_of()
    points = level_scores({t: headlines[t] for t in draws}, level_of, overflowed)
    level_draws = level_scores(draws, level_of, overflowed)
    withheld = withheld_levels(rows, results.tasks)
    for level in results.tasks.levels():
        name = f"level{level}"
        value = low = high = NAN
        if level in withheld:
            notes.append(f"{model} ({seed_label(seed)}): no level {level} score, "
                         f"{withheld[level]} prompts overflowed the model's context")
        elif name in points:
            value = float(points[name])
            low, high = interval(level_draws[name], settings.confidence)
        row[name], row[f"{name}_lo"], row[f"{name}_hi"] = value, low, high
    row["samples"] = len(rows)
    row["flagged"] = sum(g.flagged_rows for g in summary.tasks.values())
    return row


def build_leaderboard(results: ResultSet, settings: BootstrapSettings) -> Board:
    """Rows ordered by Level 1 + Level 2 score (missing levels last), then model name."""
    notes: list[str] = []
    records = [entry_row(str(model), int(seed), rows, results, settings, notes)
               for (model, seed), rows in results.rows.groupby(["model", "seed"], sort=True)]
    tasks = [t for t in results.tasks if t in set(results.rows["task"])]
    table = pd.DataFrame(records)
    first = ["model", "seed", "kind", "base_model", "family", "runs"]
    by_level = [f"level{lv}{s}" for lv in results.tasks.levels() for s in ("", "_lo", "_hi")]
    per_task = [c for t in tasks for c in table.columns if c.startswith(f"{t}.")]
    table = table[[*first, *by_level, *per_task, "samples", "flagged"]]
    rank = table["level1"].fillna(-1.0) + table["level2"].fillna(-1.0)
    table = table.assign(_rank=rank).sort_values(["_rank", "model"], ascending=[False, True])
    return Board(table.drop(columns="_rank").reset_index(drop=True), tasks, notes)
