"""Reading results that went wrong: a row stored twice counts once (with a note), a damaged
score shard is skipped and named (not a pyarrow traceback), a score shard written before the
`answer` column reads it as null; examples carry their score row's answer."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from constructed import write_group

from clue_ray.errors import ConfigError
from clue_ray.results.examples import read_examples
from clue_ray.results.load import read_scores
from clue_ray.results.summary import load_rows
from clue_ray.storage.shards import shard_files


def test_a_row_stored_twice_counts_once(tmp_path):
    run = tmp_path / "run-a"
    write_group(run, "m", "mednli", ["0", "1", "2"], {"accuracy": [1.0, 0.0, 1.0]})
    write_group(run, "m", "mednli", ["2"], {"accuracy": [0.0]})  # a second writer's copy
    rows, notes = read_scores(tmp_path)
    assert sorted(rows["sample_id"]) == ["0", "1", "2"]
    assert rows.loc[rows.sample_id == "2", "metric_accuracy"].item() == 0.0  # the last one
    assert notes == ["1 rows were stored twice for the same sample; each is counted once "
                     "(the last written)"]


def test_a_damaged_score_shard_is_skipped_and_named(tmp_path):
    run = tmp_path / "run-a"
    write_group(run, "m", "mednli", ["0", "1"], {"accuracy": [1.0, 0.0]})
    write_group(run, "m", "meqsum", ["0"], {"rougeL": [0.5]})
    (damaged,) = [p for p in shard_files(run) if "scores=" in str(p) and "meqsum" in str(p)]
    damaged.write_bytes(damaged.read_bytes()[:40])
    rows, notes = read_scores(tmp_path)
    assert list(rows["task"]) == ["mednli", "mednli"]
    assert notes == [f"unreadable shard skipped (its rows are missing from this report): "
                     f"{damaged} (ArrowInvalid)"]


def test_when_every_score_shard_is_damaged_the_error_names_them(tmp_path):
    write_group(tmp_path / "run-a", "m", "meqsum", ["0"], {"rougeL": [0.5]})
    (damaged,) = [p for p in shard_files(tmp_path) if "scores=" in str(p)]
    damaged.write_bytes(damaged.read_bytes()[:40])
    with pytest.raises(ConfigError, match=rf"no readable score rows \(.*{damaged}"):
        read_scores(tmp_path)


def written_before_answers(run: Path, task: str) -> None:
    """Rewrite a task's score shards as they were before the `answer` column existed."""
    for path in shard_files(run):
        if "scores=" in str(path) and f"task={task}" in str(path):
            pq.write_table(pq.read_table(path).drop_columns(["answer"]), path)
            assert "answer" not in pq.read_schema(path).names


def answers_of(rows, task: str) -> list[str | None]:
    picked = rows[rows.task == task].sort_values("sample_id")["answer"]
    return [None if value is None or value != value else value for value in picked]


def test_answers_are_read_and_a_shard_older_than_them_reads_null(tmp_path):
    run = tmp_path / "run-a"
    write_group(run, "m", "mednli", ["0", "1"], {"accuracy": [1.0, 0.0]},
                answers=["neutral, contradiction", ""])
    write_group(run, "m", "medisumcode", ["0"], {"icd_em_f1": [0.5]}, answers=["I10, E119"])
    write_group(run, "m", "meqsum", ["0"], {"rougeL": [0.5]})  # extracts nothing: null
    written_before_answers(run, "medisumcode")
    rows, notes = read_scores(tmp_path)
    assert notes == [] and len(rows) == 4
    assert answers_of(rows, "mednli") == ["neutral, contradiction", ""]
    assert answers_of(rows, "medisumcode") == [None]  # the old shard's row
    assert answers_of(rows, "meqsum") == [None]
    assert rows.loc[rows.task == "medisumcode", "metric_icd_em_f1"].item() == 0.5  # it stands


def test_a_run_whose_every_shard_is_older_than_answers_loads_and_reports(tmp_path):
    run = tmp_path / "run-old"
    write_group(run, "m", "longhealth", ["p/0/task1/0", "p/1/task1/0"], {"accuracy": [1.0, 0.0]},
                subtasks=["task1", "task1"], texts=["The correct answer is A: x", "B"],
                answers=["A", ""])
    written_before_answers(run, "longhealth")
    rows, _ = read_scores(tmp_path)
    assert "answer" in rows and rows["answer"].isna().all()
    assert list(rows["metric_accuracy"]) == [1.0, 0.0]
    stored = load_rows(run)
    assert "answer" in stored and stored["answer"].isna().all()
    examples = read_examples(tmp_path, 5, rows)
    assert len(examples) == 2 and examples["answer"].isna().all()


def test_examples_carry_the_answer_of_their_score_row(tmp_path):
    run = tmp_path / "run-a"
    texts = ["The correct answer is B: aspirin", "I think A", "The correct answer is C: x"]
    write_group(run, "m", "longhealth", ["p/0/task1/0", "p/1/task1/0", "p/2/task1/0"],
                {"accuracy": [1.0, 0.0, 0.0]}, subtasks=["task1"] * 3, texts=texts,
                answers=["B", "", "C"])
    write_group(run, "m", "mednli", ["0"], {"accuracy": [1.0]}, answers=["entailment"])
    rows, _ = read_scores(tmp_path)
    examples = read_examples(tmp_path, 2, rows)
    assert list(examples["sample_id"]) == ["p/0/task1/0", "p/1/task1/0"]  # public tasks only
    assert list(examples["prediction"]) == texts[:2]
    assert list(examples["answer"]) == ["B", ""]
    assert read_examples(tmp_path, 2)["answer"].isna().all()  # no score rows given
