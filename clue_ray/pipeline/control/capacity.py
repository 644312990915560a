"""What a sweep asks of the cluster, checked against what a local Ray has before any model
loads: a plan it can never host would otherwise wait forever for resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from clue_ray.config import RunCommand
from clue_ray.engines.registry import engine_for
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.units import GIB


@dataclass(frozen=True)
class Demand:
    """Resources a model's stream holds at once with its minimum engine replicas."""

    cpus: float
    gpus: float
    kv_cache_gib: float
    how: str  # the arithmetic behind the totals


def model_demand(cmd: RunCommand, model: ModelSettings) -> Demand:
    """The demand of one model's stream."""
    cluster = cmd.cluster
    low = cluster.engine_replicas[0]
    replica = engine_for(model, cmd.engine).replica(model, cluster)
    workers, gpus_per_worker = replica.workers, replica.gpus_per_worker
    replica_cpus = workers * cluster.cpus_per_engine
    per_replica = f"{workers} worker(s) x {cluster.cpus_per_engine:g} CPU"
    if gpus_per_worker:
        per_replica += f" + {gpus_per_worker} GPU"
    kv = replica.kv_cache_gib
    builders = cluster.prompt_builders[0] * cluster.prompt_builder_cpus
    return Demand(
        cpus=low * replica_cpus + cluster.scoring_actors + cluster.stream_cpus + builders,
        gpus=low * workers * gpus_per_worker,
        kv_cache_gib=low * kv,
        how=(f"{low} engine replica(s) x {per_replica} + {cluster.scoring_actors} scoring "
             f"actor(s) x 1 CPU + {cluster.prompt_builders[0]} prompt builder(s) x "
             f"{cluster.prompt_builder_cpus:g} CPU + stream steps {cluster.stream_cpus:g} CPU"),
    )


def check_capacity(cmd: RunCommand, models: Sequence[ModelSettings],
                   resources: Mapping[str, float], available_ram: float) -> None:
    """Refuse, with the numbers, a model whose stream cannot start on this Ray: its minimum
    engine replicas, the scoring actors and the stream's own steps must all fit at once."""
    cpus, gpus = float(resources.get("CPU", 0)), float(resources.get("GPU", 0))
    for model in models:
        demand = model_demand(cmd, model)
        how = demand.how
        if demand.gpus > gpus:
            raise ConfigError(
                f"model '{model.name}' needs {demand.gpus:g} GPU(s) ({how}), but this Ray has "
                f"{gpus:g}: run on a GPU machine, or set cluster.engine_device=cpu")
        if demand.cpus > cpus:
            raise ConfigError(
                f"model '{model.name}' needs {demand.cpus:g} CPUs at once ({how}), but this "
                f"Ray has {cpus:g}: lower cluster.cpus_per_engine, cluster.scoring_actors, "
                "cluster.prompt_builder_cpus or cluster.engine_replicas, or raise "
                "cluster.num_cpus")
        if demand.kv_cache_gib * GIB > available_ram:
            raise ConfigError(
                f"model '{model.name}' needs {demand.kv_cache_gib:g} GiB of RAM for vLLM's KV "
                f"cache (cluster.kv_cache_gib per replica), but {available_ram / GIB:.1f} GiB "
                "are available: lower cluster.kv_cache_gib")
    _check_side_by_side(cmd, models, cpus, gpus, available_ram)


def _check_side_by_side(cmd: RunCommand, models: Sequence[ModelSettings], cpus: float,
                        gpus: float, available_ram: float) -> None:
    """Streams started side by side each take their actors as they come: if they cannot all
    fit, two half-started streams could wait on each other for ever, so refuse that here."""
    at_once = min(cmd.cluster.models_at_once, len(models))
    if at_once < 2:
        return
    demands = [model_demand(cmd, model) for model in models]
    need_cpus = sum(sorted((d.cpus for d in demands), reverse=True)[:at_once])
    need_gpus = sum(sorted((d.gpus for d in demands), reverse=True)[:at_once])
    need_kv = sum(sorted((d.kv_cache_gib for d in demands), reverse=True)[:at_once])
    if need_cpus > cpus or need_gpus > gpus or need_kv * GIB > available_ram:
        raise ConfigError(
            f"cluster.models_at_once={at_once} needs {need_cpus:g} CPUs, {need_gpus:g} GPUs "
            f"and {need_kv:g} GiB of KV cache at once (the {at_once} largest model streams), "
            f"but this Ray has {cpus:g} CPUs, {gpus:g} GPUs and {available_ram / GIB:.1f} GiB "
            "available: lower cluster.models_at_once")
