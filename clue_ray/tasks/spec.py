"""The project's copy of the CLUE prompt strings and per-task settings, as typed values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

PROMPTS_RESOURCE = "clue-prompts.json"


@dataclass(frozen=True)
class TaskSpec:
    """One task's entry of clue-prompts.json (prompt text is kept byte for byte)."""

    name: str
    level: int
    source_file: str
    source_records: int
    few_shot: int
    system: str
    user_template: str
    max_tokens: int
    template_fields: tuple[str, ...]
    metrics: tuple[str, ...]
    assistant_template: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@cache
def raw_prompts() -> dict[str, Any]:
    """The packaged clue-prompts.json, parsed."""
    text = resources.files("clue_ray.data").joinpath(PROMPTS_RESOURCE).read_text("utf-8")
    return json.loads(text)


@cache
def task_spec(name: str) -> TaskSpec:
    """The spec of one task; KeyError lists the known tasks."""
    data = raw_prompts()
    if name.startswith("_") or name not in data:
        known = ", ".join(task_names())
        raise KeyError(f"unknown task '{name}' (known: {known})")
    entry = dict(data[name])
    known_keys = {f for f in TaskSpec.__dataclass_fields__ if f not in ("name", "extra")}
    base = {k: entry.pop(k) for k in list(entry) if k in known_keys}
    base["template_fields"] = tuple(base["template_fields"])
    base["metrics"] = tuple(base["metrics"])
    return TaskSpec(name=name, extra=entry, **base)


def task_names() -> tuple[str, ...]:
    """Task keys in the order of clue-prompts.json."""
    return tuple(k for k in raw_prompts() if not k.startswith("_"))
