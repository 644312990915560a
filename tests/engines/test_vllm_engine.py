"""The vLLM stage as built from config: engine arguments, placement on GPUs and on CPUs, and
the row mapping in and out of ray.data.llm (no engine runs here; test_vllm_sweep.py runs it).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.engines.vllm_engine import (
    CPU_ENV,
    INFERENCE_ERROR,
    NOT_SENT,
    declared_dtype,
    engine_kwargs,
    make_finish_row,
    make_preprocess,
    processor_config,
)

GIB = 1 << 30


@pytest.fixture
def clue_cmd() -> RunCommand:
    return compose("run", ["experiment=clue"], RunCommand)


@pytest.fixture
def local_cmd() -> RunCommand:
    return compose("run", ["engine=vllm"], RunCommand)


def test_gpu_cluster_config_from_model_engine_and_cluster(clue_cmd):
    model = load_model("llama3-openbiollm-70b")
    kwargs = engine_kwargs(model, clue_cmd.engine, clue_cmd.cluster, 8192, "bfloat16")
    assert kwargs["tensor_parallel_size"] == 4 and kwargs["max_model_len"] == 8192
    assert kwargs["dtype"] == "bfloat16" and kwargs["enforce_eager"] is False
    assert kwargs["gpu_memory_utilization"] == 0.9 and "kv_cache_memory_bytes" not in kwargs
    assert "distributed_executor_backend" not in kwargs  # ray.data.llm picks Ray for TP > 1
    config = processor_config(model, clue_cmd.engine, clue_cmd.cluster, kwargs)
    assert config.model_source == "aaditya/Llama3-OpenBioLLM-70B"
    assert config.concurrency == (1, 8)  # autoscaling data-parallel replicas
    assert config.accelerator_type == "A100-80G"
    assert config.runtime_env == {"env_vars": {"VLLM_LOGGING_LEVEL": "WARNING"}}
    assert config.placement_group_config["bundles"] == [{"CPU": 4, "GPU": 1}] * 4
    assert config.placement_group_config["strategy"] == "STRICT_PACK"
    assert config.should_continue_on_error is True and config.batch_size == 64


def test_cpu_cluster_config_needs_no_environment_variable(local_cmd, tiny_lm_dir):
    model = replace(load_model("demo-general"), path=str(tiny_lm_dir))
    kwargs = engine_kwargs(model, local_cmd.engine, local_cmd.cluster, 16384,
                           declared_dtype(model))
    assert kwargs["dtype"] == "float32"  # the config's dtype: no silent downcast to bf16
    assert kwargs["kv_cache_memory_bytes"] == GIB and kwargs["enforce_eager"] is True
    assert "gpu_memory_utilization" not in kwargs
    config = processor_config(model, local_cmd.engine, local_cmd.cluster, kwargs)
    assert config.accelerator_type is None
    assert config.placement_group_config["bundles"] == [{"CPU": 1, "GPU": 0}]
    assert config.runtime_env == {"env_vars": {"VLLM_LOGGING_LEVEL": "WARNING", **CPU_ENV}}
    assert config.concurrency == (1, 1)
    tp2 = replace(model, tensor_parallel_size=2)
    assert engine_kwargs(tp2, local_cmd.engine, local_cmd.cluster, 64, "float32")[
        "distributed_executor_backend"] == "mp"  # vLLM's CPU platform has no Ray executor


def test_settings_override_the_derived_values(local_cmd):
    model = load_model("meta-llama-3-8b-instruct")
    engine = replace(local_cmd.engine, vllm=replace(local_cmd.engine.vllm, dtype="bfloat16",
                                                    enforce_eager=False))
    kwargs = engine_kwargs(model, engine, local_cmd.cluster, 8192, "float32")
    assert kwargs["dtype"] == "bfloat16" and kwargs["enforce_eager"] is False
    fixed = replace(local_cmd.cluster, engine_replicas=[2, 2])
    assert processor_config(model, engine, fixed, kwargs).concurrency == (2, 2)


@pytest.mark.usefixtures("shared_ray")
def test_built_stage_places_tensor_parallel_workers(clue_cmd, local_cmd):
    from ray.data.llm import build_processor

    model = load_model("meditron3-70b")
    gpu = build_processor(processor_config(
        model, clue_cmd.engine, clue_cmd.cluster,
        engine_kwargs(model, clue_cmd.engine, clue_cmd.cluster, 8192, "bfloat16")))
    assert gpu.list_stage_names() == ["vLLMEngineStage"]  # our own template and tokenisation
    stage = gpu.get_stage_by_name("vLLMEngineStage")
    # TP 4 on GPUs: a placement group of four GPU bundles per replica, made by the stage.
    assert stage.fn_constructor_kwargs["engine_kwargs"]["distributed_executor_backend"] == "ray"
    assert stage.map_batches_kwargs["num_gpus"] == 0 and "ray_remote_args_fn" in (
        stage.map_batches_kwargs)
    assert stage.map_batches_kwargs["accelerator_type"] == "A100-80G"
    cpu_model = replace(model, tensor_parallel_size=2)
    cpu = build_processor(processor_config(
        cpu_model, local_cmd.engine, local_cmd.cluster,
        engine_kwargs(cpu_model, local_cmd.engine, local_cmd.cluster, 8192, "bfloat16")))
    stage = cpu.get_stage_by_name("vLLMEngineStage")
    # TP 2 on CPUs: the actor holds both workers' CPUs; vLLM runs them as processes.
    assert stage.map_batches_kwargs["num_cpus"] == 2 and "num_gpus" not in (
        stage.map_batches_kwargs)
    assert stage.map_batches_kwargs["runtime_env"]["env_vars"]["VLLM_CPU_OMP_THREADS_BIND"] == (
        "nobind")


def row(**extra):
    return {"run_id": "r", "model": "test-general", "task": "mednli", "subtask": None,
            "sample_id": "7", "seed": -1, "messages": "[]", "reference": "neutral",
            "max_tokens": 20, "prompt": "<|begin_of_text|>hello", "prompt_token_ids": [0, 5, 9],
            "prompt_tokens": 3, "system_folded": False, "context_overflow": False,
            "prompt_sha256": "x", **extra}


def test_preprocess_sends_our_token_ids_under_the_engines_own_model_name():
    model = replace(load_model("demo-general"), path="/models/general")
    greedy = make_preprocess(model, greedy=True, stop_ids=(1, 7))(row())
    assert greedy["tokenized_prompt"] == [0, 5, 9]
    assert greedy["model"] == "/models/general"  # never the registry name (a LoRA request)
    assert greedy["sampling_params"] == {"max_tokens": 20, "detokenize": True,
                                         "skip_special_tokens": True, "stop_token_ids": [1, 7],
                                         "temperature": 0.0}
    assert greedy[INFERENCE_ERROR] == "" and greedy["prompt"] == ""
    sampled = make_preprocess(model, greedy=False, stop_ids=(1,))(row(seed=3))
    assert "temperature" not in sampled["sampling_params"]
    assert isinstance(sampled["sampling_params"]["seed"], int)
    overflow = make_preprocess(model, greedy=True, stop_ids=(1,))(row(context_overflow=True))
    assert overflow[INFERENCE_ERROR] == NOT_SENT  # ray.data.llm passes such rows by the engine


def test_finish_row_puts_every_outcome_on_the_row_contract():
    finish = make_finish_row(load_model("demo-general"), stop_ids=(1, 7))
    base = row(model="/models/general")
    ok = finish({**base, "generated_text": "NEUTRAL", "generated_tokens": [4, 5, 7],
                 "num_input_tokens": 3, "time_taken_llm": 9.0, INFERENCE_ERROR: "",
                 "metrics": {"arrival_time": 100.0, "queued_ts": 7.0, "last_token_ts": 7.5}})
    assert (ok["prediction"], ok["output_tokens"], ok["finish_reason"], ok["engine_error"]) == (
        "NEUTRAL", 3, "stop", None)
    assert ok["model"] == "demo-general" and ok["engine_prompt_tokens"] == 3
    assert (ok["engine_started_at"], ok["engine_finished_at"], ok["latency_s"]) == (
        100.0, 100.5, 0.5)
    assert "generated_text" not in ok and "prompt" not in ok and ok["sample_id"] == "7"
    full = finish({**base, "generated_text": "x", "generated_tokens": [4] * 20,
                   INFERENCE_ERROR: ""})
    assert full["finish_reason"] == "length"
    failed = finish({**base, INFERENCE_ERROR: "VLLMValidationError: too long"})
    assert (failed["prediction"], failed["engine_error"], failed["finish_reason"]) == (
        None, "VLLMValidationError: too long", "error")
    assert failed["engine_prompt_tokens"] is None
    over = finish({**row(context_overflow=True), INFERENCE_ERROR: NOT_SENT})
    assert (over["prediction"], over["finish_reason"], over["output_tokens"],
            over["engine_error"]) == ("", "context_overflow", 0, None)
