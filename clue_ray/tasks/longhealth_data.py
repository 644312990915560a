"""LongHealth's `benchmark_v5.json`: loading and validating patients and their questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clue_ray.errors import DatasetError
from clue_ray.tasks.readers import read_json, require_object, require_str

OPTION_FIELDS = ("answer_a", "answer_b", "answer_c", "answer_d", "answer_e")


@dataclass(frozen=True)
class Question:
    """One multiple-choice question with its five options and the texts holding its answer."""

    question: str
    options: tuple[str, ...]
    correct: str
    answer_text_ids: tuple[str, ...]


@dataclass(frozen=True)
class Patient:
    """A patient's documents (text id -> text, in file order) and questions."""

    patient_id: str
    texts: Mapping[str, str]
    questions: tuple[Question, ...]


def load_patients(path: Path) -> list[Patient]:
    """All patients of the benchmark file, in file order."""
    data = read_json(path)
    if not isinstance(data, Mapping):
        raise DatasetError(path, f"expected a JSON object of patients, got {type(data).__name__}")
    if not data:
        raise DatasetError(path, "the file has no patients")
    return [_patient(path, pid, raw) for pid, raw in data.items()]


def _patient(path: Path, patient_id: str, raw: Any) -> Patient:
    patient = require_object(path, patient_id, raw)
    texts = patient.get("texts")
    if not isinstance(texts, Mapping) or not texts:
        raise DatasetError(path, "expected a non-empty object of documents", record=patient_id,
                           field="texts")
    for text_id in texts:
        require_str(path, f"{patient_id}/texts", texts, text_id)
    questions = patient.get("questions")
    if not isinstance(questions, list):
        raise DatasetError(path, "expected a list of questions", record=patient_id,
                           field="questions")
    return Patient(
        patient_id=patient_id,
        texts=dict(texts),
        questions=tuple(
            _question(path, f"{patient_id}/{index}", raw_q, texts)
            for index, raw_q in enumerate(questions)
        ),
    )


def _question(path: Path, record: str, raw: Any, texts: Mapping[str, str]) -> Question:
    question = require_object(path, record, raw)
    options = tuple(require_str(path, record, question, f) for f in OPTION_FIELDS)
    correct = require_str(path, record, question, "correct")
    if not any(correct in option for option in options):
        raise DatasetError(path, f"{correct!r} matches no option (answer_a..answer_e)",
                           record=record, field="correct")
    location = question.get("answer_location")
    if not isinstance(location, Mapping):
        raise DatasetError(path, "expected an object keyed by text ids", record=record,
                           field="answer_location")
    unknown = [text_id for text_id in location if text_id not in texts]
    if unknown:
        raise DatasetError(path, f"names unknown text id(s) {', '.join(map(repr, unknown))}",
                           record=record, field="answer_location")
    return Question(
        question=require_str(path, record, question, "question"),
        options=options,
        correct=correct,
        answer_text_ids=tuple(location),
    )
