"""The registry of tasks: each task module's one declaration, in CLUE's order."""

from __future__ import annotations

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


def task_info(name: str) -> TaskDefinition:
    """The task's declaration; an unknown name is a ConfigError listing the known tasks."""
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}' (known: {', '.join(TASKS)})")
    return TASKS[name]


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
