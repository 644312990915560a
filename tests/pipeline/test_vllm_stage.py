"""The vLLM stage: built from config through ray.data.llm (vLLM cannot run on this CPU).

Running the processor needs a GPU (it would wait forever for one here), so these tests check
the processor and its stage settings, and the pre/post-processing functions that turn our
rows into vLLM requests and vLLM outputs back into the engine row contract. The test marked
`gpu` runs the real thing and is skipped on machines without CUDA and vLLM.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import pytest

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.pipeline.vllm_stage import (
    build_vllm_processor,
    engine_kwargs,
    make_preprocess,
    postprocess,
    processor_config,
)


@pytest.fixture
def clue_cmd() -> RunCommand:
    return compose("run", ["experiment=clue"], RunCommand)


def test_processor_config_from_model_engine_and_cluster(clue_cmd):
    model = load_model("llama3-openbiollm-70b")
    config = processor_config(model, clue_cmd.engine, clue_cmd.cluster)
    assert config.model_source == "aaditya/Llama3-OpenBioLLM-70B"
    assert config.engine_kwargs["tensor_parallel_size"] == 4
    assert config.engine_kwargs["enable_prefix_caching"] is True
    assert config.engine_kwargs["enable_chunked_prefill"] is True
    assert config.engine_kwargs["max_num_batched_tokens"] == 8192
    assert config.concurrency == (1, 8)  # autoscaling data-parallel replicas
    assert config.accelerator_type == "A100-80G"
    assert config.should_continue_on_error is True
    assert config.batch_size == 64


def test_overrides_reach_the_engine(clue_cmd):
    model = replace(load_model("meta-llama-3-8b-instruct"), max_context=8192)
    kwargs = engine_kwargs(model, clue_cmd.engine)
    assert kwargs["tensor_parallel_size"] == 1 and kwargs["max_model_len"] == 8192
    fixed = replace(clue_cmd.cluster, engine_replicas=[2, 2])
    assert processor_config(model, clue_cmd.engine, fixed).concurrency == 2


@pytest.mark.usefixtures("ray_shutdown", "ray_env")
def test_processor_builds_with_only_the_engine_stage(clue_cmd):
    processor = build_vllm_processor(load_model("meditron3-70b"), clue_cmd.engine,
                                     clue_cmd.cluster)
    stages = dict(processor.stages)
    assert list(stages) == ["vLLMEngineStage"]  # our own template and tokenisation
    stage = stages["vLLMEngineStage"]
    assert stage.fn_constructor_kwargs["engine_kwargs"]["tensor_parallel_size"] == 4
    assert stage.map_batches_kwargs["accelerator_type"] == "A100-80G"


def row(**extra):
    return {"run_id": "r", "model": "m", "task": "mednli", "subtask": None, "sample_id": "7",
            "seed": -1, "messages": "[]", "reference": "neutral", "max_tokens": 20,
            "prompt": "<|begin_of_text|>hello there", "prompt_tokens": 3, "system_folded": False,
            "context_overflow": False, "prompt_sha256": "x", **extra}


def test_preprocess_tokenises_without_a_second_bos(tiny_lm_dir):
    from transformers import AutoTokenizer

    model = replace(load_model("demo-general"), path=str(tiny_lm_dir))
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_dir)
    greedy = make_preprocess(model, greedy=True)(row())
    ids = greedy["tokenized_prompt"]
    assert ids == tokenizer.encode("<|begin_of_text|>hello there", add_special_tokens=False)
    assert ids.count(tokenizer.bos_token_id) == 1
    assert greedy["sampling_params"] == {"max_tokens": 20, "detokenize": True,
                                         "temperature": 0.0}
    sampled = make_preprocess(model, greedy=False)(row(seed=3))
    assert "temperature" not in sampled["sampling_params"]
    assert isinstance(sampled["sampling_params"]["seed"], int)
    overflow = make_preprocess(model, greedy=True)(row(context_overflow=True))
    assert overflow["sampling_params"]["max_tokens"] == 1


def test_postprocess_maps_outputs_to_the_row_contract():
    ok = postprocess(row(generated_text="NEUTRAL", num_generated_tokens=3, time_taken_llm=0.5,
                         __inference_error__="", batch_uuid="b1"))
    assert (ok["prediction"], ok["output_tokens"], ok["finish_reason"], ok["engine_error"]) == (
        "NEUTRAL", 3, "stop", None)
    assert ok["latency_s"] == 0.5 and ok["engine_actor"] == "b1"
    assert "generated_text" not in ok and ok["sample_id"] == "7"
    full = postprocess(row(generated_text="x", num_generated_tokens=20, __inference_error__=""))
    assert full["finish_reason"] == "length"
    failed = postprocess(row(generated_text="", __inference_error__="ValueError: too long"))
    assert (failed["prediction"], failed["engine_error"], failed["finish_reason"]) == (
        None, "ValueError: too long", "error")
    over = postprocess(row(context_overflow=True, generated_text="z", num_generated_tokens=1))
    assert (over["prediction"], over["finish_reason"], over["output_tokens"]) == (
        "", "context_overflow", 0)


def _has_gpu() -> bool:
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="needs a CUDA GPU and vLLM (pip install .[vllm])")
@pytest.mark.usefixtures("ray_shutdown", "ray_env")
def test_vllm_sweep_on_a_gpu(run_command):
    from clue_ray.pipeline.run import run_sweep
    from clue_ray.results.summary import load_rows

    result = run_sweep(run_command("engine=vllm", "models=[test-general]", "tasks=[mednli]",
                                   "limit=4", "cluster.gpus_per_node=1"))
    rows = load_rows(result["run_dir"])
    assert len(rows) == 4 and rows["engine_error"].isna().all()
