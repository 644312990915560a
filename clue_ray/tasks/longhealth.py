"""LongHealth (Level 2): multiple-choice questions over long patient records, three subtasks.

task1: the patient's own documents (answer present), options A-E, fixed budget.
task2: answer documents plus distractors from other patients, options A-F.
task3: distractors only (answer absent), options A-F, correct letter F.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from clue_ray.errors import ConfigError
from clue_ray.tasks.longhealth_data import Patient, Question, load_patients
from clue_ray.tasks.longhealth_select import select_documents
from clue_ray.tasks.sample import Reference, Sample
from clue_ray.tasks.settings import LongHealthSettings
from clue_ray.tasks.spec import TaskSpec, task_spec

NAME = "longhealth"
SUBTASKS = ("task1", "task2", "task3")
LETTERS = "ABCDEF"
UNANSWERABLE_LETTER = "F"


class PromptTokenizer(Protocol):
    """What LongHealth prompt building needs from a tokenizer (see tasks.render.ChatRenderer)."""

    count: Callable[[str], int]

    def token_starts(self, text: str) -> list[int]: ...

    def template_overhead(self) -> int: ...


def options_of(question: Question, subtask: str, unanswerable: str) -> tuple[str, ...]:
    """A-E for task1; A-F (F = the unanswerable option) for task2 and task3."""
    return question.options if subtask == "task1" else (*question.options, unanswerable)


def options_text(options: Sequence[str]) -> str:
    """One line per option: `<LETTER>: <text>`."""
    return "\n".join(f"{letter}: {text}" for letter, text in zip(LETTERS, options, strict=False))


def correct_letter(question: Question, subtask: str, unanswerable: str) -> str:
    """The first option (a..e, then f) containing `correct`; always F for task3."""
    if subtask == "task3":
        return UNANSWERABLE_LETTER
    for letter, text in zip(LETTERS, options_of(question, subtask, unanswerable), strict=False):
        if question.correct in text:
            return letter
    raise ValueError("correct matches no option")  # load_patients already rejects this


def sample_rng(seed: int, patient_id: str, question_index: int, subtask: str, repeat: int):
    """The sample's own generator (string seeds hash with SHA-512: stable across processes)."""
    return random.Random(f"{seed}/{patient_id}/{question_index}/{subtask}/{repeat}")


@dataclass(frozen=True)
class Budgets:
    """Document token budgets: task1's and task2/task3's (None without a context length)."""

    task1: int
    other: int | None

    def of(self, subtask: str) -> int:
        """The budget of one subtask."""
        if subtask == "task1":
            return self.task1
        if self.other is None:
            raise ConfigError(
                "LongHealth task2/task3 need the model's context length: pass max_context=N "
                "or a tokenizer that declares model_max_length"
            )
        return self.other


def compute_budgets(
    tokenizer: PromptTokenizer,
    settings: LongHealthSettings,
    max_context: int | None,
    spec: TaskSpec | None = None,
) -> Budgets:
    """Budgets per the protocol: task1 = task1_max_len - count(system); task2/3 = context -
    count(system) - answer reserve; fit_to_context caps task1 the same way."""
    spec = spec or task_spec(NAME)
    system = tokenizer.count(spec.system)
    task1 = spec.extra["task1_max_len"] - system
    if max_context is None:
        if settings.fit_to_context:
            raise ConfigError("longhealth.fit_to_context=true needs max_context=N")
        return Budgets(task1=task1, other=None)
    reserve = spec.max_tokens
    if settings.reserve_template_tokens:
        reserve += tokenizer.template_overhead()
    other = max_context - system - min(reserve, settings.max_reserve)
    if settings.fit_to_context:
        task1 = min(task1, other)
    return Budgets(task1=task1, other=other)


def enumerate_samples(
    patients: Iterable[Patient], subtasks: Iterable[str] = SUBTASKS
) -> list[tuple[str, Question, str]]:
    """(sample_id, question, subtask) patient by patient, question by question, subtask,
    repeat; ids are `<patient_id>/<question_index>/<subtask>/<repeat>`."""
    repeats = task_spec(NAME).extra["repeats"]
    wanted = [s for s in SUBTASKS if s in set(subtasks)]
    return [
        (f"{patient.patient_id}/{qi}/{subtask}/{repeat}", question, subtask)
        for patient in patients
        for qi, question in enumerate(patient.questions)
        for subtask in wanted
        for repeat in range(repeats[subtask])
    ]


