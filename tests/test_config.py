"""The config tree: every experiment composes and validates; the model registry is complete."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from clue_ray.cluster import EngineDevice
from clue_ray.conf_files import available, chat_template_text, conf_dir
from clue_ray.config import RunCommand, compose, load_model
from clue_ray.engines.registry import EngineKind
from clue_ray.engines.settings import Decoding
from clue_ray.errors import ConfigError
from clue_ray.metrics.settings import UmlsMode
from clue_ray.models import ModelKind
from clue_ray.tasks.registry import CLUE

MODELS_MD = Path(__file__).resolve().parents[2] / "shared" / "models.md"


@pytest.mark.parametrize("experiment", available("experiment"))
def test_every_experiment_composes_and_names_known_models(experiment):
    cmd = compose("run", [f"experiment={experiment}"], RunCommand)
    assert cmd.experiment_name == experiment
    assert cmd.models and set(cmd.tasks) <= set(CLUE)
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
        assert model.kind in ModelKind
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


@pytest.mark.parametrize(("override", "message"), [
    ("engine.kind=vllmm",
     "engine.kind 'vllmm' is not one of openai, simulated, transformers, vllm"),
    ("engine.decoding=sampled", "engine.decoding 'sampled' is not one of greedy, engine_defaults"),
    ("scoring.umls=off", "scoring.umls 'off' is not one of enabled, disabled"),
    ("cluster.engine_device=tpu", "cluster.engine_device 'tpu' is not one of cpu, gpu"),
])
def test_a_choice_outside_its_values_is_refused_when_the_config_loads(override, message):
    with pytest.raises(ConfigError) as refused:
        compose("run", ["experiment=demo", override], RunCommand)
    assert str(refused.value) == message


def test_a_model_of_unknown_kind_is_refused_when_it_loads(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    entry = conf / "model" / "demo-general.yaml"
    entry.write_text(entry.read_text().replace("kind: general", "kind: biomedicl"))
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf))
    with pytest.raises(ConfigError) as refused:
        load_model("demo-general")
    assert str(refused.value) == (f"{entry}: kind 'biomedicl' is not one of general, "
                                  "biomedical, baseline")


def test_choices_load_as_their_enums():
    cmd = compose("run", ["experiment=demo", "engine=vllm"], RunCommand)
    assert cmd.engine.kind is EngineKind.vllm and cmd.engine.decoding is Decoding.greedy
    assert cmd.scoring.umls is UmlsMode.enabled and cmd.cluster.engine_device is EngineDevice.cpu
    assert load_model("baseline").kind is ModelKind.baseline
