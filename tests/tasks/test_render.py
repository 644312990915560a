"""Chat rendering: exactly one BOS, the system-role fallback, token counts."""

from __future__ import annotations

import pytest

from clue_ray.errors import ConfigError
from clue_ray.tasks.render import ChatRenderer, fold_system, load_tokenizer

MESSAGES = (
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Q1"},
    {"role": "assistant", "content": "A1"},
    {"role": "user", "content": "Q2"},
)
BOS = "<|begin_of_text|>"


def test_llama3_template_one_bos_and_token_count(tiny_tokenizer_dir):
    tokenizer = load_tokenizer(tiny_tokenizer_dir)
    renderer = ChatRenderer(tokenizer)
    rendered = renderer.render(MESSAGES)
    assert rendered.text.startswith(BOS) and rendered.text.count(BOS) == 1
    assert rendered.text.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert "system<|end_header_id|>\n\nBe brief.<|eot_id|>" in rendered.text
    assert not rendered.system_folded
    ids = tokenizer.encode(rendered.text, add_special_tokens=False)
    assert rendered.prompt_tokens == len(ids)
    assert ids.count(tokenizer.bos_token_id) == 1
    # the default encode would have added a second BOS: rendering must not
    assert tokenizer.encode(rendered.text).count(tokenizer.bos_token_id) == 2


def test_rejected_system_role_is_folded_into_the_first_user_turn(nosystem_tokenizer_dir):
    renderer = ChatRenderer(load_tokenizer(nosystem_tokenizer_dir))
    rendered = renderer.render(MESSAGES)
    assert rendered.system_folded
    assert rendered.text == f"{BOS}[INST] Be brief.\n\nQ1 [/INST]A1<|end_of_text|>[INST] Q2 [/INST]"


def test_system_role_false_forces_the_fold(tiny_tokenizer_dir):
    renderer = ChatRenderer(load_tokenizer(tiny_tokenizer_dir), system_role=False)
    rendered = renderer.render(MESSAGES)
    assert rendered.system_folded
    assert "user<|end_header_id|>\n\nBe brief.\n\nQ1<|eot_id|>" in rendered.text
    assert "system<|end_header_id|>" not in rendered.text


def test_fold_system_keeps_other_turns():
    folded = fold_system(MESSAGES)
    assert folded == [{"role": "user", "content": "Be brief.\n\nQ1"}, MESSAGES[2], MESSAGES[3]]
    assert MESSAGES[1]["content"] == "Q1"  # the input is not mutated


def test_missing_chat_template_is_a_clear_error(notemplate_tokenizer_dir):
    with pytest.raises(ConfigError, match="has no chat template"):
        ChatRenderer(load_tokenizer(notemplate_tokenizer_dir))


def test_registry_template_for_models_without_one(notemplate_tokenizer_dir):
    from clue_ray.conf_files import chat_template_text

    renderer = ChatRenderer(load_tokenizer(notemplate_tokenizer_dir),
                            chat_template=chat_template_text("llama2"))
    text = renderer.render(MESSAGES).text
    assert text == (f"{BOS}[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nQ1 [/INST] A1 <|end_of_text|>"
                    f"{BOS}[INST] Q2 [/INST]")


def test_counting_uses_default_special_tokens_and_starts_have_none(tiny_tokenizer_dir):
    tokenizer = load_tokenizer(tiny_tokenizer_dir)
    renderer = ChatRenderer(tokenizer)
    text = "Patient has fever"
    plain = tokenizer.encode(text, add_special_tokens=False)
    assert renderer.count(text) == len(plain) + 1  # the BOS counts, as in the reference
    starts = renderer.token_starts(text)
    assert len(starts) == len(plain) and starts[0] == 0
    assert renderer.max_context == 16384


def test_unloadable_tokenizer_names_the_override(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer=DIR"):
        load_tokenizer(tmp_path / "absent")
