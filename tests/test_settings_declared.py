"""Settings check themselves: every field of every settings type carries a one-line
description, and a value outside a field's declared range stops the config when it is
composed, in one line naming the key (clue_ray/setting.py)."""

from __future__ import annotations

import shutil
import types
import typing
from dataclasses import fields, is_dataclass, replace

import pytest
from pydantic.fields import FieldInfo

from clue_ray.conf_files import conf_dir
from clue_ray.config import (
    PromptsCommand,
    ReportCommand,
    RunCommand,
    ScoreCommand,
    ServeCommand,
    ViewCommand,
    compose,
    load_model,
)
from clue_ray.engines.registry import engine_settings_schema
from clue_ray.errors import ConfigError
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.models import ModelSettings
from clue_ray.planning.settings import PlanSettings
from clue_ray.serve.model_app import ServeModelSettings
from clue_ray.setting import Setting, check_values, declared
from clue_ray.tasks.registry import CLUE

ROOTS = (RunCommand, ServeCommand, ReportCommand, PromptsCommand, ScoreCommand, PlanSettings,
         ServeModelSettings, ModelSettings, ViewCommand, engine_settings_schema())


def settings_types() -> list[type]:
    """Every dataclass reachable from the commands' schemas, through fields, lists and
    optional values (the engines' sections included)."""
    found: list[type] = []
    todo = list(ROOTS)
    while todo:
        owner = todo.pop()
        if owner in found:
            continue
        found.append(owner)
        for hint, _ in declared(owner).values():
            todo.extend(inner for inner in _inner_types(hint) if is_dataclass(inner))
    return found


def _inner_types(hint: object) -> list[object]:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType, list, dict):
        return [inner for arg in args for inner in _inner_types(arg)]
    return [hint]


def one_line(text: str | None) -> bool:
    return bool(text) and "\n" not in text and len(text) <= 100


def test_the_walk_reaches_every_settings_type():
    names = {owner.__name__ for owner in settings_types()}
    assert {"ClusterSettings", "ScoringSettings", "BertScoreSettings", "RepetitionSettings",
            "BootstrapSettings", "ServeSettings", "AutoscalingSettings", "PageSettings",
            "ThroughputRow", "VllmSettings", "OpenAISettings", "TransformersSettings",
            "SimulatedSettings", "ModelSettings"} <= names


@pytest.mark.parametrize("owner", settings_types(), ids=lambda owner: owner.__qualname__)
def test_every_field_of_a_settings_type_has_a_one_line_description(owner):
    declarations = declared(owner)
    undescribed = [f.name for f in fields(owner)
                   if not (isinstance(declarations[f.name][1], Setting)
                           and one_line(declarations[f.name][1].doc))]
    assert not undescribed, f"{owner.__qualname__}: {undescribed}"


def test_every_task_option_has_a_description():
    options = {task.options_type for task in CLUE.values() if task.options_type is not None}
    assert options
    for owner in options:
        infos: dict[str, FieldInfo] = owner.__pydantic_fields__
        assert all(one_line(info.description) for info in infos.values()), owner


@pytest.mark.parametrize(("config", "schema", "overrides", "message"), [
    ("run", RunCommand, ["limit=0"], "limit must be 1 or more, got 0"),
    ("run", RunCommand, ["cluster.scoring_actors=0"],
     "cluster.scoring_actors must be 1 or more, got 0"),
    ("run", RunCommand, ["engine=vllm", "engine.vllm.gpu_memory_utilization=1.5"],
     "engine.vllm.gpu_memory_utilization must be more than 0 and at most 1, got 1.5"),
    ("run", RunCommand, ["engine=openai", "engine.openai.max_in_flight=0"],
     "engine.openai.max_in_flight must be 1 or more, got 0"),
    ("run", RunCommand, ["engine=transformers", "engine.transformers.threads=0"],
     "engine.transformers.threads must be 1 or more, got 0"),
    ("run", RunCommand, ["engine=simulated", "engine.simulated.latency_per_prompt_s=-1"],
     "engine.simulated.latency_per_prompt_s must be 0 or more, got -1"),
    ("run", RunCommand, ["scoring.repetition.min_repeats=1"],
     "scoring.repetition.min_repeats must be 2 or more, got 1"),
    ("score", ScoreCommand, ["task=meqsum", "data_dir=d", "predictions=p", "out=o",
                             "scoring.bertscore.batch_size=0"],
     "scoring.bertscore.batch_size must be 1 or more, got 0"),
    ("report", ReportCommand, ["results=r", "out=o", "bootstrap.confidence=1"],
     "bootstrap.confidence must be between 0 and 1, got 1"),
    ("report", ReportCommand, ["results=r", "out=o", "examples=-2"],
     "examples must be 0 or more, got -2"),
    ("serve_command", ServeCommand, ["serve.port=65536"],
     "serve.port must be 0 to 65535, got 65536"),
    ("serve_command", ServeCommand, ["serve.scoring.autoscaling.target_ongoing_requests=0"],
     "serve.scoring.autoscaling.target_ongoing_requests must be positive, got 0"),
    ("serve_command", ServeCommand, ["serve.page.route=page"],
     "serve.page.route must start with '/', got 'page'"),
    ("view", ViewCommand, ["results=r", "page_rows=0"], "page_rows must be 1 to 1000, got 0"),
    ("view", ViewCommand, ["results=r", "port=70000"], "port must be 0 to 65535, got 70000"),
    ("prompts", PromptsCommand, ["task=meqsum", "data_dir=d", "out=o", "max_context=0"],
     "max_context must be 1 or more, got 0"),
    ("serve_model", ServeModelSettings, ["model=demo-general", "max_ongoing_requests=0"],
     "max_ongoing_requests must be 1 or more, got 0"),
])
def test_an_out_of_range_value_is_refused_when_the_config_is_composed(config, schema,
                                                                       overrides, message):
    with pytest.raises(ConfigError) as refused:
        compose(config, overrides, schema)
    assert str(refused.value) == message


def test_a_prefix_names_the_key_as_the_command_line_writes_it():
    with pytest.raises(ConfigError) as refused:
        compose("plan", ["sample=0"], PlanSettings, prefix="plan")
    assert str(refused.value) == "plan.sample must be 1 or more, got 0"
    row = "throughput=[{gpu: X, max_params_b: 1, prefill_tok_s: 1, decode_tok_s: 0, source: s}]"
    with pytest.raises(ConfigError) as refused:
        compose("plan", [row], PlanSettings, prefix="plan")
    assert str(refused.value) == "plan.throughput[0].decode_tok_s must be positive, got 0"


def test_a_registry_entry_out_of_range_is_refused_naming_its_file(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    entry = conf / "model" / "demo-general.yaml"
    text = entry.read_text()
    assert "tensor_parallel_size: 1" in text
    entry.write_text(text.replace("tensor_parallel_size: 1", "tensor_parallel_size: 0"))
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf))
    with pytest.raises(ConfigError) as refused:
        load_model("demo-general")
    assert str(refused.value) == f"{entry}: tensor_parallel_size must be 1 or more, got 0"


def test_settings_made_in_code_are_checked_where_they_are_used():
    scoring = compose("run", [], RunCommand).scoring
    with pytest.raises(ConfigError, match=r"^scoring.umls 'off' is not one of enabled, disab"):
        TaskScorer(replace(scoring, umls="off"), [])
    loop = replace(scoring.repetition, max_ngram=0)
    with pytest.raises(ConfigError, match=r"^scoring.repetition.max_ngram must be 1 or more"):
        TaskScorer(replace(scoring, repetition=loop), [])
    check_values(scoring, "scoring")  # the composed defaults pass
