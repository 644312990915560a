"""Parquet shards, whatever folder they are in: atomic writes, reading, the keys of their rows,
dropping rows to redo, and quarantining files that cannot be read.

A shard is written to a hidden temporary name and renamed into place, so a reader never sees
half a file; files that do not end in `.parquet` (left by a killed writer) are ignored and
cleaned up, and a shard that cannot be read is renamed `*.parquet.damaged` and ignored.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from clue_ray.rows import KEY_COLUMNS, Key, column_type

if TYPE_CHECKING:
    # One boolean per row of a table (a column's test is chunked, a built mask is not).
    RowMask = pa.Array[pa.BooleanScalar] | pa.ChunkedArray[pa.BooleanScalar]

SHARD_GLOB = "part-*.parquet"
DAMAGED_SUFFIX = ".damaged"


def shard_files(directory: Path) -> list[Path]:
    """Finished shards of a folder (any depth, inference and scores), oldest first."""
    return sorted(Path(directory).rglob(SHARD_GLOB)) if Path(directory).is_dir() else []


def read_shards(files: Sequence[Path], columns: Iterable[str] | None = None) -> pa.Table | None:
    """All rows of these shards (the given columns, default all), or None when there are none."""
    if not files:
        return None
    wanted = list(columns) if columns is not None else None
    tables = [pq.read_table(path, columns=wanted) for path in files]
    return pa.concat_tables(tables, promote_options="permissive")


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


def shard_table(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    """These columns of rows, with the row contract's types (absent columns are null)."""
    arrays, fields = [], []
    for column in columns:
        values = frame[column].tolist() if column in frame else [None] * len(frame)
        if column == "flags":
            values = [[f for f in (v or "").split(",") if f] for v in values]
        kind = column_type(column)
        values = [None if _missing(v) else v for v in values]
        arrays.append(pa.array(values, type=kind))
        fields.append(pa.field(column, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _missing(value: object) -> bool:
    if isinstance(value, list | tuple | dict):
        return False
    return value is None or bool(pd.isna(value))


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


def keys_where(files: Iterable[Path], keep: Callable[[pa.Table], RowMask],
               columns: Iterable[str]) -> set[Key]:
    """(task, sample_id, seed) of the rows of these shards for which `keep` is true."""
    keys: set[Key] = set()
    for path in files:
        table = pq.read_table(path, columns=[*KEY_COLUMNS, *columns])
        kept = table.filter(keep(table))
        keys.update(zip(*(kept.column(c).to_pylist() for c in KEY_COLUMNS), strict=True))
    return keys


def drop_rows(files: Iterable[Path], drop: Callable[[pa.Table], RowMask]) -> int:
    """Rewrite shards without the rows `drop` marks (atomically, in place; a shard left
    empty is removed); returns how many rows went."""
    dropped = 0
    for path in files:
        table = pq.read_table(path)
        kept = table.filter(pc.invert(drop(table)))
        count = table.num_rows - kept.num_rows
        if not count:
            continue
        if kept.num_rows:
            write_shard(path.parent, kept, name=path.name)
        else:
            path.unlink()
        dropped += count
    return dropped


def key_mask(table: pa.Table, keys: set[Key]) -> pa.Array[pa.BooleanScalar]:
    """True for the rows of a table whose (task, sample_id, seed) is in `keys`."""
    rows = zip(*(table.column(c).to_pylist() for c in KEY_COLUMNS), strict=True)
    return pa.array([key in keys for key in rows], type=pa.bool_())
