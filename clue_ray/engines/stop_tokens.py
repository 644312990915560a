"""The token ids that end a model's turn, where every engine stops generating.

A model declares them in three places: its tokenizer's eos, its `generation_config.json`
(`eos_token_id`, an id or a list: Llama-3 instruct lists `<|end_of_text|>` and `<|eot_id|>`),
and its chat template, which closes every assistant turn with a special token (`<|eot_id|>`,
`</s>`). A folder without `generation_config.json` still stops at the template's end of turn.
"""

from __future__ import annotations

from typing import Any

from clue_ray.models import ModelSettings

PROBE = "clue-ray end-of-turn probe"


def end_of_turn_ids(
    tokenizer: Any, chat_template: str | None, generation_eos: int | list[int] | None
) -> tuple[int, ...]:
    """Sorted, distinct stop ids: tokenizer eos, generation-config eos, template end of turn."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    if isinstance(generation_eos, int):
        ids.add(generation_eos)
    elif generation_eos:
        ids.update(int(i) for i in generation_eos)
    closing = template_end_of_turn(tokenizer, chat_template)
    if closing is not None:
        ids.add(closing)
    return tuple(sorted(ids))


def template_end_of_turn(tokenizer: Any, chat_template: str | None) -> int | None:
    """The special token the chat template writes right after an assistant message."""
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": PROBE}]
    try:
        text = tokenizer.apply_chat_template(turns, chat_template=chat_template, tokenize=False)
    except Exception:  # a template that refuses this conversation declares nothing
        return None
    if PROBE not in text:
        return None
    special = set(tokenizer.all_special_ids) | {
        i for i, token in tokenizer.added_tokens_decoder.items() if token.special
    }
    for token in tokenizer.encode(text.split(PROBE, 1)[1], add_special_tokens=False):
        if token in special:
            return int(token)
        if tokenizer.decode([token]).strip():
            return None  # text follows the message before any special token
    return None


def generation_eos(source: str, revision: str) -> int | list[int] | None:
    """`eos_token_id` of the model's generation config, None when it has none."""
    from transformers import GenerationConfig

    try:
        return GenerationConfig.from_pretrained(source, revision=revision).eos_token_id
    except OSError:
        return None


def model_stop_ids(model: ModelSettings, tokenizer: Any) -> tuple[int, ...]:
    """The stop ids of a registry model (its own template, or the registry's for it)."""
    from clue_ray.conf_files import chat_template_text

    return end_of_turn_ids(tokenizer, chat_template_text(model.chat_template),
                           generation_eos(model.source, model.revision))
