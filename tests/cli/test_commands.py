"""`clue-ray prompts` and `clue-ray score` as a user runs them (real files; the entry point
in-process, and as its own process where what the shell sees is the point)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from clue_ray.cli import main
from clue_ray.tasks.registry import CLUE


def clue_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command as its own process (what the user's shell sees, tracebacks included)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "clue_ray.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


@dataclass
class Finished:
    returncode: int
    stderr: str


def clue(*args: str) -> Finished:
    """The command through the same entry point, in this process (no interpreter start-up per
    call); what it prints to stderr is captured."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return Finished(code, err.getvalue())


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("task", ["mednli", "meqsum", "problem_summary", "medisumqa",
                                  "medisumcode"])
def test_prompts_of_file_tasks(task, synthetic_data_dir, tiny_tokenizer_dir, tmp_path):
    out = tmp_path / "p.jsonl"
    result = clue("prompts", f"task={task}", f"data_dir={synthetic_data_dir}", f"out={out}",
                  f"tokenizer={tiny_tokenizer_dir}")
    assert result.returncode == 0, result.stderr
    records = read_jsonl(out)
    refs = CLUE.references(task, synthetic_data_dir)
    assert [r["sample_id"] for r in records] == [r.sample_id for r in refs]
    first = records[0]
    assert set(first) == {"sample_id", "task", "subtask", "messages", "reference", "max_tokens",
                          "prompt", "prompt_tokens", "system_folded"}
    assert first["messages"][0]["role"] == "system"
    assert first["prompt"].startswith("<|begin_of_text|>") and first["prompt_tokens"] > 0
    assert "prompts/s" in result.stderr


def test_longhealth_prompts_need_a_tokenizer_and_fit_the_budget(synthetic_data_dir,
                                                                tiny_tokenizer_dir, tmp_path):
    out = tmp_path / "lh.jsonl"
    refused = clue("prompts", "task=longhealth", f"data_dir={synthetic_data_dir}", f"out={out}")
    assert refused.returncode == 2 and "tokenizer=DIR" in refused.stderr
    result = clue("prompts", "task=longhealth", f"data_dir={synthetic_data_dir}", f"out={out}",
                  f"tokenizer={tiny_tokenizer_dir}", "max_context=1500")
    assert result.returncode == 0, result.stderr
    records = read_jsonl(out)
    assert len(records) == 3 * 3 * 15
    assert {r["subtask"] for r in records} == {"task1", "task2", "task3"}
    assert {r["reference"] for r in records if r["subtask"] == "task3"} == {"F"}
    # task2/task3 budget: 1500 - system - (50 + template) leaves room for the answer
    assert all(r["prompt_tokens"] + 50 <= 1500 for r in records if r["subtask"] != "task1")
    assert all(r["max_tokens"] == 50 for r in records)


def write_predictions(path: Path, predictions: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"sample_id": k, "prediction": v}) + "\n"
                            for k, v in predictions.items()))
    return path


def test_score_perfect_and_empty_predictions(synthetic_data_dir, tiny_bert_dir, tmp_path):
    refs = CLUE.references("meqsum", synthetic_data_dir)
    predictions = {r.sample_id: r.reference for r in refs}
    predictions[refs[0].sample_id] = ""
    preds = write_predictions(tmp_path / "preds.jsonl", predictions)
    out = tmp_path / "scores.json"
    result = clue("score", "task=meqsum", f"data_dir={synthetic_data_dir}",
                  f"predictions={preds}", f"out={out}", f"scoring.bertscore.model={tiny_bert_dir}",
                  "scoring.bertscore.num_layers=8")
    assert result.returncode == 0, result.stderr
    scores = json.loads(out.read_text())
    n = len(refs)
    assert scores["counts"] == {"scored": n, "missing": 0}
    assert {s["answer"] for s in scores["samples"]} == {None}  # MeQSum extracts nothing
    first = scores["samples"][0]["metrics"]
    assert first == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0, "bertscore_p": 0.0,
                     "bertscore_r": 0.0, "bertscore_f1": 0.0}
    # n-1 perfect samples and one zero: mean x 100 = 100 (n-1)/n
    assert scores["aggregate"]["rougeL"] == pytest.approx(100 * (n - 1) / n)
    assert scores["aggregate"]["bertscore_f1"] == pytest.approx(100 * (n - 1) / n, abs=1e-3)


