"""Rendering a conversation through a model's chat template, and counting its tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from clue_ray.errors import ConfigError
from clue_ray.tasks.sample import Message

# A tokenizer that declares a larger limit than this declares none (HF's "very large int").
UNDECLARED_LIMIT = 10_000_000
SYSTEM_FOLD_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class RenderedPrompt:
    """The exact model input: text (with exactly one BOS where the model uses one), its token
    ids (the text tokenised without adding special tokens), and whether the system message had
    to be folded into the first user turn."""

    text: str
    token_ids: tuple[int, ...]
    system_folded: bool

    @property
    def prompt_tokens(self) -> int:
        """How many tokens the model receives."""
        return len(self.token_ids)


def load_tokenizer(name_or_path: str | Path, revision: str | None = None) -> Any:
    """A Hugging Face tokenizer by hub id or local directory (offline runs need a local one)."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(name_or_path), revision=revision)
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"cannot load tokenizer '{name_or_path}': {str(err).splitlines()[0]} "
            "(pass tokenizer=DIR with a local tokenizer directory)"
        ) from None


class ChatRenderer:
    """Counts tokens the protocol's way and renders conversations with the chat template."""

    def __init__(
        self, tokenizer: Any, chat_template: str | None = None, system_role: bool = True
    ) -> None:
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        self.system_role = system_role
        if chat_template is None and not getattr(tokenizer, "chat_template", None):
            raise ConfigError(
                f"tokenizer '{tokenizer.name_or_path}' has no chat template "
                "(give the model a chat_template file)"
            )
        self.count = lru_cache(maxsize=65536)(self._count)
        self.token_starts = lru_cache(maxsize=4096)(self._token_starts)
        probe = tokenizer.encode("a")
        bos_id = tokenizer.bos_token_id
        self._bos = tokenizer.bos_token if bos_id is not None and probe[:1] == [bos_id] else None

    @property
    def max_context(self) -> int | None:
        """The tokenizer's declared maximum length, if it declares one."""
        limit = getattr(self.tokenizer, "model_max_length", None)
        return int(limit) if limit and limit < UNDECLARED_LIMIT else None

    def _count(self, text: str) -> int:
        """`len(tokenizer.encode(text))` with the tokenizer's default special tokens."""
        return len(self.tokenizer.encode(text))

    def _token_starts(self, text: str) -> list[int]:
        """Character offset where each token begins (no special tokens)."""
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [start for start, _ in encoded["offset_mapping"]]

    def render(self, messages: Sequence[Message]) -> RenderedPrompt:
        """Render with add_generation_prompt=True; fold the system turn where unsupported."""
        folded = False
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        text = self._apply(messages) if self.system_role or system is None else None
        if system is not None and (text is None or system.strip() not in text):
            messages = fold_system(messages)
            folded = True
            text = self._apply(messages)
        if text is None:
            raise ConfigError(
                f"the chat template of '{self.tokenizer.name_or_path}' rejects the conversation"
            )
        text = self._one_bos(text)
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        return RenderedPrompt(text=text, token_ids=tuple(ids), system_folded=folded)

    def template_overhead(self) -> int:
        """Tokens the template itself adds around an empty system + user conversation."""
        empty = [{"role": "system", "content": ""}, {"role": "user", "content": ""}]
        return self.render(empty).prompt_tokens

    def _apply(self, messages: Sequence[Message]) -> str | None:
        try:
            return self.tokenizer.apply_chat_template(
                [dict(m) for m in messages],
                chat_template=self.chat_template,
                tokenize=False,
                add_generation_prompt=True,
            )
        except Exception:  # jinja raise_exception / TemplateError: the template refuses
            return None

    def _one_bos(self, text: str) -> str:
        if self._bos is None:
            return text
        while text.startswith(self._bos + self._bos):
            text = text[len(self._bos) :]
        return text if text.startswith(self._bos) else self._bos + text


def fold_system(messages: Sequence[Message]) -> list[Message]:
    """Prepend the system text to the first user turn, separated by a blank line."""
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    for message in rest:
        if message["role"] == "user":
            message["content"] = system + SYSTEM_FOLD_SEPARATOR + message["content"]
            return rest
    return [{"role": "user", "content": system}, *rest]
