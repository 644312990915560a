"""LongHealth (Level 2): multiple-choice questions over long patient records, three subtasks.

task1: the patient's own documents (answer present), options A-E, fixed budget.
task2: answer documents plus distractors from other patients, options A-F.
task3: distractors only (answer absent), options A-F, correct letter F.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clue_ray.errors import ConfigError
from clue_ray.metrics.choice import longhealth_accuracy, parse_answer_letter
from clue_ray.metrics.scored_task import Metrics
from clue_ray.tasks.baselines import option_a
from clue_ray.tasks.definition import PromptTokenizer, TaskDefinition
from clue_ray.tasks.longhealth_data import Patient, Question, load_patients
from clue_ray.tasks.longhealth_select import select_documents
from clue_ray.tasks.sample import Reference, Sample
from clue_ray.tasks.settings import LongHealthSettings
from clue_ray.tasks.spec import TaskSpec, task_spec

NAME = "longhealth"
SUBTASKS = ("task1", "task2", "task3")
LETTERS = "ABCDEF"
UNANSWERABLE_LETTER = "F"


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


def sample_rng(seed: int, patient_id: str, question_index: int, subtask: str,
               repeat: int) -> random.Random:
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


def open_builder(
    data_dir: Path,
    tokenizer: PromptTokenizer,
    settings: LongHealthSettings,
    max_context: int | None,
) -> LongHealthBuilder:
    """A builder over `benchmark_v5.json` under data_dir."""
    patients = load_patients(Path(data_dir) / task_spec(NAME).source_file)
    return LongHealthBuilder(patients, tokenizer, settings, max_context)


def build_references(data_dir: Path) -> list[Reference]:
    """The correct letter of every LongHealth sample; needs no tokenizer."""
    unanswerable = task_spec(NAME).extra["unanswerable_option"]
    patients = load_patients(Path(data_dir) / task_spec(NAME).source_file)
    return [
        Reference(sample_id, subtask, correct_letter(question, subtask, unanswerable))
        for sample_id, question, subtask in enumerate_samples(patients)
    ]


def score_sample(prediction: str, letter: str) -> Metrics:
    """Accuracy: the parsed answer letter is the correct one."""
    return {"accuracy": longhealth_accuracy(prediction, letter,
                                            task_spec(NAME).extra["answer_pattern"])}


def names_a_letter(prediction: str) -> bool:
    """The output has a parseable answer letter."""
    return parse_answer_letter(prediction, task_spec(NAME).extra["answer_pattern"]) is not None


def answer_letter(prediction: str) -> str:
    """The letter the scorer parses ("" when the answer pattern does not match)."""
    return parse_answer_letter(prediction, task_spec(NAME).extra["answer_pattern"]) or ""


def subtask_of(sample_id: str) -> str | None:
    """The subtask of `<patient_id>/<question_index>/<subtask>/<repeat>`."""
    return sample_id.split("/")[2] if sample_id.count("/") == 3 else None


def question_of(sample_id: str) -> str:
    """`<patient_id>/<question_index>`: the repeats and subtasks of one question are one
    bootstrap cluster."""
    return "/".join(sample_id.split("/")[:2])


OPTION = re.compile(r"^([A-F]): (.*)$", re.MULTILINE)


def ideal_answer(sample: Sample) -> str:
    """The correct letter with its option's text, in the answer pattern's form."""
    options = dict(OPTION.findall(sample.messages[-1]["content"]))
    return f"The correct answer is {sample.reference}: {options.get(sample.reference, '')}"


TASK = TaskDefinition(
    name=NAME, headline_metric="accuracy", credentialed=False, expected_samples=6000,
    obtain_from="github.com/kbressem/LongHealth (public, Apache-2.0)",
    open_builder=open_builder, read_references=build_references,
    score_sample=score_sample, sample_metrics=("accuracy",), answer_followed=names_a_letter,
    extract_answer=answer_letter, subtasks=SUBTASKS, subtask_of=subtask_of,
    cluster_of=question_of, stratify_by_subtask=True,
    baseline=option_a, ideal_answer=ideal_answer,
    long_prompt_rank={"task2": 0, "task3": 0, "task1": 1}, options_type=LongHealthSettings,
)
