"""A run folder and its shards: atomic writes, done keys, retrying failed rows, damaged
files, and the score shards beside the inference shards."""

from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clue_ray.storage.run_folder import RunFolder, is_score_shard, score_files_by_run
from clue_ray.storage.shards import read_shards, shard_files, write_shard


def table(ids: list[str], errors: list[str | None], task: str = "mednli") -> pa.Table:
    return pa.table({
        "task": [task] * len(ids),
        "sample_id": ids,
        "seed": pa.array([-1] * len(ids), pa.int64()),
        "engine_error": pa.array(errors, pa.string()),
        "prediction": ["x" if e is None else None for e in errors],
    })


def test_write_is_atomic_and_partial_files_are_ignored(tmp_path):
    run = RunFolder(tmp_path)
    folder = run.group_dir("m", "mednli")
    path = write_shard(folder, table(["1", "2"], [None, None]))
    assert path.name.startswith("part-") and path.suffix == ".parquet"
    (folder / ".part-999.parquet.tmp").write_bytes(b"half a file")
    assert shard_files(tmp_path) == run.inference_files() == [path]
    assert run.read_predictions().num_rows == 2
    assert run.clean_partial_files() == 1
    assert not list(folder.glob(".*"))


def test_completed_keys_skip_engine_errors(tmp_path):
    run = RunFolder(tmp_path)
    write_shard(run.group_dir("m", "mednli"), table(["1", "2", "3"], [None, "boom", None]))
    write_shard(run.group_dir("m", "meqsum"), table(["1"], [None], task="meqsum"))
    write_shard(run.group_dir("other", "mednli"), table(["9"], [None]))
    assert run.completed_keys("m") == {("mednli", "1", -1), ("mednli", "3", -1),
                                                    ("meqsum", "1", -1)}


def test_drop_failed_rows_rewrites_in_place(tmp_path):
    run = RunFolder(tmp_path)
    folder = run.group_dir("m", "mednli")
    mixed = write_shard(folder, table(["1", "2"], [None, "boom"]))
    only_failed = write_shard(folder, table(["3"], ["boom"]))
    clean = write_shard(folder, table(["4"], [None]))
    before = clean.stat().st_mtime_ns
    assert run.drop_failed_rows("m") == 2
    assert not only_failed.exists()
    assert pq.read_table(mixed).column("sample_id").to_pylist() == ["1"]
    assert clean.stat().st_mtime_ns == before
    assert run.read_predictions().column("sample_id").to_pylist() == ["1", "4"]
    assert run.drop_failed_rows("m") == 0


def test_score_shards_live_apart_from_predictions(tmp_path):
    run = RunFolder(tmp_path / "run")
    predictions = write_shard(run.group_dir("m", "mednli"), table(["1"], [None]))
    older = write_shard(run.group_dir("m", "mednli", "aaa"), table(["1"], [None]))
    newer = write_shard(run.group_dir("m", "mednli", "bbb"), table(["1"], [None]))
    os.utime(older, (1, 1))
    assert run.inference_files("m") == [predictions]
    assert run.scoring_ids() == ["aaa", "bbb"] and run.newest_scoring_id() == "bbb"
    assert run.score_files("bbb", "m") == [newer]
    assert newer.parent == run.path / "scores=bbb" / "model=m" / "task=mednli"
    assert is_score_shard(newer) and not is_score_shard(predictions)
    assert score_files_by_run(tmp_path) == {run.path: {"aaa": [older], "bbb": [newer]}}


def test_truncated_shard_is_set_aside(tmp_path):
    run = RunFolder(tmp_path)
    good = write_shard(run.group_dir("m", "mednli"), table(["1"], [None]))
    cut = write_shard(run.group_dir("m", "mednli"), table(["2", "3"], [None, None]))
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # a copy cut short
    scored = write_shard(run.group_dir("m", "mednli", "aaa"), table(["1"], [None]))
    scored.write_bytes(b"not parquet")
    moved = run.quarantine_damaged("m")
    assert [p.name for p in moved] == [cut.name + ".damaged", scored.name + ".damaged"]
    assert all(p.exists() for p in moved) and not cut.exists() and not scored.exists()
    assert shard_files(tmp_path) == [good]
    assert run.completed_keys("m") == {("mednli", "1", -1)}
    assert run.quarantine_damaged("m") == []


def test_no_shards(tmp_path):
    run = RunFolder(tmp_path / "absent")
    assert read_shards([]) is None and run.read_predictions() is None
    assert run.completed_keys("m") == set() and run.load_manifest() == {}
    assert run.newest_scoring_id() is None and run.scoring_ids() == []


def test_written_rows_and_stale_scores(tmp_path):
    """Rows go to an inference shard and a score shard; a rerun drops scores whose prediction
    is gone (under every scoring id) and scorer errors (under the current one only)."""
    run = RunFolder(tmp_path)
    frame = pd.DataFrame({"run_id": "r", "model": "m", "task": "mednli", "sample_id": ["1", "2"],
                          "seed": -1, "prediction": ["a", "b"], "flags": ["", "bad_format"],
                          "scorer_error": [None, "boom"], "metric_accuracy": [1.0, None]})
    for scoring_id in ("old", "new"):
        run.write_rows("m", "mednli", frame, ["metric_accuracy"], scoring_id,
                       inference=scoring_id == "old")
    stored = run.read_scores("new").to_pandas()
    assert stored["flags"].map(list).tolist() == [[], ["bad_format"]]
    assert stored["scoring_id"].tolist() == ["new", "new"]
    assert len(run.inference_files("m")) == 1 and len(run.score_files("old")) == 1
    assert run.scored_keys("new", "m") == {("mednli", "1", -1)}
    assert run.drop_stale_scores("m", {("mednli", "2", -1)}, "new") == 3
    kept = run.read_scores("old").column("sample_id").to_pylist()
    assert kept == ["2"]  # under an older scoring id, its scorer error stays
    assert run.read_scores("new") is None
