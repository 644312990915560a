"""MedNLI accuracy: the upper-cased gold label must occur exactly once in the upper-cased output."""

from __future__ import annotations

import pytest

from clue_ray.metrics.accuracy import mednli_accuracy


@pytest.mark.parametrize(
    ("prediction", "gold", "expected"),
    [
        ("ENTAILMENT", "entailment", 1.0),  # one match
        ("The answer is entailment.", "entailment", 1.0),  # case-insensitive, one match
        ("neutral", "contradiction", 0.0),  # no match
        ("Entailment. Yes: ENTAILMENT", "entailment", 0.0),  # two matches: not exactly once
        ("", "neutral", 0.0),  # nothing
        ("NOT ENTAILMENT", "entailment", 1.0),  # a plain substring count: still one match
    ],
)
def test_label_must_occur_exactly_once(prediction: str, gold: str, expected: float):
    assert mednli_accuracy(prediction, gold) == expected


def test_neutral_or_contradiction_counts_for_both_labels():
    # findall("NEUTRAL", "NEUTRAL OR CONTRADICTION") -> 1 match; the same for CONTRADICTION;
    # ENTAILMENT occurs 0 times. The reference keeps this quirk, so do we.
    hedge = "NEUTRAL OR CONTRADICTION"
    assert mednli_accuracy(hedge, "neutral") == 1.0
    assert mednli_accuracy(hedge, "contradiction") == 1.0
    assert mednli_accuracy(hedge, "entailment") == 0.0
