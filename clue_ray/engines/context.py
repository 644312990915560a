"""A model's context length: what the prompt rule and the engines' `max_model_len` use."""

from __future__ import annotations

from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.tasks.render import ChatRenderer

CONTEXT_KEYS = ("max_position_embeddings", "max_seq_len", "seq_length", "n_positions")


def context_length(model: ModelSettings, renderer: ChatRenderer | None) -> int:
    """The model's context: the config override, else the model's own config, else the
    tokenizer's declared limit."""
    if model.max_context:
        return model.max_context
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(model.source, revision=model.revision)
        for key in CONTEXT_KEYS:
            value = getattr(config, key, None) or getattr(
                getattr(config, "text_config", None), key, None
            )
            if value:
                return int(value)
    except (OSError, ValueError):
        pass
    if renderer is not None and renderer.max_context:
        return renderer.max_context
    raise ConfigError(f"cannot tell the context length of model '{model.name}': "
                      f"set max_context in conf/model/{model.name}.yaml")
