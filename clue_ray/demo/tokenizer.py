"""A tiny byte-level BPE tokenizer trained on synthetic text, saved as a Hugging Face tokenizer
with a chat template, so the real `AutoTokenizer.from_pretrained` path loads it offline.

Like Llama tokenizers, `encode(text)` prepends exactly one BOS; offsets are not trimmed, so a
token's start offset includes its leading space."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clue_ray.demo.corpus import tokenizer_training_text

BOS, EOS, PAD = "<|begin_of_text|>", "<|end_of_text|>", "<|pad|>"
HEADER_START, HEADER_END, EOT = "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"
SPECIAL_TOKENS = (BOS, EOS, PAD, HEADER_START, HEADER_END, EOT)
# Written into tokenizer_config.json: loads as the generic fast tokenizer under transformers
# 4.x (the GPU environment) and 5.x alike.
TOKENIZER_CLASS = "PreTrainedTokenizerFast"

# Llama-3-like: BOS, then per message a header and the trimmed content, then the assistant
# header when a generation prompt is asked for.
LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
# Mistral-like: no system role; user/assistant must alternate, starting with the user.
NOSYSTEM_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if message['role'] == 'user' %}[INST] {{ message['content'] }} [/INST]"
    "{% else %}{{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}"
)
TEMPLATES: dict[str, str | None] = {
    "llama3": LLAMA3_TEMPLATE, "nosystem": NOSYSTEM_TEMPLATE, "none": None
}


def build_tokenizer(
    out_dir: Path,
    *,
    style: str = "llama3",
    vocab_size: int = 2048,
    seed: int = 0,
    model_max_length: int = 16384,
) -> Path:
    """Train and save the tokenizer; `style` picks the chat template (llama3|nosystem|none)."""
    from transformers import PreTrainedTokenizerFast

    if style not in TEMPLATES:
        raise ValueError(f"unknown tokenizer style '{style}' (known: {', '.join(TEMPLATES)})")
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(vocab_size=vocab_size, seed=seed), bos_token=BOS,
        eos_token=EOS, pad_token=PAD, model_max_length=model_max_length,
        clean_up_tokenization_spaces=False,
    )
    template = TEMPLATES[style]
    if template is not None:
        wrapped.chat_template = template
    return save_tokenizer(wrapped, Path(out_dir))


def train_bpe(*, vocab_size: int = 2048, seed: int = 0) -> Any:
    """A `tokenizers.Tokenizer`: byte-level BPE with a BOS-prepending post-processor."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS), show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(tokenizer_training_text(seed), trainer=trainer)
    bos_id = tokenizer.token_to_id(BOS)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single=f"{BOS} $A", pair=f"{BOS} $A $B:1",
                                      special_tokens=[(BOS, bos_id)]),
    ])
    return tokenizer


def save_tokenizer(tokenizer: Any, out_dir: Path) -> Path:
    """`save_pretrained`, then name the generic fast tokenizer class in tokenizer_config.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out_dir)
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = TOKENIZER_CLASS
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir
