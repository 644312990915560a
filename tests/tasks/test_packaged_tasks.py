"""CLUE's five file tasks declared in YAML (clue_ray/data/tasks/) against their Python modules:
the same facts, rules and prompts on the synthetic data (the comparison made before the
modules' declarations were replaced by the YAML)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from clue_ray.demo.datasets import DatasetSizes, write_datasets
from clue_ray.tasks import medisumcode, medisumqa, mednli, meqsum, problem_summary
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.task_yaml import check_declaration, from_yaml

MEQSUM_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "meqsum"
MODULES = (mednli, meqsum, problem_summary, medisumqa, medisumcode)
FACTS = ("name", "headline_metric", "credentialed", "expected_samples", "obtain_from", "level",
         "source_file", "few_shot", "metric_names", "spec", "own_spec", "subtasks",
         "stratify_by_subtask", "long_prompt_rank", "options_type", "needs_tokenizer",
         "subtask_of", "cluster_of", "score_sample", "invalid_codes", "baseline",
         "ideal_answer")
PREDICTIONS = ("entailment", "NEUTRAL or contradiction", "none", "", "ICD-10 Codes: I10, E11.9",
               "Z99.99 and j18.9", "The answer: Contradiction.")


def declared(module: ModuleType) -> TaskDefinition:
    """The task's packaged YAML, loaded afresh."""
    name = module.TASK.name
    path = Path(str(resources.files("clue_ray.data").joinpath("tasks", f"{name}.yaml")))
    task = from_yaml(path)
    check_declaration(task, path)
    return task


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    write_datasets(folder, DatasetSizes.demo(), seed=3)
    return folder


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_the_yaml_declares_the_modules_facts_rules_and_prompts(module, synthetic):
    old, new = module.TASK, declared(module)
    assert {f: getattr(new, f) for f in FACTS} == {f: getattr(old, f) for f in FACTS}
    for check in ("answer_followed", "extract_answer"):
        before, after = getattr(old, check), getattr(new, check)
        assert (before is None) == (after is None)
        if before is not None:
            assert [after(p) for p in PREDICTIONS] == [before(p) for p in PREDICTIONS]
    assert new.samples(synthetic) == old.samples(synthetic) != []
    assert new.read_references(synthetic) == old.read_references(synthetic)


@pytest.mark.skipif(not MEQSUM_DIR.is_dir(), reason=f"public MeQSum workbook not at {MEQSUM_DIR}")
def test_the_yaml_builds_the_real_meqsum_prompts_of_the_module():
    assert declared(meqsum).samples(MEQSUM_DIR) == meqsum.TASK.samples(MEQSUM_DIR)
