"""TaskScorer: per-task metric names, lazy single loads of the model-backed scorers, batching."""

from __future__ import annotations

import dataclasses

import bert_score.scorer
import pytest
import spacy

from clue_ray.errors import ConfigError
from clue_ray.metrics.scoring import ScoreItem, TaskScorer
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.tasks.registry import CLUE

ROUGE = ("rouge1", "rouge2", "rougeL")
BERT = ("bertscore_p", "bertscore_r", "bertscore_f1")
UMLS = ("umls_p", "umls_r", "umls_f1")
ICD = ("icd_em_p", "icd_em_r", "icd_em_f1", "icd_ap_p", "icd_ap_r", "icd_ap_f1",
       "icd_valid_ratio")


def _items(task: str, pairs: list[tuple[str, str]], subtask: str | None = None
           ) -> list[ScoreItem]:
    return [ScoreItem(str(i), task, subtask, ref, pred) for i, (pred, ref) in enumerate(pairs)]


@pytest.fixture
def loads(monkeypatch) -> dict[str, int]:
    """Counts BERT model loads and spaCy pipeline loads (the real loaders are called)."""
    counts = {"bert": 0, "spacy": 0}
    real_get_model, real_load = bert_score.scorer.get_model, spacy.load

    def get_model(*args, **kwargs):
        counts["bert"] += 1
        return real_get_model(*args, **kwargs)

    def load(*args, **kwargs):
        counts["spacy"] += 1
        return real_load(*args, **kwargs)

    monkeypatch.setattr(bert_score.scorer, "get_model", get_model)
    monkeypatch.setattr(spacy, "load", load)
    return counts


def test_metric_names(scoring_settings: ScoringSettings):
    scorer = TaskScorer(scoring_settings, CLUE.values())
    assert scorer.metric_names("mednli") == ("accuracy",)
    assert scorer.metric_names("longhealth") == ("accuracy",)
    assert scorer.metric_names("meqsum") == (*ROUGE, *BERT)
    assert scorer.metric_names("problem_summary") == (*ROUGE, *BERT, *UMLS)
    assert scorer.metric_names("medisumqa") == (*ROUGE, *BERT, *UMLS)
    assert scorer.metric_names("medisumcode") == ICD
    disabled = TaskScorer(dataclasses.replace(scoring_settings, umls="disabled"),
                          CLUE.pick(["medisumqa"]))
    assert disabled.metric_names("medisumqa") == (*ROUGE, *BERT)


def test_bad_settings_and_task(scoring_settings: ScoringSettings):
    with pytest.raises(ConfigError, match="enabled, disabled"):
        TaskScorer(dataclasses.replace(scoring_settings, umls="yes"), CLUE.pick(["meqsum"]))
    with pytest.raises(ConfigError, match="unknown task 'mnli'"):
        TaskScorer(scoring_settings, CLUE.pick(["mnli"]))


def test_rule_based_tasks_load_no_model(scoring_settings: ScoringSettings, loads):
    scorer = TaskScorer(scoring_settings, CLUE.pick(["mednli", "longhealth", "medisumcode"]))
    mednli = scorer.score("mednli", _items("mednli", [("NEUTRAL OR CONTRADICTION", "neutral"),
                                                      ("entailment", "contradiction")]))
    assert mednli == [{"accuracy": 1.0}, {"accuracy": 0.0}]
    answer = "The correct answer is F: Question cannot be answered with provided documents"
    task3 = scorer.score("longhealth", _items("longhealth", [(answer, "F"), ("F", "F")], "task3"))
    assert task3 == [{"accuracy": 1.0}, {"accuracy": 0.0}]  # no match is wrong
    [codes] = scorer.score("medisumcode", _items("medisumcode", [("I10, Z99.99, I10", "I10")]))
    # worked in test_icd: EM P 2/3, R 1, F1 4/5; AP P 1/2, R 1, F1 2/3; valid 2/3
    assert tuple(codes) == ICD
    assert codes["icd_em_f1"] == pytest.approx(4 / 5) and codes["icd_valid_ratio"] == 2 / 3
    assert loads == {"bert": 0, "spacy": 0}
    assert scorer.score("meqsum", []) == []


def test_models_load_once_across_tasks_and_batches(scoring_settings: ScoringSettings, loads):
    scorer = TaskScorer(scoring_settings, CLUE.pick(["meqsum", "problem_summary", "medisumqa"]))
    assert loads == {"bert": 0, "spacy": 0}  # lazy: nothing before the first score
    meqsum = scorer.score("meqsum", _items("meqsum", [("fever and chest pain",
                                                       "Chest pain, fever."), ("", "fever")]))
    assert loads == {"bert": 1, "spacy": 0}  # meqsum has no UMLS metric
    # ROUGE worked in test_rouge: 6/7, 2/5, 4/7; the empty prediction scores 0 everywhere
    assert [meqsum[0][n] for n in ROUGE] == pytest.approx([6 / 7, 2 / 5, 4 / 7])
    assert meqsum[1] == dict.fromkeys((*ROUGE, *BERT), 0.0)
    summary = scorer.score("problem_summary", _items("problem_summary", [
        ("Pneumonia and hypertension.", "Pneumonia.")]))
    scorer.score("medisumqa", _items("medisumqa", [("anemia", "low hemoglobin")] * 3))
    scorer.score("meqsum", _items("meqsum", [("sepsis", "septicemia")] * 10))
    assert loads == {"bert": 1, "spacy": 1}
    # {Pneumonia, Hypertensive disease} vs {Pneumonia}: P 1/2, R 1, F1 2/3
    assert tuple(summary[0]) == (*ROUGE, *BERT, *UMLS)
    assert [summary[0][n] for n in UMLS] == pytest.approx([0.5, 1.0, 2 / 3])


def test_umls_disabled_is_absent_not_zero(scoring_settings: ScoringSettings, loads):
    settings = dataclasses.replace(scoring_settings, umls="disabled")
    scorer = TaskScorer(settings, CLUE.pick(["problem_summary"]))
    [result] = scorer.score("problem_summary", _items("problem_summary", [("sepsis", "sepsis")]))
    assert tuple(result) == (*ROUGE, *BERT)
    assert loads["spacy"] == 0
