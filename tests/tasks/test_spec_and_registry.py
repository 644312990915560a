"""The packaged prompt strings and the task registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from clue_ray.errors import ConfigError
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.spec import raw_prompts, task_names, task_spec

SHARED_PROMPTS = Path(__file__).resolve().parents[3] / "shared" / "clue-prompts.json"


@pytest.mark.skipif(not SHARED_PROMPTS.is_file(), reason="../shared/clue-prompts.json absent")
def test_packaged_prompts_equal_the_spec_byte_for_byte():
    packaged = Path(__file__).resolve().parents[2] / "clue_ray" / "data" / "clue-prompts.json"
    assert packaged.read_bytes() == SHARED_PROMPTS.read_bytes()


def test_typos_and_whitespace_are_kept():
    assert "You will recieve two sentences" in task_spec("mednli").system
    assert "responsibility will be to interprete discharge" in task_spec("medisumqa").system
    assert task_spec("longhealth").system.startswith("\nYou are")
    template = "\nSENTENCE_1: {sentence1}\nSENTENCE_2: {sentence2}\n"
    assert task_spec("mednli").user_template == template


def test_spec_fields_and_extras():
    lh = task_spec("longhealth")
    assert lh.extra["task1_max_len"] == 8140
    assert lh.extra["repeats"] == {"task1": 5, "task2": 5, "task3": 5}
    assert task_spec("medisumcode").assistant_template == "ICD-10 Codes: {codes}"
    assert [task_spec(t).max_tokens for t in task_names()] == [20, 512, 512, 512, 512, 50]
    assert set(raw_prompts()) - set(task_names()) == {"_about"}


def test_registry_lists_six_tasks_with_levels_and_headlines():
    assert list(CLUE) == ["mednli", "meqsum", "problem_summary", "longhealth", "medisumqa",
                           "medisumcode"]
    assert {n: (t.level, t.headline_metric) for n, t in CLUE.items()} == {
        "mednli": (1, "accuracy"), "meqsum": (1, "rougeL"), "problem_summary": (1, "rougeL"),
        "longhealth": (2, "accuracy"), "medisumqa": (2, "rougeL"),
        "medisumcode": (2, "icd_em_f1"),
    }
    assert [t.expected_samples for t in CLUE.values()] == [1419, 997, 234, 6000, 452, 499]
    assert all(t.level == task_spec(n).level for n, t in CLUE.items())
    assert [n for n, t in CLUE.items() if not t.credentialed] == ["meqsum", "longhealth"]


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown task 'nli'.*mednli, meqsum"):
        CLUE["nli"]
    with pytest.raises(KeyError, match="known: mednli"):
        task_spec("nli")
