"""Rows of the prompts dataset for one model and task (the first columns of the row contract)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from clue_ray.conf_files import chat_template_text
from clue_ray.engines.baseline import answered_by_rule
from clue_ray.engines.context import context_length
from clue_ray.models import ModelSettings
from clue_ray.pipeline.stages.prompt_cache import PromptCache
from clue_ray.tasks.definition import SampleBuilder
from clue_ray.tasks.registry import CLUE, TaskSet
from clue_ray.tasks.render import ChatRenderer, load_tokenizer
from clue_ray.tasks.sample import Sample


def make_renderer(model: ModelSettings) -> ChatRenderer:
    """The model's tokenizer and chat template (or the registry's template for it)."""
    return ChatRenderer(
        load_tokenizer(model.source),
        chat_template=chat_template_text(model.chat_template),
        system_role=model.system_role,
    )


class PromptBuilder:
    """Builds the prompt rows of one model, holding what is costly to load: the tokenizer
    (with its token counts), each file task's samples and each tokenizer-dependent task's
    builder, loaded once and reused by every chunk of keys given to it."""

    def __init__(self, run_id: str, model: ModelSettings, data_dir: Path,
                 options: Mapping[str, Any], token_ids: bool = True,
                 cache_dir: Path | None = None, rendered: bool | None = None,
                 tasks: TaskSet = CLUE) -> None:
        self.run_id = run_id
        self.tasks = tasks
        self.rendered = not answered_by_rule(model) if rendered is None else rendered
        self.model = model
        self.data_dir = data_dir
        self.options = options
        self.token_ids = token_ids
        self._renderer: ChatRenderer | None = None
        self._file_samples: dict[str, dict[str, Sample]] = {}
        self._builders: dict[str, tuple[SampleBuilder, set[str]]] = {}
        self._context: int | None = None
        self.cache_dir = cache_dir
        self._cache: PromptCache | None = None
        self.last_from_cache = False  # whether the last `rows` call was a cache hit

    def load(self) -> None:
        """Load now what every chunk needs (a model's tokenizer, context length and cache
        key), so that
        it overlaps the other stages' start-up instead of delaying the first chunk."""
        if self.rendered:
            self.context()
            self.cache()

    def context(self) -> int:
        """The model's context length (read once)."""
        if self._context is None:
            self._context = context_length(self.model, self.renderer())
        return self._context

    def renderer(self) -> ChatRenderer:
        """The model's renderer, loaded on first use."""
        if self._renderer is None:
            self._renderer = make_renderer(self.model)
        return self._renderer

    def samples(self, task: str, wanted: Collection[str]) -> list[Sample]:
        """The samples of one task whose ids are wanted, in the task's order."""
        definition = self.tasks[task]
        if not definition.needs_tokenizer:
            if task not in self._file_samples:
                self._file_samples[task] = {
                    s.sample_id: s for s in definition.samples(self.data_dir)}
            return [s for sid, s in self._file_samples[task].items() if sid in wanted]
        if task not in self._builders:
            builder = definition.builder(self.data_dir, self.renderer(),
                                         self.options.get(task), self.context())
            self._builders[task] = (builder, set(builder.sample_ids()))
        builder, known = self._builders[task]
        return [builder.sample(sid) for sid in sorted(wanted) if sid in known]

    def cache(self) -> PromptCache | None:
        """The prompt cache of this model's cache key (None without a cache folder, and for
        rows without a prompt, which are cheap)."""
        if self.cache_dir is None or not self.rendered:
            return None
        if self._cache is None:
            self._cache = PromptCache(self.cache_dir, self.renderer(), self.context(),
                                      self.token_ids)
        return self._cache

    def rows(self, task: str, missing: Collection[tuple[str, int]]) -> list[dict[str, Any]]:
        """One row per missing (sample_id, seed) of a task, rendered for the model (an
        engine that runs no model gets its messages instead of a prompt); from the cache
        when another model of the same cache key built them."""
        seeds_of: dict[str, list[int]] = {}
        for sample_id, seed in missing:
            seeds_of.setdefault(sample_id, []).append(seed)
        cache = self.cache()
        per_sample = cache.get(task, seeds_of) if cache is not None else None
        self.last_from_cache = per_sample is not None
        if per_sample is None:
            per_sample = self._build(task, seeds_of)
            if cache is not None:
                cache.put(task, seeds_of, per_sample)
        return [{"run_id": self.run_id, "model": self.model.name, "messages": "", **row,
                 "seed": seed}
                for row in per_sample for seed in sorted(seeds_of[row["sample_id"]])]

    def _build(self, task: str, wanted: Collection[str]) -> list[dict[str, Any]]:
        """One row per wanted sample (without run, model and seed), in the task's order."""
        max_context = self.context() if self.rendered else 0
        rows = []
        for sample in self.samples(task, wanted):
            row = _sample_row(sample)
            if not self.rendered:
                row["messages"] = json.dumps(sample.messages, ensure_ascii=False)
            else:
                rendered = self.renderer().render(sample.messages)
                row.update(prompt=rendered.text, prompt_tokens=rendered.prompt_tokens,
                           system_folded=rendered.system_folded,
                           context_overflow=rendered.prompt_tokens >= max_context)
                if self.token_ids:
                    row["prompt_token_ids"] = list(rendered.token_ids)
            row["prompt_sha256"] = hashlib.sha256(row["prompt"].encode()).hexdigest()
            rows.append(row)
        return rows


def build_rows(
    run_id: str,
    model: ModelSettings,
    task: str,
    data_dir: Path,
    options: Mapping[str, Any],
    missing: Collection[tuple[str, int]],
) -> list[dict[str, Any]]:
    """One row per missing (sample_id, seed) of a task, rendered for the model (`options`:
    the tasks' parsed options, by task name)."""
    return PromptBuilder(run_id, model, data_dir, options).rows(task, missing)


def _sample_row(sample: Sample) -> dict[str, Any]:
    return {
        "task": sample.task,
        "subtask": sample.subtask,
        "sample_id": sample.sample_id,
        "messages": "",
        "reference": sample.reference,
        "max_tokens": sample.max_tokens,
        "prompt": "",
        "prompt_token_ids": [],
        "prompt_tokens": 0,
        "system_folded": False,
        "context_overflow": False,
    }
