"""The sink: buffers finished rows per task and writes them as atomic Parquet shards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from clue_ray.pipeline.columns import METRIC_PREFIX, STORED_COLUMNS
from clue_ray.pipeline.shards import group_dir, write_shard

TYPES: dict[str, pa.DataType] = {
    "seed": pa.int64(), "max_tokens": pa.int64(), "prompt_tokens": pa.int64(),
    "output_tokens": pa.int64(), "engine_prompt_tokens": pa.int64(),
    "system_folded": pa.bool_(), "context_overflow": pa.bool_(),
    "latency_s": pa.float64(), "engine_started_at": pa.float64(),
    "engine_finished_at": pa.float64(), "flags": pa.list_(pa.string()),
}


def shard_table(frame: pd.DataFrame, metrics: list[str]) -> pa.Table:
    """The stored columns of finished rows, with a fixed schema."""
    arrays, fields = [], []
    for column in (*STORED_COLUMNS, *metrics):
        values = frame[column].tolist() if column in frame else [None] * len(frame)
        if column == "flags":
            values = [[f for f in (v or "").split(",") if f] for v in values]
        kind = TYPES.get(column, pa.float64() if column.startswith(METRIC_PREFIX) else pa.string())
        values = [None if _missing(v) else v for v in values]
        arrays.append(pa.array(values, type=kind))
        fields.append(pa.field(column, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _missing(value: object) -> bool:
    if isinstance(value, list | tuple | dict):
        return False
    return value is None or bool(pd.isna(value))


class ShardSink:
    """Collects rows of one model; writes a shard per task every `shard_rows` rows."""

    def __init__(self, run_dir: Path, model: str, metric_names: dict[str, list[str]],
                 shard_rows: int) -> None:
        self.run_dir = run_dir
        self.model = model
        self.metric_names = metric_names
        self.shard_rows = shard_rows
        self.buffers: dict[str, list[pd.DataFrame]] = {}
        self.written = 0

    def add(self, batch: pd.DataFrame) -> None:
        """Buffer a finished batch; flush the tasks whose buffers are full."""
        for task, group in batch.groupby("task", sort=False):
            self.buffers.setdefault(str(task), []).append(group)
            if sum(len(f) for f in self.buffers[str(task)]) >= self.shard_rows:
                self.flush(str(task))

    def flush(self, task: str | None = None) -> None:
        """Write the buffered rows of one task (or of all)."""
        for name in [task] if task else list(self.buffers):
            frames = self.buffers.pop(name, [])
            if not frames:
                continue
            frame = pd.concat(frames, ignore_index=True)
            metrics = [METRIC_PREFIX + m for m in self.metric_names[name]]
            write_shard(group_dir(self.run_dir, self.model, name), shard_table(frame, metrics))
            self.written += len(frame)
