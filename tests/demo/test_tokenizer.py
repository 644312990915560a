"""The tiny demo tokenizers: BOS handling, untrimmed offsets, chat templates, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.exceptions import TemplateError
from transformers import AutoTokenizer

from clue_ray.demo.corpus import iter_strings, tokenizer_training_text
from clue_ray.demo.tokenizer import BOS, build_tokenizer
from clue_ray.tasks.spec import raw_prompts

STYLES = ("tiny_tokenizer_dir", "nosystem_tokenizer_dir", "notemplate_tokenizer_dir")
TEXT = "Patient has fever"


def load(directory: Path):
    return AutoTokenizer.from_pretrained(directory)


def bpe_model(directory: Path) -> dict:
    return json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))["model"]


@pytest.mark.parametrize("fixture", STYLES)
def test_encode_prepends_exactly_one_bos(fixture: str, request: pytest.FixtureRequest) -> None:
    tok = load(request.getfixturevalue(fixture))
    ids = tok.encode(TEXT)
    plain = tok.encode(TEXT, add_special_tokens=False)
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
    assert ids[1:] == plain and tok.bos_token_id not in plain
    assert tok.bos_token == BOS and tok.eos_token_id is not None and tok.pad_token_id is not None
    assert tok.model_max_length == 16384


def test_offsets_are_untrimmed(tiny_tokenizer_dir: Path) -> None:
    tok = load(tiny_tokenizer_dir)
    enc = tok(TEXT, add_special_tokens=False, return_offsets_mapping=True)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    # The token holding "fever" starts at the space before it (index 11), not at the "f".
    assert TEXT[11:12] == " " and any(start == 11 and end == 17 for start, end in offsets)
    assert offsets[0][0] == 0 and offsets[-1][1] == len(TEXT)
    for (_, end), (start, _) in zip(offsets, offsets[1:], strict=False):
        assert start == end  # spans tile the text: no gap for a stripped space
    for token_id, (start, end) in zip(enc["input_ids"], offsets, strict=True):
        assert tok.decode([token_id]) == TEXT[start:end]
    with_bos = tok(TEXT, return_offsets_mapping=True)["offset_mapping"]
    assert tuple(with_bos[0]) == (0, 0)


def test_llama3_template_literal(tiny_tokenizer_dir: Path) -> None:
    tok = load(tiny_tokenizer_dir)
    messages = [{"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "What is afib?\n"}]
    rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert rendered == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is afib?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    no_prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    assert no_prompt == rendered.removesuffix("<|start_header_id|>assistant<|end_header_id|>\n\n")
    ids = tok.encode(rendered, add_special_tokens=False)
    assert ids.count(tok.bos_token_id) == 1
    assert "<|eot_id|>" in tok.convert_ids_to_tokens(ids)  # header tokens are single tokens


def test_nosystem_template_literal_and_errors(nosystem_tokenizer_dir: Path) -> None:
    tok = load(nosystem_tokenizer_dir)
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert tok.apply_chat_template(messages, tokenize=False) == (
        "<|begin_of_text|>[INST] Hi [/INST]Hello<|end_of_text|>"
    )
    with pytest.raises(TemplateError, match="System role not supported"):
        tok.apply_chat_template([{"role": "system", "content": "S"}, *messages], tokenize=False)
    with pytest.raises(TemplateError, match="alternate"):
        tok.apply_chat_template([messages[0], messages[0]], tokenize=False)


def test_notemplate_has_no_chat_template(notemplate_tokenizer_dir: Path) -> None:
    tok = load(notemplate_tokenizer_dir)
    assert not tok.chat_template
    assert not (notemplate_tokenizer_dir / "chat_template.jinja").exists()
    with pytest.raises(ValueError):
        tok.apply_chat_template([{"role": "user", "content": "U"}], tokenize=False)


def test_same_arguments_give_same_vocab(tiny_tokenizer_dir: Path, tmp_path: Path) -> None:
    again = build_tokenizer(tmp_path / "again", model_max_length=4096)
    assert load(again).get_vocab() == load(tiny_tokenizer_dir).get_vocab()
    assert bpe_model(again) == bpe_model(tiny_tokenizer_dir)
    assert load(again).model_max_length == 4096
    assert len(load(tiny_tokenizer_dir)) == 2048


def test_vocab_is_the_same_in_a_fresh_process(
    notemplate_tokenizer_dir: Path, tmp_path: Path
) -> None:
    """Hash-seed independence: a new interpreter trains the same merges."""
    code = ("import sys; from pathlib import Path; from clue_ray.demo.tokenizer import "
            "build_tokenizer; build_tokenizer(Path(sys.argv[1]), style='none')")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "fresh")], check=True,
                   env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "12345"},
                   timeout=120)
    assert bpe_model(tmp_path / "fresh") == bpe_model(notemplate_tokenizer_dir)


def test_unknown_style_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown tokenizer style"):
        build_tokenizer(tmp_path, style="chatml")


def test_training_text_covers_prompts_and_is_deterministic() -> None:
    texts = tokenizer_training_text(0)
    assert set(iter_strings(raw_prompts())) <= set(texts)
    assert texts == tokenizer_training_text(0) and texts != tokenizer_training_text(1)
