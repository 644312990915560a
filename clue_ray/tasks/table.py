"""The common reader of a task's file: a JSONL or CSV table whose named columns fill the
task's templates (a task's YAML without a `reader` hook, tasks/task_yaml.py)."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clue_ray.errors import DatasetError, excerpt
from clue_ray.tasks.fewshot import Record
from clue_ray.tasks.readers import read_csv, read_jsonl, require_object

FILE_KINDS = (".jsonl", ".csv")
SCALARS = (str, int, float, bool)


def template_fields(template: str) -> list[str]:
    """The `{named}` fields of a str.format template, in order; ValueError for a positional
    `{}`, an attribute or index (`{a.b}`, `{a[0]}`), or a malformed template."""
    names: list[str] = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"'{{{field}}}' is not a plain column name")
        if field not in names:
            names.append(field)
    return names


def needed_columns(templates: Sequence[str], reference: str) -> tuple[str, ...]:
    """The columns the templates and the reference need, in order of first use."""
    found: list[str] = []
    for template in templates:
        found.extend(f for f in template_fields(template) if f not in found)
    return tuple(found + ([reference] if reference not in found else []))


@dataclass(frozen=True)
class TableRecords:
    """Reads every record's needed columns as text, the reference checked against the labels
    when the task has them."""

    columns: tuple[str, ...]
    reference: str
    labels: tuple[str, ...]
    declared_in: str  # the task's YAML, named by every data error

    def __call__(self, path: Path) -> list[Record]:
        rows = read_jsonl(path) if path.suffix == ".jsonl" else read_csv(path)
        return [self._record(path, index, require_object(path, index, raw))
                for index, raw in enumerate(rows)]

    def _record(self, path: Path, index: int, row: Mapping[str, Any]) -> Record:
        missing = [c for c in self.columns if c not in row]
        if missing:
            raise DatasetError(
                path, f"column '{missing[0]}', named by {self.declared_in}, is not in the file "
                f"(found: {', '.join(sorted(map(str, row))) or 'none'})",
                record=index, field=missing[0])
        record: dict[str, str] = {}
        for column in self.columns:
            value = row[column]
            if not isinstance(value, SCALARS):
                raise DatasetError(path, f"expected text, got {type(value).__name__} "
                                   f"({excerpt(value)})", record=index, field=column)
            record[column] = str(value)
        label = record[self.reference]
        if self.labels and label not in self.labels:
            raise DatasetError(path, f"expected one of {', '.join(self.labels)} "
                               f"(the labels of {self.declared_in}), got {excerpt(label)!r}",
                               record=index, field=self.reference)
        return record
