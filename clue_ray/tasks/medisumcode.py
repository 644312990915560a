"""MeDiSumCode (Level 2): list the ICD-10-CM codes of a discharge summary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.tasks.fewshot import FileTask, Record
from clue_ray.tasks.readers import read_json_array, require_object, require_str

CODE_SEPARATOR = ", "


def load_records(path: Path) -> list[Record]:
    """Objects with `text` and `icd_codes`; `codes` is the codes joined with ', ' in order."""
    records: list[Record] = []
    for index, raw in enumerate(read_json_array(path)):
        row = require_object(path, index, raw)
        text = require_str(path, index, row, "text")
        codes = _codes(path, index, row)
        records.append({"text": text, "codes": CODE_SEPARATOR.join(codes)})
    return records


def _codes(path: Path, index: int, row: Mapping[str, object]) -> list[str]:
    if "icd_codes" not in row:
        raise DatasetError(path, "field is missing", record=index, field="icd_codes")
    items = row["icd_codes"]
    if not isinstance(items, list):
        raise DatasetError(
            path, f"expected a list, got {type(items).__name__}", record=index, field="icd_codes"
        )
    codes = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise DatasetError(
                path, f"item {position} must be an object with a string 'code'",
                record=index, field="icd_codes",
            )
        codes.append(item["code"])
    return codes


TASK = FileTask(name="medisumcode", load_records=load_records, reference_field="codes",
                credentialed=True)
