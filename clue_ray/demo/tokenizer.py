"""A tiny byte-level BPE tokenizer trained on fixture text, saved as a Hugging Face tokenizer
with a chat template, so the real `AutoTokenizer.from_pretrained` path loads it offline."""

from __future__ import annotations

from pathlib import Path

from clue_ray.demo.corpus import tokenizer_training_text

BOS, EOS, PAD = "<|begin_of_text|>", "<|end_of_text|>", "<|pad|>"
HEADER_START, HEADER_END, EOT = "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"
SPECIAL_TOKENS = (BOS, EOS, PAD, HEADER_START, HEADER_END, EOT)

# Llama-3-like: BOS, then a header and content per message, then the assistant header.
LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{{ message['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
# Mistral-like: no system role; user/assistant must alternate.
NOSYSTEM_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"
    "{% if message['role'] == 'user' %}[INST] {{ message['content'] }} [/INST]"
    "{% else %}{{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}"
)
TEMPLATES = {"llama3": LLAMA3_TEMPLATE, "nosystem": NOSYSTEM_TEMPLATE, "none": None}


def build_tokenizer(
    out_dir: Path,
    *,
    style: str = "llama3",
    vocab_size: int = 2048,
    seed: int = 0,
    model_max_length: int = 16384,
) -> Path:
    """Train and save the tokenizer; `style` picks the chat template (llama3|nosystem|none)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    if style not in TEMPLATES:
        raise ValueError(f"unknown tokenizer style '{style}' (known: {', '.join(TEMPLATES)})")
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
        processors.TemplateProcessing(single=f"{BOS} $A", pair=f"{BOS} $A $B",
                                      special_tokens=[(BOS, bos_id)]),
    ])
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=BOS, eos_token=EOS, pad_token=PAD,
        model_max_length=model_max_length, clean_up_tokenization_spaces=False,
    )
    if TEMPLATES[style] is not None:
        wrapped.chat_template = TEMPLATES[style]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wrapped.save_pretrained(out_dir)
    return out_dir
