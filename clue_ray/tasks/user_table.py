"""The common shape of a user's own task: a JSONL or CSV file whose named columns fill the
task's templates, few-shot prompts built as the CLUE tasks build theirs, and one of the CLUE
tasks' metric sets, scored by the same rules (tasks/user_tasks.py reads the task's YAML)."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clue_ray.errors import DatasetError, excerpt
from clue_ray.tasks import medisumcode, mednli
from clue_ray.tasks.baselines import first_shot_answer, lead_words
from clue_ray.tasks.definition import Metrics
from clue_ray.tasks.fewshot import Record, build_fewshot_samples
from clue_ray.tasks.readers import read_csv, read_jsonl, require_object
from clue_ray.tasks.sample import Message, Reference, Sample
from clue_ray.tasks.spec import TaskSpec, task_spec

FILE_KINDS = (".jsonl", ".csv")
SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class MetricSet:
    """One of the CLUE tasks' metric groups, as a user task takes it whole: its per-sample
    metric names (those of the CLUE task it comes from), default headline, per-sample rule
    (None: ROUGE/BERTScore/UMLS, computed by the scorer), answer-form and code checks, what
    the scorer extracts (None: nothing; `accuracy` extracts the task's `labels` when it
    declares them) and baseline."""

    metrics: tuple[str, ...]
    headline: str
    score_sample: Callable[[str, str], Metrics] | None
    answer_followed: Callable[[str], bool] | None
    invalid_codes: Callable[[str], bool] | None
    extract_answer: Callable[[str], str] | None
    baseline: Callable[[Sequence[Message]], str]


def metric_sets() -> dict[str, MetricSet]:
    """`accuracy`: MedNLI's (the gold label occurs exactly once in the output); `text`:
    Problem Summary's ROUGE, BERTScore and UMLS; `icd10`: MeDiSumCode's ICD-10 code metrics."""
    return {
        "accuracy": MetricSet(("accuracy",), "accuracy", mednli.score_sample, None, None,
                              None, first_shot_answer),
        "text": MetricSet(task_spec("problem_summary").metrics, "rougeL", None, None, None,
                          None, lead_words),
        "icd10": MetricSet(task_spec("medisumcode").metrics, "icd_em_f1",
                           medisumcode.score_sample, medisumcode.names_a_code,
                           medisumcode.has_invalid_code, medisumcode.answer_codes,
                           first_shot_answer),
    }


@dataclass(frozen=True)
class NamesALabel:
    """The output names at least one of the task's labels (any case)."""

    labels: tuple[str, ...]

    def __call__(self, prediction: str) -> bool:
        upper = prediction.upper()
        return any(label.upper() in upper for label in self.labels)


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
class TableTask:
    """The reader of a user task's file: every record's template fields and reference, the
    reference checked against the labels when the task has them."""

    spec: TaskSpec
    reference: str
    labels: tuple[str, ...]
    declared_in: str  # the task's YAML, named by every data error

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the templates and the reference need (the spec's template fields)."""
        return self.spec.template_fields

    def load_records(self, path: Path) -> list[Record]:
        """The needed columns of every record, as text."""
        rows = read_jsonl(path) if path.suffix == ".jsonl" else read_csv(path)
        records = []
        for index, raw in enumerate(rows):
            records.append(self._record(path, index, require_object(path, index, raw)))
        return records

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

    def samples(self, data_dir: Path) -> list[Sample]:
        """All evaluated samples, shuffled and with k shots as the CLUE tasks' protocol."""
        path = Path(data_dir) / self.spec.source_file
        return build_fewshot_samples(self.spec, self.load_records(path), self.reference, path)

    def references(self, data_dir: Path) -> list[Reference]:
        """The reference of every evaluated sample."""
        return [Reference(s.sample_id, s.subtask, s.reference) for s in self.samples(data_dir)]

