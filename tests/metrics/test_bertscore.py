"""BERTScore over the tiny local BERT: one model load, 512-token cap, empty text = 0, and the
same numbers as calling bert-score directly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bert_score
import bert_score.scorer
import bert_score.utils
import pytest

from clue_ray.errors import ConfigError
from clue_ray.metrics.bertscore import BertScorer
from clue_ray.metrics.settings import BertScoreSettings

PAIRS = [
    ("Patient admitted with pneumonia and fever.", "The patient was admitted with pneumonia."),
    ("History of atrial fibrillation on apixaban.", "Atrial fibrillation treated with apixaban."),
    ("Acute kidney injury.", "Acute kidney injury resolved after fluids were given."),
    ("She bought bread and milk.", "The quick brown fox jumps over the lazy dog."),
    ("High blood pressure, treated with lisinopril.", "Hypertension treated with lisinopril."),
    ("Anemia", "Low hemoglobin and fatigue."),
    ("Sepsis from a urinary tract infection.", "Urinary tract infection with sepsis."),
    ("Chest pain.", "Chest pain and shortness of breath."),
    ("Heart failure with leg swelling.", "Congestive heart failure, treated with furosemide."),
    ("COPD exacerbation with productive cough.", "Chronic bronchitis with cough."),
]
LONG_TEXT = " ".join(["the patient was admitted with pneumonia and fever"] * 250)  # 2,000 words


@pytest.fixture(scope="module")
def settings(tiny_bert_dir: Path) -> BertScoreSettings:
    return BertScoreSettings(model=str(tiny_bert_dir), num_layers=8, batch_size=8, max_length=512)


@pytest.fixture(scope="module")
def scorer(settings: BertScoreSettings) -> BertScorer:
    return BertScorer(settings)


def test_identical_texts_score_one(scorer: BertScorer):
    texts = [p for p, _ in PAIRS[:4]]
    for result in scorer.score(texts, texts):
        for value in result.values():
            assert value == pytest.approx(1.0, abs=1e-4)


def test_empty_side_scores_zero_without_the_model(scorer: BertScorer, monkeypatch):
    seen: list[list[str]] = []
    real = scorer.scorer.score

    def spy(cands, refs, **kwargs):
        seen.append(list(cands))
        return real(cands, refs, **kwargs)

    monkeypatch.setattr(scorer.scorer, "score", spy)
    zero = {"bertscore_p": 0.0, "bertscore_r": 0.0, "bertscore_f1": 0.0}
    out = scorer.score(["", "fever", "  \n", "chest pain"], ["fever", "  ", "fever", "chest pain"])
    assert out[0] == out[1] == out[2] == zero
    assert out[3]["bertscore_f1"] == pytest.approx(1.0, abs=1e-4)
    assert seen == [["chest pain"]]  # only the non-empty pair reached bert-score
    seen.clear()
    assert scorer.score(["", " "], ["a", ""]) == [zero, zero]
    assert seen == []  # nothing to score: the model is not called at all


def test_tokenizer_declares_no_maximum_like_scibert(tiny_bert_dir: Path, scorer: BertScorer):
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(str(tiny_bert_dir)).model_max_length > 10**20
    assert scorer.tokenizer.model_max_length == 512


def test_long_text_is_truncated_to_512_tokens(scorer: BertScorer):
    ids = bert_score.utils.sent_encode(scorer.tokenizer, LONG_TEXT)
    assert len(ids) == 512  # [CLS] + 510 word pieces + [SEP]
    assert ids[0] == scorer.tokenizer.cls_token_id and ids[-1] == scorer.tokenizer.sep_token_id
    [result] = scorer.score([LONG_TEXT], ["The patient was admitted with pneumonia."])
    assert 0.0 < result["bertscore_f1"] <= 1.0


def test_uses_layer_8_and_the_wordpiece_vocab(tiny_bert_dir: Path, scorer: BertScorer):
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    assert len(scorer.scorer._model.encoder.layer) == 8  # the tiny model has 9
    # transformers 5 always builds the tokenizers-backed tokenizer; it splits exactly as the
    # slow (pure Python) WordPiece tokenizer over the same vocab.txt.
    slow = BertTokenizerLegacy(str(tiny_bert_dir / "vocab.txt"), do_lower_case=True)
    for text in [*(p for p, _ in PAIRS), "Naïve CAFÉ; zorbic-syndrome x10!", LONG_TEXT[:300]]:
        assert scorer.tokenizer.encode(text) == slow.encode(text)


def test_model_loads_once_for_several_batches(settings: BertScoreSettings, monkeypatch):
    loads, forwards = [], []
    real_get_model, real_encode = bert_score.scorer.get_model, bert_score.utils.bert_encode

    def counting_get_model(*args, **kwargs):
        loads.append(args)
        return real_get_model(*args, **kwargs)

    def counting_encode(*args, **kwargs):
        forwards.append(1)
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(bert_score.scorer, "get_model", counting_get_model)
    monkeypatch.setattr(bert_score.utils, "bert_encode", counting_encode)
    scorer = BertScorer(settings)
    first = scorer.score([p for p, _ in PAIRS], [r for _, r in PAIRS])
    second = scorer.score([r for _, r in PAIRS], [p for p, _ in PAIRS])
    assert len(loads) == 1
    assert len(forwards) >= 2 * 3  # 20 distinct sentences per call, batch size 8 -> 3 batches
    # swapping the sides swaps precision and recall
    assert [s["bertscore_p"] for s in second] == pytest.approx(
        [f["bertscore_r"] for f in first], abs=1e-5)


def test_equals_bert_score_called_directly(settings: BertScoreSettings, scorer: BertScorer,
                                           tmp_path: Path):
    # Under transformers 5 the tokenizers backend cannot take the undeclared maximum
    # (1e30 overflows), so the direct call gets a copy of the same model whose tokenizer
    # config declares 512 - the value our scorer sets.
    direct_dir = tmp_path / "bert"
    shutil.copytree(settings.model, direct_dir)
    config = json.loads((direct_dir / "tokenizer_config.json").read_text())
    (direct_dir / "tokenizer_config.json").write_text(json.dumps({**config,
                                                                  "model_max_length": 512}))
    cands, refs = [p for p, _ in PAIRS], [r for _, r in PAIRS]
    precision, recall, f1 = bert_score.score(cands, refs, model_type=str(direct_dir),
                                             num_layers=8, idf=False, batch_size=64)
    ours = scorer.score(cands, refs)
    assert [s["bertscore_p"] for s in ours] == pytest.approx(precision.tolist(), abs=1e-5)
    assert [s["bertscore_r"] for s in ours] == pytest.approx(recall.tolist(), abs=1e-5)
    assert [s["bertscore_f1"] for s in ours] == pytest.approx(f1.tolist(), abs=1e-5)


def test_missing_model_names_the_override(tmp_path: Path):
    missing = BertScoreSettings(model=str(tmp_path / "no-such-model"), num_layers=8,
                                batch_size=8, max_length=512)
    with pytest.raises(ConfigError, match=r"scoring\.bertscore\.model=DIR"):
        BertScorer(missing)
