"""`clue-ray plan` on the test models and synthetic data: prompts and prompt tokens equal what
a run builds, GPU-hours follow the table, a model that cannot be measured is left out and
named, and a finished run on the same GPU type recalibrates the projection."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clue_ray.cli import main
from clue_ray.config import RunCommand, compose, load_model
from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.pipeline.stages.prompt_rows import build_rows
from clue_ray.planning.measure import choose
from clue_ray.planning.settings import PlanSettings
from clue_ray.storage.run_folder import RunFolder

A100 = ("cluster=a100", "cluster.address=null")
SMALL = ("tasks=[meqsum,longhealth]", "limit=6")
CALIBRATION_RUN = ("tasks=[longhealth]", "limit=6")


@pytest.fixture
def settings() -> PlanSettings:
    return compose("plan", [], PlanSettings)


def test_rates_by_gpu_and_size(settings):
    assert settings.rate("A100-80G", 8).max_params_b == 10
    assert settings.rate("A100-80G", 47).max_params_b == 50
    assert settings.rate("A100-80G", 70).decode_tok_s == 239
    with pytest.raises(ConfigError, match="no throughput for GPU type 'None'.*cluster=a100"):
        settings.rate(None, 8)
    with pytest.raises(ConfigError, match="holds a 400B model"):
        settings.rate("A100-80G", 400)
    assert all(row.source for row in settings.throughput)  # every value has its source


def test_choice_is_seeded_in_list_order_and_does_not_alias():
    ids = [f"p{p}/{q}/task{s}/{r}" for p in range(20) for q in range(20) for s in (1, 2, 3)
           for r in range(5)]  # LongHealth's order: an even stride of 375 sees task1 only
    chosen = choose(ids, 16, "longhealth")
    assert chosen == choose(ids, 16, "longhealth") and chosen == sorted(chosen, key=ids.index)
    assert len({sample_id.split("/")[2] for sample_id in chosen}) == 3
    assert choose(list("abc"), 16, "x") == ["a", "b", "c"]


def test_plan_counts_what_a_run_builds(run_command, sweep_overrides, tmp_path, capsys, settings):
    out = tmp_path / "plan.csv"
    args = [*sweep_overrides(tmp_path / "results"), *A100, *SMALL,
            "models=[test-general,test-baseline]", "plan.sample=50", f"plan.out={out}"]
    assert main(["plan", *args]) == 0
    console = capsys.readouterr().out
    assert "test-baseline: the parameterless baseline, no engine" in console
    assert "max_tokens: an upper bound" in console and "rates A100-80G <= 10B:" in console
    rows = {r["task"]: r for r in csv.DictReader(out.open())}
    plan = make_plan(compose("run", [*sweep_overrides(tmp_path), *A100, *SMALL,
                                     "models=[test-general]"], RunCommand))
    model = load_model("test-general")
    rate = settings.rate("A100-80G", model.params_b)
    for task, references in plan.references.items():
        built = build_rows("r", model, task, Path(plan.cmd.data_dir), plan.task_options,
                           [(r.sample_id, -1) for r in references])
        sent = [r for r in built if not r["context_overflow"]]
        prompt = sum(r["prompt_tokens"] for r in sent)
        output = sum(r["max_tokens"] for r in sent)
        assert int(rows[task]["prompts"]) == len(references)
        assert float(rows[task]["prompt_tokens"]) == pytest.approx(prompt)
        assert float(rows[task]["max_output_tokens"]) == pytest.approx(output)
        hours = (prompt / rate.prefill_tok_s + output / rate.decode_tok_s) / 3600
        assert float(rows[task]["gpu_hours"]) == pytest.approx(hours)
        assert float(rows[task]["cost_usd"]) == pytest.approx(hours * settings.gpu_hour_usd)


@pytest.mark.usefixtures("conf_with_broken_model")
def test_a_model_that_cannot_be_measured_is_left_out_and_named(sweep_overrides, tmp_path,
                                                               capsys):
    args = [*sweep_overrides(tmp_path / "results"), *A100, *SMALL,
            "models=[test-broken,test-general]", "plan.sample=2"]
    assert main(["plan", *args]) == 0
    console = capsys.readouterr().out
    assert "test-broken: LEFT OUT of the totals" in console
    assert "total: 1 model(s)" in console
    assert main(["plan", *args[:-2], "models=[test-broken]"]) == 2
    assert "no model of this sweep could be measured" in capsys.readouterr().err


@pytest.mark.usefixtures("shared_ray")
def test_a_finished_run_on_the_same_gpus_recalibrates(run_command, sweep_overrides, tmp_path,
                                                      capsys):
    """LongHealth alone: its accuracy loads no scoring model (calibration reads the engines'
    busy time and tokens, not the metrics)."""
    run = run_sweep(run_command("engine=simulated", "models=[test-general]", *CALIBRATION_RUN,
                                "scoring.umls=disabled", "cluster.accelerator_type=A100-80G",
                                "engine.simulated.latency_per_prompt_s=0.05"))
    manifest = RunFolder(run["run_dir"]).load_manifest()
    busy = manifest["attempts"][-1]["models"]["test-general"]["engine_busy_s"]
    capsys.readouterr()
    args = [*sweep_overrides(tmp_path / "results"), *A100, *CALIBRATION_RUN,
            "models=[test-general]"]
    assert main(["plan", *args, f"plan.calibrate={run['run_dir']}"]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("calibrated x")]
    assert line and f"measured {busy:.0f} engine GPU-s" in line[0]
    assert main(["plan", *args, "cluster.accelerator_type=H100",
                 f"plan.calibrate={run['run_dir']}"]) == 2
    assert "used accelerator_type=A100-80G, this plan projects H100" in capsys.readouterr().err
