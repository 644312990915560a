"""The Ray Data plans of one model: key chunks -> prompt-building actors (longest prompts
first) -> engine stage (an actor pool, or the vLLM processor) -> scoring stage (CPU actor
pool) -> shard writer; and stored predictions -> scoring stage -> shard writer, for rows
whose scores are missing."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clue_ray.engines.plugin import StageRequest
from clue_ray.engines.registry import engine_for
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.models import ModelSettings
from clue_ray.pipeline.control.plan import Plan
from clue_ray.pipeline.stages.prompt_cache import cache_folder
from clue_ray.pipeline.stages.prompt_stage import Keys, PromptStage, key_chunks
from clue_ray.pipeline.stages.scoring_stage import ScoringStage
from clue_ray.pipeline.stages.shard_writer import ShardWriterStage
from clue_ray.tasks.registry import TaskSet
from clue_ray.tasks.user_tasks import MODULE_PREFIX

if TYPE_CHECKING:
    from ray.data import Dataset

NODE_ID_LABEL = "ray.io/node-id"  # the label Ray gives every node


def build_dataset(plan: Plan, model: ModelSettings, missing: Keys, counter: Any = None) -> Dataset:
    """The lazy Dataset of one model's missing rows: key chunks -> prompt builders (telling
    `counter`, a PromptCount actor, after each chunk) -> engine -> scoring -> shard writer
    (what reaches the driver is keys and timing)."""
    import ray

    cmd, cluster = plan.cmd, plan.cmd.cluster
    chunks = list(key_chunks(missing, cmd.prompt_chunk_rows, plan.tasks))
    dataset: Dataset = ray.data.from_items(chunks, override_num_blocks=max(1, len(chunks)))
    low, high = cluster.prompt_builders
    engine = engine_for(model, cmd.engine)
    dataset = dataset.map_batches(
        PromptStage,
        fn_constructor_kwargs={"run_id": plan.run_id, "model": model,
                               "data_dir": str(Path(cmd.data_dir).resolve()),
                               "options": plan.task_options,
                               "token_ids": engine.capabilities.takes_token_ids,
                               "rendered": engine.capabilities.runs_a_model,
                               "cache_dir": str(cache_folder(cmd.prompt_cache_dir, plan.run_dir))
                               if cmd.prompt_cache else None, "counter": counter,
                               "tasks": shipped(plan)},
        batch_size=1,  # one chunk per call: rows leave as soon as their chunk is built
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(min_size=low, max_size=high),
        num_cpus=cluster.prompt_builder_cpus,
    )
    dataset = engine.add_stage(dataset, StageRequest(model, cmd.engine, cluster, shipped(plan)))
    return written(scored(dataset, plan, list(missing)), plan, model, inference=True)


def rescore_dataset(plan: Plan, model: ModelSettings, keys: Keys) -> Dataset:
    """The stored predictions of these keys (read from the model's inference shards on the
    cluster), through the scoring stage."""
    import ray

    wanted = {(task, sample_id, seed) for task, pairs in keys.items()
              for sample_id, seed in pairs}
    files = [str(p) for p in plan.folder.inference_files(model.name)]
    stored = ray.data.read_parquet(files, partitioning=None)
    chosen = stored.filter(
        lambda row: (row["task"], row["sample_id"], int(row["seed"])) in wanted)
    return written(scored(chosen, plan, list(keys)), plan, model, inference=False)


def scored(dataset: Dataset, plan: Plan, tasks: list[str]) -> Dataset:
    """A dataset of engine rows through the scoring actors."""
    import ray

    return dataset.map_batches(
        ScoringStage,
        fn_constructor_kwargs={"settings": plan.cmd.scoring, "tasks": tasks,
                               "task_set": shipped(plan)},
        batch_size=plan.cmd.scoring_batch_rows,
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=plan.cmd.cluster.scoring_actors),
        num_cpus=1,
    )


def written(dataset: Dataset, plan: Plan, model: ModelSettings, inference: bool) -> Dataset:
    """Scored rows through the one shard-writing actor, placed on the driver's node (where
    the run folder and its lock are); `shard_rows` rows per write."""
    import ray

    this_node = ray.get_runtime_context().get_node_id()
    return dataset.map_batches(
        ShardWriterStage,
        fn_constructor_kwargs={"run_dir": str(plan.run_dir), "model": model.name,
                               "metric_names": metric_names(plan),
                               "scoring_id": plan.scoring_id, "inference": inference,
                               "owner_pid": os.getpid()},
        batch_size=plan.cmd.shard_rows,
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=1),
        num_cpus=0,
        label_selector={NODE_ID_LABEL: this_node},
    )


def shipped(plan: Plan) -> TaskSet:
    """The run's tasks, as the stage actors are handed them (see `shippable`)."""
    return shippable(plan.tasks)


def shippable(tasks: TaskSet) -> TaskSet:
    """A task set ready to travel to actors and replicas: the code of users' tasks' Python
    files (imported under tasks.user_tasks.MODULE_PREFIX, names no worker can import)
    travels by value with it."""
    import ray.cloudpickle

    for name in [n for n in sys.modules if n.startswith(MODULE_PREFIX)]:
        ray.cloudpickle.register_pickle_by_value(sys.modules[name])
    return tasks


def metric_names(plan: Plan) -> dict[str, list[str]]:
    """The metric columns of each selected task under the run's scoring settings."""
    scorer = TaskScorer(plan.cmd.scoring, plan.tasks.pick(plan.cmd.tasks))  # loads no model
    return {task: list(scorer.metric_names(task)) for task in plan.cmd.tasks}
