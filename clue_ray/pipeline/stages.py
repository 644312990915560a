"""The Ray Data plans of one model: prompts (built in parallel, longest first) -> engine
stage (an actor pool, or the vLLM processor) -> scoring stage (CPU actor pool); and stored
predictions -> scoring stage, for rows whose scores are missing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from clue_ray.models import ModelSettings
from clue_ray.pipeline.engine_stage import EngineStage
from clue_ray.pipeline.plan import Plan
from clue_ray.pipeline.prompt_rows import build_rows, context_length
from clue_ray.pipeline.scoring_stage import ScoringStage
from clue_ray.pipeline.shards import inference_files

LONGHEALTH_CHUNK = 200  # LongHealth sample ids per prompt-building task


def prompt_rows(plan: Plan, model: ModelSettings,
                missing: dict[str, list[tuple[str, int]]]) -> list[dict[str, Any]]:
    """Rows of every missing key, built by parallel Ray tasks, longest prompt first."""
    import ray

    build = ray.remote(build_rows)
    data_dir = Path(plan.cmd.data_dir).resolve()
    futures = []
    for task, keys in missing.items():
        step = LONGHEALTH_CHUNK if task == "longhealth" else len(keys)
        for start in range(0, len(keys), step):
            futures.append(build.remote(plan.run_id, model, task, data_dir,
                                        plan.cmd.longhealth, keys[start : start + step]))
    rows = [row for chunk in ray.get(futures) for row in chunk]
    rows.sort(key=lambda r: (-r["prompt_tokens"], r["task"], r["sample_id"], r["seed"]))
    return rows


def build_dataset(plan: Plan, model: ModelSettings,
                  missing: dict[str, list[tuple[str, int]]]) -> Any:
    """The lazy Dataset of one model's missing rows, through engine and scoring."""
    import ray

    rows = prompt_rows(plan, model, missing)
    cmd, cluster = plan.cmd, plan.cmd.cluster
    # One block per engine batch: rows stream to scoring and the shards batch by batch, so
    # progress, shards and resume granularity follow the engine, not the whole dataset.
    blocks = max(1, math.ceil(len(rows) / cmd.engine.batch_size()))
    dataset = ray.data.from_items(rows, override_num_blocks=blocks)
    if cmd.engine.kind == "vllm" and model.kind != "baseline":
        from clue_ray.pipeline.vllm_stage import apply_vllm

        dataset = apply_vllm(dataset, model, cmd.engine, cluster, context_length(model, None))
    else:
        low, high = cluster.engine_replicas
        dataset = dataset.map_batches(
            EngineStage,
            fn_constructor_kwargs={"model": model, "settings": cmd.engine},
            batch_size=cmd.engine.batch_size(),
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(min_size=low, max_size=high),
            num_cpus=cluster.cpus_per_engine,
        )
    return scored(dataset, plan, list(missing))


def rescore_dataset(plan: Plan, model: ModelSettings, keys: dict[str, list[tuple[str, int]]]
                    ) -> Any:
    """The stored predictions of these keys (read from the model's inference shards on the
    cluster), through the scoring stage."""
    import ray

    wanted = {(task, sample_id, seed) for task, pairs in keys.items()
              for sample_id, seed in pairs}
    files = [str(p) for p in inference_files(plan.run_dir / f"model={model.name}")]
    stored = ray.data.read_parquet(files, partitioning=None)
    chosen = stored.filter(
        lambda row: (row["task"], row["sample_id"], int(row["seed"])) in wanted)
    return scored(chosen, plan, list(keys))


def scored(dataset: Any, plan: Plan, tasks: list[str]) -> Any:
    """A dataset of engine rows through the scoring actors."""
    import ray

    return dataset.map_batches(
        ScoringStage,
        fn_constructor_kwargs={"settings": plan.cmd.scoring, "tasks": tasks},
        batch_size=plan.cmd.scoring_batch_rows,
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=plan.cmd.cluster.scoring_actors),
        num_cpus=1,
    )
