"""MeDiSumQA (Level 2): answer a lay question about a discharge summary."""

from __future__ import annotations

from pathlib import Path

from clue_ray.tasks.baselines import lead_words
from clue_ray.tasks.definition import PHYSIONET, TaskDefinition
from clue_ray.tasks.fewshot import FewShotFile, Record
from clue_ray.tasks.readers import read_json_array, require_object, require_str
from clue_ray.tasks.spec import task_spec

FIELDS = ("discharge_summary", "Question", "Answer")


def load_records(path: Path) -> list[Record]:
    """Objects of the JSON array, each with the three text fields."""
    records: list[Record] = []
    for index, raw in enumerate(read_json_array(path)):
        row = require_object(path, index, raw)
        records.append({f: require_str(path, index, row, f) for f in FIELDS})
    return records


READER = FewShotFile(task_spec("medisumqa"), load_records, reference_field="Answer")
TASK = TaskDefinition(
    name="medisumqa", headline_metric="rougeL", credentialed=True, expected_samples=452,
    obtain_from=f"MeDiSumQA on {PHYSIONET}",
    read_samples=READER.samples, read_references=READER.references, baseline=lead_words,
)
