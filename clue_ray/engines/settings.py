"""Typed engine settings. Values come from conf/engine/ (no defaults live here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EngineKind(StrEnum):
    """The engines a sweep can run (each has its section of EngineSettings)."""

    transformers = "transformers"
    vllm = "vllm"
    openai = "openai"
    simulated = "simulated"


class Decoding(StrEnum):
    """Greedy decoding, or the model's own generation defaults (sampling; the reference)."""

    greedy = "greedy"
    engine_defaults = "engine_defaults"


@dataclass
class TransformersSettings:
    """CPU default: batched generation with Hugging Face transformers."""

    batch_size: int
    dtype: str
    threads: int | None


@dataclass
class VllmSettings:
    """vLLM through ray.data.llm, on GPUs or CPUs (cluster.engine_device).

    dtype: None = the dtype the model's config declares (vLLM on CPU would otherwise downcast
    float32 to bfloat16). enforce_eager: None = eager on CPU workers, CUDA graphs on GPUs.
    """

    batch_size: int
    dtype: str | None
    enforce_eager: bool | None
    gpu_memory_utilization: float
    enable_prefix_caching: bool
    enable_chunked_prefill: bool
    max_num_batched_tokens: int
    max_concurrent_batches: int
    should_continue_on_error: bool
    log_level: str


@dataclass
class OpenAISettings:
    """An OpenAI-compatible completions endpoint (self-hosted vLLM or Ray Serve).

    max_in_flight: requests one engine actor keeps in flight at once (across its batches).
    stop_token_ids: send the model's end-of-turn ids (`stop_token_ids`, a vLLM extension).
    """

    base_url: str
    served_model: str | None
    api_key_env: str | None
    timeout_s: float
    deadline_s: float
    max_retries: int
    max_in_flight: int
    stop_token_ids: bool
    batch_size: int
    allow_credentialed_data: bool


@dataclass
class SimulatedSettings:
    """No model: a fixed answer after a latency per prompt and per token."""

    answer: str
    load_s: float
    latency_per_prompt_s: float
    latency_per_prompt_token_s: float
    latency_per_output_token_s: float
    batch_size: int


@dataclass
class EngineSettings:
    """The selected engine (`kind`), its decoding and its own section."""

    kind: EngineKind
    decoding: Decoding
    transformers: TransformersSettings | None = None
    vllm: VllmSettings | None = None
    openai: OpenAISettings | None = None
    simulated: SimulatedSettings | None = None

    def batch_size(self) -> int:
        """Rows per engine call."""
        section = getattr(self, self.kind, None)
        return section.batch_size if section is not None else 16
