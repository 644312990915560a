"""LongHealth's options (its block of `task_options`, conf/task_options/). Values come from
conf/ (no defaults live here); checked when the block is parsed (tasks/options.py)."""

from __future__ import annotations

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

STRICT = ConfigDict(extra="forbid", strict=True)


@dataclass(config=STRICT)
class LongHealthSettings:
    """LongHealth prompt building.

    seed: the run seed mixed into every per-sample generator.
    fit_to_context: cap every subtask's budget at the model context minus the answer reserve
      (makes short-context models runnable; scores are then not comparable to the reference).
    reserve_template_tokens: task2/task3 (and fitted task1) also reserve the chat template's own
      tokens, besides max_tokens, so that a rendered prompt plus its answer fits the context.
    max_reserve: upper bound of the whole answer reserve, in tokens.
    """

    seed: int
    fit_to_context: bool
    reserve_template_tokens: bool
    max_reserve: int

    def deviation(self) -> str | None:
        """Why scores made with these options are not comparable with the reference."""
        if self.fit_to_context:
            return "fit_to_context=true, its scores are not comparable with the reference"
        return None
