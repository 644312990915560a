"""MedNLI (Level 1): entailment / neutral / contradiction between two clinical sentences."""

from __future__ import annotations

from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.tasks.fewshot import FileTask, Record
from clue_ray.tasks.readers import read_jsonl, require_object, require_str

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


TASK = FileTask(name="mednli", load_records=load_records, reference_field="gold_label",
                credentialed=True)
