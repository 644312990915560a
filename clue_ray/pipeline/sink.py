"""Finished rows as atomic Parquet shards, the inference columns and the score columns apart
(predictions first, so a crash between the two leaves a prediction to score, never a score
without its prediction)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from clue_ray.pipeline.shards import write_shard
from clue_ray.rows import INFERENCE_STORED, SCORE_STORED, column_type, group_dir


def shard_table(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    """These columns of finished rows, with a fixed schema (absent columns are null)."""
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


def write_rows(run_dir: Path, model: str, task: str, frame: pd.DataFrame,
               metrics: Sequence[str], scoring_id: str, inference: bool = True) -> None:
    """Rows of one model/task: their inference shard (unless `inference` is false), then
    their score shard with these `metric_*` columns."""
    frame = frame.assign(scoring_id=scoring_id)
    if inference:
        write_shard(group_dir(run_dir, model, task), shard_table(frame, INFERENCE_STORED))
    write_shard(group_dir(run_dir, model, task, scoring_id),
                shard_table(frame, [*SCORE_STORED, *metrics]))
