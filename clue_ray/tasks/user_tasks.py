"""Users' own tasks, added without editing clue_ray/: a YAML file in the schema CLUE's own file
tasks are declared in (tasks/task_yaml.py), or a Python file defining `TASK`, a
TaskDefinition with its `own_spec`. Each is checked as it loads; every fault is one
ConfigError naming the file. The data file's own checks (it exists, holds the templates'
columns) come when its records are read, as for CLUE's tasks."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from clue_ray.errors import ConfigError
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import BUILT_IN, TaskSet
from clue_ray.tasks.task_yaml import check_declaration, from_yaml

MODULE_PREFIX = "clue_ray_user_task_"  # the name a task's Python file is imported under


def load_user_tasks(paths: Sequence[str]) -> tuple[TaskDefinition, ...]:
    """The declarations of the named task files (.yaml/.yml or .py), checked, in order."""
    definitions: list[TaskDefinition] = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"user_tasks: {path}: no such file")
        if path.suffix in (".yaml", ".yml"):
            definition = from_yaml(path)
        elif path.suffix == ".py":
            definition = from_module(path)
        else:
            raise ConfigError(f"user_tasks: {path}: expected a .yaml or .py file")
        check_definition(definition, path)
        if definition.name in {d.name for d in definitions}:
            raise ConfigError(f"{path}: task '{definition.name}' is declared twice in user_tasks")
        definitions.append(definition)
    return tuple(definitions)


def task_set(paths: Sequence[str]) -> TaskSet:
    """CLUE's tasks and those of a command's `user_tasks` files, loaded and checked."""
    return TaskSet(load_user_tasks(paths))


def check_definition(task: TaskDefinition, path: Path) -> None:
    """What every user task must satisfy, whichever form declares it: a declaration's checks
    (tasks/task_yaml.py), and a name that is not a CLUE task's."""
    if task.name in BUILT_IN:
        raise ConfigError(f"{path}: name '{task.name}' is a CLUE task's; choose another")
    check_declaration(task, path)


def from_module(path: Path) -> TaskDefinition:
    """`TASK` of a Python file, imported under a name of its own (MODULE_PREFIX...); a run
    ships the module's functions to its workers by value (pipeline/user_modules.py)."""
    module = _import(path)
    task = getattr(module, "TASK", None)
    if not isinstance(task, TaskDefinition):
        raise ConfigError(f"{path}: defines no TASK = TaskDefinition(...)")
    if task.own_spec is None:
        raise ConfigError(f"{path}: TASK needs own_spec=TaskSpec(...) (its prompt strings, "
                          "level, file, few-shot k, max_tokens, metrics)")
    return task


def _import(path: Path) -> ModuleType:
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    stem = re.sub(r"\W", "_", path.stem)
    name = f"{MODULE_PREFIX}{stem}_{digest}"
    loader_spec = importlib.util.spec_from_file_location(name, resolved)
    if loader_spec is None or loader_spec.loader is None:
        raise ConfigError(f"{path}: not importable as a Python module")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as err:  # the user's code: any error is reported as one line
        sys.modules.pop(name, None)
        raise ConfigError(f"{path}: importing it failed: {type(err).__name__}: {err}") from None
    return module

