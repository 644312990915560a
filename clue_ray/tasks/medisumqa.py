"""MeDiSumQA (Level 2): answer a lay question about a discharge summary.
Declared in clue_ray/data/tasks/medisumqa.yaml; here its reader (tasks/hooks.py)."""

from __future__ import annotations

from pathlib import Path

from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_json_array, require_object, require_str
from clue_ray.tasks.task_yaml import packaged_task

FIELDS = ("discharge_summary", "Question", "Answer")


def load_records(path: Path) -> list[Record]:
    """Objects of the JSON array, each with the three text fields."""
    records: list[Record] = []
    for index, raw in enumerate(read_json_array(path)):
        row = require_object(path, index, raw)
        records.append({f: require_str(path, index, row, f) for f in FIELDS})
    return records


TASK = packaged_task("medisumqa")
