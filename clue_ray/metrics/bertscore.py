"""BERTScore P/R/F1 with bert-score: one model load, batched scoring, a 512-token cap, and
empty text scored 0 without calling the model."""

from __future__ import annotations

from collections.abc import Sequence

from clue_ray.errors import ConfigError
from clue_ray.metrics.settings import BertScoreSettings

ZERO = {"bertscore_p": 0.0, "bertscore_r": 0.0, "bertscore_f1": 0.0}


class BertScorer:
    """Holds one `bert_score.BERTScorer` (model and slow tokenizer loaded once)."""

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
                f"{str(err).splitlines()[0]} (set scoring.bertscore.model=DIR to a local copy)"
            ) from None
        # SciBERT declares no maximum length; without a cap a long text overflows the model.
        self.scorer._tokenizer.model_max_length = settings.max_length

    def score(self, predictions: Sequence[str], references: Sequence[str]
              ) -> list[dict[str, float]]:
        """Per-sample `bertscore_p`, `bertscore_r`, `bertscore_f1`."""
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
