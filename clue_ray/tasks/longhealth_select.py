"""LongHealth document selection under a token budget (the protocol's selection rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class TokenCounter(Protocol):
    """What selection needs from a tokenizer."""

    def count(self, text: str) -> int:
        """Tokens in the text, with the tokenizer's default special tokens."""
        ...

    def token_starts(self, text: str) -> list[int]:
        """Character offset where each token begins, without special tokens."""
        ...


@dataclass(frozen=True)
class Selection:
    """Selected documents in selection order, and whether the last one was cut."""

    documents: tuple[str, ...]
    cut: bool


def cut_prefix(counter: TokenCounter, document: str, n_tokens: int) -> str:
    """The exact character prefix holding the first n tokens: the text up to where token n+1
    begins; the whole document when it has no token n+1."""
    starts = counter.token_starts(document)
    return document[: starts[n_tokens]] if n_tokens < len(starts) else document


def select_documents(
    counter: TokenCounter,
    answer_docs: Sequence[str],
    other_docs: Sequence[str],
    start_total: int,
    budget: int,
    separator_probe: str,
) -> Selection:
    """Fill the budget with answer documents first, then the others.

    A document fits when `total + count(doc) <= budget`; it then adds its count plus the
    separator probe's count (so total may overshoot by a separator). The first that does not
    fit is cut to `budget - total` tokens (kept only when that is positive) and ends selection;
    other documents are considered only when no answer document was cut.
    """
    separator = counter.count(separator_probe)
    total = start_total
    selected: list[str] = []
    for group in (answer_docs, other_docs):
        for document in group:
            size = counter.count(document)
            if total + size <= budget:
                selected.append(document)
                total += size + separator
                continue
            room = budget - total
            if room > 0:
                selected.append(cut_prefix(counter, document, room))
            return Selection(documents=tuple(selected), cut=True)
    return Selection(documents=tuple(selected), cut=False)
