"""Stop tokens on the real Llama vocabularies (../shared/tokenizers): the ids a model declares,
and the transformers engine stopping at <|eot_id|> with `finish_reason` "stop"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from engines.eot_model import ANSWER, build_eot_model

from clue_ray.conf_files import chat_template_text
from clue_ray.config import load_model
from clue_ray.engines.base import PromptRow
from clue_ray.engines.stop_tokens import end_of_turn_ids, template_end_of_turn
from clue_ray.engines.transformers_engine import TransformersEngine, TransformersSettings
from clue_ray.tasks.render import ChatRenderer, load_tokenizer

SHARED = Path(__file__).resolve().parents[3] / "shared" / "tokenizers"
needs_shared = pytest.mark.skipif(not (SHARED / "llama3").is_dir(),
                                  reason="../shared/tokenizers (real Llama vocabularies) absent")
EOT, END_OF_TEXT = 128009, 128001


@needs_shared
def test_declared_end_of_turn_ids_of_the_llama_families():
    llama3 = load_tokenizer(SHARED / "llama3")
    # eos is <|end_of_text|>; the template closes turns with <|eot_id|>
    assert end_of_turn_ids(llama3, None, None) == (END_OF_TEXT, EOT)
    assert end_of_turn_ids(llama3, None, [END_OF_TEXT, EOT]) == (END_OF_TEXT, EOT)
    assert end_of_turn_ids(load_tokenizer(SHARED / "llama3.1"), None, None) == (EOT,)
    llama2 = load_tokenizer(SHARED / "llama2")  # no template of its own: the registry's
    assert template_end_of_turn(llama2, chat_template_text("llama2")) == llama2.eos_token_id
    assert end_of_turn_ids(llama2, chat_template_text("llama2"), None) == (2,)


def test_tiny_tokenizer_template_declares_its_eot(tiny_tokenizer_dir, notemplate_tokenizer_dir):
    tokenizer = load_tokenizer(tiny_tokenizer_dir)
    assert template_end_of_turn(tokenizer, None) == tokenizer.convert_tokens_to_ids(
        "<|eot_id|>")
    assert template_end_of_turn(load_tokenizer(notemplate_tokenizer_dir), None) is None


@pytest.fixture(scope="module", params=[True, False], ids=["generation_config", "none"])
def eot_model_dir(request, tmp_path_factory) -> Path:
    if not (SHARED / "llama3").is_dir():
        pytest.skip("../shared/tokenizers (real Llama vocabularies) absent")
    return build_eot_model(tmp_path_factory.mktemp("eot") / "model", SHARED / "llama3",
                           generation_config=request.param)


def test_transformers_engine_stops_at_eot(eot_model_dir):
    model = replace(load_model("meta-llama-3-8b-instruct"), path=str(eot_model_dir))
    engine = TransformersEngine(model, TransformersSettings(2, "float32", 1), "greedy")
    renderer = ChatRenderer(load_tokenizer(eot_model_dir))
    prompt = renderer.render([{"role": "user", "content": "Say hello."}])
    rows = [PromptRow(str(i), "meqsum", prompt.text, prompt.prompt_tokens, 10, -1)
            for i in range(2)]
    for generation in engine.generate(rows):
        assert generation.prediction == "".join(ANSWER)
        assert (generation.output_tokens, generation.finish_reason) == (3, "stop")
        assert generation.engine_prompt_tokens == prompt.prompt_tokens
