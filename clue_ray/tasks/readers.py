"""Readers for the official file formats; every failure names the file, record and field."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from clue_ray.errors import DatasetError, excerpt


def require_file(path: Path) -> Path:
    """The path, if it is a non-empty file; otherwise a DatasetError."""
    if not path.is_file():
        raise DatasetError(path, "file not found (set data_dir=DIR to the folder holding it)")
    if path.stat().st_size == 0:
        raise DatasetError(path, "file is empty")
    return path


def read_json(path: Path) -> Any:
    """Parse a JSON document."""
    require_file(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DatasetError(path, f"not valid JSON ({_position(err)})") from None


def read_json_array(path: Path) -> list[Any]:
    """Parse a JSON document that must be a non-empty array."""
    data = read_json(path)
    if not isinstance(data, list):
        raise DatasetError(path, f"expected a JSON array, got {type(data).__name__}")
    if not data:
        raise DatasetError(path, "the JSON array has no records")
    return data


def read_jsonl(path: Path) -> list[Any]:
    """Parse JSON lines (blank lines are skipped); the record index is the line's object index."""
    require_file(path)
    records: list[Any] = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DatasetError(
                    path, f"line {line_no} is not valid JSON ({_position(err)})"
                ) from None
    if not records:
        raise DatasetError(path, "file has no records")
    return records


def read_csv(path: Path) -> list[dict[str, str]]:
    """Parse a CSV file with a header row; every cell is a string."""
    require_file(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise DatasetError(path, "file has a header but no records")
    return rows


def read_xlsx_first_sheet(path: Path) -> list[dict[str, Any]]:
    """Rows of the first sheet of an Excel workbook, keyed by the header row."""
    import openpyxl

    require_file(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several unrelated types for a bad file
        raise DatasetError(path, f"not a readable .xlsx workbook ({type(err).__name__})") from None
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise DatasetError(path, "the first sheet is empty")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    records = [dict(zip(header, row, strict=False)) for row in rows[1:] if _has_values(row)]
    if not records:
        raise DatasetError(path, "the first sheet has a header but no records")
    return records


def require_columns(path: Path, header: Iterable[str], needed: Sequence[str]) -> None:
    """Stop when a table lacks a needed column."""
    present = set(header)
    missing = [name for name in needed if name not in present]
    if missing:
        raise DatasetError(
            path,
            f"missing column(s) {', '.join(map(repr, missing))} "
            f"(found: {', '.join(sorted(present)) or 'none'})",
            field=missing[0],
        )


def require_object(path: Path, index: object, record: Any) -> Mapping[str, Any]:
    """The record, if it is a JSON object."""
    if not isinstance(record, Mapping):
        raise DatasetError(
            path, f"expected an object, got {type(record).__name__}", record=index
        )
    return record


def require_str(path: Path, index: object, record: Mapping[str, Any], field: str) -> str:
    """A string field of a record."""
    if field not in record:
        raise DatasetError(path, "field is missing", record=index, field=field)
    value = record[field]
    if not isinstance(value, str):
        raise DatasetError(
            path,
            f"expected a string, got {type(value).__name__} ({excerpt(value)})",
            record=index,
            field=field,
        )
    return value


def _has_values(row: Sequence[Any]) -> bool:
    return any(cell is not None and str(cell).strip() for cell in row)


def _position(err: json.JSONDecodeError | UnicodeDecodeError) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"line {err.lineno}, column {err.colno}: {err.msg}"
    return f"byte {err.start}: not UTF-8"
