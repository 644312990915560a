"""ROUGE-1/2/L F-measure (rouge-score, no stemmer, default tokenizer), values worked by hand."""

from __future__ import annotations

import pytest

from clue_ray.metrics import rouge
from clue_ray.metrics.rouge import rouge_scores


def test_equal_length_sentences():
    # ref  the cat sat on the mat   (6 tokens)
    # pred the cat lay on the mat   (6 tokens)
    # R1: the x2, cat, on, mat = 5 -> P = R = F = 5/6
    # R2: ref {the-cat, cat-sat, sat-on, on-the, the-mat}, pred {the-cat, cat-lay, lay-on,
    #     on-the, the-mat}: 3 shared of 5 -> F = 3/5
    # RL: LCS "the cat on the mat" = 5 -> F = 5/6
    [scores] = rouge_scores(["the cat lay on the mat"], ["the cat sat on the mat"])
    assert scores == pytest.approx({"rouge1": 5 / 6, "rouge2": 3 / 5, "rougeL": 5 / 6}, rel=1e-12)


def test_different_lengths_punctuation_and_case():
    # ref "Chest pain, fever." -> chest pain fever (lower-cased, punctuation dropped; 3 tokens)
    # pred "fever and chest pain" (4 tokens)
    # R1: 3 shared -> P 3/4, R 1 -> F 2*(3/4)/(7/4) = 6/7
    # R2: ref {chest-pain, pain-fever}, pred {fever-and, and-chest, chest-pain}: 1 shared
    #     -> P 1/3, R 1/2 -> F 2*(1/6)/(5/6) = 2/5
    # RL: LCS "chest pain" = 2 -> P 2/4, R 2/3 -> F 2*(1/3)/(7/6) = 4/7
    [scores] = rouge_scores(["fever and chest pain"], ["Chest pain, fever."])
    assert scores == pytest.approx({"rouge1": 6 / 7, "rouge2": 2 / 5, "rougeL": 4 / 7}, rel=1e-12)


def test_no_stemming_and_empty_prediction():
    # use_stemmer=False: "infections" does not match "infection".
    no_stem, empty = rouge_scores(["infections"], ["infection"]), rouge_scores([""], ["fever"])
    assert no_stem == [{"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}]
    assert empty == [{"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}]


def test_batch_keeps_order_and_reuses_one_scorer():
    out = rouge_scores(["a b", "x y", "a b c"], ["a b", "p q", "a b"])
    assert [s["rouge1"] for s in out] == pytest.approx([1.0, 0.0, 0.8])  # 2*(2/3)*1/(5/3)
    assert rouge._scorer() is rouge._scorer()
    assert list(out[0]) == ["rouge1", "rouge2", "rougeL"]  # rougeL, not rougeLsum


def test_lengths_must_match():
    with pytest.raises(ValueError):
        rouge_scores(["a"], ["a", "b"])
