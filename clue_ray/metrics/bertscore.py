"""BERTScore P/R/F1 with bert-score: one model load, batched scoring, a token cap (512 for
SciBERT, whose tokenizer declares no maximum length), and empty text scored 0 without calling
the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clue_ray.errors import ConfigError
from clue_ray.metrics.settings import BertScoreSettings

ZERO = {"bertscore_p": 0.0, "bertscore_r": 0.0, "bertscore_f1": 0.0}
MODEL_HINT = "set scoring.bertscore.model=DIR to a local copy of the model"


def check_model(model: str) -> None:
    """The BERTScore model can load without a download when the hub is offline: a local
    folder with its config, or a hub id already in the Hugging Face cache."""
    import os
    from pathlib import Path

    local = Path(model)
    if local.exists():
        if not (local / "config.json").is_file():
            raise ConfigError(f"scoring.bertscore.model={model} has no config.json "
                              f"({MODEL_HINT})")
        return
    if os.environ.get("HF_HUB_OFFLINE") not in ("1", "true", "True"):
        return  # it downloads at load
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(model, "config.json"), str):
        raise ConfigError(f"scoring.bertscore.model={model} is not a local folder and not in "
                          f"the Hugging Face cache, and the hub is offline ({MODEL_HINT})")


class BertScorer:
    """Holds one `bert_score.BERTScorer` (model and WordPiece tokenizer loaded once).

    No idf weighting, no baseline rescaling, `use_fast_tokenizer=False` (transformers 5 ignores
    it and always builds the tokenizers-backed WordPiece tokenizer from the same vocab.txt).
    """

    def __init__(self, settings: BertScoreSettings) -> None:
        from bert_score import BERTScorer

        self.settings = settings
        try:
            self.scorer = BERTScorer(
                model_type=settings.model,
                num_layers=settings.num_layers,
                batch_size=settings.batch_size,
                idf=False,
                rescale_with_baseline=False,
                use_fast_tokenizer=False,
            )
        except (OSError, ValueError) as err:
            raise ConfigError(
                f"cannot load the BERTScore model '{settings.model}': "
                f"{str(err).splitlines()[0] if str(err) else type(err).__name__} ({MODEL_HINT})"
            ) from None
        # bert-score encodes with max_length=tokenizer.model_max_length, truncation=True:
        # setting it caps both sides at max_length tokens, [CLS] and [SEP] included.
        self.tokenizer.model_max_length = settings.max_length

    @property
    def tokenizer(self) -> Any:
        """The tokenizer bert-score encodes with."""
        return self.scorer._tokenizer

    def score(self, predictions: Sequence[str], references: Sequence[str]
              ) -> list[dict[str, float]]:
        """Per-sample `bertscore_p`, `bertscore_r`, `bertscore_f1` (one bert-score call)."""
        if len(predictions) != len(references):
            raise ValueError("predictions and references differ in length")
        results = [dict(ZERO) for _ in predictions]
        scorable = [i for i, (p, r) in enumerate(zip(predictions, references, strict=True))
                    if p.strip() and r.strip()]
        if not scorable:
            return results
        precision, recall, f1 = self.scorer.score(
            [predictions[i] for i in scorable],
            [references[i] for i in scorable],
            batch_size=self.settings.batch_size,
        )
        for position, index in enumerate(scorable):
            results[index] = {
                "bertscore_p": float(precision[position]),
                "bertscore_r": float(recall[position]),
                "bertscore_f1": float(f1[position]),
            }
        return results
