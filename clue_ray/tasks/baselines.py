"""The parameterless baseline's rules: fixed, deterministic answers, no model. Each task's
declaration names the one it uses."""

from __future__ import annotations

import re
from collections.abc import Sequence

from clue_ray.tasks.sample import Message

LEAD_WORDS = 30
MARKER = re.compile(r"^-{5,}[A-Z ]+-{5,}$", re.MULTILINE)
OPTION_A = re.compile(r"^A: (.*)$", re.MULTILINE)


def first_shot_answer(messages: Sequence[Message]) -> str:
    """The answer of the first few-shot example in the conversation."""
    shots = [m["content"] for m in messages if m["role"] == "assistant"]
    return shots[0] if shots else ""


def lead_words(messages: Sequence[Message]) -> str:
    """The first 30 words of the sample's own input text (between the prompt's marker lines):
    a "lead" summary."""
    user = messages[-1]["content"]
    parts = MARKER.split(user)
    body = parts[1] if len(parts) >= 3 else user
    return " ".join(body.split()[:LEAD_WORDS])


def option_a(messages: Sequence[Message]) -> str:
    """Always option A ("The correct answer is A: <text of A>")."""
    match = OPTION_A.search(messages[-1]["content"])
    return f"The correct answer is A: {match.group(1) if match else ''}".rstrip()
