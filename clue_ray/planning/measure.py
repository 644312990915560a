"""Prompt tokens of a sweep, measured: for each model and task, up to `plan.sample` prompts
are built with the model's own tokenizer (or a configured stand-in) exactly as a run builds
them, and their counts scaled to the task's size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import TypeVar

from clue_ray.models import ModelSettings
from clue_ray.pipeline.plan import Plan
from clue_ray.pipeline.prompt_rows import PromptBuilder
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
    measured: int  # prompts built to measure the counts


def spread(ids: list[str], count: int) -> list[str]:
    """`count` ids evenly spaced over the list (all of them when it has fewer)."""
    if count >= len(ids):
        return list(ids)
    return [ids[i * len(ids) // count] for i in range(count)]


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
                            Path(plan.cmd.data_dir), plan.cmd.longhealth, token_ids=False)
    passes = len(plan.seeds)
    found = []
    for task, references in plan.references.items():
        chosen = spread([r.sample_id for r in references], max(1, settings.sample))
        rows = builder.rows(task, [(sample_id, -1) for sample_id in chosen]) if chosen else []
        sent = [r for r in rows if not r["context_overflow"]]
        scale = passes * len(references) / len(rows) if rows else 0.0
        found.append(TaskTokens(
            task=task, prompts=passes * len(references),
            prompt_tokens=scale * sum(r["prompt_tokens"] for r in sent),
            max_output_tokens=scale * sum(r["max_tokens"] for r in sent),
            overflow=scale * (len(rows) - len(sent)), measured=len(rows)))
    return found
