"""A cluster choice that a local Ray cannot host stops the run with the numbers, before any
model loads (otherwise the stream would wait forever for resources)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.capacity import check_capacity, model_demand
from clue_ray.pipeline.control.run import run_sweep

GIB = 1 << 30


@pytest.fixture
def vllm_cmd() -> RunCommand:
    return compose("run", ["engine=vllm"], RunCommand)


def test_demand_of_a_cpu_replica_plus_scoring(vllm_cmd):
    tp2 = replace(load_model("meta-llama-3-8b-instruct"), tensor_parallel_size=2)
    demand = model_demand(vllm_cmd, tp2)
    assert (demand.cpus, demand.gpus, demand.kv_cache_gib) == (3, 0, 1)
    assert "1 engine replica(s) x 2 worker(s) x 1 CPU" in demand.how
    check_capacity(vllm_cmd, [tp2], {"CPU": 3}, 8 * GIB)
    with pytest.raises(ConfigError, match=r"needs 3 CPUs at once .* this Ray has 2: "):
        check_capacity(vllm_cmd, [tp2], {"CPU": 2}, 8 * GIB)
    with pytest.raises(ConfigError, match=r"1 GiB of RAM .* 0\.5 GiB are available"):
        check_capacity(vllm_cmd, [tp2], {"CPU": 3}, GIB / 2)


def test_gpu_replicas_on_a_ray_without_gpus(vllm_cmd):
    gpu = replace(vllm_cmd, cluster=replace(vllm_cmd.cluster, engine_device="gpu",
                                            gpus_per_node=8, engine_replicas=[2, 4]))
    model = load_model("llama3-med42-70b")  # tensor parallel 4
    assert model_demand(gpu, model).gpus == 8
    with pytest.raises(ConfigError, match=r"needs 8 GPU\(s\) .* this Ray has 0: .*"
                                          "engine_device=cpu"):
        check_capacity(gpu, [model], {"CPU": 64}, 64 * GIB)
    check_capacity(gpu, [model], {"CPU": 64, "GPU": 8}, 64 * GIB)


def test_cpu_engines_and_the_baseline_hold_one_actor(vllm_cmd):
    transformers = compose("run", ["engine=transformers"], RunCommand)
    assert model_demand(transformers, load_model("llama3-med42-70b")).cpus == 2
    assert model_demand(vllm_cmd, load_model("baseline")).kv_cache_gib == 0


@pytest.mark.usefixtures("shared_ray")
def test_run_stops_before_any_model_loads(run_command):
    cmd = run_command("engine=vllm", "models=[test-general]", "tasks=[mednli]", "limit=1",
                      "cluster.cpus_per_engine=2")
    with pytest.raises(ConfigError, match="model 'test-general' needs 3 CPUs at once"):
        run_sweep(cmd)
    assert not list(Path(cmd.output_dir).rglob("*.parquet"))


def test_models_side_by_side_must_all_fit_at_once(vllm_cmd):
    two = replace(vllm_cmd, cluster=replace(vllm_cmd.cluster, models_at_once=2))
    models = [load_model("meta-llama-3-8b-instruct"), load_model("llama3-med42-8b")]
    check_capacity(two, models, {"CPU": 4}, 8 * GIB)  # 2 x (1 engine + 1 scoring)
    with pytest.raises(ConfigError, match=r"cluster.models_at_once=2 needs 4 CPUs, 0 GPUs and "
                                          r"2 GiB .* this Ray has 3 CPUs"):
        check_capacity(two, models, {"CPU": 3}, 8 * GIB)
    check_capacity(two, models[:1], {"CPU": 2}, 8 * GIB)  # one model: one stream at a time
