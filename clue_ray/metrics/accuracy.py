"""MedNLI accuracy: the gold label must occur exactly once in the output (case-insensitive)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

ANSWER_SEPARATOR = ", "


def mednli_accuracy(prediction: str, gold_label: str) -> float:
    """1.0 iff `re.findall(GOLD, OUTPUT)` (both upper-cased) has exactly one match.

    As in the reference, "NEUTRAL OR CONTRADICTION" is correct for both labels.
    """
    return 1.0 if len(re.findall(gold_label.upper(), prediction.upper())) == 1 else 0.0


def named_labels(prediction: str, labels: Sequence[str]) -> list[str]:
    """Every occurrence of every label in the output, in output order, found as the accuracy
    rule finds the gold label (upper-cased label over upper-cased output)."""
    upper = prediction.upper()
    found = [(match.start(), label) for label in labels
             for match in re.finditer(label.upper(), upper)]
    return [label for _, label in sorted(found)]


@dataclass(frozen=True)
class NamedLabels:
    """A task's answer: the labels its output names, in order, joined with ", " ("" for
    none); "neutral or contradiction" gives "neutral, contradiction"."""

    labels: tuple[str, ...]

    def __call__(self, prediction: str) -> str:
        return ANSWER_SEPARATOR.join(named_labels(prediction, self.labels))
