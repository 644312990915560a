"""The scoring stage: a CPU Ray Data actor holding one TaskScorer (models loaded once)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from clue_ray.metrics.failures import (
    CONTEXT_OVERFLOW,
    ENGINE_ERROR,
    SCORER_ERROR,
    failure_flags,
)
from clue_ray.metrics.scoring import ScoreItem, TaskScorer, error_text
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.rows import METRIC_PREFIX, require_columns
from clue_ray.tasks.registry import CLUE, TaskSet

NEEDS = ("task", "subtask", "sample_id", "reference", "prediction", "engine_error",
         "context_overflow")


def present(value: object) -> bool:
    """Whether a cell holds a value (Ray Data hands nulls over as None, NaN or pd.NA)."""
    return value is not None and not pd.isna(value)


def metric_columns(scorer: TaskScorer, tasks: Sequence[str]) -> list[str]:
    """`metric_<name>` for every metric of the selected tasks (one schema for all batches)."""
    names: list[str] = []
    for task in tasks:
        names.extend(n for n in scorer.metric_names(task) if n not in names)
    return [METRIC_PREFIX + n for n in names]


class ScoringStage:
    """Callable class for `Dataset.map_batches`: adds `metric_*` columns, `flags`,
    `scorer_error` and `answer`. `tasks`: the names scored, declared in `task_set` (the
    run's tasks)."""

    def __init__(self, settings: ScoringSettings, tasks: Sequence[str],
                 task_set: TaskSet = CLUE) -> None:
        self.scorer = TaskScorer(settings, task_set.pick(tasks))
        self.scorer.load()
        self.repetition = settings.repetition
        self.columns = metric_columns(self.scorer, tasks)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Score every row that has a prediction; failure modes and errors become flags, and
        a metric group that fails leaves its error in `scorer_error` (the others stay).
        `answer` holds what the task extracts from each answered row (null for rows never
        answered: context overflow, engine error; and for tasks that extract nothing)."""
        require_columns("scoring", batch.columns, NEEDS)
        out = batch.reset_index(drop=True).copy()
        for column in self.columns:
            out[column] = math.nan
        out["answer"] = pd.Series([None] * len(out), dtype=object)
        flags: list[list[str]] = [[] for _ in range(len(out))]
        errors: list[str | None] = [None] * len(out)
        for index, row in out.iterrows():
            if row["context_overflow"]:
                flags[index].append(CONTEXT_OVERFLOW)
            if present(row["engine_error"]):
                flags[index].append(ENGINE_ERROR)
            if not flags[index]:  # the engine answered a prompt that fitted
                text = str(row["prediction"]) if present(row["prediction"]) else ""
                flags[index].extend(failure_flags(self.scorer.task(str(row["task"])), text,
                                                    self.repetition))
        for task, group in out.groupby("task", sort=False):
            scorable = [i for i in group.index if not present(out.at[i, "engine_error"])]
            failed = self._score(out, str(task), scorable)
            for i in scorable if failed else []:
                flags[i].append(SCORER_ERROR)
                errors[i] = failed
        out["flags"] = [",".join(f) for f in flags]
        out["scorer_error"] = errors
        return out

    def _score(self, out: pd.DataFrame, task: str, rows: list[int]) -> str | None:
        """Fill the metric columns and the answers of these rows; the errors of the groups
        (and of the extraction) that failed, if any."""
        if not rows:
            return None
        items = [
            ScoreItem(
                sample_id=str(out.at[i, "sample_id"]),
                task=task,
                subtask=out.at[i, "subtask"] if present(out.at[i, "subtask"]) else None,
                reference=str(out.at[i, "reference"]),
                prediction=str(out.at[i, "prediction"]) if present(out.at[i, "prediction"])
                else "",
            )
            for i in rows
        ]
        results, errors = self.scorer.score_each_group(task, items)
        for i, metrics in zip(rows, results, strict=True):
            for name, value in metrics.items():
                out.at[i, METRIC_PREFIX + name] = value
        answered = [(i, item) for i, item in zip(rows, items, strict=True)
                    if not out.at[i, "context_overflow"]]
        try:
            answers = self.scorer.answers(task, [item for _, item in answered])
        except Exception as err:  # a user's extraction that fails: flagged like a group
            errors["answer"] = error_text(err)
        else:
            for (i, _), answer in zip(answered, answers, strict=True):
                out.at[i, "answer"] = answer
        if not errors:
            return None
        return "; ".join(f"{group}: {error}" for group, error in errors.items())
