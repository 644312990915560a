"""Failure-mode flags of single outputs, and the scoring stage that stores them per row."""

from __future__ import annotations

import pandas as pd
import pytest

from clue_ray.metrics.failures import (
    EMPTY_OUTPUT,
    INSTRUCTION_NOT_FOLLOWED,
    INVALID_ICD_CODES,
    REPETITION_LOOP,
    failure_flags,
    repetition_loop,
)
from clue_ray.metrics.settings import RepetitionSettings
from clue_ray.pipeline.stages.scoring_stage import ScoringStage
from clue_ray.tasks.registry import CLUE

LOOP = RepetitionSettings(max_ngram=10, min_repeats=4, min_run_words=12)


@pytest.mark.parametrize(("text", "looped"), [
    ("no no no no no no no no no no no", False),          # 11 repeats of 1 word < 12 words
    ("no no no no no no no no no no no no", True),        # 12 words
    ("the patient the patient the patient the patient the patient", False),  # 10 words
    ("x the patient the patient the patient the patient the patient the patient", True),
    ("take one tablet daily take one tablet daily take one tablet daily", False),  # 3 repeats
    ("take one tablet daily " * 4, True),
    ("I10, I10, I10, I10, I10, I10, I10, I10, I10, I10, I10, I10, I10", True),
    ("a b c d e f g h i j k a b c d e f g h i j k a b c d e f g h i j k a b c d e f g h i j k",
     False),                                            # an 11-gram: longer than max_ngram
    ("Hypertension, diabetes and chronic kidney disease; follow up in two weeks.", False),
])
def test_repetition_loop(text: str, looped: bool):
    assert repetition_loop(text, LOOP) is looped


def test_repetition_needs_back_to_back_runs():
    spread = " ".join(f"pain word{i}" for i in range(20))  # "pain" 20 times, never adjacent
    assert not repetition_loop(spread, LOOP)
    assert repetition_loop(spread, RepetitionSettings(max_ngram=2, min_repeats=4,
                                                      min_run_words=3)) is False


@pytest.mark.parametrize(("task", "text", "flags"), [
    ("mednli", "   \n", [EMPTY_OUTPUT]),
    ("mednli", "entailment", []),
    ("mednli", "Neutral or contradiction", []),
    ("mednli", "The sentences are related.", [INSTRUCTION_NOT_FOLLOWED]),
    ("longhealth", "The correct answer is B: 12 mg", []),
    ("longhealth", "B) 12 mg", [INSTRUCTION_NOT_FOLLOWED]),
    ("medisumcode", "ICD-10 Codes: I25.10, E11.9", []),
    ("medisumcode", "ICD-10 Codes: I25.10, I25.99", [INVALID_ICD_CODES]),  # no I25.99
    ("medisumcode", "No codes apply.", [INSTRUCTION_NOT_FOLLOWED]),
    ("meqsum", "What is the dose of aspirin?", []),
    ("meqsum", "dose " * 12, [REPETITION_LOOP]),
    ("medisumcode", "I10, " * 12, [REPETITION_LOOP]),
])
def test_failure_flags(task: str, text: str, flags: list[str]):
    assert failure_flags(CLUE[task], text, LOOP) == flags


def test_scoring_stage_stores_failure_flags(scoring_settings):
    stage = ScoringStage(scoring_settings, ["mednli", "medisumcode"])
    batch = pd.DataFrame({
        "task": ["mednli", "mednli", "mednli", "medisumcode", "medisumcode"],
        "subtask": [None] * 5,
        "sample_id": ["0", "1", "2", "0", "1"],
        "reference": ["entailment", "neutral", "neutral", "I25.10", "I25.10"],
        "prediction": ["", "maybe", None, "ICD-10 Codes: R99.9", ""],
        "engine_error": [None, None, "HTTP 500", None, None],
        "context_overflow": [False, False, False, False, True],
    })
    out = stage(batch)
    assert out["flags"].tolist() == [
        "empty_output", "instruction_not_followed", "engine_error", "invalid_icd_codes",
        "context_overflow",  # an overflowing row is not also "empty output"
    ]
    assert out["metric_accuracy"].tolist()[:2] == [0.0, 0.0]
    assert pd.isna(out["metric_accuracy"][2])  # engine errors stay unscored
