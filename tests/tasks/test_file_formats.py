"""Loaders of the five file-based tasks: formats, preprocessing, and clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from clue_ray.errors import DatasetError
from clue_ray.tasks import medisumcode, medisumqa, mednli, meqsum, problem_summary

MEQSUM_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "meqsum"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_problem_summary_alias_and_semicolon_rule(tmp_path):
    path = write_csv(
        tmp_path / "BioNLP2023-1A-Test.csv",
        ["File ID", "Assessment", "Subjective Sections", "Summary"],
        [["1", "A, with comma", "S\nline two", "Sepsis; AKI;"]],
    )
    (record,) = problem_summary.load_records(path)
    assert record == {"Subjectives": "S\nline two", "Assessment": "A, with comma",
                      "Summary": "Sepsis,  AKI, "}


def test_problem_summary_missing_column(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Assessment", "Summary"], [["a", "s"]])
    both = r"missing column 'Subjectives' \(the reference's name\) or 'Subjective Sections'"
    with pytest.raises(DatasetError, match=both) as err:
        problem_summary.load_records(path)
    assert err.value.field == "Subjectives"


def test_medisumcode_codes_joined_in_list_order(tmp_path):
    path = tmp_path / "MeDiSumCode.json"
    path.write_text(json.dumps([{"text": "t", "icd_codes": [{"code": "I2510"}, {"code": "E119"},
                                                           {"code": "I10"}], "hadm_id": 1}]))
    assert medisumcode.load_records(path) == [{"text": "t", "codes": "I2510, E119, I10"}]


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ({"text": "t", "icd_codes": "I10"}, "icd_codes", "expected a list, got str"),
        ({"text": "t"}, "icd_codes", "field is missing"),
        ({"text": "t", "icd_codes": [{"cod": "I10"}]}, "icd_codes", "item 0"),
        ({"text": 5, "icd_codes": []}, "text", "expected a string, got int"),
    ],
)
def test_medisumcode_bad_records(tmp_path, record, field, message):
    path = tmp_path / "MeDiSumCode.json"
    path.write_text(json.dumps([{"text": "ok", "icd_codes": []}, record]))
    with pytest.raises(DatasetError, match=message) as err:
        medisumcode.load_records(path)
    assert (err.value.record, err.value.field) == (1, field)
    assert f"{path}: record 1: field '{field}'" in str(err.value)


def test_mednli_bad_label_and_bad_json(tmp_path):
    path = tmp_path / "mli.jsonl"
    path.write_text('{"sentence1": "a", "sentence2": "b", "gold_label": "maybe"}\n')
    with pytest.raises(DatasetError, match="gold_label.*got 'maybe'"):
        mednli.load_records(path)
    path.write_text('{"sentence1": "a",\n')
    with pytest.raises(DatasetError, match="line 1 is not valid JSON"):
        mednli.load_records(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DatasetError, match="file not found.*data_dir"):
        medisumqa.load_records(tmp_path / "MeDiSumQA.json")
    empty = tmp_path / "MeDiSumQA.json"
    empty.write_text("")
    with pytest.raises(DatasetError, match="file is empty"):
        medisumqa.load_records(empty)
    empty.write_text("[]")
    with pytest.raises(DatasetError, match="no records"):
        medisumqa.load_records(empty)
    empty.write_text("{}")
    with pytest.raises(DatasetError, match="expected a JSON array, got dict"):
        medisumqa.load_records(empty)


def test_error_excerpt_of_credentialed_text_is_short(tmp_path):
    secret = "patient " + "x" * 500
    path = tmp_path / "MeDiSumQA.json"
    path.write_text(json.dumps([{"discharge_summary": [secret], "Question": "q", "Answer": "a"}]))
    with pytest.raises(DatasetError) as err:
        medisumqa.load_records(path)
    assert len(str(err.value)) < 200 and "x" * 60 not in str(err.value)


def test_meqsum_workbook_columns_and_types(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", ["File", "CHQ", "Summary"],
                      [[1, "question one", "summary one"], [None, None, None],
                       [2, "question two", "summary two"]])
    records = meqsum.load_records(path)
    assert records == [{"File": "1", "CHQ": "question one", "Summary": "summary one"},
                       {"File": "2", "CHQ": "question two", "Summary": "summary two"}]
    bad = write_xlsx(tmp_path / "b.xlsx", ["File", "CHQ", "Summary"], [[1, 42, "s"]])
    with pytest.raises(DatasetError, match="record 0: field 'CHQ': expected text, got int"):
        meqsum.load_records(bad)
    missing = write_xlsx(tmp_path / "c.xlsx", ["File", "Question"], [[1, "q"]])
    with pytest.raises(DatasetError, match="missing column"):
        meqsum.load_records(missing)


@pytest.mark.skipif(not MEQSUM_DIR.is_dir(), reason=f"public MeQSum workbook not at {MEQSUM_DIR}")
def test_real_meqsum_workbook_gives_997_prompts():
    samples = meqsum.TASK.samples(MEQSUM_DIR)
    assert len(samples) == 997
    assert len({s.sample_id for s in samples}) == 997
    first = samples[0]
    assert len(first.messages) == 8
    assert first.messages[1]["content"].startswith("--------------PATIENT INQUIRY--------------\n")
    end = "\n--------------END PATIENT INQUIRY--------------"
    assert first.messages[-1]["content"].endswith(end)
    assert all(s.reference.strip() for s in samples)
