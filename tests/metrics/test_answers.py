"""The extracted answer: what each task's scorer reads out of an output (the LongHealth letter,
the MedNLI label(s) named, the ICD-10 codes), "" when it finds nothing, None for the tasks that
extract nothing; the scoring stage keeps it as the row's `answer`."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from clue_ray.metrics.accuracy import NamedLabels, named_labels
from clue_ray.metrics.scoring import ScoreItem, TaskScorer
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.pipeline.stages.scoring_stage import ScoringStage
from clue_ray.tasks import mednli
from clue_ray.tasks.registry import CLUE, TaskSet


def extract(task: str, prediction: str) -> str | None:
    """What the task's declaration extracts (None: it extracts nothing)."""
    rule = CLUE[task].extract_answer
    return rule(prediction) if rule is not None else None


@pytest.mark.parametrize(("prediction", "letter"), [
    ("The correct answer is B: aspirin 100 mg", "B"),
    ("Thinking... The correct answer is C: x. The correct answer is B: y", "C"),  # the first
    ("The correct answer is F: Question cannot be answered with provided documents", "F"),
    ("the correct answer is B: lower-case lead-in", ""),  # the pattern is case-sensitive
    ("B) aspirin", ""),  # no match: nothing found
    ("", ""),
])
def test_longhealth_answer_is_the_parsed_letter(prediction: str, letter: str):
    assert extract("longhealth", prediction) == letter


@pytest.mark.parametrize(("prediction", "labels"), [
    ("ENTAILMENT", "entailment"),
    ("The answer is neutral.", "neutral"),
    ("NEUTRAL OR CONTRADICTION", "neutral, contradiction"),  # scores 1 for both labels
    ("contradiction, surely not neutral", "contradiction, neutral"),  # output order
    ("Entailment. Yes: ENTAILMENT", "entailment, entailment"),  # twice: why it scores 0
    ("The sentences are related.", ""),
    ("", ""),
])
def test_mednli_answer_is_every_label_named(prediction: str, labels: str):
    assert extract("mednli", prediction) == labels


def test_named_labels_find_what_the_accuracy_rule_counts():
    # "urgent" occurs inside "non-urgent": the rule counts it there too, and so does the answer
    assert named_labels("Non-urgent.", ("urgent", "non-urgent")) == ["non-urgent", "urgent"]
    assert NamedLabels(("routine", "urgent"))("URGENT, not routine") == "urgent, routine"
    assert mednli.TASK.extract_answer == NamedLabels(mednli.LABELS)


@pytest.mark.parametrize(("prediction", "codes"), [
    ("ICD-10 Codes: I25.10, I2510, E11.9, J18.9, U07.1, j18.9", "I2510, I2510, E119, J189"),
    ("I10, Z99.99, I10", "I10, Z9999, I10"),  # duplicates kept, invalid codes kept
    ("No codes apply.", ""),
    ("", ""),
])
def test_medisumcode_answer_is_the_extracted_codes(prediction: str, codes: str):
    assert extract("medisumcode", prediction) == codes


@pytest.mark.parametrize("task", ["meqsum", "problem_summary", "medisumqa"])
def test_text_similarity_tasks_extract_nothing(task: str):
    assert CLUE[task].extract_answer is None
    assert extract(task, "The correct answer is A: entailment, I10") is None


def test_task_scorer_asks_the_declaration(scoring_settings: ScoringSettings):
    scorer = TaskScorer(scoring_settings, CLUE.pick(["mednli", "meqsum"]))
    items = [ScoreItem("0", "mednli", None, "neutral", "neutral or contradiction"),
             ScoreItem("1", "mednli", None, "neutral", "no idea")]
    assert scorer.answers("mednli", items) == ["neutral, contradiction", ""]
    assert scorer.answers("meqsum", items) == [None, None]
    assert scorer.answers("mednli", []) == []


def _batch(task: str, predictions: list[str | None], engine_errors: list[str | None],
           overflow: list[bool], reference: str) -> pd.DataFrame:
    n = len(predictions)
    return pd.DataFrame({"task": [task] * n, "subtask": [None] * n,
                         "sample_id": [str(i) for i in range(n)], "reference": [reference] * n,
                         "prediction": predictions, "engine_error": engine_errors,
                         "context_overflow": overflow})


def test_scoring_stage_fills_the_answer(scoring_settings: ScoringSettings):
    stage = ScoringStage(scoring_settings, ["mednli", "medisumcode", "meqsum"])
    batch = pd.concat([
        _batch("mednli", ["Neutral or contradiction", "maybe", None, ""],
               [None, None, "HTTP 500", None], [False, False, False, True], "neutral"),
        _batch("medisumcode", ["ICD-10 Codes: I25.10, E11.9", ""], [None, None],
               [False, False], "I2510"),
        _batch("meqsum", ["What is the dose of aspirin?"], [None], [False], "Aspirin dose?"),
    ], ignore_index=True)
    out = stage(batch)
    answers = [None if pd.isna(a) else a for a in out["answer"]]
    assert answers == [
        "neutral, contradiction",  # both labels named
        "",  # answered, no label found
        None,  # engine error: never answered
        None,  # context overflow: never sent
        "I2510, E119",
        "",  # an empty output: nothing found
        None,  # MeQSum extracts nothing
    ]
    assert out["metric_accuracy"].tolist()[:2] == [1.0, 0.0]  # the scores stand beside it
    assert out["scorer_error"].isna().all()


def _fails(prediction: str) -> str:
    raise ValueError("no answer here")


def test_an_extraction_that_fails_is_a_scorer_error_and_the_metrics_stay(
        scoring_settings: ScoringSettings):
    spec = dataclasses.replace(mednli.TASK.spec, name="fragile_nli")
    fragile = dataclasses.replace(mednli.TASK, name="fragile_nli", own_spec=spec,
                                  extract_answer=_fails)
    stage = ScoringStage(scoring_settings, ["fragile_nli"], TaskSet([fragile]))
    out = stage(_batch("fragile_nli", ["entailment", "neutral"], [None, None],
                       [False, False], "entailment"))
    assert out["answer"].isna().all()
    assert out["scorer_error"].tolist() == ["answer: ValueError: no answer here"] * 2
    assert out["flags"].tolist() == ["scorer_error"] * 2
    assert out["metric_accuracy"].tolist() == [1.0, 0.0]
