"""The transformers engine on a tiny local model: greedy batches, seeded sampling, overflow."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clue_ray.config import load_model
from clue_ray.engines.base import PromptRow
from clue_ray.engines.transformers_engine import TransformersEngine, TransformersSettings
from clue_ray.tasks.render import ChatRenderer, load_tokenizer

SETTINGS = TransformersSettings(batch_size=2, dtype="float32", threads=1)


@pytest.fixture(scope="module")
def model(tiny_lm_dir):
    return replace(load_model("demo-general"), path=str(tiny_lm_dir))


def rows(tiny_lm_dir, seed: int = -1, max_tokens: int = 8) -> list[PromptRow]:
    renderer = ChatRenderer(load_tokenizer(tiny_lm_dir))
    out = []
    for i, question in enumerate(["What is afib?", "Is sepsis bad?", "Why metformin?"]):
        prompt = renderer.render([{"role": "user", "content": question}])
        out.append(PromptRow(str(i), "meqsum", prompt.text, prompt.prompt_tokens, max_tokens,
                             seed))
    return out


def test_greedy_is_batch_independent(model, tiny_lm_dir):
    batched = TransformersEngine(model, SETTINGS, "greedy").generate(rows(tiny_lm_dir))
    single = TransformersEngine(model, replace(SETTINGS, batch_size=1), "greedy").generate(
        rows(tiny_lm_dir))
    assert [g.prediction for g in batched] == [g.prediction for g in single]
    assert all(0 < g.output_tokens <= 8 and g.engine_error is None for g in batched)
    assert all(g.finish_reason in ("stop", "length") for g in batched)


def test_sampling_is_seeded_per_row(model, tiny_lm_dir):
    engine = TransformersEngine(model, SETTINGS, "engine_defaults")
    first = engine.generate(rows(tiny_lm_dir, seed=1, max_tokens=12))
    again = engine.generate(list(reversed(rows(tiny_lm_dir, seed=1, max_tokens=12))))
    assert [g.prediction for g in first] == [g.prediction for g in reversed(again)]
    other = engine.generate(rows(tiny_lm_dir, seed=2, max_tokens=12))
    assert [g.prediction for g in other] != [g.prediction for g in first]


def test_overflowing_rows_are_not_run(model, tiny_lm_dir):
    engine = TransformersEngine(model, SETTINGS, "greedy")
    prompt_rows = rows(tiny_lm_dir)
    prompt_rows[1] = replace(prompt_rows[1], context_overflow=True)
    outputs = engine.generate(prompt_rows)
    assert (outputs[1].prediction, outputs[1].finish_reason) == ("", "context_overflow")
    assert outputs[0].prediction and outputs[2].prediction is not None
