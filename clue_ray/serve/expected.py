"""How many rows a run will store per model and task, for the live page's progress.

A run stores one row per (model, task, sample, seed pass). The counts come from the run's
settings: for the run the server was started with (its plan: known before the run writes
anything), else from the run's manifest (`config`: models, tasks, limit, seeds, data_dir),
counting the samples of its data folder (ids only). Unknown (None) when neither can be had.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from clue_ray.errors import ClueError
from clue_ray.tasks.registry import CLUE, TaskSet

Expected = dict[str, dict[str, int | None]]  # model -> task -> rows (None: unknown)


def expected_rows(models: Iterable[str], samples: Mapping[str, int | None], limit: int | None,
                  seed_passes: int) -> Expected:
    """Rows per model and task: the task's samples (at most `limit`) x the seed passes."""
    counts = {task: None if n is None else min(n, limit or n) * seed_passes
              for task, n in samples.items()}
    return {model: dict(counts) for model in models}


class SampleCounter:
    """Samples per (data folder, task), counted once each (from sample ids only)."""

    def __init__(self, count: Callable[[str, Path], int] | None = None,
                 tasks: TaskSet = CLUE) -> None:
        self._count = count or (lambda task, data_dir: len(tasks.references(task, data_dir)))
        self._known: dict[tuple[str, str], int | None] = {}

    def __call__(self, data_dir: str, task: str) -> int | None:
        """The count, or None when the data cannot be read here."""
        key = (data_dir, task)
        if key not in self._known:
            try:
                self._known[key] = self._count(task, Path(data_dir))
            except (ClueError, OSError, ValueError):
                self._known[key] = None
        return self._known[key]


def from_manifest(manifest: Mapping[str, Any], counter: SampleCounter,
                  known: TaskSet = CLUE) -> Expected:
    """Expected rows of a run, from the settings its manifest records (tasks the page was
    not given are left out)."""
    config = manifest.get("config", {})
    tasks = [t for t in config.get("tasks", []) if t in known]
    data_dir = config.get("data_dir")
    samples = {t: counter(str(data_dir), t) if data_dir else None for t in tasks}
    return expected_rows(config.get("models", []), samples, config.get("limit"),
                         len(config.get("seeds") or []) or 1)


def progress_rows(rows: pd.DataFrame, expected: Mapping[str, Expected],
                  tasks: TaskSet = CLUE) -> list[dict[str, Any]]:
    """One entry per run, model and task: rows stored (scored) and rows expected; every
    expected group is listed, stored or not yet."""
    stored: dict[tuple[str, str, str], int] = {}
    if not rows.empty:
        for (run, model, task), group in rows.groupby(["run_id", "model", "task"]):
            stored[(str(run), str(model), str(task))] = len(group)
    keys = set(stored) | {(run, model, task) for run, by_model in expected.items()
                          for model, by_task in by_model.items() for task in by_task}
    order = {task: i for i, task in enumerate(tasks)}
    return [{"run_id": run, "model": model, "task": task, "stored": stored.get((run, model, task),
                                                                               0),
             "expected": expected.get(run, {}).get(model, {}).get(task)}
            for run, model, task in sorted(keys, key=lambda k: (k[0], k[1], order.get(k[2], 99)))]
