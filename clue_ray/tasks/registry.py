"""The registry of tasks: each task module's one declaration, in CLUE's order, then the user's
own tasks a command added (tasks/user_tasks.py loads them; `added_tasks` adds them for the
command's duration, and each stage actor adds the ones it was handed)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from clue_ray.errors import ConfigError
from clue_ray.tasks import longhealth, medisumcode, medisumqa, mednli, meqsum, problem_summary
from clue_ray.tasks.definition import PromptTokenizer, TaskDefinition
from clue_ray.tasks.sample import Reference, Sample
from clue_ray.tasks.settings import LongHealthSettings

TASKS: dict[str, TaskDefinition] = {
    module.TASK.name: module.TASK
    for module in (mednli, meqsum, problem_summary, longhealth, medisumqa, medisumcode)
}
BUILT_IN: tuple[str, ...] = tuple(TASKS)
CLUE_LEVELS = (1, 2)


def task_info(name: str) -> TaskDefinition:
    """The task's declaration; an unknown name is a ConfigError listing the known tasks."""
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}' (known: {', '.join(TASKS)}; a task of your "
                          "own is added with user_tasks=[FILE,...])")
    return TASKS[name]


def register_tasks(definitions: Iterable[TaskDefinition]) -> None:
    """Add users' tasks (one of the same name is replaced); a CLUE task's name is refused."""
    for definition in definitions:
        if definition.name in BUILT_IN:
            raise ConfigError(f"user task '{definition.name}' has the name of a CLUE task")
        TASKS[definition.name] = definition


def unregister_tasks(names: Iterable[str]) -> None:
    """Remove users' tasks (CLUE's stay)."""
    for name in names:
        if name not in BUILT_IN:
            TASKS.pop(name, None)


@contextmanager
def added_tasks(definitions: Iterable[TaskDefinition]) -> Iterator[None]:
    """The users' tasks registered while the block runs (a command's duration), removed after
    (a later command in the same process sees CLUE's tasks alone)."""
    definitions = tuple(definitions)
    before = {d.name: TASKS[d.name] for d in definitions if d.name in TASKS}
    register_tasks(definitions)
    try:
        yield
    finally:
        unregister_tasks(d.name for d in definitions)
        TASKS.update(before)


def level_of() -> dict[str, int]:
    """Each registered task's level."""
    return {name: info.level for name, info in TASKS.items()}


def levels() -> tuple[int, ...]:
    """CLUE's levels, then any further level a registered user task opens, in order."""
    return tuple(sorted({*CLUE_LEVELS, *level_of().values()}))


def build_samples(
    name: str,
    data_dir: Path,
    tokenizer: PromptTokenizer | None = None,
    longhealth_settings: LongHealthSettings | None = None,
    max_context: int | None = None,
) -> list[Sample]:
    """Every evaluated sample of one task (a tokenizer-dependent task needs the tokenizer and
    the prompt settings)."""
    return task_info(name).samples(Path(data_dir), tokenizer, longhealth_settings, max_context)


def build_references(name: str, data_dir: Path) -> list[Reference]:
    """The references of every evaluated sample; needs no tokenizer."""
    return task_info(name).read_references(Path(data_dir))
