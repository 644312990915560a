"""MedNLI (Level 1): entailment / neutral / contradiction between two clinical sentences."""

from __future__ import annotations

from pathlib import Path

from clue_ray.errors import DatasetError
from clue_ray.metrics.accuracy import NamedLabels, mednli_accuracy
from clue_ray.tasks.baselines import first_shot_answer
from clue_ray.tasks.definition import PHYSIONET, Metrics, TaskDefinition
from clue_ray.tasks.fewshot import FewShotFile, Record
from clue_ray.tasks.readers import read_jsonl, require_object, require_str
from clue_ray.tasks.spec import task_spec

LABELS = ("entailment", "neutral", "contradiction")


def load_records(path: Path) -> list[Record]:
    """Records of `mli_test_v1.jsonl`; fields other than the three used are ignored."""
    records: list[Record] = []
    for index, raw in enumerate(read_jsonl(path)):
        row = require_object(path, index, raw)
        record = {f: require_str(path, index, row, f) for f in ("sentence1", "sentence2")}
        label = require_str(path, index, row, "gold_label")
        if label not in LABELS:
            raise DatasetError(
                path, f"expected one of {', '.join(LABELS)}, got {label!r}",
                record=index, field="gold_label",
            )
        records.append({**record, "gold_label": label})
    return records


def score_sample(prediction: str, gold_label: str) -> Metrics:
    """Accuracy: the gold label occurs exactly once in the output."""
    return {"accuracy": mednli_accuracy(prediction, gold_label)}


def names_a_label(prediction: str) -> bool:
    """The output names at least one of the three labels (any case)."""
    upper = prediction.upper()
    return any(label.upper() in upper for label in LABELS)


READER = FewShotFile(task_spec("mednli"), load_records, reference_field="gold_label")
TASK = TaskDefinition(
    name="mednli", headline_metric="accuracy", credentialed=True, expected_samples=1419,
    obtain_from=f"MedNLI 1.0.0 on {PHYSIONET}",
    read_samples=READER.samples, read_references=READER.references,
    score_sample=score_sample, sample_metrics=("accuracy",), answer_followed=names_a_label,
    extract_answer=NamedLabels(LABELS), baseline=first_shot_answer,
)
