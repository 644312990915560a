"""The config tree: every experiment composes and validates; the model registry is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clue_ray.config import RunCommand, available, chat_template_text, compose, load_model
from clue_ray.errors import ConfigError
from clue_ray.models import KINDS
from clue_ray.tasks.registry import TASKS

MODELS_MD = Path(__file__).resolve().parents[2] / "shared" / "models.md"


@pytest.mark.parametrize("experiment", available("experiment"))
def test_every_experiment_composes_and_names_known_models(experiment):
    cmd = compose("run", [f"experiment={experiment}"], RunCommand)
    assert cmd.experiment_name == experiment
    assert cmd.models and set(cmd.tasks) <= set(TASKS)
    for name in cmd.models:
        load_model(name)
    assert getattr(cmd.engine, cmd.engine.kind) is not None


def test_required_experiments_exist():
    assert {"demo", "clue", "level1", "level2", "longhealth"} <= set(available("experiment"))
    level1 = compose("run", ["experiment=level1"], RunCommand)
    assert level1.tasks == ["mednli", "meqsum", "problem_summary"]
    clue = compose("run", ["experiment=clue"], RunCommand)
    assert clue.engine.kind == "vllm" and clue.cluster.accelerator_type == "A100-80G"
    assert len(clue.tasks) == 6 and "baseline" in clue.models


@pytest.mark.parametrize("engine", available("engine"))
def test_every_engine_composes(engine):
    cmd = compose("run", [f"engine={engine}"], RunCommand)
    assert cmd.engine.kind == engine


def test_registry_entries_are_consistent():
    names = available("model")
    models = {n: load_model(n) for n in names}
    for model in models.values():
        assert model.kind in KINDS
        assert model.base_model is None or model.base_model in models
        chat_template_text(model.chat_template)
        if model.kind == "biomedical":
            assert model.base_model is not None, model.name
    assert models["meditron-70b"].tensor_parallel_size == 4
    assert models["mixtral-8x22b-instruct-v0.1"].tensor_parallel_size == 8
    assert not models["mistral-7b-instruct-v0.1"].system_role
    assert models["llama-2-7b-hf"].chat_template == "llama2"


@pytest.mark.skipif(not MODELS_MD.is_file(), reason="../shared/models.md absent")
def test_every_study_model_is_registered_with_its_base_and_parallelism():
    cells = [[c.strip() for c in line.strip("|").split("|")]
             for line in MODELS_MD.read_text().splitlines() if line.startswith("| ")]
    rows = [(c[0], c[1], c[2], c[4]) for c in cells if re.fullmatch(r"[\w.-]+/[\w.-]+", c[0])]
    assert len(rows) == 30
    by_id = {load_model(n).hf_id: load_model(n) for n in available("model")}
    for hf_id, kind, base, tp in rows:
        model = by_id[hf_id]
        assert model.kind == kind.split()[0]
        assert model.tensor_parallel_size == int(tp)
        assert (by_id[base].name if base else None) == model.base_model


def test_unknown_names_list_what_exists():
    with pytest.raises(ConfigError, match="unknown model 'gpt'.*available: .*baseline"):
        load_model("gpt")
    with pytest.raises(ConfigError, match="experiment"):
        compose("run", ["experiment=nope"], RunCommand)
    with pytest.raises(ConfigError, match="engine"):
        compose("run", ["engine=nope"], RunCommand)