class LongHealthBuilder:
    """Builds any LongHealth sample from its id alone (pure in data, settings and tokenizer)."""

    def __init__(
        self,
        patients: Sequence[Patient],
        tokenizer: PromptTokenizer,
        settings: LongHealthSettings,
        max_context: int | None,
    ) -> None:
        self.spec = task_spec(NAME)
        self.patients = {p.patient_id: p for p in patients}
        self.tokenizer = tokenizer
        self.settings = settings
        self.budgets = compute_budgets(tokenizer, settings, max_context, self.spec)
        self._bare_template = tokenizer.count(self.spec.user_template)

    def sample_ids(self, subtasks: Iterable[str] = SUBTASKS) -> list[str]:
        """Every sample id of the selected subtasks."""
        return [sid for sid, _, _ in enumerate_samples(self.patients.values(), subtasks)]

    def samples(self, subtasks: Iterable[str] = SUBTASKS) -> list[Sample]:
        """All samples of the selected subtasks."""
        return [self.sample(sample_id) for sample_id in self.sample_ids(subtasks)]

    def sample(self, sample_id: str) -> Sample:
        """The sample `<patient_id>/<question_index>/<subtask>/<repeat>`."""
        patient_id, question_index, subtask, repeat = sample_id.split("/")
        patient = self.patients[patient_id]
        question = patient.questions[int(question_index)]
        rng = sample_rng(self.settings.seed, patient_id, int(question_index), subtask, int(repeat))
        unanswerable = self.spec.extra["unanswerable_option"]
        options = options_text(options_of(question, subtask, unanswerable))
        answer_docs, other_docs = self._candidates(patient, question, subtask, rng)
        start = (
            self.tokenizer.count(question.question)
            + self.tokenizer.count(options)
            + self._bare_template
        )
        selection = select_documents(
            self.tokenizer, answer_docs, other_docs, start, self.budgets.of(subtask),
            self.spec.extra["separator_token_probe"],
        )
        documents = list(selection.documents)
        rng.shuffle(documents)
        user = self.spec.user_template.format(
            documents=self.spec.extra["document_separator"].join(documents),
            question_text=question.question,
            options=options,
        )
        return Sample(
            task=NAME,
            sample_id=sample_id,
            messages=({"role": "system", "content": self.spec.system},
                      {"role": "user", "content": user}),
            reference=correct_letter(question, subtask, unanswerable),
            max_tokens=self.spec.max_tokens,
            subtask=subtask,
        )

    def _candidates(
        self, patient: Patient, question: Question, subtask: str, rng: random.Random
    ) -> tuple[list[str], list[str]]:
        answers = [patient.texts[text_id] for text_id in question.answer_text_ids]
        if subtask == "task1":
            others = [t for tid, t in patient.texts.items() if tid not in question.answer_text_ids]
            return answers, others
        pool = [
            text
            for pid, other in self.patients.items()
            if pid != patient.patient_id
            for text in other.texts.values()
        ]
        distractors = rng.sample(pool, min(self.spec.extra["distractors"], len(pool)))
        return (answers if subtask == "task2" else []), distractors


def build_samples(
    data_dir: Path,
    tokenizer: PromptTokenizer,
    settings: LongHealthSettings,
    max_context: int | None,
) -> list[Sample]:
    """All LongHealth samples from `benchmark_v5.json` under data_dir."""
    patients = load_patients(Path(data_dir) / task_spec(NAME).source_file)
    return LongHealthBuilder(patients, tokenizer, settings, max_context).samples()


def build_references(data_dir: Path) -> list[Reference]:
    """The correct letter of every LongHealth sample; needs no tokenizer."""
    unanswerable = task_spec(NAME).extra["unanswerable_option"]
    patients = load_patients(Path(data_dir) / task_spec(NAME).source_file)
    return [
        Reference(sample_id, subtask, correct_letter(question, subtask, unanswerable))
        for sample_id, question, subtask in enumerate_samples(patients)
    ]
