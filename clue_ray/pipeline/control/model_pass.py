"""One model's pass of a run: its stored predictions that lack scores are scored (no engine
starts for them), then its missing rows stream from their keys through prompt building,
engine and scoring into Parquet shards written on the cluster; the driver sees keys and
engine timing only, for progress and utilisation."""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass

import pandas as pd

from clue_ray.models import ModelSettings
from clue_ray.pipeline.control.display import SweepDisplay
from clue_ray.pipeline.control.engine_time import EngineClock
from clue_ray.pipeline.control.plan import Plan
from clue_ray.pipeline.control.progress import Progress
from clue_ray.pipeline.control.resume import ModelWork, Pending
from clue_ray.pipeline.stages.prompt_count import read_counter, start_counter
from clue_ray.pipeline.stages.stream import build_dataset, rescore_dataset


@dataclass
class ModelOutcome:
    """What one model's pass did."""

    computed: int
    rescored: int
    dropped_failed: int
    dropped_scores: int
    quarantined: list[str]
    engine_busy_s: float
    wall_s: float  # from the pass's start to its last stored row
    engine_actors: int
    utilisation: float | None  # engine busy / (wall x actors), load and prompts included


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


def run_model(plan: Plan, model: ModelSettings, work: ModelWork,
              display: SweepDisplay) -> ModelOutcome:
    """Score what is stored but unscored, then compute what is missing (its progress shown
    by `display`)."""
    clock = EngineClock(started=time.time())
    print(describe(model.name, work))
    for path in work.quarantined:
        print(f"  damaged shard set aside, its rows are recomputed: {path}")
    missing = {t: keys for t, keys in work.missing.items() if keys}
    rescore = {t: keys for t, keys in work.rescore.items() if keys}
    totals = {t: len(missing.get(t, [])) + len(rescore.get(t, [])) for t in {*missing, *rescore}}
    progress = display.progress(model.name, totals)
    progress.watch_engine(lambda: clock.utilisation_so_far(time.time()))
    with progress:
        rescored = _stream(plan, model, rescore, progress, None) if rescore else 0
        computed = _stream(plan, model, missing, progress, clock) if missing else 0
    if totals and progress.printing:
        progress.report()
    return ModelOutcome(computed, rescored, work.dropped_failed, work.dropped_scores,
                        [str(p) for p in work.quarantined], clock.busy_s(), clock.wall_s(),
                        len(clock.spans), clock.utilisation())


def _stream(plan: Plan, model: ModelSettings, keys: Pending, progress: Progress,
            clock: EngineClock | None) -> int:
    """Run one dataset to its end (inference when a clock is given, else rescoring); the
    number of rows written."""
    if clock is not None:
        counter = start_counter()
        progress.watch_prompts(lambda: read_counter(counter),
                               sum(len(pairs) for pairs in keys.values()))
        dataset = build_dataset(plan, model, keys, counter)
    else:
        dataset = rescore_dataset(plan, model, keys)
    written = 0
    try:
        for batch in dataset.iter_batches(batch_format="pandas", batch_size=None):
            assert isinstance(batch, pd.DataFrame)  # typed as any batch format
            if clock is not None:
                _record(batch, clock)
            written += len(batch)
            failed = batch["failed"].fillna(False).astype(bool)
            for task, group in failed.groupby(batch["task"], sort=False):
                progress.update(str(task), len(group), int(group.sum()))
    except Exception as err:
        full = _disk_full(err)
        if full is not None:
            raise full from None
        raise
    return written


def _record(batch: pd.DataFrame, clock: EngineClock) -> None:
    clock.last_row = time.time()
    spans = batch[["engine_actor", "engine_started_at", "engine_finished_at"]].dropna()
    for actor, start, end in spans.drop_duplicates().itertuples(index=False, name=None):
        clock.add(str(actor), float(start), float(end))


def _disk_full(err: BaseException) -> OSError | None:
    """The disk-full error behind a failure in the writing actor, if that is what it was
    (Ray hands a worker's exception back with its cause in `cause` or `__cause__`)."""
    seen: BaseException | None = err
    for _ in range(16):
        if seen is None:
            return None
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return OSError(seen.errno, seen.strerror, seen.filename)
        seen = getattr(seen, "cause", None) or seen.__cause__ or seen.__context__
    return None
