"""Per-task scoring: the metrics each task declares, computed in batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clue_ray.errors import ConfigError
from clue_ray.metrics.accuracy import mednli_accuracy
from clue_ray.metrics.bertscore import BertScorer
from clue_ray.metrics.choice import longhealth_accuracy
from clue_ray.metrics.icd import icd_scores
from clue_ray.metrics.rouge import ROUGE_TYPES, rouge_scores
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.metrics.umls import UmlsScorer
from clue_ray.tasks.spec import task_spec

UMLS_MODES = ("enabled", "disabled")


@dataclass(frozen=True)
class ScoreItem:
    """One prediction with what scoring needs to judge it."""

    sample_id: str
    task: str
    subtask: str | None
    reference: str
    prediction: str


class TaskScorer:
    """Scores the selected tasks; BERTScore and UMLS models load lazily, once each."""

    def __init__(self, settings: ScoringSettings, tasks: Iterable[str]) -> None:
        if settings.umls not in UMLS_MODES:
            raise ConfigError(f"scoring.umls must be enabled or disabled, got '{settings.umls}'")
        self.settings = settings
        self.tasks = tuple(tasks)
        self._bert: BertScorer | None = None
        self._umls: UmlsScorer | None = None

    def metric_names(self, task: str) -> tuple[str, ...]:
        """Per-sample metric names of a task (LongHealth and MedNLI: `accuracy`)."""
        declared = task_spec(task).metrics
        if task == "longhealth":
            return ("accuracy",)
        if self.settings.umls == "disabled":
            return tuple(m for m in declared if not m.startswith("umls_"))
        return declared

    def score(self, task: str, items: Sequence[ScoreItem]) -> list[dict[str, float]]:
        """Per-sample metrics of a batch of one task."""
        names = self.metric_names(task)
        predictions = [item.prediction for item in items]
        references = [item.reference for item in items]
        results: list[dict[str, float]] = [{} for _ in items]
        if task == "mednli":
            for result, item in zip(results, items, strict=True):
                result["accuracy"] = mednli_accuracy(item.prediction, item.reference)
        elif task == "longhealth":
            pattern = task_spec(task).extra["answer_pattern"]
            for result, item in zip(results, items, strict=True):
                result["accuracy"] = longhealth_accuracy(item.prediction, item.reference, pattern)
        elif task == "medisumcode":
            pattern = task_spec(task).extra["icd_pattern"]
            for result, item in zip(results, items, strict=True):
                result.update(icd_scores(item.prediction, item.reference, pattern))
        if any(n in ROUGE_TYPES for n in names):
            _merge(results, rouge_scores(predictions, references))
        if any(n.startswith("bertscore_") for n in names):
            _merge(results, self.bert().score(predictions, references))
        if any(n.startswith("umls_") for n in names):
            _merge(results, self.umls().score(predictions, references))
        return results

    def bert(self) -> BertScorer:
        """The BERTScore scorer (loaded on first use)."""
        if self._bert is None:
            self._bert = BertScorer(self.settings.bertscore)
        return self._bert

    def umls(self) -> UmlsScorer:
        """The UMLS scorer (loaded on first use)."""
        if self._umls is None:
            self._umls = UmlsScorer(self.settings.scispacy)
        return self._umls


def _merge(results: list[dict[str, float]], extra: list[dict[str, float]]) -> None:
    for result, more in zip(results, extra, strict=True):
        result.update(more)
