"""Where a sweep runs (conf/cluster/) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EngineDevice(StrEnum):
    """What a vLLM worker runs on."""

    cpu = "cpu"
    gpu = "gpu"


@dataclass
class ClusterSettings:
    """Where the sweep runs (conf/cluster/).

    engine_device: what a vLLM worker runs on: "gpu" (one GPU and `cpus_per_engine` CPUs per
    tensor-parallel worker) or "cpu" (`cpus_per_engine` CPUs per worker, KV cache of
    `kv_cache_gib` GiB of RAM per replica). stream_cpus: CPUs reserved by each light step of
    the stream (row mapping around the engine). prompt_builders: min and max prompt-building
    actors per model (each holds the model's tokenizer and the task data), each reserving
    `prompt_builder_cpus` CPUs. models_at_once: model passes streaming at once (each with
    its own engine replicas, builders and scoring actors).
    """

    address: str | None
    num_cpus: int | None
    gpus_per_node: int
    accelerator_type: str | None
    engine_device: EngineDevice
    kv_cache_gib: float | None
    engine_replicas: list[int]
    cpus_per_engine: float
    stream_cpus: float
    prompt_builders: list[int]
    prompt_builder_cpus: float
    scoring_actors: int
    models_at_once: int
