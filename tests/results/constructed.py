"""Small result sets built by hand: real Parquet shards and manifests, no sweep."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from clue_ray.rows import METRIC_PREFIX, UNSEEDED
from clue_ray.storage.run_folder import RunFolder

SCORING_ID = "constructed"


def write_group(run_dir: Path, model: str, task: str, sample_ids: Sequence[str],
                metrics: dict[str, Sequence[float]], *, subtasks: Sequence[str] | None = None,
                flags: Sequence[str] | None = None, overflow: Sequence[bool] | None = None,
                texts: Sequence[str] | None = None, seed: int = UNSEEDED,
                answers: Sequence[str | None] | None = None) -> None:
    """One shard of one model/task: the given per-sample metrics (fractions), flags
    (comma strings), prediction/reference texts and extracted answers (default: null)."""
    n = len(sample_ids)
    frame = pd.DataFrame({
        "run_id": run_dir.name, "model": model, "task": task, "sample_id": list(sample_ids),
        "subtask": list(subtasks) if subtasks else [None] * n, "seed": seed,
        "context_overflow": list(overflow) if overflow else [False] * n,
        "flags": list(flags) if flags else [""] * n,
        "prediction": list(texts) if texts else ["answer"] * n,
        "reference": list(texts) if texts else ["reference"] * n,
        "answer": list(answers) if answers else [None] * n,
        **{METRIC_PREFIX + name: list(values) for name, values in metrics.items()},
    })
    columns = [METRIC_PREFIX + name for name in metrics]
    RunFolder(run_dir).write_rows(model, task, frame, columns, SCORING_ID)


def write_manifest(run_dir: Path, models: dict[str, tuple[str, str | None]],
                   **extra: object) -> None:
    """A manifest naming each model's kind and base model (plus any extra keys)."""
    manifest = {"run_id": run_dir.name,
                "models": [{"name": n, "kind": k, "base_model": b}
                           for n, (k, b) in models.items()], **extra}
    RunFolder(run_dir).write_manifest(json.dumps(manifest))


def longhealth_ids(questions: Sequence[str], repeats: int) -> tuple[list[str], list[str]]:
    """Sample ids patient/question/subtask/repeat and their subtasks."""
    ids, subtasks = [], []
    for question in questions:
        for subtask in ("task1", "task2", "task3"):
            for repeat in range(repeats):
                ids.append(f"{question}/{subtask}/{repeat}")
                subtasks.append(subtask)
    return ids, subtasks
