"""A task of your own as a Python file (docs/tasks.md, "Adding a task"): the worked example's notes,
scored by a rule of its own that no metric set has: the answer's first word must be the label
(MedNLI-style accuracy, which task.yaml uses, takes the label anywhere in the output).
That first word is what the rule extracts: `extract_answer` keeps it as each row's `answer`.

`clue-ray ... user_tasks=[examples/tasks/discharge_triage/strict_task.py]` imports this file
and takes its `TASK`; a run ships its functions to the Ray workers by value, so it needs no
package installed there.
"""

from __future__ import annotations

import re
from pathlib import Path

from clue_ray.tasks.baselines import first_shot_answer
from clue_ray.tasks.definition import Metrics, TaskDefinition
from clue_ray.tasks.fewshot import Record, build_fewshot_samples
from clue_ray.tasks.readers import read_jsonl, require_object, require_str
from clue_ray.tasks.sample import Reference, Sample
from clue_ray.tasks.spec import TaskSpec

LABELS = ("routine", "urgent")
SPEC = TaskSpec(
    name="discharge_triage_strict", level=3, source_file="discharge_triage.jsonl",
    source_records=0, few_shot=2, max_tokens=8, template_fields=("note", "label"),
    metrics=("first_word_accuracy",), assistant_template="{label}",
    system="You will receive a short discharge note. Answer with one word, routine or urgent: "
           "how soon must the patient be seen after discharge?",
    user_template="NOTE: {note}\nFOLLOW-UP:",
)


def load_records(path: Path) -> list[Record]:
    """The `note` and `label` of every line."""
    records = []
    for index, raw in enumerate(read_jsonl(path)):
        row = require_object(path, index, raw)
        records.append({field: require_str(path, index, row, field) for field in ("note", "label")})
    return records


def samples(data_dir: Path) -> list[Sample]:
    """Few-shot prompts, built as the CLUE tasks build theirs."""
    path = Path(data_dir) / SPEC.source_file
    return build_fewshot_samples(SPEC, load_records(path), "label", path)


def references(data_dir: Path) -> list[Reference]:
    """Each evaluated sample's label."""
    return [Reference(s.sample_id, s.subtask, s.reference) for s in samples(data_dir)]


def first_word(prediction: str) -> str:
    """The output's first word, lower-cased, without punctuation."""
    words = re.findall(r"[a-z]+", prediction.lower())
    return words[0] if words else ""


def score_sample(prediction: str, label: str) -> Metrics:
    """1.0 when the first word is the label."""
    return {"first_word_accuracy": float(first_word(prediction) == label)}


def starts_with_a_label(prediction: str) -> bool:
    """The answer form: the first word is one of the labels."""
    return first_word(prediction) in LABELS


TASK = TaskDefinition(
    name=SPEC.name, headline_metric="first_word_accuracy", credentialed=False,
    expected_samples=None, obtain_from="synthetic, examples/tasks/discharge_triage/generate.py",
    read_samples=samples, read_references=references, score_sample=score_sample,
    answer_followed=starts_with_a_label, extract_answer=first_word, baseline=first_shot_answer,
    own_spec=SPEC,
)
