"""Synthetic datasets: official names and formats, record counts, field types, determinism."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from clue_ray.demo.datasets import DatasetSizes, dataset_paths, write_datasets
from clue_ray.demo.vocabulary import CONCEPTS
from clue_ray.tasks.spec import task_spec

SIZES = DatasetSizes()
TASKS = ("mednli", "meqsum", "problem_summary", "longhealth", "medisumqa", "medisumcode")
ALIASES = tuple(alias for concept in CONCEPTS for alias in concept.aliases)
OPTIONS = tuple(f"answer_{letter}" for letter in "abcde")


def read_xlsx(path: Path) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def mentions_vocabulary(text: str) -> bool:
    return any(alias in text.lower() for alias in ALIASES)


def test_official_file_names(synthetic_data_dir: Path) -> None:
    paths = dataset_paths(synthetic_data_dir)
    assert set(paths) == set(TASKS)
    for task, path in paths.items():
        assert path == synthetic_data_dir / task_spec(task).source_file and path.is_file()
    assert sorted(p.name for p in synthetic_data_dir.iterdir()) == sorted(
        p.name for p in paths.values())


def test_mednli_jsonl(synthetic_data_dir: Path) -> None:
    lines = (synthetic_data_dir / "mli_test_v1.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == SIZES.mednli
    assert [r["gold_label"] for r in records[:3]] == ["entailment", "neutral", "contradiction"]
    for record in records:
        assert {"sentence1", "sentence2", "gold_label", "pairID"} <= record.keys()
        assert all(isinstance(record[f], str) and record[f] for f in ("sentence1", "sentence2"))
    assert all(mentions_vocabulary(r["sentence1"]) for r in records)


def test_meqsum_xlsx(synthetic_data_dir: Path) -> None:
    rows = read_xlsx(synthetic_data_dir / "MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx")
    assert rows[0] == ("File", "CHQ", "Summary")
    assert len(rows) == SIZES.meqsum + 1
    for file_name, question, summary in rows[1:]:
        assert all(isinstance(v, str) and v for v in (file_name, question, summary))
        assert summary.endswith("?") and mentions_vocabulary(question)


def test_problem_summary_csv(synthetic_data_dir: Path) -> None:
    header, rows = read_csv(synthetic_data_dir / "BioNLP2023-1A-Test.csv")
    assert header == ["File ID", "Assessment", "Subjective Sections", "Objective Sections",
                      "Summary"]
    assert len(rows) == SIZES.problem_summary
    assert all(";" in row["Summary"] for row in rows)
    assert any(row["Summary"].endswith(";") for row in rows)
    assert any('"' in row["Assessment"] and "," in row["Assessment"] for row in rows)
    assert all("\n" in row["Subjective Sections"] for row in rows)
    assert all(mentions_vocabulary(row["Assessment"] + row["Subjective Sections"])
               for row in rows)


def test_medisumqa_json(synthetic_data_dir: Path) -> None:
    records = read_json(synthetic_data_dir / "MeDiSumQA.json")
    assert isinstance(records, list) and len(records) == SIZES.medisumqa
    for record in records:
        assert all(isinstance(record[f], str) and record[f]
                   for f in ("discharge_summary", "Question", "Answer"))
        assert mentions_vocabulary(record["discharge_summary"])


def test_medisumcode_json(synthetic_data_dir: Path) -> None:
    records = read_json(synthetic_data_dir / "MeDiSumCode.json")
    assert isinstance(records, list) and len(records) == SIZES.medisumcode
    known = {concept.icd10 for concept in CONCEPTS}
    for record in records:
        assert isinstance(record["text"], str) and isinstance(record["hadm_id"], int)
        codes = [entry["code"] for entry in record["icd_codes"]]
        assert codes and set(codes) <= known
        assert all(re.fullmatch(r"[A-Z][0-9]{2}[0-9A-Z]{0,4}", code) for code in codes)
        assert mentions_vocabulary(record["text"])


def test_longhealth_json(synthetic_data_dir: Path) -> None:
    data = read_json(synthetic_data_dir / "benchmark_v5.json")
    assert list(data) == [f"patient_{i + 1:02d}" for i in range(SIZES.longhealth_patients)]
    two_locations = 0
    for patient in data.values():
        assert {"name", "birthday", "diagnosis"} <= patient.keys()
        texts = patient["texts"]
        assert list(texts) == [f"text_{t}" for t in range(SIZES.longhealth_texts)]
        assert all(150 < len(text.split()) < 1000 for text in texts.values())
        assert len(patient["questions"]) == SIZES.longhealth_questions
        for number, question in enumerate(patient["questions"], start=1):
            assert question["No"] == number and isinstance(question["question"], str)
            assert [question[o] for o in OPTIONS].count(question["correct"]) == 1
            location = question["answer_location"]
            assert 1 <= len(location) <= 2 and set(location) <= set(texts)
            two_locations += len(location) == 2
            for text_id, span in location.items():
                assert_answer_in_span(texts[text_id], span, question["correct"])
    assert two_locations > 0


def assert_answer_in_span(text: str, span: dict[str, list[float]], answer: str) -> None:
    (start,), (end,) = span["start"], span["end"]
    assert isinstance(start, float) and isinstance(end, float) and 0 <= start < end <= 1
    window = text[max(0, int(start * len(text)) - 2): int(end * len(text)) + 2]
    assert answer in window


def test_writes_are_deterministic(synthetic_data_dir: Path, tmp_path: Path) -> None:
    again = write_datasets(tmp_path / "again")
    other = write_datasets(tmp_path / "other", seed=1)
    for task, path in again.items():
        first = synthetic_data_dir / path.name
        if path.suffix == ".xlsx":  # zip members carry save timestamps: compare cells
            assert read_xlsx(path) == read_xlsx(first)
            assert read_xlsx(other[task]) != read_xlsx(first)
        else:
            assert path.read_bytes() == first.read_bytes()
            assert other[task].read_bytes() != first.read_bytes()


@pytest.mark.parametrize("sizes", [DatasetSizes.demo(), DatasetSizes(1, 1, 1, 1, 1, 1, 1, 1)])
def test_sizes_drive_record_counts(sizes: DatasetSizes, tmp_path: Path) -> None:
    paths = write_datasets(tmp_path, sizes)
    assert len(paths["mednli"].read_text(encoding="utf-8").splitlines()) == sizes.mednli
    assert len(read_xlsx(paths["meqsum"])) == sizes.meqsum + 1
    assert len(read_csv(paths["problem_summary"])[1]) == sizes.problem_summary
    assert len(read_json(paths["medisumqa"])) == sizes.medisumqa
    assert len(read_json(paths["medisumcode"])) == sizes.medisumcode
    patients = read_json(paths["longhealth"])
    assert len(patients) == sizes.longhealth_patients
    for patient in patients.values():
        assert len(patient["texts"]) == sizes.longhealth_texts
        assert len(patient["questions"]) == sizes.longhealth_questions


def test_dataset_paths_writes_nothing(tmp_path: Path) -> None:
    paths = dataset_paths(tmp_path / "absent")
    assert paths["longhealth"].name == "benchmark_v5.json"
    assert not (tmp_path / "absent").exists()
