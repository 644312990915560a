"""The model registry entry (conf/model/<name>.yaml) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ModelKind(StrEnum):
    """What a model is in the study: the report pairs each biomedical model with its base."""

    general = "general"
    biomedical = "biomedical"
    baseline = "baseline"


class EngineDevice(StrEnum):
    """What a vLLM worker runs on."""

    cpu = "cpu"
    gpu = "gpu"


@dataclass
class ModelSettings:
    """One model of the study (or of the demo).

    hf_id: Hugging Face id (the real loading path); path: a local directory used instead.
    chat_template: a template name under conf/chat_templates/ for models without their own.
    max_context: overrides the context length read from the model's own config at run time.
    """

    name: str
    hf_id: str
    revision: str
    kind: ModelKind
    base_model: str | None
    params_b: float
    tensor_parallel_size: int
    instruction_tuned: bool
    system_role: bool
    chat_template: str | None
    max_context: int | None
    path: str | None = None

    @property
    def source(self) -> str:
        """Where weights and tokenizer load from: the local path, else the hub id."""
        return self.path or self.hf_id


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
