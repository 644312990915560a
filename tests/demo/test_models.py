"""The tiny demo causal LMs: offline loading, greedy generation, seeding, derived models."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from clue_ray.demo.models import build_causal_lm, derive_model

PROMPT = "Patient reports fever and chest pain."


def greedy(directory: Path, new_tokens: int = 4) -> list[int]:
    model = AutoModelForCausalLM.from_pretrained(directory)
    tok = AutoTokenizer.from_pretrained(directory)
    inputs = tok(PROMPT, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + new_tokens
    return out[0].tolist()


def weights(directory: Path) -> dict[str, torch.Tensor]:
    return AutoModelForCausalLM.from_pretrained(directory).state_dict()


def test_tiny_lm_loads_with_matching_config(tiny_lm_dir: Path) -> None:
    model = AutoModelForCausalLM.from_pretrained(tiny_lm_dir)
    tok = AutoTokenizer.from_pretrained(tiny_lm_dir)
    config = model.config
    assert type(model).__name__ == "LlamaForCausalLM"
    assert config.vocab_size == len(tok) and config.max_position_embeddings == 16384
    assert (config.bos_token_id, config.eos_token_id, config.pad_token_id) == (
        tok.bos_token_id, tok.eos_token_id, tok.pad_token_id)
    assert tok.encode("fever").count(tok.bos_token_id) == 1 and tok.chat_template
    assert json.loads((tiny_lm_dir / "generation_config.json").read_text())["do_sample"] is False


def test_greedy_generation_is_deterministic(tiny_lm_dir: Path) -> None:
    assert greedy(tiny_lm_dir) == greedy(tiny_lm_dir)


def test_build_is_seeded(tiny_tokenizer_dir: Path, tiny_lm_dir: Path, tmp_path: Path) -> None:
    same = build_causal_lm(tmp_path / "same", tiny_tokenizer_dir, seed=0)
    other = build_causal_lm(tmp_path / "other", tiny_tokenizer_dir, seed=1)
    base = weights(tiny_lm_dir)
    assert all(torch.equal(base[k], v) for k, v in weights(same).items())
    assert not all(torch.equal(base[k], v) for k, v in weights(other).items())


def test_derived_model_is_base_plus_seeded_noise(tiny_lm_dir: Path, tmp_path: Path) -> None:
    noise = 0.02
    derived = derive_model(tiny_lm_dir, tmp_path / "bio", seed=3, noise=noise)
    again = derive_model(tiny_lm_dir, tmp_path / "bio-again", seed=3, noise=noise)
    base, bio = weights(tiny_lm_dir), weights(derived)
    assert bio.keys() == base.keys()
    assert all(torch.equal(bio[k], v) for k, v in weights(again).items())
    diffs = torch.cat([(bio[k] - base[k]).flatten() for k in base])
    assert 0.5 * noise < diffs.std().item() < 2 * noise
    assert (tmp_path / "bio" / "tokenizer.json").read_bytes() == (
        tiny_lm_dir / "tokenizer.json").read_bytes()
    base_config = json.loads((tiny_lm_dir / "config.json").read_text())
    assert json.loads((derived / "config.json").read_text()) == base_config
    assert len(greedy(derived)) == len(greedy(tiny_lm_dir))
