"""`clue-ray score`: score one task's predictions against the task's references."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clue_ray.config import ScoreCommand
from clue_ray.errors import DatasetError
from clue_ray.fileio import json_safe, write_atomic
from clue_ray.metrics.aggregate import aggregate_task
from clue_ray.metrics.scoring import ScoreItem, TaskScorer
from clue_ray.tasks.readers import read_jsonl, require_object, require_str
from clue_ray.tasks.user_tasks import task_set


def read_predictions(path: Path, known_ids: set[str]) -> dict[str, str]:
    """`{sample_id: prediction}` from JSON lines; unknown or repeated ids are errors."""
    predictions: dict[str, str] = {}
    for index, raw in enumerate(read_jsonl(path)):
        row = require_object(path, index, raw)
        sample_id = require_str(path, index, row, "sample_id")
        if sample_id not in known_ids:
            raise DatasetError(path, f"unknown sample_id {sample_id!r} for this task",
                               record=index, field="sample_id")
        if sample_id in predictions:
            raise DatasetError(path, f"sample_id {sample_id!r} appears twice",
                               record=index, field="sample_id")
        predictions[sample_id] = require_str(path, index, row, "prediction")
    return predictions


def run_score(cmd: ScoreCommand) -> int:
    """Score, aggregate (mean x 100) and write `{"samples": [...], "aggregate": {...}}` (each
    sample with its `answer`, as score rows keep it); the task may be one of `user_tasks`."""
    task = task_set(cmd.user_tasks)[cmd.task]
    references = task.read_references(Path(cmd.data_dir))
    predictions = read_predictions(Path(cmd.predictions), {r.sample_id for r in references})
    items = [
        ScoreItem(r.sample_id, cmd.task, r.subtask, r.reference, predictions[r.sample_id])
        for r in references
        if r.sample_id in predictions
    ]
    missing = len(references) - len(items)
    if missing:
        print(f"warning: {missing} of {len(references)} samples have no prediction and are "
              "not scored", file=sys.stderr)
    scorer = TaskScorer(cmd.scoring, [task])
    per_sample = scorer.score(cmd.task, items)
    answers = scorer.answers(cmd.task, items)
    aggregate = aggregate_task(task, per_sample, [item.subtask for item in items])
    result = {
        "samples": [
            {"sample_id": item.sample_id, "answer": answer, "metrics": metrics}
            for item, answer, metrics in zip(items, answers, per_sample, strict=True)
        ],
        "aggregate": aggregate,
        "counts": {"scored": len(items), "missing": missing},
    }
    write_atomic(Path(cmd.out), json.dumps(json_safe(result), indent=1) + "\n")
    summary = ", ".join(f"{name}={value:.2f}" for name, value in aggregate.items())
    print(f"scored {len(items)} {cmd.task} samples -> {cmd.out}: {summary}", file=sys.stderr)
    return 0
