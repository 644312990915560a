"""Where a sweep runs (conf/cluster/) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from clue_ray.setting import Setting


class EngineDevice(StrEnum):
    """What a vLLM worker runs on."""

    cpu = "cpu"
    gpu = "gpu"


@dataclass
class ClusterSettings:
    """Where the sweep runs (conf/cluster/)."""

    address: Annotated[str | None, Setting(
        "null: start a local Ray; auto or ray://HOST:10001: join a running cluster")]
    num_cpus: Annotated[int | None, Setting("CPUs of a locally started Ray (null: all)", ge=1)]
    gpus_per_node: Annotated[int, Setting("GPUs of each node", ge=0)]
    accelerator_type: Annotated[str | None, Setting(
        "engine actors only on GPUs of this type, e.g. A100-80G (null: any)")]
    engine_device: Annotated[EngineDevice, Setting(
        "what a vLLM worker runs on: gpu (one GPU per tensor-parallel worker) or cpu")]
    kv_cache_gib: Annotated[float | None, Setting(
        "vLLM on CPUs: KV cache per replica, GiB of RAM (null on GPUs)", gt=0)]
    engine_replicas: Annotated[list[int], Setting(
        "[min, max] engine replicas per model (autoscaled when max > min)")]
    cpus_per_engine: Annotated[float, Setting(
        "CPUs per engine actor, or per tensor-parallel worker of a vLLM replica", ge=0)]
    stream_cpus: Annotated[float, Setting(
        "CPUs reserved by each light stream step (row mapping); 0 shares the cores", ge=0)]
    prompt_builders: Annotated[list[int], Setting(
        "[min, max] prompt-building actors per model (each loads the tokenizer once)")]
    prompt_builder_cpus: Annotated[float, Setting(
        "CPUs reserved per prompt builder; 0 shares the cores", ge=0)]
    scoring_actors: Annotated[int, Setting(
        "scoring actors per model pass (BERTScore and UMLS load once per actor)", ge=1)]
    models_at_once: Annotated[int, Setting(
        "model passes streaming at once, each with its own replicas and actors", ge=1)]
