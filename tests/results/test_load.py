"""Reading results that went wrong: a row stored twice counts once (with a note), a damaged
score shard is skipped and named (not a pyarrow traceback)."""

from __future__ import annotations

import pytest
from constructed import write_group

from clue_ray.errors import ConfigError
from clue_ray.results.load import read_scores
from clue_ray.rows import shard_files


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
