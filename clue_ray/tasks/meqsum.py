"""MeQSum (Level 1): summarise a consumer health question as one short question.
Declared in clue_ray/data/tasks/meqsum.yaml; here its reader (tasks/hooks.py)."""

from __future__ import annotations

from pathlib import Path

from clue_ray.errors import DatasetError, excerpt
from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_xlsx_first_sheet, require_columns
from clue_ray.tasks.task_yaml import packaged_task

COLUMNS = ("File", "CHQ", "Summary")


def load_records(path: Path) -> list[Record]:
    """Rows of the workbook's first sheet; `CHQ` and `Summary` must be text."""
    rows = read_xlsx_first_sheet(path)
    require_columns(path, rows[0].keys(), COLUMNS)
    records: list[Record] = []
    for index, row in enumerate(rows):
        record: dict[str, str] = {}
        for field in COLUMNS:
            value = row[field]
            if field != "File" and not isinstance(value, str):
                raise DatasetError(
                    path, f"expected text, got {type(value).__name__} ({excerpt(value)})",
                    record=index, field=field,
                )
            record[field] = "" if value is None else str(value)
        records.append(record)
    return records


TASK = packaged_task("meqsum")
