"""The vLLM engine stage, through `ray.data.llm` (GPU clusters only).

Prompts arrive rendered (our chat template rule, exactly one BOS), so the processor's own chat
template and tokenize stages are off: preprocess tokenizes without special tokens and sets the
row's sampling parameters; postprocess maps vLLM's output onto the engine row contract.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from clue_ray.engines.base import row_seed
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ClusterSettings, ModelSettings
from clue_ray.pipeline.columns import TASK_COLUMNS


def engine_kwargs(model: ModelSettings, engine: EngineSettings) -> dict[str, Any]:
    """vLLM engine arguments from the model and engine configs."""
    settings = engine.vllm
    assert settings is not None
    kwargs: dict[str, Any] = {
        "tensor_parallel_size": model.tensor_parallel_size,
        "enable_prefix_caching": settings.enable_prefix_caching,
        "enable_chunked_prefill": settings.enable_chunked_prefill,
        "max_num_batched_tokens": settings.max_num_batched_tokens,
        "gpu_memory_utilization": settings.gpu_memory_utilization,
        "revision": model.revision,
    }
    if model.max_context:
        kwargs["max_model_len"] = model.max_context
    return kwargs


def processor_config(model: ModelSettings, engine: EngineSettings,
                     cluster: ClusterSettings) -> Any:
    """The `vLLMEngineProcessorConfig` of one model (built without vLLM installed)."""
    from ray.data.llm import vLLMEngineProcessorConfig

    settings = engine.vllm
    assert settings is not None
    low, high = cluster.engine_replicas
    return vLLMEngineProcessorConfig(
        model_source=model.source,
        engine_kwargs=engine_kwargs(model, engine),
        batch_size=settings.batch_size,
        concurrency=(low, high) if high > low else low,
        accelerator_type=cluster.accelerator_type,
        max_concurrent_batches=settings.max_concurrent_batches,
        should_continue_on_error=settings.should_continue_on_error,
        chat_template_stage=False,
        tokenize_stage=False,
        detokenize_stage=False,
    )


@cache
def _tokenizer(source: str, revision: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source, revision=revision)


def make_preprocess(model: ModelSettings, greedy: bool):
    """Row -> row with `tokenized_prompt` and `sampling_params` (all columns kept)."""
    source, revision = model.source, model.revision

    def preprocess(row: dict[str, Any]) -> dict[str, Any]:
        overflow = bool(row["context_overflow"])
        ids = [0] if overflow else _tokenizer(source, revision).encode(
            row["prompt"], add_special_tokens=False)
        params: dict[str, Any] = {"max_tokens": 1 if overflow else int(row["max_tokens"]),
                                  "detokenize": True}
        if greedy:
            params["temperature"] = 0.0
        else:
            params["seed"] = row_seed(int(row["seed"]), str(row["sample_id"]))
        return {**row, "tokenized_prompt": ids, "sampling_params": params}

    return preprocess


def postprocess(row: dict[str, Any]) -> dict[str, Any]:
    """vLLM output -> prediction, output_tokens, finish_reason, engine_error, latency_s."""
    error = row.get("__inference_error__") or None
    overflow = bool(row["context_overflow"])
    generated = int(row.get("num_generated_tokens") or 0)
    now = time.time()
    latency = float(row.get("time_taken_llm") or 0.0)
    if overflow:
        prediction, finish = "", "context_overflow"
    elif error:
        prediction, finish = None, "error"
    else:
        prediction = row.get("generated_text", "")
        finish = "length" if generated >= int(row["max_tokens"]) else "stop"
    keep = {k: v for k, v in row.items() if k in TASK_COLUMNS}
    return {
        **keep,
        "prediction": prediction,
        "output_tokens": 0 if overflow else generated,
        "finish_reason": finish,
        "engine_error": error,
        "latency_s": max(latency, 0.0),
        "engine_actor": str(row.get("batch_uuid", "vllm")),
        "engine_started_at": now - max(latency, 0.0),
        "engine_finished_at": now,
    }


def build_vllm_processor(model: ModelSettings, engine: EngineSettings,
                         cluster: ClusterSettings) -> Any:
    """The processor: preprocess -> vLLM engine stage -> postprocess."""
    from ray.data.llm import build_processor

    return build_processor(
        processor_config(model, engine, cluster),
        preprocess=make_preprocess(model, engine.decoding == "greedy"),
        postprocess=postprocess,
    )


def apply_vllm(dataset: Any, model: ModelSettings, engine: EngineSettings,
               cluster: ClusterSettings) -> Any:
    """The dataset through the vLLM processor."""
    return build_vllm_processor(model, engine, cluster)(dataset)
