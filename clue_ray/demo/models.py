"""Tiny random-weight causal LMs (Llama architecture) saved with their tokenizer, so the real
`AutoModelForCausalLM.from_pretrained` path loads them offline."""

from __future__ import annotations

from pathlib import Path


def build_causal_lm(
    out_dir: Path,
    tokenizer_dir: Path,
    *,
    seed: int,
    hidden_size: int = 64,
    num_layers: int = 2,
    max_position_embeddings: int = 16384,
) -> Path:
    """A "general" model: seeded random weights from a config."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers, num_attention_heads=4, num_key_value_heads=4,
        max_position_embeddings=max_position_embeddings, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    return _save(model, tokenizer, out_dir)


def derive_model(base_dir: Path, out_dir: Path, *, seed: int, noise: float = 0.02) -> Path:
    """A "biomedical" model derived from a base: the base's weights plus seeded noise."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base_dir)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * noise)
    return _save(model, AutoTokenizer.from_pretrained(base_dir), out_dir)


def _save(model, tokenizer, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.generation_config.do_sample = False
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
