"""MedNLI accuracy: the gold label must occur exactly once in the output (case-insensitive)."""

from __future__ import annotations

import re


def mednli_accuracy(prediction: str, gold_label: str) -> float:
    """1.0 iff `re.findall(GOLD, OUTPUT)` (both upper-cased) has exactly one match.

    As in the reference, "NEUTRAL OR CONTRADICTION" is correct for both labels.
    """
    return 1.0 if len(re.findall(gold_label.upper(), prediction.upper())) == 1 else 0.0
