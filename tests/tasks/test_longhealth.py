"""LongHealth samples: ids, options, correct letters, candidates, budgets, determinism."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from longhealth_fixture import write_benchmark
from word_tokenizer import WordTokenizer

from clue_ray.errors import ConfigError, DatasetError
from clue_ray.tasks.longhealth import (
    LongHealthBuilder,
    build_references,
    compute_budgets,
    enumerate_samples,
)
from clue_ray.tasks.longhealth_data import load_patients
from clue_ray.tasks.settings import LongHealthSettings
from clue_ray.tasks.spec import task_spec

SETTINGS = LongHealthSettings(seed=0, fit_to_context=False, reserve_template_tokens=True,
                              max_reserve=1000)
SPEC = task_spec("longhealth")
SEP = SPEC.extra["document_separator"]


@pytest.fixture
def patients(tmp_path):
    return load_patients(write_benchmark(tmp_path))


def builder(patients, max_context=100_000, settings=SETTINGS, template_tokens=7):
    return LongHealthBuilder(patients, WordTokenizer(template_tokens), settings, max_context)


def test_sample_ids_cover_questions_subtasks_and_repeats(patients):
    ids = builder(patients).sample_ids()
    assert len(ids) == 3 * 3 * 5  # 3 questions in all, 3 subtasks, 5 repeats each
    assert ids[:6] == [f"patient_01/0/task1/{r}" for r in range(5)] + ["patient_01/0/task2/0"]
    assert ids[-1] == "patient_02/0/task3/4"
    assert len(set(ids)) == len(ids)


def test_correct_letters_are_first_containing_option_and_f_for_task3(tmp_path):
    write_benchmark(tmp_path)
    refs = {r.sample_id: r.reference for r in build_references(tmp_path)}
    # "heparin" is contained in answer_b "heparin 5000 units" first (b before d).
    assert refs["patient_01/0/task1/0"] == "B"
    assert refs["patient_01/0/task2/3"] == "B"
    assert refs["patient_01/1/task1/0"] == "C"
    assert refs["patient_02/0/task2/0"] == "A"
    assert {refs[f"patient_01/0/task3/{r}"] for r in range(5)} == {"F"}


def test_options_text_and_prompt_layout(patients):
    b = builder(patients)
    task1 = b.sample("patient_01/0/task1/0")
    task2 = b.sample("patient_01/0/task2/0")
    options1 = "A: aspirin\nB: heparin 5000 units\nC: metformin\nD: heparin\nE: none"
    assert f"Which drug was given?\n{options1}\n\nPlease answer" in task1.messages[1]["content"]
    options2 = options1 + "\nF: Question cannot be answered with provided documents"
    assert f"\n{options2}\n\nPlease answer" in task2.messages[1]["content"]
    assert task1.messages[0] == {"role": "system", "content": SPEC.system}
    assert task1.max_tokens == 50 and task1.subtask == "task1"


def _documents(sample) -> list[str]:
    body = sample.messages[1]["content"]
    start = body.index("--------------BEGIN DOCUMENTS--------------\n\n") + 45
    end = body.index("\n\n--------------END DOCUMENTS--------------")
    return body[start:end].split(SEP)


def test_task1_uses_the_patients_own_documents(patients):
    docs = _documents(builder(patients).sample("patient_01/1/task1/2"))
    assert sorted(docs) == sorted(["p1 doc zero words here", "p1 doc one", "p1 doc two has five"])


def test_task2_has_answers_and_all_other_patients_texts_when_fewer_than_ten(patients):
    docs = _documents(builder(patients).sample("patient_01/0/task2/1"))
    # answer doc text_1, plus the 3 texts of other patients (fewer than 10 exist: all of them)
    assert sorted(docs) == sorted(["p1 doc one", "p2 doc zero", "p2 doc one", "p3 doc zero"])


def test_task3_has_no_document_of_the_patient(patients):
    docs = _documents(builder(patients).sample("patient_01/0/task3/0"))
    assert sorted(docs) == sorted(["p2 doc zero", "p2 doc one", "p3 doc zero"])


def test_ten_distractors_at_most(tmp_path):
    data = json.loads(write_benchmark(tmp_path).read_text())
    data["patient_02"]["texts"] = {f"text_{i}": f"p2 doc {i}" for i in range(15)}
    patients = load_patients(write_benchmark(tmp_path, data))
    docs = _documents(builder(patients).sample("patient_01/0/task3/0"))
    assert len(docs) == 10 and len(set(docs)) == 10
    assert all(d.startswith(("p2", "p3")) for d in docs)


def test_a_sample_is_the_same_alone_in_any_order_and_in_a_new_builder(patients):
    first = builder(patients).samples()
    again = builder(patients)  # a fresh builder, asked in the opposite order
    for sample in reversed(first):
        assert again.sample(sample.sample_id) == sample


def test_repeats_and_seeds_draw_differently(tmp_path):
    data = json.loads(write_benchmark(tmp_path).read_text())
    data["patient_02"]["texts"] = {f"text_{i}": f"p2 doc {i}" for i in range(15)}
    patients = load_patients(write_benchmark(tmp_path, data))
    b = builder(patients)
    draws = {tuple(_documents(b.sample(f"patient_01/0/task3/{r}"))) for r in range(5)}
    assert len(draws) > 1
    other_seed = builder(patients, settings=replace(SETTINGS, seed=1))
    assert other_seed.sample("patient_01/0/task3/0") != b.sample("patient_01/0/task3/0")


def test_budgets_by_hand():
    tok = WordTokenizer(template_tokens=7)
    system = tok.count(SPEC.system)  # words of the system prompt + 1
    budgets = compute_budgets(tok, SETTINGS, 10_000, SPEC)
    assert budgets.task1 == 8140 - system
    assert budgets.other == 10_000 - system - (50 + 7)
    no_template = replace(SETTINGS, reserve_template_tokens=False)
    assert compute_budgets(tok, no_template, 10_000, SPEC).other == 10_000 - system - 50
    capped = replace(SETTINGS, max_reserve=20)
    assert compute_budgets(tok, capped, 10_000, SPEC).other == 10_000 - system - 20
    fitted = replace(SETTINGS, fit_to_context=True)
    assert compute_budgets(tok, fitted, 4096, SPEC).task1 == 4096 - system - 57
    assert compute_budgets(tok, SETTINGS, 4096, SPEC).task1 == 8140 - system


def test_task2_without_context_length_is_a_clear_error(patients):
    b = builder(patients, max_context=None)
    assert b.sample("patient_01/0/task1/0").subtask == "task1"
    with pytest.raises(ConfigError, match="max_context"):
        b.sample("patient_01/0/task2/0")


def test_selection_under_a_small_budget_cuts_the_answer_document(tmp_path):
    data = json.loads(write_benchmark(tmp_path).read_text())
    data["patient_01"]["texts"]["text_1"] = " ".join(f"w{i}" for i in range(50))
    patients = load_patients(write_benchmark(tmp_path, data))
    tok = WordTokenizer()
    question_start = tok.count("Which drug was given?") + tok.count(
        "A: aspirin\nB: heparin 5000 units\nC: metformin\nD: heparin\nE: none"
    ) + tok.count(SPEC.user_template)
    system = tok.count(SPEC.system)
    room = 12
    settings = replace(SETTINGS, fit_to_context=True, reserve_template_tokens=False)
    # fitted task1 budget = max_context - system - 50; choose max_context so room is 12
    max_context = question_start + room + system + 50
    sample = LongHealthBuilder(patients, tok, settings, max_context).sample("patient_01/0/task1/0")
    assert _documents(sample) == [" ".join(f"w{i}" for i in range(12)) + " "]


def test_enumerate_samples_matches_sample_ids(patients):
    assert [s for s, _, _ in enumerate_samples(patients)] == builder(patients).sample_ids()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["patient_01"]["questions"][0].update(correct="insulin"), "correct"),
        (lambda d: d["patient_01"]["questions"][0].pop("answer_c"), "answer_c"),
        (lambda d: d["patient_01"]["questions"][0].update(answer_location={"text_9": {}}),
         "answer_location"),
        (lambda d: d["patient_02"].update(texts=[]), "texts"),
        (lambda d: d["patient_02"]["questions"][0].update(question=3), "question"),
    ],
)
def test_malformed_records_name_file_record_and_field(tmp_path, mutate, field):
    data = json.loads(write_benchmark(tmp_path).read_text())
    mutate(data)
    path = write_benchmark(tmp_path, data)
    with pytest.raises(DatasetError) as err:
        load_patients(path)
    assert err.value.field == field
    assert str(path) in str(err.value) and f"field '{field}'" in str(err.value)