def test_score_longhealth_and_umls_switch(synthetic_data_dir, tmp_path):
    refs = CLUE.references("longhealth", synthetic_data_dir)
    predictions = {r.sample_id: f"The correct answer is {r.reference}: x" for r in refs}
    wrong = [r.sample_id for r in refs if r.subtask == "task2"]
    predictions.update({sid: "no letter here" for sid in wrong})
    preds = write_predictions(tmp_path / "preds.jsonl", predictions)
    out = tmp_path / "lh.json"
    result = clue("score", "task=longhealth", f"data_dir={synthetic_data_dir}",
                  f"predictions={preds}", f"out={out}", "scoring.umls=disabled")
    assert result.returncode == 0, result.stderr
    scores = json.loads(out.read_text())
    assert scores["aggregate"] == {"task1_accuracy": 100.0, "task2_accuracy": 0.0,
                                   "task3_accuracy": 100.0, "accuracy": pytest.approx(200 / 3)}
    letters = {r.sample_id: "" if r.sample_id in wrong else r.reference for r in refs}
    assert {s["sample_id"]: s["answer"] for s in scores["samples"]} == letters


def test_score_problem_summary_without_umls_has_no_umls_metrics(synthetic_data_dir,
                                                                tiny_bert_dir, tmp_path):
    refs = CLUE.references("problem_summary", synthetic_data_dir)
    preds = write_predictions(tmp_path / "p.jsonl", {r.sample_id: r.reference for r in refs})
    out = tmp_path / "ps.json"
    result = clue("score", "task=problem_summary", f"data_dir={synthetic_data_dir}",
                  f"predictions={preds}", f"out={out}", "scoring.umls=disabled",
                  f"scoring.bertscore.model={tiny_bert_dir}")
    assert result.returncode == 0, result.stderr
    aggregate = json.loads(out.read_text())["aggregate"]
    assert not any(name.startswith("umls") for name in aggregate)
    assert aggregate["rouge1"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["task=nli", "data_dir=.", "out=x.jsonl"], "unknown task 'nli'"),
        (["task=meqsum", "out=x.jsonl"], "missing setting: data_dir"),
        (["task=meqsum", "data_dir=/nonexistent", "out=x.jsonl"],
         "MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx: file not found"),
        (["task=meqsum", "data_dir=.", "out=x.jsonl", "colour=red"], "unknown setting 'colour'"),
    ],
)
def test_bad_input_is_one_line_without_traceback(args, message, tmp_path):
    result = clue_process("prompts", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_records_name_file_record_and_field(synthetic_data_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    records = json.loads((synthetic_data_dir / "MeDiSumCode.json").read_text())
    records[2]["icd_codes"] = "I10"
    (data / "MeDiSumCode.json").write_text(json.dumps(records))
    result = clue("prompts", "task=medisumcode", f"data_dir={data}", f"out={tmp_path / 'o'}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    expected = "MeDiSumCode.json: record 2: field 'icd_codes': expected a list, got str"
    assert expected in result.stderr
    lh = json.loads((synthetic_data_dir / "benchmark_v5.json").read_text())
    lh["patient_02"]["questions"][1]["correct"] = "no such option"
    (data / "benchmark_v5.json").write_text(json.dumps(lh))
    result = clue("score", "task=longhealth", f"data_dir={data}",
                  f"predictions={tmp_path / 'none'}", f"out={tmp_path / 'o'}")
    assert result.returncode == 2
    assert "record patient_02/1: field 'correct'" in result.stderr


def test_unknown_and_duplicate_prediction_ids(synthetic_data_dir, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"sample_id": "999999", "prediction": "x"}\n')
    result = clue("score", "task=mednli", f"data_dir={synthetic_data_dir}",
                  f"predictions={preds}", f"out={tmp_path / 'o'}")
    assert result.returncode == 2 and "unknown sample_id '999999'" in result.stderr
    sid = CLUE.references("mednli", synthetic_data_dir)[0].sample_id
    preds.write_text(f'{{"sample_id": "{sid}", "prediction": "x"}}\n' * 2)
    result = clue("score", "task=mednli", f"data_dir={synthetic_data_dir}",
                  f"predictions={preds}", f"out={tmp_path / 'o'}")
    assert result.returncode == 2 and "appears twice" in result.stderr
