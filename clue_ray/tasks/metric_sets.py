"""The metric sets a task's YAML takes whole (`metrics:`): the CLUE tasks' groups of metrics,
each with its per-sample rule, answer checks, extraction and baseline, named as hooks
(tasks/hooks.py) and scored by the same rules as the CLUE task they come from."""

from __future__ import annotations

from dataclasses import dataclass

from clue_ray.tasks.spec import task_spec


@dataclass(frozen=True)
class MetricSet:
    """One group of metrics: its per-sample metric names, default headline and the hooks of
    its rules: per-sample rule (None: ROUGE/BERTScore/UMLS, computed by the scorer),
    answer-form and code checks, what the scorer extracts (None: nothing; `accuracy`
    extracts the task's `labels` when it declares them) and baseline."""

    metrics: tuple[str, ...]
    headline: str
    score_sample: str | None
    answer_followed: str | None
    invalid_codes: str | None
    extract_answer: str | None
    baseline: str


def metric_sets() -> dict[str, MetricSet]:
    """`accuracy`: MedNLI's (the gold label occurs exactly once in the output); `text`:
    Problem Summary's ROUGE, BERTScore and UMLS; `icd10`: MeDiSumCode's ICD-10 code metrics."""
    return {
        "accuracy": MetricSet(("accuracy",), "accuracy", "label_accuracy", None, None, None,
                              "first_shot_answer"),
        "text": MetricSet(task_spec("problem_summary").metrics, "rougeL", None, None, None,
                          None, "lead_words"),
        "icd10": MetricSet(task_spec("medisumcode").metrics, "icd_em_f1", "icd10_metrics",
                           "names_an_icd10_code", "invalid_icd10_code", "icd10_codes",
                           "first_shot_answer"),
    }


@dataclass(frozen=True)
class NamesALabel:
    """The output names at least one of the task's labels (any case)."""

    labels: tuple[str, ...]

    def __call__(self, prediction: str) -> bool:
        upper = prediction.upper()
        return any(label.upper() in upper for label in self.labels)
