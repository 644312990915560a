"""What a (re)run of one model must do, from what its run folder already holds: rows to run
through the engine, stored predictions to score under the current scoring settings, and the
rows to drop first (engine errors, scorer errors, scores of predictions that are gone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from clue_ray.models import ModelSettings
from clue_ray.pipeline.plan import Plan
from clue_ray.pipeline.shards import (
    completed_keys,
    drop_failed_rows,
    drop_rows,
    key_mask,
    keys_where,
    quarantine_damaged,
)
from clue_ray.rows import Key, scores_dir, scoring_ids

if TYPE_CHECKING:
    from clue_ray.pipeline.shards import RowMask

Pending = dict[str, list[tuple[str, int]]]


@dataclass
class ModelWork:
    """One model's share of a run."""

    missing: Pending  # no usable prediction yet: engine, then scoring
    rescore: Pending  # a stored prediction without a good score under this scoring id
    dropped_failed: int = 0  # engine-error rows removed, to be retried
    dropped_scores: int = 0  # scorer-error and stale score rows removed
    quarantined: list[Path] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """Whether anything is left to do."""
        return any(self.missing.values()) or any(self.rescore.values())


def score_files(run_dir: Path, scoring_id: str, model: str) -> list[Path]:
    """Score shards of one model under one scoring id."""
    return sorted((scores_dir(run_dir, scoring_id) / f"model={model}").glob(
        "task=*/part-*.parquet"))


def scored_keys(run_dir: Path, scoring_id: str, model: str) -> set[Key]:
    """Keys with a score row and no scorer error under this scoring id."""
    return keys_where(score_files(run_dir, scoring_id, model),
                      lambda t: t.column("scorer_error").is_null(), ["scorer_error"])


def drop_stale_scores(run_dir: Path, model: str, predicted: set[Key], scoring_id: str) -> int:
    """Score rows whose prediction is gone (to be recomputed) go from every scoring id; rows
    that failed to score go from the current one (to be scored again)."""
    dropped = 0
    for other in scoring_ids(run_dir):
        current = other == scoring_id
        dropped += drop_rows(score_files(run_dir, other, model),
                             partial(_stale, predicted=predicted, current=current))
    return dropped


def _stale(table: pa.Table, predicted: set[Key], current: bool) -> RowMask:
    gone = pc.invert(key_mask(table, predicted))
    return pc.or_(gone, table.column("scorer_error").is_valid()) if current else gone


def prepare_model(plan: Plan, model: ModelSettings) -> ModelWork:
    """Quarantine damaged shards, drop what must be redone, and list what is left."""
    run_dir = plan.run_dir
    model_dir = run_dir / f"model={model.name}"
    quarantined = quarantine_damaged(model_dir) + [
        path for sid in scoring_ids(run_dir)
        for path in quarantine_damaged(scores_dir(run_dir, sid) / f"model={model.name}")]
    dropped = drop_failed_rows(model_dir)
    predicted = completed_keys(model_dir)
    dropped_scores = drop_stale_scores(run_dir, model.name, predicted, plan.scoring_id)
    scored = scored_keys(run_dir, plan.scoring_id, model.name)
    missing: Pending = {}
    rescore: Pending = {}
    for task, refs in plan.references.items():
        for ref in refs:
            for seed in plan.seeds:
                key = (task, ref.sample_id, seed)
                if key not in predicted:
                    missing.setdefault(task, []).append((ref.sample_id, seed))
                elif key not in scored:
                    rescore.setdefault(task, []).append((ref.sample_id, seed))
    return ModelWork(missing, rescore, dropped, dropped_scores, quarantined)
