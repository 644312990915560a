"""The unit of evaluation: one prompt of one task, with its reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Message = dict[str, str]


@dataclass(frozen=True)
class Sample:
    """One evaluated prompt. `reference` is the gold text (LongHealth: the correct letter)."""

    task: str
    sample_id: str
    messages: tuple[Message, ...]
    reference: str
    max_tokens: int
    subtask: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict in the prompts-file layout."""
        return {
            "sample_id": self.sample_id,
            "task": self.task,
            "subtask": self.subtask,
            "messages": [dict(m) for m in self.messages],
            "reference": self.reference,
            "max_tokens": self.max_tokens,
        }


@dataclass(frozen=True)
class Reference:
    """What scoring needs of one sample: its id, subtask and reference."""

    sample_id: str
    subtask: str | None
    reference: str
