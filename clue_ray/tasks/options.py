"""Tasks' own options: `task_options` maps a task's name to its block, which the task parses
and checks against the options type its declaration names (`options_type`, a pydantic
dataclass). Every fault is one ConfigError naming the override."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from clue_ray.errors import ConfigError
from clue_ray.tasks.definition import TaskDefinition

KEY = "task_options"


def parse_block(task: TaskDefinition, block: object) -> Any:
    """One task's options from its block (a mapping of the options type's fields)."""
    if task.options_type is None:
        raise ConfigError(f"{KEY}.{task.name}: task {task.name} takes no options")
    if not isinstance(block, Mapping):
        raise ConfigError(f"{KEY}.{task.name}: missing (conf/task_options/default.yaml gives "
                          "each task's options)")
    try:
        return task.options_type(**block)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{KEY}.{task.name}.{where}: {first['msg']}") from None
    except TypeError as err:
        raise ConfigError(f"{KEY}.{task.name}: {err}") from None


def parse_options(raw: Mapping[str, object], tasks: Mapping[str, TaskDefinition],
                  selected: Collection[str]) -> dict[str, Any]:
    """The options of the selected tasks that take options (name -> options); a block that
    names no known task is refused, so a misspelt key is never silently ignored."""
    unknown = [name for name in raw if name not in tasks]
    if unknown:
        raise ConfigError(f"{KEY}.{unknown[0]}: no task of that name (known: "
                          f"{', '.join(tasks)})")
    return {name: parse_block(tasks[name], raw.get(name)) for name in selected
            if tasks[name].options_type is not None}
