"""What a (re)run of one model must do, from what its run folder already holds: rows to run
through the engine, stored predictions to score under the current scoring settings, and the
rows to drop first (engine errors, scorer errors, scores of predictions that are gone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clue_ray.models import ModelSettings
from clue_ray.pipeline.control.plan import Plan

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


def prepare_model(plan: Plan, model: ModelSettings) -> ModelWork:
    """Quarantine damaged shards, drop what must be redone, and list what is left."""
    folder = plan.folder
    quarantined = folder.quarantine_damaged(model.name)
    dropped = folder.drop_failed_rows(model.name)
    predicted = folder.completed_keys(model.name)
    dropped_scores = folder.drop_stale_scores(model.name, predicted, plan.scoring_id)
    scored = folder.scored_keys(plan.scoring_id, model.name)
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
