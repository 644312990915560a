"""The engine's side of the row contract (`clue_ray.rows`): what it reads and what it adds.

Reads: `sample_id, task, prompt, prompt_tokens, max_tokens, seed, context_overflow` (and
`messages`, for the rule-based baseline).
Adds: `prediction, output_tokens, finish_reason, engine_error, latency_s, engine_prompt_tokens`
(the prompt tokens the engine reports it received; None where it does not say).
A row that fails carries its error in `engine_error` (prediction None) and the batch goes on;
a row flagged `context_overflow` is not sent to the model: its prediction is "".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

FINISH_OVERFLOW = "context_overflow"


@dataclass(frozen=True)
class PromptRow:
    """The engine's view of one row."""

    sample_id: str
    task: str
    prompt: str
    prompt_tokens: int
    max_tokens: int
    seed: int | None
    context_overflow: bool = False
    messages: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Generation:
    """One completion, or the error that prevented it."""

    prediction: str | None
    output_tokens: int
    finish_reason: str
    engine_error: str | None
    latency_s: float
    engine_prompt_tokens: int | None = None

    @classmethod
    def failed(cls, error: str, latency_s: float = 0.0) -> Generation:
        """A row-level failure kept as data."""
        return cls(None, 0, "error", error, latency_s)

    @classmethod
    def overflow(cls) -> Generation:
        """A prompt longer than the model's context: not run, scored as an empty answer."""
        return cls("", 0, FINISH_OVERFLOW, None, 0.0)


def row_seed(seed: int | None, sample_id: str) -> int:
    """A per-row sampling seed from the pass seed and the sample id (stable everywhere)."""
    digest = hashlib.sha256(f"{seed}/{sample_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class Engine(Protocol):
    """Generates one completion per row, in order."""

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Completions for the rows (same length, same order)."""
        ...
