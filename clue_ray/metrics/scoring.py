"""Per-task scoring: the metrics each task declares, computed in batches.

Model-backed scorers (BERTScore, scispaCy/UMLS) are created on first use, once each, and only
when a selected task needs them; `scoring.umls=disabled` leaves the UMLS metrics out entirely.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clue_ray.metrics.bertscore import BertScorer, check_model
from clue_ray.metrics.rouge import ROUGE_TYPES, rouge_scores
from clue_ray.metrics.scored_task import Metrics, ScoredTask
from clue_ray.metrics.settings import ScoringSettings, UmlsMode
from clue_ray.metrics.umls import UmlsScorer, check_kb_dir, check_pipeline
from clue_ray.setting import check_values

Group = Callable[[Sequence["ScoreItem"]], list[Metrics]]  # one batched metric computation


@dataclass(frozen=True)
class ScoreItem:
    """One prediction with what scoring needs to judge it (`reference`: the gold label for
    mednli, the correct letter for longhealth, the reference text or code list otherwise)."""

    sample_id: str
    task: str
    subtask: str | None
    reference: str
    prediction: str


class TaskScorer:
    """Scores the selected tasks (their declarations, handed over); BERTScore and UMLS models
    load lazily, once each."""

    def __init__(self, settings: ScoringSettings, tasks: Iterable[ScoredTask]) -> None:
        check_values(settings, "scoring")  # settings made in code are checked here too
        self.settings = settings
        self.declarations = {task.name: task for task in tasks}
        self.tasks = tuple(self.declarations)
        self._bert: BertScorer | None = None
        self._umls: UmlsScorer | None = None

    def task(self, name: str) -> ScoredTask:
        """The declaration of one of the scorer's tasks (KeyError for another)."""
        if name not in self.declarations:
            raise KeyError(f"task '{name}' is not among this scorer's ({', '.join(self.tasks)})")
        return self.declarations[name]

    def metric_names(self, task: str) -> tuple[str, ...]:
        """Per-sample metric names of the task's declaration, less UMLS when disabled."""
        declared = self.task(task).metric_names
        if self.settings.umls == UmlsMode.disabled:
            return tuple(m for m in declared if not m.startswith("umls_"))
        return declared

    def groups(self, task: str) -> list[tuple[str, Group]]:
        """The task's metric groups, each computed by one call: its per-sample rule, ROUGE,
        BERTScore, UMLS (those it declares and the settings enable)."""
        names = self.metric_names(task)
        found: list[tuple[str, Group]] = []
        rule = self.task(task).score_sample
        if rule is not None:
            found.append((task, lambda items: [rule(i.prediction, i.reference) for i in items]))
        if any(n in ROUGE_TYPES for n in names):
            found.append(("rouge", lambda items: rouge_scores(*_texts(items))))
        if any(n.startswith("bertscore_") for n in names):
            found.append(("bertscore", lambda items: self.bert().score(*_texts(items))))
        if any(n.startswith("umls_") for n in names):
            found.append(("umls", lambda items: self.umls().score(*_texts(items))))
        return found

    def check_available(self) -> None:
        """Stop (ConfigError naming the setting and what to install) when a model-backed
        scorer the selected tasks need cannot load here; found without loading it."""
        needed = {name for task in self.tasks for name, _ in self.groups(task)}
        if "bertscore" in needed:
            check_model(self.settings.bertscore.model)
        if "umls" in needed:
            check_pipeline(self.settings.scispacy.spacy_model)
            if self.settings.scispacy.kb_dir is not None:
                check_kb_dir(Path(self.settings.scispacy.kb_dir))

    def load(self) -> None:
        """Load the model-backed scorers the selected tasks need now, at a scoring actor's
        start, so that loading overlaps prompt building and the engine's load. One that
        fails is left unloaded: each batch tries it again and records its error."""
        needed = {name for task in self.tasks for name, _ in self.groups(task)}
        for name, loader in (("bertscore", self.bert), ("umls", self.umls)):
            if name in needed:
                with contextlib.suppress(Exception):  # reported per row by the batches
                    loader()

    def loaded(self) -> dict[str, bool]:
        """The model-backed scorers the selected tasks need, and whether each is loaded."""
        needed = {name for task in self.tasks for name, _ in self.groups(task)}
        models = {"bertscore": self._bert, "umls": self._umls}
        return {name: model is not None for name, model in models.items() if name in needed}

    def score(self, task: str, items: Sequence[ScoreItem]) -> list[Metrics]:
        """Per-sample metrics of a batch of one task; any failure is raised."""
        results: list[Metrics] = [{} for _ in items]
        for _, compute in self.groups(task) if items else []:
            _merge(results, compute(items))
        return results

    def answers(self, task: str, items: Sequence[ScoreItem]) -> list[str | None]:
        """What the task's declaration extracts from each prediction ("" when it finds
        nothing); all None for a task that extracts nothing."""
        extract = self.task(task).extract_answer
        return [extract(item.prediction) if extract else None for item in items]

    def score_each_group(self, task: str, items: Sequence[ScoreItem]
                         ) -> tuple[list[Metrics], dict[str, str]]:
        """Per-sample metrics of every group that could be computed, and for each group that
        failed (a model that does not load, a crash) its error; one group's failure leaves
        the others' metrics in place."""
        results: list[Metrics] = [{} for _ in items]
        errors: dict[str, str] = {}
        for name, compute in self.groups(task) if items else []:
            try:
                _merge(results, compute(items))
            except Exception as err:  # kept as data: the rows are flagged, the run goes on
                errors[name] = error_text(err)
        return results, errors

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


def error_text(err: Exception) -> str:
    """A failed scorer's error as a row keeps it: its type and the start of its message."""
    return f"{type(err).__name__}: {str(err)[:300]}"


def _texts(items: Sequence[ScoreItem]) -> tuple[list[str], list[str]]:
    return [item.prediction for item in items], [item.reference for item in items]


def _merge(results: list[Metrics], extra: list[Metrics]) -> None:
    for result, more in zip(results, extra, strict=True):
        result.update(more)
