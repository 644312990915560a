"""ROUGE-1/2/L F-measure with rouge-score (no stemmer, default tokenizer, `rougeL`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


@cache
def _scorer() -> Any:  # a rouge_score.rouge_scorer.RougeScorer (rouge-score is untyped)
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)


def rouge_scores(predictions: Sequence[str], references: Sequence[str]) -> list[dict[str, float]]:
    """Per-sample `rouge1`, `rouge2`, `rougeL` F-measures (prediction vs its one reference)."""
    scorer = _scorer()
    results = []
    for prediction, reference in zip(predictions, references, strict=True):
        scores = scorer.score(target=reference, prediction=prediction)
        results.append({name: float(scores[name].fmeasure) for name in ROUGE_TYPES})
    return results
