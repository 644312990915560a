"""CLUE's five file tasks, declared in the schema users write (clue_ray/data/tasks/*.yaml): the
facts and rules their Python modules declared before (compared equal on every prompt of the
demo's synthetic data and the real MeQSum workbook when the YAML replaced them, commit
0bd8785), and the schema's keys for a task whose file needs a reader of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clue_ray.errors import ConfigError, DatasetError
from clue_ray.metrics.accuracy import NamedLabels
from clue_ray.tasks import medisumcode, medisumqa, mednli, meqsum, problem_summary
from clue_ray.tasks.baselines import first_shot_answer, lead_words
from clue_ray.tasks.definition import reference_as_answer
from clue_ray.tasks.hooks import HOOKS, hook
from clue_ray.tasks.metric_sets import NamesALabel
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.spec import task_spec
from clue_ray.tasks.task_yaml import PACKAGED_TASKS, from_yaml
from clue_ray.tasks.user_tasks import load_user_tasks

PHYSIONET = "PhysioNet, credentialed access and a signed data use agreement"
TEXT = ("rouge1", "rouge2", "rougeL", "bertscore_p", "bertscore_r", "bertscore_f1")
UMLS = ("umls_p", "umls_r", "umls_f1")
ICD = ("icd_em_p", "icd_em_r", "icd_em_f1", "icd_ap_p", "icd_ap_r", "icd_ap_f1",
       "icd_valid_ratio")
# name: headline, credentialed, expected samples, obtain from, level, file, k, metrics
FACTS = {
    "mednli": ("accuracy", True, 1419, f"MedNLI 1.0.0 on {PHYSIONET}", 1, "mli_test_v1.jsonl",
               3, ("accuracy",)),
    "meqsum": ("rougeL", False, 997, "github.com/abachaa/MeQSum (public, CC BY 4.0)", 1,
               "MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx", 3, TEXT),
    "problem_summary": ("rougeL", True, 234, f"BioNLP 2023 Shared Task 1A on {PHYSIONET}", 1,
                        "BioNLP2023-1A-Test.csv", 3, TEXT + UMLS),
    "medisumqa": ("rougeL", True, 452, f"MeDiSumQA on {PHYSIONET}", 2, "MeDiSumQA.json", 1,
                  TEXT + UMLS),
    "medisumcode": ("icd_em_f1", True, 499, f"MeDiSumCode on {PHYSIONET}", 2, "MeDiSumCode.json",
                    1, ICD),
}
# name: score rule, answer check, code check, extraction, baseline, ideal answer
RULES = {
    "mednli": (mednli.score_sample, NamesALabel(mednli.LABELS), None, NamedLabels(mednli.LABELS),
               first_shot_answer, reference_as_answer),
    "meqsum": (None, None, None, None, lead_words, reference_as_answer),
    "problem_summary": (None, None, None, None, lead_words, reference_as_answer),
    "medisumqa": (None, None, None, None, lead_words, reference_as_answer),
    "medisumcode": (medisumcode.score_sample, medisumcode.names_a_code,
                    medisumcode.has_invalid_code, medisumcode.answer_codes, first_shot_answer,
                    medisumcode.ideal_answer),
}
READERS = {"mednli": mednli, "meqsum": meqsum, "problem_summary": problem_summary,
           "medisumqa": medisumqa, "medisumcode": medisumcode}


@pytest.mark.parametrize("name", list(FACTS))
def test_each_declaration_has_the_facts_and_rules_of_its_former_module(name):
    task = CLUE[name]
    assert (task.headline_metric, task.credentialed, task.expected_samples, task.obtain_from,
            task.level, task.source_file, task.few_shot, task.metric_names) == FACTS[name]
    rules = (task.score_sample, task.answer_followed, task.invalid_codes, task.extract_answer,
             task.baseline, task.ideal_answer)
    assert rules == RULES[name]
    assert task.own_spec is None and task.spec is task_spec(name)  # the reference's strings
    assert (task.subtasks, task.long_prompt_rank, task.options_type) == ((), {}, None)
    assert not task.needs_tokenizer and READERS[name].TASK is task


def test_every_named_hook_is_a_function_of_clue_ray_tasks():
    for kind, names in HOOKS.items():
        for name in names:
            assert callable(hook(kind, name)), (kind, name)
    assert hook("reader", "mednli_jsonl") is mednli.load_records
    with pytest.raises(KeyError, match="unknown reader 'xlsx' .known: mednli_jsonl, meqsum_"):
        hook("reader", "xlsx")


def _write(tmp_path: Path, entry: dict[str, object]) -> Path:
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(entry))
    return path


QA = {"name": "lay_questions", "level": 3, "source_file": "qa.json", "reader": "medisumqa_json",
      "system": "Answer plainly.", "user_template": "{discharge_summary}\nQ: {Question}",
      "reference": "Answer", "few_shot": 1, "metrics": "text"}


def test_a_users_task_reads_its_file_with_a_clue_tasks_reader(tmp_path):
    records = [{"discharge_summary": f"d{i}", "Question": f"q{i}?", "Answer": f"a{i}"}
               for i in range(4)]
    (tmp_path / "qa.json").write_text(json.dumps(records))
    (task,) = load_user_tasks([str(_write(tmp_path, QA))])
    samples = task.samples(tmp_path)
    assert len(samples) == 3 and samples[0].messages[-1]["content"].startswith("d")
    assert {s.reference for s in samples} < {r["Answer"] for r in records}
    (tmp_path / "qa.json").write_text(json.dumps([{"Question": "q", "Answer": "a"}]))
    with pytest.raises(DatasetError, match="field 'discharge_summary': field is missing"):
        task.samples(tmp_path)


@pytest.mark.parametrize(("changes", "message"), [
    ({"reader": "xlsx"}, "unknown reader 'xlsx' (known: mednli_jsonl"),
    ({"reader": None}, "source_file 'qa.json' must be a .jsonl or .csv file"),
    ({"ideal_answer": "upper"}, "unknown ideal_answer 'upper'"),
    ({"expected_samples": 0}, "expected_samples must be a whole number, 1 or more"),
    ({"prompts_from": "clue-prompts.json"}, "level comes from clue-prompts.json (prompts_from)"),
    ({"prompts_from": "my.json", "level": None, "source_file": None, "system": None,
      "user_template": None, "few_shot": None}, "prompts_from must be clue-prompts.json"),
    ({"prompts_from": "clue-prompts.json", "level": None, "source_file": None, "system": None,
      "user_template": None, "few_shot": None}, "clue-prompts.json has no task 'lay_questions'"),
])
def test_faults_in_the_new_keys_are_one_line_naming_the_file(changes, message, tmp_path):
    entry = {k: v for k, v in {**QA, **changes}.items() if v is not None}
    path = _write(tmp_path, entry)
    with pytest.raises(ConfigError) as caught:
        load_user_tasks([str(path)])
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_declaration_from_the_reference_prompts_keeps_their_metrics(tmp_path):
    packaged = Path(mednli.__file__).parents[1] / "data" / PACKAGED_TASKS / "mednli.yaml"
    entry = yaml.safe_load(packaged.read_text())
    path = _write(tmp_path, {**entry, "metrics": "text", "labels": None})
    with pytest.raises(ConfigError, match="metric 'accuracy' of clue-prompts.json is not in the "
                                          "metric set 'text'"):
        from_yaml(path)
    assert from_yaml(_write(tmp_path, entry)).metric_names == ("accuracy",)
