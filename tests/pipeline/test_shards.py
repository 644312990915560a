"""Parquet shards: atomic writes, done keys, retrying failed rows, damaged files, and the
score shards beside the inference shards."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from clue_ray.pipeline.shards import (
    clean_partial_files,
    completed_keys,
    drop_failed_rows,
    quarantine_damaged,
    write_shard,
)
from clue_ray.rows import (
    group_dir,
    inference_files,
    newest_scoring_id,
    read_shards,
    scoring_ids,
    shard_files,
)


def table(ids: list[str], errors: list[str | None], task: str = "mednli") -> pa.Table:
    return pa.table({
        "task": [task] * len(ids),
        "sample_id": ids,
        "seed": pa.array([-1] * len(ids), pa.int64()),
        "engine_error": pa.array(errors, pa.string()),
        "prediction": ["x" if e is None else None for e in errors],
    })


def test_write_is_atomic_and_partial_files_are_ignored(tmp_path):
    folder = group_dir(tmp_path, "m", "mednli")
    path = write_shard(folder, table(["1", "2"], [None, None]))
    assert path.name.startswith("part-") and path.suffix == ".parquet"
    (folder / ".part-999.parquet.tmp").write_bytes(b"half a file")
    assert shard_files(tmp_path) == [path]
    assert read_shards(tmp_path).num_rows == 2
    assert clean_partial_files(tmp_path) == 1
    assert not list(folder.glob(".*"))


def test_completed_keys_skip_engine_errors(tmp_path):
    write_shard(group_dir(tmp_path, "m", "mednli"), table(["1", "2", "3"], [None, "boom", None]))
    write_shard(group_dir(tmp_path, "m", "meqsum"), table(["1"], [None], task="meqsum"))
    assert completed_keys(tmp_path / "model=m") == {("mednli", "1", -1), ("mednli", "3", -1),
                                                    ("meqsum", "1", -1)}


def test_drop_failed_rows_rewrites_in_place(tmp_path):
    folder = group_dir(tmp_path, "m", "mednli")
    mixed = write_shard(folder, table(["1", "2"], [None, "boom"]))
    only_failed = write_shard(folder, table(["3"], ["boom"]))
    clean = write_shard(folder, table(["4"], [None]))
    before = clean.stat().st_mtime_ns
    assert drop_failed_rows(tmp_path / "model=m") == 2
    assert not only_failed.exists()
    assert pq.read_table(mixed).column("sample_id").to_pylist() == ["1"]
    assert clean.stat().st_mtime_ns == before
    assert read_shards(tmp_path).column("sample_id").to_pylist() == ["1", "4"]
    assert drop_failed_rows(tmp_path / "model=m") == 0


def test_score_shards_live_apart_from_predictions(tmp_path):
    predictions = write_shard(group_dir(tmp_path, "m", "mednli"), table(["1"], [None]))
    older = write_shard(group_dir(tmp_path, "m", "mednli", "aaa"), table(["1"], [None]))
    newer = write_shard(group_dir(tmp_path, "m", "mednli", "bbb"), table(["1"], [None]))
    os.utime(older, (1, 1))
    assert inference_files(tmp_path / "model=m") == [predictions]
    assert scoring_ids(tmp_path) == ["aaa", "bbb"] and newest_scoring_id(tmp_path) == "bbb"
    assert newer.parent == tmp_path / "scores=bbb" / "model=m" / "task=mednli"


def test_truncated_shard_is_set_aside(tmp_path):
    good = write_shard(group_dir(tmp_path, "m", "mednli"), table(["1"], [None]))
    cut = write_shard(group_dir(tmp_path, "m", "mednli"), table(["2", "3"], [None, None]))
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # a copy cut short
    (moved,) = quarantine_damaged(tmp_path)
    assert moved.name == cut.name + ".damaged" and moved.exists() and not cut.exists()
    assert shard_files(tmp_path) == [good]
    assert completed_keys(tmp_path / "model=m") == {("mednli", "1", -1)}
    assert quarantine_damaged(tmp_path) == []


def test_no_shards(tmp_path):
    assert read_shards(tmp_path / "absent") is None
    assert completed_keys(tmp_path / "absent") == set()
    assert newest_scoring_id(tmp_path) is None
