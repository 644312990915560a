"""Engines are plugins: each is one module under clue_ray/engines/ exporting `ENGINE`, found by
reading the package; nothing outside engines/ asks for an engine by its name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fixtures_run import TEST_BASELINE

import clue_ray
from clue_ray.conf_files import conf_dir
from clue_ray.engines.baseline import RULE_ENGINE
from clue_ray.engines.registry import engine_for, engine_plugin, engine_plugins
from clue_ray.errors import ConfigError
from clue_ray.models import ModelKind
from clue_ray.pipeline.control.plan import make_plan

PACKAGE_DIR = Path(clue_ray.__file__).parent


def test_every_engine_yaml_has_a_declaration_and_every_declaration_a_yaml():
    yamls = {p.stem for p in (conf_dir() / "engine").glob("*.yaml")}
    assert set(engine_plugins()) == yamls == {"openai", "simulated", "transformers", "vllm"}
    for name, plugin in engine_plugins().items():
        assert plugin.name == name and plugin.settings_type is not None


def _name_checks(path: Path, names: set[str]) -> list[str]:
    """`x == "vllm"`, `"baseline" != y`, `kind in ("openai", ...)`: comparisons with a
    string constant that names an engine."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        for side in (node.left, *node.comparators):
            constants = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
            found += [f"{path.name}:{node.lineno} {c.value}"
                      for c in constants
                      if isinstance(c, ast.Constant) and c.value in names]
    return found


def test_no_module_outside_engines_compares_with_an_engine_name():
    names = {*engine_plugins(), RULE_ENGINE.name}
    found = [hit for path in sorted(PACKAGE_DIR.rglob("*.py"))
             if "engines" not in path.relative_to(PACKAGE_DIR).parts
             for hit in _name_checks(path, names)]
    assert found == []


def test_the_check_finds_a_name_comparison(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('def f(k):\n    return k == "vllm" or k in ("baseline", "x")\n')
    assert [hit.split(" ")[1] for hit in _name_checks(source, {"vllm", "baseline"})] == [
        "vllm", "baseline"]


def test_the_baseline_model_is_answered_by_the_rule_whatever_the_engine(run_command):
    plan = make_plan(run_command("engine=vllm", f"models=[test-general,{TEST_BASELINE}]"))
    cmd = plan.cmd
    kinds = {m.name: engine_for(m, cmd.engine) for m in plan.models}
    assert {m.name for m in plan.models if m.kind == ModelKind.baseline} == {
        name for name, engine in kinds.items() if engine is RULE_ENGINE}
    assert not RULE_ENGINE.capabilities.runs_a_model
    assert {engine.name for engine in kinds.values()} == {"vllm", "baseline"}
    assert engine_plugin("vllm").capabilities.takes_token_ids


def test_an_engine_declares_its_own_checks(run_command):
    """The openai engine's rules come from its declaration, in the project's one-line form."""
    with pytest.raises(ConfigError, match="max_in_flight must be 1 or more"):
        make_plan(run_command("engine=openai", "engine.openai.max_in_flight=0"))
    with pytest.raises(ConfigError, match="would send credentialed data"):
        make_plan(run_command("engine=openai"))
    with pytest.raises(ConfigError, match="unknown engine 'nope'"):
        engine_plugin("nope")
