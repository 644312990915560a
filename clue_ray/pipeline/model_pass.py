"""One model's pass of a run: its stored predictions that lack scores are scored (no engine
starts for them), then its missing rows stream through engine and scoring; everything lands
in Parquet shards as it comes, with progress."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clue_ray.metrics.scoring import TaskScorer
from clue_ray.models import ModelSettings
from clue_ray.pipeline.manifest import utilisation
from clue_ray.pipeline.plan import Plan
from clue_ray.pipeline.progress import Progress
from clue_ray.pipeline.resume import ModelWork, Pending
from clue_ray.pipeline.sink import ShardSink
from clue_ray.pipeline.stages import build_dataset, rescore_dataset

Intervals = dict[str, list[tuple[float, float]]]


@dataclass
class ModelOutcome:
    """What one model's pass did."""

    computed: int
    rescored: int
    dropped_failed: int
    dropped_scores: int
    quarantined: list[str]
    utilisation: float | None


def describe(model: str, work: ModelWork) -> str:
    """One line: what this pass will do and what it cleaned up first."""
    computed = sum(len(keys) for keys in work.missing.values())
    rescored = sum(len(keys) for keys in work.rescore.values())
    if not computed and not rescored:
        return f"{model}: all rows already stored, nothing to run"
    parts = [f"{computed} rows to compute"]
    if rescored:
        parts.append(f"{rescored} stored predictions to score")
    notes = []
    if work.dropped_failed:
        notes.append(f"{work.dropped_failed} failed rows dropped for retry")
    if work.dropped_scores:
        notes.append(f"{work.dropped_scores} stale or failed scores dropped")
    return f"{model}: {', '.join(parts)}" + (f" ({'; '.join(notes)})" if notes else "")


def run_model(plan: Plan, model: ModelSettings, work: ModelWork) -> ModelOutcome:
    """Score what is stored but unscored, then compute what is missing."""
    print(describe(model.name, work))
    for path in work.quarantined:
        print(f"  damaged shard set aside, its rows are recomputed: {path}")
    missing = {t: keys for t, keys in work.missing.items() if keys}
    rescore = {t: keys for t, keys in work.rescore.items() if keys}
    totals = {t: len(missing.get(t, [])) + len(rescore.get(t, [])) for t in {*missing, *rescore}}
    with Progress(model.name, totals, plan.cmd.progress_interval_s) as progress:
        rescored = _stream(plan, model, rescore, progress, inference=False)[0] if rescore else 0
        computed, intervals = (_stream(plan, model, missing, progress, inference=True)
                               if missing else (0, {}))
    if totals:
        progress.report()
    return ModelOutcome(computed, rescored, work.dropped_failed, work.dropped_scores,
                        [str(p) for p in work.quarantined], utilisation(intervals))


def _stream(plan: Plan, model: ModelSettings, keys: Pending, progress: Progress,
            inference: bool) -> tuple[int, Intervals]:
    """Run one dataset to its end; rows written, and the engine's busy intervals."""
    dataset = (build_dataset if inference else rescore_dataset)(plan, model, keys)
    sink = ShardSink(plan.run_dir, model.name, metric_names(plan), plan.cmd.shard_rows,
                     plan.scoring_id, inference=inference)
    intervals: Intervals = {}
    try:
        for batch in dataset.iter_batches(batch_format="pandas", batch_size=None):
            if inference:
                _record_intervals(batch, intervals)
            sink.add(batch)
            for task, count in batch["task"].value_counts().items():
                progress.update(str(task), int(count))
    finally:
        sink.flush()  # rows already scored are kept, whatever stops the stream
    return sink.written, intervals


def metric_names(plan: Plan) -> dict[str, list[str]]:
    """The metric columns of each selected task under the run's scoring settings."""
    scorer = TaskScorer(plan.cmd.scoring, plan.cmd.tasks)  # loads no model until it scores
    return {task: list(scorer.metric_names(task)) for task in plan.cmd.tasks}


def _record_intervals(batch: pd.DataFrame, intervals: Intervals) -> None:
    spans = batch[["engine_actor", "engine_started_at", "engine_finished_at"]].drop_duplicates()
    for actor, start, end in spans.itertuples(index=False, name=None):
        intervals.setdefault(str(actor), []).append((float(start), float(end)))
