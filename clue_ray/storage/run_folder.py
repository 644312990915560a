"""One run folder and everything about its layout: where each model's rows and scores are,
which scoring ids it holds, what is done, and the changes a rerun makes (quarantine damaged
shards, drop failed and stale rows, write finished rows). The pipeline, the report, the live
page and the sample view all reach a run folder's files through it.

Layout:
  `manifest.json`                                                the run manifest
  `.lock`                                                        the one writer's lock
  `model=<name>/task=<task>/part-*.parquet`                      inference rows (predictions)
  `scores=<scoring_id>/model=<name>/task=<task>/part-*.parquet`  their scores and flags

Inference shards hold the row contract's stored inference columns, score shards its stored
score columns (`clue_ray.rows`). A results folder is a run folder or a folder of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clue_ray.fileio import write_atomic
from clue_ray.rows import INFERENCE_STORED, SCORE_STORED, Key
from clue_ray.storage.shards import (
    SHARD_GLOB,
    clean_partial_files,
    drop_rows,
    key_mask,
    keys_where,
    quarantine_damaged,
    read_shards,
    shard_files,
    shard_table,
    write_shard,
)

if TYPE_CHECKING:
    from clue_ray.storage.shards import RowMask

MANIFEST = "manifest.json"
LOCK = ".lock"
SCORES_PREFIX = "scores="


@dataclass(frozen=True)
class RunFolder:
    """A run folder (`<output_dir>/<run id>`), created on first write."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    # Layout.
    @property
    def manifest_file(self) -> Path:
        """The run manifest (JSON)."""
        return self.path / MANIFEST

    @property
    def lock_file(self) -> Path:
        """The file the one writer locks."""
        return self.path / LOCK

    def model_dir(self, model: str) -> Path:
        """The folder of one model's inference rows."""
        return self.path / f"model={model}"

    def scores_dir(self, scoring_id: str) -> Path:
        """The folder of every score shard of one scoring id."""
        return self.path / f"{SCORES_PREFIX}{scoring_id}"

    def group_dir(self, model: str, task: str, scoring_id: str | None = None) -> Path:
        """The folder of one model/task group: its inference rows, or its scores under one
        scoring id."""
        base = self.scores_dir(scoring_id) if scoring_id else self.path
        return base / f"model={model}" / f"task={task}"

    def scoring_ids(self) -> list[str]:
        """The scoring ids the folder holds scores of."""
        return sorted(p.name[len(SCORES_PREFIX):] for p in self.path.glob(f"{SCORES_PREFIX}*")
                      if p.is_dir())

    def newest_scoring_id(self) -> str | None:
        """The scoring id whose shards were written last (None when there are no scores)."""
        latest = {sid: max((p.stat().st_mtime for p in shard_files(self.scores_dir(sid))),
                           default=0.0) for sid in self.scoring_ids()}
        return max(latest, key=lambda sid: latest[sid]) if latest else None

    def inference_files(self, model: str = "*") -> list[Path]:
        """Inference shards of one model (default: of every model), oldest first."""
        return sorted(self.path.glob(f"model={model}/task=*/{SHARD_GLOB}"))

    def score_files(self, scoring_id: str, model: str = "*") -> list[Path]:
        """Score shards of one model (default: of every model) under one scoring id."""
        return sorted(self.scores_dir(scoring_id).glob(f"model={model}/task=*/{SHARD_GLOB}"))

    # What is stored.
    def completed_keys(self, model: str) -> set[Key]:
        """Keys of every stored inference row of a model without an engine error."""
        return keys_where(self.inference_files(model),
                          lambda t: t.column("engine_error").is_null(), ["engine_error"])

    def scored_keys(self, scoring_id: str, model: str) -> set[Key]:
        """Keys with a score row and no scorer error under this scoring id."""
        return keys_where(self.score_files(scoring_id, model),
                          lambda t: t.column("scorer_error").is_null(), ["scorer_error"])

    def read_predictions(self, model: str = "*") -> pa.Table | None:
        """Every stored inference row (of one model, when named); None when there are none."""
        return read_shards(self.inference_files(model))

    def read_scores(self, scoring_id: str, model: str = "*") -> pa.Table | None:
        """Every score row under one scoring id (of one model, when named); None when there
        are none."""
        return read_shards(self.score_files(scoring_id, model))

    def load_manifest(self) -> dict[str, Any]:
        """The manifest ({} when there is none yet)."""
        path = self.manifest_file
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    # Changes.
    def write_manifest(self, text: str) -> Path:
        """Replace the manifest atomically."""
        write_atomic(self.manifest_file, text)
        return self.manifest_file

    def write_rows(self, model: str, task: str, frame: pd.DataFrame, metrics: Sequence[str],
                   scoring_id: str, inference: bool = True) -> None:
        """Finished rows of one model/task: their inference shard (unless `inference` is
        false), then their score shard with these `metric_*` columns. Predictions first, so
        a crash between the two leaves a prediction to score, never a score without its
        prediction."""
        frame = frame.assign(scoring_id=scoring_id)
        if inference:
            write_shard(self.group_dir(model, task), shard_table(frame, INFERENCE_STORED))
        write_shard(self.group_dir(model, task, scoring_id),
                    shard_table(frame, [*SCORE_STORED, *metrics]))

    def clean_partial_files(self) -> int:
        """Remove temporary files a killed writer left behind; returns how many."""
        return clean_partial_files(self.path)

    def quarantine_damaged(self, model: str) -> list[Path]:
        """Set aside a model's shards (inference and every scoring id's) that cannot be read."""
        return quarantine_damaged(self.model_dir(model)) + [
            path for sid in self.scoring_ids()
            for path in quarantine_damaged(self.scores_dir(sid) / f"model={model}")]

    def drop_failed_rows(self, model: str) -> int:
        """Remove a model's inference rows that ended in an engine error (a rerun retries
        them); returns how many went."""
        return drop_rows(self.inference_files(model),
                         lambda t: t.column("engine_error").is_valid())

    def drop_stale_scores(self, model: str, predicted: set[Key], scoring_id: str) -> int:
        """Score rows whose prediction is gone (to be recomputed) go from every scoring id;
        rows that failed to score go from the current one (to be scored again)."""
        dropped = 0
        for other in self.scoring_ids():
            dropped += drop_rows(self.score_files(other, model), partial(
                _stale, predicted=predicted, current=other == scoring_id))
        return dropped


def _stale(table: pa.Table, predicted: set[Key], current: bool) -> RowMask:
    gone = pc.invert(key_mask(table, predicted))
    return pc.or_(gone, table.column("scorer_error").is_valid()) if current else gone


def is_score_shard(path: Path) -> bool:
    """Whether a shard holds scores (`scores=<id>/model=<m>/task=<t>/part-*.parquet`)."""
    return path.parents[2].name.startswith(SCORES_PREFIX)


def score_files_by_run(results: Path) -> dict[Path, dict[str, list[Path]]]:
    """Score shards under a results folder, by run folder and scoring id (oldest first)."""
    found: dict[Path, dict[str, list[Path]]] = {}
    for path in shard_files(results):
        if is_score_shard(path):
            scoring_id = path.parents[2].name[len(SCORES_PREFIX):]
            found.setdefault(path.parents[3], {}).setdefault(scoring_id, []).append(path)
    return found


def manifest_files(results: Path) -> list[Path]:
    """The manifests of every run folder under a results folder."""
    return sorted(Path(results).rglob(MANIFEST))
