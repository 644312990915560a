"""The six CLUE tasks: level, headline metric, expected counts, and how to build samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clue_ray.errors import ConfigError
from clue_ray.tasks import longhealth, medisumcode, medisumqa, mednli, meqsum, problem_summary
from clue_ray.tasks.fewshot import FileTask
from clue_ray.tasks.sample import Reference, Sample
from clue_ray.tasks.settings import LongHealthSettings
from clue_ray.tasks.spec import task_spec

PHYSIONET = "PhysioNet, credentialed access and a signed data use agreement"


@dataclass(frozen=True)
class TaskInfo:
    """Facts about one task (prompt strings live in clue-prompts.json)."""

    name: str
    level: int
    headline_metric: str
    credentialed: bool
    expected_samples: int
    obtain_from: str

    @property
    def source_file(self) -> str:
        """The official file name expected under data_dir."""
        return task_spec(self.name).source_file


TASKS: dict[str, TaskInfo] = {
    info.name: info
    for info in (
        TaskInfo("mednli", 1, "accuracy", True, 1419, f"MedNLI 1.0.0 on {PHYSIONET}"),
        TaskInfo("meqsum", 1, "rougeL", False, 997,
                 "github.com/abachaa/MeQSum (public, CC BY 4.0)"),
        TaskInfo("problem_summary", 1, "rougeL", True, 234,
                 f"BioNLP 2023 Shared Task 1A on {PHYSIONET}"),
        TaskInfo("longhealth", 2, "accuracy", False, 6000,
                 "github.com/kbressem/LongHealth (public, Apache-2.0)"),
        TaskInfo("medisumqa", 2, "rougeL", True, 452, f"MeDiSumQA on {PHYSIONET}"),
        TaskInfo("medisumcode", 2, "icd_em_f1", True, 499, f"MeDiSumCode on {PHYSIONET}"),
    )
}

FILE_TASKS: dict[str, FileTask] = {
    module.TASK.name: module.TASK
    for module in (mednli, meqsum, problem_summary, medisumqa, medisumcode)
}


def task_info(name: str) -> TaskInfo:
    """The registry entry; an unknown name is a ConfigError listing the known tasks."""
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}' (known: {', '.join(TASKS)})")
    return TASKS[name]


def build_samples(
    name: str,
    data_dir: Path,
    tokenizer: longhealth.PromptTokenizer | None = None,
    longhealth_settings: LongHealthSettings | None = None,
    max_context: int | None = None,
) -> list[Sample]:
    """Every evaluated sample of one task. LongHealth needs a tokenizer and its settings."""
    task_info(name)
    if name in FILE_TASKS:
        return FILE_TASKS[name].samples(Path(data_dir))
    if tokenizer is None or longhealth_settings is None:
        raise ConfigError("longhealth prompts need a tokenizer (pass tokenizer=DIR)")
    return longhealth.build_samples(Path(data_dir), tokenizer, longhealth_settings, max_context)


def build_references(name: str, data_dir: Path) -> list[Reference]:
    """The references of every evaluated sample; needs no tokenizer (LongHealth's correct
    letter does not depend on document selection)."""
    task_info(name)
    if name in FILE_TASKS:
        return [
            Reference(s.sample_id, s.subtask, s.reference)
            for s in FILE_TASKS[name].samples(Path(data_dir))
        ]
    return longhealth.build_references(Path(data_dir))
