"""MedNLI (Level 1): entailment / neutral / contradiction between two clinical sentences.
Declared in clue_ray/data/tasks/mednli.yaml; here its reader and score rule (tasks/hooks.py)."""

from __future__ import annotations

from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.metrics.accuracy import mednli_accuracy
from clue_ray.metrics.scored_task import Metrics
from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_jsonl, require_object, require_str
from clue_ray.tasks.task_yaml import packaged_task

LABELS = ("entailment", "neutral", "contradiction")


def load_records(path: Path) -> list[Record]:
    """Records of `mli_test_v1.jsonl`; fields other than the three used are ignored."""
    records: list[Record] = []
    for index, raw in enumerate(read_jsonl(path)):
        row = require_object(path, index, raw)
        record = {f: require_str(path, index, row, f) for f in ("sentence1", "sentence2")}
        label = require_str(path, index, row, "gold_label")
        if label not in LABELS:
            raise DatasetError(
                path, f"expected one of {', '.join(LABELS)}, got {label!r}",
                record=index, field="gold_label",
            )
        records.append({**record, "gold_label": label})
    return records


def score_sample(prediction: str, gold_label: str) -> Metrics:
    """Accuracy: the gold label occurs exactly once in the output."""
    return {"accuracy": mednli_accuracy(prediction, gold_label)}


TASK = packaged_task("mednli")
