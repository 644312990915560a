"""The Python a task's YAML names: readers of official file formats, score rules, answer
checks and extractions, baselines, ideal answers. Each name maps to `module:function` under
clue_ray.tasks and is imported when a declaration names it, so a CLUE task's module can load
its own YAML as it is imported (its hooks are defined above that line)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

HOOKS: dict[str, dict[str, str]] = {
    # path -> records (one dict of text per record), in place of the common JSONL/CSV reader
    "reader": {
        "mednli_jsonl": "clue_ray.tasks.mednli:load_records",
        "meqsum_workbook": "clue_ray.tasks.meqsum:load_records",
        "problem_summary_csv": "clue_ray.tasks.problem_summary:load_records",
        "medisumqa_json": "clue_ray.tasks.medisumqa:load_records",
        "medisumcode_json": "clue_ray.tasks.medisumcode:load_records",
    },
    # (prediction, reference) -> per-sample metrics
    "score_sample": {
        "label_accuracy": "clue_ray.tasks.mednli:score_sample",
        "icd10_metrics": "clue_ray.tasks.medisumcode:score_sample",
    },
    # prediction -> whether it has the answer form
    "answer_followed": {"names_an_icd10_code": "clue_ray.tasks.medisumcode:names_a_code"},
    # prediction -> whether it holds a code its code system does not know
    "invalid_codes": {"invalid_icd10_code": "clue_ray.tasks.medisumcode:has_invalid_code"},
    # prediction -> what the scorer reads out of it
    "extract_answer": {"icd10_codes": "clue_ray.tasks.medisumcode:answer_codes"},
    # conversation -> the parameterless baseline's answer
    "baseline": {
        "first_shot_answer": "clue_ray.tasks.baselines:first_shot_answer",
        "lead_words": "clue_ray.tasks.baselines:lead_words",
    },
    # sample -> its reference in the answer's form
    "ideal_answer": {"icd10_answer_line": "clue_ray.tasks.medisumcode:ideal_answer"},
}


def hook(kind: str, name: str) -> Callable[..., Any]:
    """The function registered as `name` among the hooks of this kind; KeyError lists the
    known names."""
    known = HOOKS[kind]
    if name not in known:
        raise KeyError(f"unknown {kind} '{name}' (known: {', '.join(known)})")
    module, attribute = known[name].split(":")
    return getattr(importlib.import_module(module), attribute)
