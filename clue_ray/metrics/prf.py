"""Precision / recall / F1 arithmetic shared by the set-based metrics (ICD, UMLS)."""

from __future__ import annotations


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    """Harmonic mean 2PR / (P + R); 0 when P + R is 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def set_prf(predicted: set[str], reference: set[str]) -> tuple[float, float, float]:
    """P = |pred & ref| / |pred|, R = |pred & ref| / |ref| (0 for an empty set), F1."""
    common = len(predicted & reference)
    precision, recall = ratio(common, len(predicted)), ratio(common, len(reference))
    return precision, recall, f1(precision, recall)
