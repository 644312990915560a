"""The tasks a command knows: CLUE's six, each module's one declaration in CLUE's order, then
the users' own tasks the command loaded (tasks/user_tasks.py). A TaskSet is an immutable
value handed to whatever needs tasks (the plan, every stage actor, scoring, the report); no
table is changed at run time, so a process knows exactly the tasks it was handed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from clue_ray.errors import ConfigError
from clue_ray.tasks import longhealth, medisumcode, medisumqa, mednli, meqsum, problem_summary
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.sample import Reference

CLUE_DEFINITIONS: tuple[TaskDefinition, ...] = tuple(
    module.TASK for module in (mednli, meqsum, problem_summary, longhealth, medisumqa,
                               medisumcode))
BUILT_IN: tuple[str, ...] = tuple(d.name for d in CLUE_DEFINITIONS)
CLUE_LEVELS = (1, 2)


class TaskSet(Mapping[str, TaskDefinition]):
    """CLUE's tasks, then users' tasks (a user task may not take a CLUE task's name)."""

    def __init__(self, user_tasks: Iterable[TaskDefinition] = ()) -> None:
        self._tasks = {d.name: d for d in CLUE_DEFINITIONS}
        for definition in user_tasks:
            if definition.name in BUILT_IN:
                raise ConfigError(f"user task '{definition.name}' has the name of a CLUE task")
            self._tasks[definition.name] = definition

    def __getitem__(self, name: str) -> TaskDefinition:
        """The task's declaration; an unknown name is a ConfigError listing the known tasks."""
        if name not in self._tasks:
            raise ConfigError(f"unknown task '{name}' (known: {', '.join(self._tasks)}; a task "
                              "of your own is added with user_tasks=[FILE,...])")
        return self._tasks[name]

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    # ignored: one signature for Mapping.get's overloads (Mapping's own get would not return
    # the default: __getitem__ raises ConfigError, not KeyError)
    def get(self, name: str, default: TaskDefinition | None = None  # type: ignore[override]
            ) -> TaskDefinition | None:
        """The task's declaration, or `default` for an unknown name."""
        return self._tasks.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __hash__(self) -> int:  # immutable: a dataclass may hold one as a default
        return hash(tuple(self._tasks.items()))

    def __repr__(self) -> str:
        return f"TaskSet({', '.join(self._tasks)})"

    @property
    def user_tasks(self) -> tuple[TaskDefinition, ...]:
        """The users' tasks of the set, in the order they were given."""
        return tuple(d for name, d in self._tasks.items() if name not in BUILT_IN)

    def pick(self, names: Iterable[str]) -> tuple[TaskDefinition, ...]:
        """The declarations of these tasks, in this order (an unknown name: ConfigError)."""
        return tuple(self[name] for name in names)

    def level_of(self) -> dict[str, int]:
        """Each task's level."""
        return {name: info.level for name, info in self._tasks.items()}

    def levels(self) -> tuple[int, ...]:
        """CLUE's levels, then any further level a user's task opens, in order."""
        return tuple(sorted({*CLUE_LEVELS, *self.level_of().values()}))

    def references(self, name: str, data_dir: Path) -> list[Reference]:
        """The references of every evaluated sample of a task; needs no tokenizer."""
        return self[name].read_references(Path(data_dir))


CLUE = TaskSet()  # CLUE's six tasks alone
