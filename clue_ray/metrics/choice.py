"""LongHealth: parse the answer letter and score it."""

from __future__ import annotations

import re


def parse_answer_letter(prediction: str, pattern: str) -> str | None:
    """Group 1 of the first match of `answer_pattern`, or None."""
    match = re.search(pattern, prediction)
    return match.group(1) if match else None


def longhealth_accuracy(prediction: str, correct_letter: str, pattern: str) -> float:
    """1.0 iff the parsed letter equals the correct one (task3's is F); no match is wrong."""
    return 1.0 if parse_answer_letter(prediction, pattern) == correct_letter else 0.0
