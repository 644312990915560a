"""The parameterless baseline: a fixed, deterministic rule per task, no model.

- mednli, medisumcode: the answer of the first few-shot example in the conversation;
- meqsum, problem_summary, medisumqa: the first 30 words of the sample's own input text
  (the text between the prompt's marker lines), a "lead" summary;
- longhealth: always option A ("The correct answer is A: <text of A>").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from clue_ray.engines.base import Generation, PromptRow

LEAD_WORDS = 30
MARKER = re.compile(r"^-{5,}[A-Z ]+-{5,}$", re.MULTILINE)
OPTION_A = re.compile(r"^A: (.*)$", re.MULTILINE)


def baseline_answer(task: str, messages: Sequence[dict[str, str]]) -> str:
    """The rule's answer for one conversation."""
    if task in ("mednli", "medisumcode"):
        shots = [m["content"] for m in messages if m["role"] == "assistant"]
        return shots[0] if shots else ""
    user = messages[-1]["content"]
    if task == "longhealth":
        match = OPTION_A.search(user)
        return f"The correct answer is A: {match.group(1) if match else ''}".rstrip()
    parts = MARKER.split(user)
    body = parts[1] if len(parts) >= 3 else user
    return " ".join(body.split()[:LEAD_WORDS])


class BaselineEngine:
    """Applies the rule to every row."""

    def generate(self, rows: Sequence[PromptRow]) -> list[Generation]:
        """Answers in order; overflowing rows are answered too (the rule needs no context)."""
        results = []
        for row in rows:
            answer = baseline_answer(row.task, row.messages)
            results.append(Generation(answer, len(answer.split()), "stop", None, 0.0))
        return results
