"""LongHealth: first match of `answer_pattern`, group 1, compared with the correct letter."""

from __future__ import annotations

import pytest

from clue_ray.metrics.choice import longhealth_accuracy, parse_answer_letter
from clue_ray.tasks.spec import task_spec

PATTERN = task_spec("longhealth").extra["answer_pattern"]  # 'The correct answer is (\w):'


def test_pattern_is_the_spec_one():
    assert PATTERN == r"The correct answer is (\w):"


@pytest.mark.parametrize(
    ("prediction", "letter"),
    [
        ("The correct answer is B: aspirin 100 mg", "B"),
        ("Thinking... The correct answer is C: x. The correct answer is B: y", "C"),  # first
        ("the correct answer is B: lower-case lead-in", None),  # the pattern is case-sensitive
        ("The correct answer is B", None),  # no colon
        ("", None),
    ],
)
def test_parse_first_match(prediction: str, letter: str | None):
    assert parse_answer_letter(prediction, PATTERN) == letter


def test_accuracy_rules():
    assert longhealth_accuracy("The correct answer is B: ...", "B", PATTERN) == 1.0
    assert longhealth_accuracy("The correct answer is A: ...", "B", PATTERN) == 0.0
    assert longhealth_accuracy("B", "B", PATTERN) == 0.0  # no match is wrong
    assert longhealth_accuracy("The correct answer is b: ...", "B", PATTERN) == 0.0  # exact
    # task3: the caller passes "F" (answer absent from the documents).
    unanswerable = "The correct answer is F: Question cannot be answered with provided documents"
    assert longhealth_accuracy(unanswerable, "F", PATTERN) == 1.0
    assert longhealth_accuracy("The correct answer is A: x", "F", PATTERN) == 0.0
