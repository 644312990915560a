"""Rows of the prompts dataset for one model and task (the first columns of the row contract)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from clue_ray.config import chat_template_text
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.tasks import longhealth
from clue_ray.tasks.longhealth_data import load_patients
from clue_ray.tasks.registry import FILE_TASKS
from clue_ray.tasks.render import ChatRenderer, load_tokenizer
from clue_ray.tasks.sample import Sample
from clue_ray.tasks.settings import LongHealthSettings
from clue_ray.tasks.spec import task_spec

CONTEXT_KEYS = ("max_position_embeddings", "max_seq_len", "seq_length", "n_positions")


def context_length(model: ModelSettings, renderer: ChatRenderer | None) -> int:
    """The model's context: the config override, else the model's own config, else the
    tokenizer's declared limit."""
    if model.max_context:
        return model.max_context
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(model.source, revision=model.revision)
        for key in CONTEXT_KEYS:
            value = getattr(config, key, None) or getattr(
                getattr(config, "text_config", None), key, None
            )
            if value:
                return int(value)
    except (OSError, ValueError):
        pass
    if renderer is not None and renderer.max_context:
        return renderer.max_context
    raise ConfigError(f"cannot tell the context length of model '{model.name}': "
                      f"set max_context in conf/model/{model.name}.yaml")


def make_renderer(model: ModelSettings) -> ChatRenderer:
    """The model's tokenizer and chat template (or the registry's template for it)."""
    return ChatRenderer(
        load_tokenizer(model.source),
        chat_template=chat_template_text(model.chat_template),
        system_role=model.system_role,
    )


def task_samples(
    task: str,
    data_dir: Path,
    renderer: ChatRenderer | None,
    settings: LongHealthSettings,
    max_context: int | None,
    wanted: Collection[str],
) -> list[Sample]:
    """The samples of one task whose ids are wanted (LongHealth builds only those)."""
    if task in FILE_TASKS:
        return [s for s in FILE_TASKS[task].samples(data_dir) if s.sample_id in wanted]
    if renderer is None:
        raise ConfigError("longhealth needs a tokenizer to build its prompts")
    patients = load_patients(data_dir / task_spec(task).source_file)
    builder = longhealth.LongHealthBuilder(patients, renderer, settings, max_context)
    return [builder.sample(sample_id) for sample_id in builder.sample_ids()
            if sample_id in wanted]


def build_rows(
    run_id: str,
    model: ModelSettings,
    task: str,
    data_dir: Path,
    settings: LongHealthSettings,
    missing: Collection[tuple[str, int]],
) -> list[dict[str, Any]]:
    """One row per missing (sample_id, seed) of a task, rendered for the model."""
    seeds_of: dict[str, list[int]] = {}
    for sample_id, seed in missing:
        seeds_of.setdefault(sample_id, []).append(seed)
    needs_tokenizer = model.kind != "baseline" or task == "longhealth"
    renderer = make_renderer(model) if needs_tokenizer else None
    max_context = context_length(model, renderer) if renderer is not None else 0
    rows = []
    samples = task_samples(task, data_dir, renderer, settings, max_context or None, seeds_of)
    for sample in samples:
        base = _base_row(run_id, model, sample)
        if renderer is not None and model.kind != "baseline":
            rendered = renderer.render(sample.messages)
            base.update(prompt=rendered.text, prompt_token_ids=list(rendered.token_ids),
                        prompt_tokens=rendered.prompt_tokens,
                        system_folded=rendered.system_folded,
                        context_overflow=rendered.prompt_tokens >= max_context)
        base["prompt_sha256"] = hashlib.sha256(base["prompt"].encode()).hexdigest()
        rows.extend({**base, "seed": seed} for seed in sorted(seeds_of[sample.sample_id]))
    return rows


def _base_row(run_id: str, model: ModelSettings, sample: Sample) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "model": model.name,
        "task": sample.task,
        "subtask": sample.subtask,
        "sample_id": sample.sample_id,
        "messages": json.dumps(sample.messages, ensure_ascii=False),
        "reference": sample.reference,
        "max_tokens": sample.max_tokens,
        "prompt": "",
        "prompt_token_ids": [],
        "prompt_tokens": 0,
        "system_folded": False,
        "context_overflow": False,
    }
