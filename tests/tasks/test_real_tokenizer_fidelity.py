"""Fidelity with the real tokenizers (../shared/tokenizers) and the real MeQSum workbook: the
registry's Llama-2 template writes what transformers' 2024 default template wrote for
tokenizers without one, on every MeQSum prompt; a chat template can be named on the command
line; LongHealth's context never comes from a tokenizer's sentinel limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clue_ray.cli import main
from clue_ray.conf_files import chat_template_text
from clue_ray.tasks import meqsum
from clue_ray.tasks.render import ChatRenderer, load_tokenizer

SHARED = Path(__file__).resolve().parents[3] / "shared"
LLAMA2 = SHARED / "tokenizers" / "llama2"
MEQSUM_DIR = SHARED / "data" / "meqsum"
needs_shared = pytest.mark.skipif(
    not (LLAMA2.is_dir() and MEQSUM_DIR.is_dir()),
    reason="../shared/tokenizers/llama2 or ../shared/data/meqsum absent")


def legacy_llama2_text(messages: list[dict[str, str]], bos: str, eos: str) -> str:
    """The rule of transformers' default Llama template (2024, default system prompt off),
    restated: the system text opens the first turn inside <<SYS>> markers, and each turn's
    whole content is stripped; user turns are `<s>[INST] ... [/INST]`, assistant turns
    ` ... </s>`."""
    system = messages[0]["content"] if messages[0]["role"] == "system" else None
    turns = messages[1:] if system is not None else messages
    out = []
    for index, turn in enumerate(turns):
        text = turn["content"]
        if index == 0 and system is not None:
            text = f"<<SYS>>\n{system}\n<</SYS>>\n\n{text}"
        if turn["role"] == "user":
            out.append(f"{bos}[INST] {text.strip()} [/INST]")
        else:
            out.append(f" {text.strip()} {eos}")
    return "".join(out)


@needs_shared
def test_llama2_template_equals_the_legacy_default_on_all_real_meqsum_prompts():
    tokenizer = load_tokenizer(LLAMA2)
    template = chat_template_text("llama2")
    renderer = ChatRenderer(tokenizer, chat_template=template)
    samples = meqsum.TASK.samples(MEQSUM_DIR)
    assert len(samples) == 997
    for sample in samples:
        expected = legacy_llama2_text(list(sample.messages), tokenizer.bos_token,
                                      tokenizer.eos_token)
        assert renderer.render(sample.messages).text == expected, sample.sample_id
    assert any(turn["content"] != turn["content"].strip()
               for s in samples for turn in s.messages)  # the strip matters on this data


@needs_shared
def test_chat_template_on_the_command_line(tmp_path, capsys):
    repo_template = Path(__file__).resolve().parents[2] / "conf" / "chat_templates"
    for given in ("llama2", str(repo_template / "llama2.jinja")):
        out = tmp_path / f"{len(given)}.jsonl"
        assert main(["prompts", "task=meqsum", f"data_dir={MEQSUM_DIR}", f"out={out}",
                     f"tokenizer={LLAMA2}", f"chat_template={given}"]) == 0
        first = json.loads(out.read_text().splitlines()[0])
        assert first["prompt"].startswith("<s>[INST] <<SYS>>\n")
    assert main(["prompts", "task=meqsum", f"data_dir={MEQSUM_DIR}", f"out={out}",
                 f"tokenizer={LLAMA2}", "chat_template=nope"]) == 2
    assert "unknown chat template 'nope'" in capsys.readouterr().err


@needs_shared
def test_llama_tokenizers_declare_no_context():
    for name in ("llama2", "llama3", "llama3.1"):
        renderer = ChatRenderer(load_tokenizer(SHARED / "tokenizers" / name),
                                chat_template=chat_template_text("llama2"))
        assert renderer.max_context is None  # 1e30: a sentinel, not a context length
