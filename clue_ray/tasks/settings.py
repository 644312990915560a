"""LongHealth's options (its block of `task_options`, conf/task_options/). Values come from
conf/ (no defaults live here); checked when the block is parsed (tasks/options.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

STRICT = ConfigDict(extra="forbid", strict=True)


@dataclass(config=STRICT)
class LongHealthSettings:
    """LongHealth prompt building (`task_options.longhealth`)."""

    seed: Annotated[int, Field(description="the run seed mixed into every per-sample generator")]
    fit_to_context: Annotated[bool, Field(description=(
        "cap each subtask's budget at context minus reserve (not comparable with the reference)"))]
    reserve_template_tokens: Annotated[bool, Field(description=(
        "task2/task3 (and fitted task1) also reserve the chat template's own tokens"))]
    max_reserve: Annotated[int, Field(ge=0, description=(
        "upper bound of the whole answer reserve, in tokens"))]

    def deviation(self) -> str | None:
        """Why scores made with these options are not comparable with the reference."""
        if self.fit_to_context:
            return "fit_to_context=true, its scores are not comparable with the reference"
        return None
