"""A tiny Llama model over a real Llama-3 vocabulary whose greedy answer is fixed: "Hello",
" world", then <|eot_id|>, then (if generation does not stop there) "Hello" again.

Two attention heads (so that tensor parallel 2 can split them). Attention and MLP outputs are
zero, so each next token depends only on the current one: the
embeddings put "Hello", " world" and every other token on three different axes, and the LM
head maps those axes to " world", <|eot_id|> and "Hello". Built at test time from the shared
tokenizer files; nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

EOT = "<|eot_id|>"
END_OF_TEXT = "<|end_of_text|>"
ANSWER = ("Hello", " world")


def build_eot_model(out_dir: Path, tokenizer_dir: Path, *, generation_config: bool) -> Path:
    """Save the rigged model with the tokenizer; `generation_config` writes the Llama-3
    instruct `generation_config.json` (eos [<|end_of_text|>, <|eot_id|>])."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    hello, world = (tokenizer.encode(t, add_special_tokens=False) for t in ANSWER)
    assert len(hello) == len(world) == 1, "each answer word must be one token"
    eot = tokenizer.convert_tokens_to_ids(EOT)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, head_dim=64, max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False, dtype="float32",
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        for norm in (model.model.norm, *(m for layer in model.model.layers
                                         for m in (layer.input_layernorm,
                                                   layer.post_attention_layernorm))):
            norm.weight.fill_(1.0)
        embed, head = model.model.embed_tokens.weight, model.lm_head.weight
        embed[:, 0] = 1.0  # every token: axis 0 -> "Hello"
        embed[hello[0], 0], embed[hello[0], 1] = 0.0, 1.0  # "Hello" -> " world"
        embed[world[0], 0], embed[world[0], 2] = 0.0, 1.0  # " world" -> <|eot_id|>
        head[hello[0], 0] = head[world[0], 1] = head[eot, 2] = 10.0
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    generation = out_dir / "generation_config.json"
    if generation_config:
        eos = [tokenizer.convert_tokens_to_ids(END_OF_TEXT), eot]
        generation.write_text(json.dumps({"bos_token_id": tokenizer.bos_token_id,
                                          "eos_token_id": eos, "do_sample": False}))
    else:
        generation.unlink(missing_ok=True)
    return out_dir
