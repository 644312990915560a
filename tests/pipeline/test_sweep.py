"""The sweep on a real local Ray: every model/task group once, resume, flagged rows."""

from __future__ import annotations

import time

import pytest

from clue_ray.config import RunCommand, compose
from clue_ray.errors import ConfigError, DatasetError
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.pipeline.stages.prompt_cache import cache_folder
from clue_ray.results.summary import load_rows
from clue_ray.storage.run_folder import RunFolder
from clue_ray.tasks.registry import CLUE

KEY = ["model", "task", "sample_id", "seed"]


def expected_rows(data_dir) -> dict[str, int]:
    return {task: len(CLUE.references(task, data_dir)) for task in CLUE}


MODELS = ("test-general", "test-biomedical", "test-baseline")


@pytest.mark.usefixtures("shared_ray")
def test_simulated_sweep_then_resume_does_no_inference(simulated_sweep, conf_with_test_models,
                                                       monkeypatch):
    first, rows, out = simulated_sweep.result, simulated_sweep.rows, simulated_sweep.console
    counts = rows.groupby(["model", "task"]).size().to_dict()
    expected = expected_rows(simulated_sweep.data_dir)
    assert counts == {(m, t): n for m in MODELS for t, n in expected.items()}
    assert not rows.duplicated(KEY).any()
    assert rows["engine_error"].isna().all()
    assert rows["engine_actor"].groupby(rows["model"]).nunique().to_dict() == dict.fromkeys(
        MODELS, 1)  # one engine load per model per sweep
    total = sum(expected.values())  # later models' prompts all come from the cache
    prompts = [part for line in out.splitlines() if " rows/s, " in line
               for part in line.split(", ") if part.startswith("prompts ")]
    assert f"prompts {total}/{total}" in prompts
    assert f"prompts {total}/{total} ({total} from the cache)" in prompts
    assert not cache_folder(None, first["run_dir"]).exists()  # a finished sweep removes it
    sha = rows.pivot_table(index=["task", "sample_id"], columns="model",
                           values="prompt_sha256", aggfunc="first")
    assert (sha["test-general"] == sha["test-biomedical"]).all()
    lh = rows[rows.task == "longhealth"]
    assert set(lh["subtask"]) == {"task1", "task2", "task3"}
    assert lh["metric_accuracy"].notna().all()
    ps = rows[rows.task == "problem_summary"]
    for metric in ("rougeL", "bertscore_f1", "umls_f1"):
        assert ps[f"metric_{metric}"].notna().all()
    manifest = RunFolder(first["run_dir"]).load_manifest()
    assert manifest["run_id"] == first["run_id"]
    assert set(manifest["dataset_sha256"]) == set(CLUE)
    assert manifest["package_versions"]["ray"] == "2.60.0"
    counts = manifest["counts"]["test-general"]
    assert counts["tasks"]["mednli"]["rows"] == expected["mednli"]
    # the level rule of the summary, the manifest and the report: one function
    summary = first["summaries"]["test-general"]
    assert counts["levels"] == summary.levels
    assert counts["tasks"]["mednli"]["scores"] == summary.tasks["mednli"].scores

    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    started = time.perf_counter()
    second = run_sweep(compose("run", simulated_sweep.overrides, RunCommand))
    assert time.perf_counter() - started < 15
    assert second["run_id"] == first["run_id"]
    assert all(o["computed"] == 0 for o in second["outcomes"].values())
    again = load_rows(second["run_dir"])
    assert len(again) == len(rows)
    attempts = RunFolder(second["run_dir"]).load_manifest()["attempts"]
    assert [a["status"] for a in attempts] == ["finished", "finished"]


def test_result_changing_settings_give_a_new_run_id(run_command):
    base = make_plan(run_command("engine=simulated")).run_id
    assert make_plan(run_command("engine=simulated", "output_dir=/tmp/elsewhere")).run_id == base
    assert make_plan(run_command("engine=simulated", "engine.simulated.batch_size=3")
                     ).run_id == base
    assert make_plan(run_command("engine=simulated", "task_options.longhealth.seed=7")
                     ).run_id != base
    # only the selected tasks' options count: LongHealth's change nothing of a MeQSum sweep
    meqsum = make_plan(run_command("engine=simulated", "tasks=[meqsum]")).run_id
    assert make_plan(run_command("engine=simulated", "tasks=[meqsum]",
                                 "task_options.longhealth.seed=7")).run_id == meqsum
    assert make_plan(run_command("engine=transformers")).run_id != base
    vllm = make_plan(run_command("engine=vllm")).run_id
    assert make_plan(run_command("engine=vllm", "engine.vllm.dtype=bfloat16")).run_id != vllm
    assert make_plan(run_command("engine=simulated", "engine.decoding=engine_defaults",
                                 "seeds=[1,2]")).run_id != base


def test_bad_input_stops_before_anything_loads(run_command, tmp_path):
    with pytest.raises(ConfigError, match="unknown model 'nope'.*available:.*meditron-7b"):
        make_plan(run_command("models=[nope]"))
    with pytest.raises(ConfigError, match="unknown task 'nli'"):
        make_plan(run_command("tasks=[nli]"))
    with pytest.raises(DatasetError, match="file not found.*data_dir"):
        make_plan(run_command(f"data_dir={tmp_path}"))
    with pytest.raises(ConfigError, match="tensor_parallel_size=4.*gpus_per_node=2"):
        make_plan(run_command("engine=vllm", "models=[meditron-70b]",
                              "cluster.engine_device=gpu", "cluster.gpus_per_node=2"))
    with pytest.raises(ConfigError, match="needs sampling"):
        make_plan(run_command("seeds=[1]"))


def test_unknown_experiment_lists_the_available_ones(run_command):
    with pytest.raises(ConfigError, match="experiment"):
        run_command("experiment=nope")


@pytest.mark.usefixtures("shared_ray")
@pytest.mark.usefixtures("conf_with_broken_model")
def test_transformers_engine_on_a_tiny_model_and_a_model_that_cannot_load(run_command, capsys):
    result = run_sweep(run_command("engine=transformers", "models=[test-broken,test-general]",
                                   "tasks=[mednli,medisumcode]",
                                   "limit=4", "engine.transformers.batch_size=2"))
    out = capsys.readouterr().out
    assert "test-broken: stopped, the sweep goes on with the other models: " in out
    assert "cannot load tokenizer" in result["outcomes"]["test-broken"]["error"]
    assert result["failed"] == 1  # the run exits 3
    rows = load_rows(result["run_dir"])
    assert set(rows["model"]) == {"test-general"}
    assert rows.groupby("task").size().to_dict() == {"mednli": 4, "medisumcode": 4}
    assert (rows["output_tokens"] > 0).all()
    assert rows["finish_reason"].isin(["stop", "length"]).all()
    assert rows.loc[rows.task == "mednli", "output_tokens"].max() <= 20
    assert rows["metric_icd_valid_ratio"].notna().sum() == 4


@pytest.mark.usefixtures("shared_ray")
def test_seeds_run_one_sampled_pass_each(run_command):
    result = run_sweep(run_command("engine=simulated", "engine.decoding=engine_defaults",
                                   "seeds=[1,2]", "models=[test-general]", "tasks=[mednli]",
                                   "limit=3", "scoring.umls=disabled"))
    rows = load_rows(result["run_dir"])
    assert sorted(rows["seed"].tolist()) == [1, 1, 1, 2, 2, 2]
    assert rows.groupby("seed")["sample_id"].apply(sorted).tolist()[0] == sorted(
        rows[rows.seed == 2]["sample_id"])
