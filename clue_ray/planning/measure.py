"""Prompt tokens of a sweep, measured: for each model, task and subtask, up to `plan.sample`
prompts (drawn with a fixed seed) are built with the model's own tokenizer (or a configured
stand-in) exactly as a run builds them, and their counts scaled to the subtask's size."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import TypeVar

from clue_ray.models import ModelSettings
from clue_ray.pipeline.control.plan import Plan
from clue_ray.pipeline.stages.prompt_rows import PromptBuilder
from clue_ray.planning.settings import PlanSettings

T = TypeVar("T")


@dataclass(frozen=True)
class TaskTokens:
    """One model's task: prompts to run and the tokens they send (prompts of at least the
    context are flagged, not sent, and counted apart)."""

    task: str
    prompts: int
    prompt_tokens: float
    max_output_tokens: float
    overflow: float


def choose(ids: list[str], count: int, seed: str) -> list[str]:
    """`count` ids drawn without replacement by a generator seeded with `seed` (all of them
    when there are fewer), in list order. Drawn, not evenly spaced: a task's ids are
    periodic (LongHealth's run question, subtask, repeat), and a fixed stride aliases."""
    if count >= len(ids):
        return list(ids)
    picked = set(random.Random(seed).sample(range(len(ids)), count))
    return [sample_id for i, sample_id in enumerate(ids) if i in picked]


def _first_match(name: str, table: dict[str, T]) -> T | None:
    """The value of the first key (a model name or a glob pattern) matching `name`."""
    for pattern, value in table.items():
        if fnmatch(name, pattern):
            return value
    return None


def stand_in_tokenizer(name: str, settings: PlanSettings) -> str | None:
    """The tokenizer folder configured for this model (`plan.tokenizers`), if any."""
    return _first_match(name, settings.tokenizers)


def measuring_model(model: ModelSettings, settings: PlanSettings) -> ModelSettings:
    """The model with its configured stand-in tokenizer, context and chat template, if any."""
    context = _first_match(model.name, settings.max_context)
    template = _first_match(model.name, settings.chat_templates)
    return replace(model, path=stand_in_tokenizer(model.name, settings) or model.path,
                   max_context=context or model.max_context,
                   chat_template=template or model.chat_template)


def measure_model(plan: Plan, model: ModelSettings, settings: PlanSettings) -> list[TaskTokens]:
    """The tokens of every selected task for one model (raises ConfigError when its tokenizer
    or context length cannot be had here)."""
    builder = PromptBuilder(plan.run_id, measuring_model(model, settings),
                            Path(plan.cmd.data_dir), plan.task_options, token_ids=False,
                            tasks=plan.tasks)
    passes = len(plan.seeds)
    found = []
    for task, references in plan.references.items():
        groups: dict[str | None, list[str]] = {}
        for reference in references:  # LongHealth's subtasks differ by far in length
            groups.setdefault(reference.subtask, []).append(reference.sample_id)
        prompt = output = overflow = 0.0
        for subtask, ids in groups.items():
            chosen = choose(ids, max(1, settings.sample), f"{task}/{subtask}")
            rows = builder.rows(task, [(sample_id, -1) for sample_id in chosen])
            sent = [r for r in rows if not r["context_overflow"]]
            scale = passes * len(ids) / len(rows)
            prompt += scale * sum(r["prompt_tokens"] for r in sent)
            output += scale * sum(r["max_tokens"] for r in sent)
            overflow += scale * (len(rows) - len(sent))
        found.append(TaskTokens(task, passes * len(references), prompt, output, overflow))
    return found
