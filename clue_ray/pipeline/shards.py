"""Parquet result shards: atomic writes, what is done, dropping rows to redo, damaged files.

Layout of a run folder:
  `model=<name>/task=<task>/part-*.parquet`                      inference rows (predictions)
  `scores=<scoring_id>/model=<name>/task=<task>/part-*.parquet`  their scores and flags
A shard is written to a hidden temporary name and renamed into place, so a reader never sees
half a file; files that do not end in `.parquet` (left by a killed writer) are ignored and
cleaned up, and a shard that cannot be read is renamed `*.parquet.damaged` and ignored.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KEY_COLUMNS = ("task", "sample_id", "seed")
SHARD_GLOB = "part-*.parquet"
SCORES_PREFIX = "scores="
DAMAGED_SUFFIX = ".damaged"

Key = tuple[str, str, int]


def group_dir(run_dir: Path, model: str, task: str, scoring_id: str | None = None) -> Path:
    """The folder of one model/task group: its inference rows, or its scores under one
    scoring id."""
    base = Path(run_dir) / f"{SCORES_PREFIX}{scoring_id}" if scoring_id else Path(run_dir)
    return base / f"model={model}" / f"task={task}"


def scores_dir(run_dir: Path, scoring_id: str) -> Path:
    """The folder of every score shard of one scoring id."""
    return Path(run_dir) / f"{SCORES_PREFIX}{scoring_id}"


def scoring_ids(run_dir: Path) -> list[str]:
    """The scoring ids a run folder holds scores of."""
    return sorted(p.name[len(SCORES_PREFIX):] for p in Path(run_dir).glob(f"{SCORES_PREFIX}*")
                  if p.is_dir())


def newest_scoring_id(run_dir: Path) -> str | None:
    """The scoring id whose shards were written last (None when there are no scores)."""
    latest = {sid: max((p.stat().st_mtime for p in shard_files(scores_dir(run_dir, sid))),
                       default=0.0) for sid in scoring_ids(run_dir)}
    return max(latest, key=lambda sid: latest[sid]) if latest else None


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
    """Finished shards of a folder (any depth, inference and scores), oldest first."""
    return sorted(Path(directory).rglob(SHARD_GLOB)) if Path(directory).is_dir() else []


def inference_files(model_dir: Path) -> list[Path]:
    """Inference shards of one model folder (`<run>/model=<name>`), oldest first."""
    return sorted(Path(model_dir).glob(f"task=*/{SHARD_GLOB}"))


def clean_partial_files(directory: Path) -> int:
    """Remove temporary files a killed writer left behind; returns how many."""
    leftovers = list(Path(directory).rglob(".part-*.tmp")) if Path(directory).is_dir() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


def quarantine_damaged(directory: Path) -> list[Path]:
    """Rename every shard under a folder that cannot be read to `*.parquet.damaged` (kept
    for inspection, read by nothing); returns the new paths."""
    moved = []
    for path in shard_files(directory):
        try:
            pq.read_table(path, columns=[c for c in KEY_COLUMNS])
        except (OSError, pa.ArrowException, ValueError):
            target = path.with_name(path.name + DAMAGED_SUFFIX)
            os.replace(path, target)
            moved.append(target)
    return moved


def read_shards(directory: Path, columns: Iterable[str] | None = None,
                files: list[Path] | None = None) -> pa.Table | None:
    """All rows of the given shards (default: every shard under a folder), or None."""
    files = shard_files(directory) if files is None else files
    if not files:
        return None
    wanted = list(columns) if columns is not None else None
    tables = [pq.read_table(path, columns=wanted) for path in files]
    return pa.concat_tables(tables, promote_options="permissive")


def keys_where(files: Iterable[Path], keep: Callable[[pa.Table], pa.Array],
               columns: Iterable[str]) -> set[Key]:
    """(task, sample_id, seed) of the rows of these shards for which `keep` is true."""
    keys: set[Key] = set()
    for path in files:
        table = pq.read_table(path, columns=[*KEY_COLUMNS, *columns])
        kept = table.filter(keep(table))
        keys.update(zip(*(kept.column(c).to_pylist() for c in KEY_COLUMNS), strict=True))
    return keys


def completed_keys(model_dir: Path) -> set[Key]:
    """(task, sample_id, seed) of every stored inference row without an engine error."""
    return keys_where(inference_files(model_dir),
                      lambda t: t.column("engine_error").is_null(), ["engine_error"])


def drop_rows(files: Iterable[Path], drop: Callable[[pa.Table], pa.Array]) -> int:
    """Rewrite shards without the rows `drop` marks (atomically, in place; a shard left
    empty is removed); returns how many rows went."""
    dropped = 0
    for path in files:
        table = pq.read_table(path)
        mask = drop(table)
        count = pc.sum(mask).as_py() or 0
        if not count:
            continue
        kept = table.filter(pc.invert(mask))
        if kept.num_rows:
            write_shard(path.parent, kept, name=path.name)
        else:
            path.unlink()
        dropped += count
    return dropped


def drop_failed_rows(model_dir: Path) -> int:
    """Remove inference rows that ended in an engine error (so a rerun retries them)."""
    return drop_rows(inference_files(model_dir), lambda t: t.column("engine_error").is_valid())


def key_mask(table: pa.Table, keys: set[Key]) -> pa.Array:
    """True for the rows of a table whose (task, sample_id, seed) is in `keys`."""
    rows = zip(*(table.column(c).to_pylist() for c in KEY_COLUMNS), strict=True)
    return pa.array([key in keys for key in rows], type=pa.bool_())
