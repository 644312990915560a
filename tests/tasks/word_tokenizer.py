"""A whitespace "tokenizer" for hand-worked token arithmetic: one token per word, and one
BOS counted by `count` (like a Llama tokenizer's default encode)."""

from __future__ import annotations

import re
from collections.abc import Callable

WORD = re.compile(r"\S+")


class WordTokenizer:
    """count(text) = words + 1 (BOS); token_starts = where each word begins."""

    def __init__(self, template_tokens: int = 0) -> None:
        self.count: Callable[[str], int] = lambda text: len(WORD.findall(text)) + 1
        self._template_tokens = template_tokens

    def token_starts(self, text: str) -> list[int]:
        return [m.start() for m in WORD.finditer(text)]

    def template_overhead(self) -> int:
        return self._template_tokens
