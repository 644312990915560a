"""Tiny random-weight causal LMs (Llama architecture) saved with their tokenizer, so the real
`AutoModelForCausalLM.from_pretrained` / `AutoTokenizer.from_pretrained` paths load them
offline. Weights are seeded; generation defaults to greedy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clue_ray.demo.tokenizer import save_tokenizer

# A head size every vLLM attention backend supports (FlashAttention, FlashInfer, ...).
HEAD_DIM = 64


def build_causal_lm(
    out_dir: Path,
    tokenizer_dir: Path,
    *,
    seed: int,
    hidden_size: int = 64,
    num_layers: int = 2,
    max_position_embeddings: int = 16384,
) -> Path:
    """A "general" model: seeded random weights from a config sized to the tokenizer
    (grouped-query attention with one KV head, head size HEAD_DIM, untied LM head)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    heads = max(1, hidden_size // 32)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers, num_attention_heads=heads, num_key_value_heads=1,
        head_dim=HEAD_DIM,
        max_position_embeddings=max_position_embeddings, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    return _save(model, tokenizer, Path(out_dir))


def derive_model(base_dir: Path, out_dir: Path, *, seed: int, noise: float = 0.02) -> Path:
    """A "biomedical" model derived from a base: same architecture and tokenizer, weights =
    the base's plus seeded gaussian noise of standard deviation `noise`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base_dir)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            noise_tensor = torch.randn(parameter.shape, generator=generator) * noise
            parameter.add_(noise_tensor.to(parameter.dtype))
    return _save(model, AutoTokenizer.from_pretrained(base_dir), Path(out_dir))


def _save(model: Any, tokenizer: Any, out_dir: Path) -> Path:
    """Model (greedy generation config) and tokenizer into one directory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model.generation_config.do_sample = False
    model.save_pretrained(out_dir)
    return save_tokenizer(tokenizer, out_dir)
