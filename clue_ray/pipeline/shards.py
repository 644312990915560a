"""Parquet result shards: atomic writes, what is done, and dropping rows to retry.

Layout: `<run_dir>/model=<name>/task=<task>/part-<time>-<uuid>.parquet`. A shard is written to
a hidden temporary name and renamed into place, so a reader never sees half a file; files
that do not end in `.parquet` (left by a killed writer) are ignored and cleaned up.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KEY_COLUMNS = ("task", "sample_id", "seed")
SHARD_GLOB = "part-*.parquet"

Key = tuple[str, str, int]


def group_dir(run_dir: Path, model: str, task: str) -> Path:
    """The folder of one model/task group."""
    return Path(run_dir) / f"model={model}" / f"task={task}"


def write_shard(directory: Path, table: pa.Table, name: str | None = None) -> Path:
    """Write one shard atomically (temporary file, fsync, rename); `name` replaces a shard."""
    directory.mkdir(parents=True, exist_ok=True)
    name = name or f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
    final = directory / name
    temporary = directory / f".{name}.tmp"
    pq.write_table(table, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return final


def shard_files(directory: Path) -> list[Path]:
    """Finished shards of a folder (any depth), oldest first."""
    return sorted(Path(directory).rglob(SHARD_GLOB)) if Path(directory).is_dir() else []


def clean_partial_files(directory: Path) -> int:
    """Remove temporary files a killed writer left behind; returns how many."""
    leftovers = list(Path(directory).rglob(".part-*.tmp")) if Path(directory).is_dir() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


def read_shards(directory: Path, columns: Iterable[str] | None = None) -> pa.Table | None:
    """All rows of the shards under a folder, or None when there are none."""
    files = shard_files(directory)
    if not files:
        return None
    wanted = list(columns) if columns is not None else None
    tables = [pq.read_table(path, columns=wanted) for path in files]
    return pa.concat_tables(tables, promote_options="permissive")


def completed_keys(model_dir: Path) -> set[Key]:
    """(task, sample_id, seed) of every stored row without an engine error."""
    keys: set[Key] = set()
    for path in shard_files(model_dir):
        table = pq.read_table(path, columns=[*KEY_COLUMNS, "engine_error"])
        for task, sample_id, seed, error in zip(
            *(table.column(c).to_pylist() for c in (*KEY_COLUMNS, "engine_error")), strict=True
        ):
            if error is None:
                keys.add((task, sample_id, seed))
    return keys


def drop_failed_rows(model_dir: Path) -> int:
    """Rewrite shards without their engine-error rows (so a rerun retries them)."""
    dropped = 0
    for path in shard_files(model_dir):
        table = pq.read_table(path)
        failed = table.column("engine_error").is_valid()
        n_failed = pc.sum(failed).as_py() or 0
        if not n_failed:
            continue
        kept = table.filter(pc.invert(failed))
        if kept.num_rows:
            write_shard(path.parent, kept, name=path.name)  # atomic replace in place
        else:
            path.unlink()
        dropped += n_failed
    return dropped
