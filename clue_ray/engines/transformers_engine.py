"""The CPU default engine: Hugging Face transformers, model loaded once per engine actor.

Greedy decoding runs rows in batches (grouped by max_tokens, left-padded, sorted by length);
"engine_defaults" decoding samples as a server given only max_tokens does (temperature 1, or
the model's own generation settings), one row at a time with a per-row seed so that a resumed
run draws the same tokens.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from clue_ray.engines.actor_pool import ActorPoolEngine
from clue_ray.engines.base import Engine, Generation, PromptRow, row_seed
from clue_ray.engines.settings import EngineSettings
from clue_ray.engines.stop_tokens import model_stop_ids
from clue_ray.models import ModelSettings
from clue_ray.setting import Setting
from clue_ray.tasks.registry import TaskSet
from clue_ray.tasks.render import load_tokenizer


@dataclass
class TransformersSettings:
    """`engine.transformers`, the CPU default: batched generation with Hugging Face
    transformers (conf/engine/transformers.yaml)."""

    batch_size: Annotated[int, Setting("rows generated together in one call", ge=1)]
    dtype: Annotated[str, Setting("torch dtype the model is loaded in, e.g. float32")]
    threads: Annotated[int | None, Setting(
        "torch threads per actor (null: torch's default)", ge=1)]


def sampling_defaults(model_config: dict[str, Any]) -> dict[str, Any]:
    """What an inference server does with only max_tokens set: sample at temperature 1 with no
    top-k/top-p cut, unless the model's own generation config sets those values."""
    return {
        "do_sample": True,
        "temperature": model_config.get("temperature", 1.0),
        "top_p": model_config.get("top_p", 1.0),
        "top_k": model_config.get("top_k", 0),
    }


class TransformersEngine:
    """Batched generation with a causal LM on CPU (or whatever torch device is set)."""

    def __init__(
        self, model: ModelSettings, settings: TransformersSettings, decoding: str
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.torch = torch
        self.settings = settings
        self.greedy = decoding == "greedy"
        self.tokenizer = load_tokenizer(model.source, model.revision)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(
            model.source, revision=model.revision, dtype=getattr(torch, settings.dtype)
        )
        self.model.eval()
        self.stop_ids = model_stop_ids(model, self.tokenizer)
        self.sampling = sampling_defaults(self.model.generation_config.to_diff_dict())

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Completions in row order; a failing group keeps its error per row."""
        results: dict[int, Generation] = {}
        groups: dict[int, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            if row.context_overflow:
                results[index] = Generation.overflow()
            else:
                groups[row.max_tokens].append(index)
        for max_tokens, indices in groups.items():
            indices.sort(key=lambda i: rows[i].prompt_tokens)
            size = self.settings.batch_size if self.greedy else 1
            for start in range(0, len(indices), size):
                chunk = indices[start : start + size]
                outputs = self._run([rows[i] for i in chunk], max_tokens)
                results.update(zip(chunk, outputs, strict=True))
        return [results[i] for i in range(len(rows))]

    def _run(self, rows: list[PromptRow], max_tokens: int) -> list[Generation]:
        started = time.perf_counter()
        try:
            texts, counts, finished, sizes = self._generate([r.prompt for r in rows], max_tokens,
                                                            rows)
        except Exception as err:  # a failed call is data for these rows, not a crash
            message = f"{type(err).__name__}: {err}"[:500]
            return [Generation.failed(message, time.perf_counter() - started) for _ in rows]
        latency = (time.perf_counter() - started) / len(rows)
        return [
            Generation(text, count, "stop" if done else "length", None, latency,
                       engine_prompt_tokens=received)
            for text, count, done, received in zip(texts, counts, finished, sizes, strict=True)
        ]

    def _generate(
        self, prompts: list[str], max_tokens: int, rows: list[PromptRow]
    ) -> tuple[list[str], list[int], list[bool], list[int]]:
        encoded = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        )
        kwargs: dict[str, Any] = {"max_new_tokens": max_tokens, "eos_token_id": list(self.stop_ids)}
        if self.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(self.sampling)
            self.torch.manual_seed(row_seed(rows[0].seed, rows[0].sample_id))
        with self.torch.no_grad():
            output = self.model.generate(
                **encoded, pad_token_id=self.tokenizer.pad_token_id, **kwargs
            )
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        texts, counts, finished = [], [], []
        for sequence in new_tokens.tolist():
            end = next((i for i, token in enumerate(sequence) if token in self.stop_ids), None)
            kept = sequence if end is None else sequence[:end]
            texts.append(self.tokenizer.decode(kept, skip_special_tokens=True))
            counts.append(len(kept) + (0 if end is None else 1))
            finished.append(end is not None)
        sizes = encoded["attention_mask"].sum(dim=1).tolist()
        return texts, counts, finished, sizes


class TransformersPlugin(ActorPoolEngine):
    """The transformers engine's declaration: its section, and an actor pool of it."""

    name = "transformers"
    settings_type = TransformersSettings

    def make_engine(self, model: ModelSettings, settings: EngineSettings,
                    tasks: TaskSet) -> Engine:
        return TransformersEngine(model, settings.section(), settings.decoding)


ENGINE = TransformersPlugin()
