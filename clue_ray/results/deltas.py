"""Biomedical model vs its base model: per-task and per-level differences of the headline
scores, with paired bootstrap intervals (same sample ids on both sides) and p-values."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clue_ray.metrics.aggregate import level_scores
from clue_ray.models import ModelKind
from clue_ray.results.bootstrap import interval, p_value, point_estimate, resample
from clue_ray.results.leaderboard import overflowed_tasks
from clue_ray.results.load import ResultSet, seed_label
from clue_ray.results.samples import paired
from clue_ray.results.settings import BootstrapSettings
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import CLUE, TaskSet

COLUMNS = ["model", "base_model", "seed", "scope", "name", "metric", "model_score",
           "base_score", "delta", "ci_lo", "ci_hi", "p_value", "paired_samples", "worse",
           "significant"]


@dataclass
class Comparison:
    """The deltas table, the study's "worse than base" counts as sentences, and notes."""

    table: pd.DataFrame
    summary: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class TaskDelta:
    """One task's paired point scores and bootstrap draws of the difference."""

    model_score: float
    base_score: float
    draws: np.ndarray
    samples: int


def task_delta(model_rows: pd.DataFrame, base_rows: pd.DataFrame, task: TaskDefinition,
               settings: BootstrapSettings) -> TaskDelta | None:
    """Paired comparison on one task (None when no sample is scored on both sides)."""
    sample, count = paired(model_rows[model_rows.task == task.name],
                           base_rows[base_rows.task == task.name], task)
    if not count:
        return None
    model_score, base_score = point_estimate(sample)
    draws = resample(sample, settings.resamples, settings.seed, task.name)
    return TaskDelta(float(model_score), float(base_score), draws[:, 0] - draws[:, 1], count)


def record(head: dict[str, object], model_score: float, base_score: float, draws: np.ndarray,
           samples: int, confidence: float) -> dict[str, object]:
    """One table row from point scores and draws of the difference."""
    delta = model_score - base_score
    low, high = interval(draws, confidence)
    return {**head, "model_score": model_score, "base_score": base_score, "delta": delta,
            "ci_lo": low, "ci_hi": high, "p_value": p_value(draws), "paired_samples": samples,
            "worse": bool(delta < 0), "significant": bool(low > 0 or high < 0)}


def compare(model_rows: pd.DataFrame, base_rows: pd.DataFrame, head: dict[str, object],
            settings: BootstrapSettings, tasks: TaskSet = CLUE) -> list[dict[str, object]]:
    """Rows for every shared task, then for every level whose tasks are all shared."""
    deltas: dict[str, TaskDelta] = {}
    records = []
    for task in tasks:
        found = task_delta(model_rows, base_rows, tasks[task], settings)
        if found is not None:
            deltas[task] = found
            records.append(record({**head, "scope": "task", "name": task,
                                   "metric": tasks[task].headline_metric},
                                  found.model_score, found.base_score, found.draws,
                                  found.samples, settings.confidence))
    overflowed = overflowed_tasks(model_rows) | overflowed_tasks(base_rows)
    level_of_task = tasks.level_of()
    model_levels = level_scores({t: d.model_score for t, d in deltas.items()}, level_of_task,
                                overflowed)
    base_levels = level_scores({t: d.base_score for t, d in deltas.items()}, level_of_task,
                               overflowed)
    draw_levels = level_scores({t: d.draws for t, d in deltas.items()}, level_of_task, overflowed)
    for name in model_levels:
        samples = sum(d.samples for t, d in deltas.items() if f"level{level_of_task[t]}" == name)
        records.append(record(
            {**head, "scope": "level", "name": name, "metric": "level score"},
            float(model_levels[name]), float(base_levels[name]), draw_levels[name], samples,
            settings.confidence))
    return records


def build_deltas(results: ResultSet, settings: BootstrapSettings) -> Comparison:
    """Every biomedical model (and seed pass) against its base model's same pass."""
    comparison = Comparison(pd.DataFrame(columns=COLUMNS))
    entries = dict(iter(results.rows.groupby(["model", "seed"], sort=True)))
    records: list[dict[str, object]] = []
    for (model, seed), rows in entries.items():
        info = results.models[str(model)]
        if info.kind != ModelKind.biomedical or not info.base_model:
            continue
        base_rows = entries.get((info.base_model, seed))
        if base_rows is None:
            comparison.notes.append(f"{model} ({seed_label(seed)}): no results of its base "
                                    f"model {info.base_model} for this pass, no deltas")
            continue
        head = {"model": model, "base_model": info.base_model, "seed": seed_label(seed)}
        records.extend(compare(rows, base_rows, head, settings, results.tasks))
    if records:
        comparison.table = pd.DataFrame(records, columns=COLUMNS)
    comparison.summary = worse_counts(comparison.table, settings.confidence)
    return comparison


def worse_counts(table: pd.DataFrame, confidence: float) -> list[str]:
    """How many biomedical models score below their base on at least one task."""
    tasks = table[table["scope"] == "task"]
    if tasks.empty:
        return ["No biomedical model has results beside its base model: no comparison."]
    pairs = tasks.assign(below=tasks["ci_hi"] < 0).groupby(["model", "seed"])
    worse = int(pairs["worse"].any().sum())
    significant = int(pairs["below"].any().sum())
    total = pairs.ngroups
    share = f"{round(100 * confidence)}%"
    return [
        f"{worse} of {total} biomedical models score below their base model on at least one "
        "task (point estimates, as the study counts them).",
        f"{significant} of {total} do so with the {share} interval of the difference below 0.",
    ]
