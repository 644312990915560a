"""A task's one declaration: every fact the pipeline, metrics, results and serve ask of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from clue_ray.errors import ConfigError
from clue_ray.metrics.scored_task import Metrics
from clue_ray.tasks.sample import Message, Reference, Sample
from clue_ray.tasks.spec import TaskSpec, task_spec


class PromptTokenizer(Protocol):
    """What tokenizer-dependent prompt building needs (see tasks.render.ChatRenderer)."""

    def count(self, text: str) -> int: ...

    def token_starts(self, text: str) -> list[int]: ...

    def template_overhead(self) -> int: ...


class SampleBuilder(Protocol):
    """Builds any sample of a tokenizer-dependent task from its id alone."""

    def sample_ids(self) -> list[str]: ...

    def sample(self, sample_id: str) -> Sample: ...


# (data_dir, tokenizer, the task's options, max_context) -> a builder over the task's file
OpenBuilder = Callable[[Path, PromptTokenizer, Any, int | None], SampleBuilder]


def whole_id(sample_id: str) -> str:
    """Every sample is its own bootstrap cluster."""
    return sample_id


def no_subtask(sample_id: str) -> str | None:
    """A task without subtasks."""
    return None


def reference_as_answer(sample: Sample) -> str:
    """The reference is already written in the answer's form."""
    return sample.reference


@dataclass(frozen=True)
class TaskDefinition:
    """Everything about one task. Prompt strings, level, official file and few-shot k come from
    the packaged clue-prompts.json (`spec`), or from `own_spec` for a user's own task; the rest
    is declared here.

    read_samples / open_builder: record -> sample, from the official file (exactly one is set;
      `open_builder` for tasks whose prompts depend on the model's tokenizer).
    read_references: each evaluated sample's reference, without a tokenizer.
    score_sample: (prediction, reference) -> per-sample metrics, or None when the task's
      metrics are all text-similarity groups (ROUGE, BERTScore, UMLS).
    sample_metrics: the per-sample metric names (None: the spec's `metrics`).
    answer_followed: whether an output has the required answer form (None: any form does);
      False sets `instruction_not_followed`.
    invalid_codes: whether an output holds a code its code system does not know (sets
      `invalid_icd_codes`; None: the task asks for no codes).
    extract_answer: what the scorer reads out of an output (the letter, the label(s) named,
      the codes joined with ", "; "" when it finds none), kept as the row's `answer`; None
      for tasks that extract nothing (text similarity).
    subtasks: the headline is the plain mean of the per-subtask means of `headline_metric`.
    subtask_of: a sample id's subtask. cluster_of: a sample id's bootstrap cluster.
    stratify_by_subtask: the bootstrap resamples within each subtask.
    baseline: the parameterless baseline's answer to a conversation.
    ideal_answer: the reference written in the task's answer format (what the demo teaches).
    long_prompt_rank: subtask -> 0 (prompts fill the context) or 1 (long, bounded); others
      are short and go last in the stream.
    options_type: the dataclass of the task's own options (its block of `task_options`,
      parsed by tasks/options.py and handed to `open_builder`); None: it takes none.
    own_spec: the spec of a task outside clue-prompts.json (a user's own task, see
      tasks/user_tasks.py); None for the CLUE tasks.
    expected_samples: the official file's evaluated samples (None: not fixed, a user's task).
    """

    name: str
    headline_metric: str
    credentialed: bool
    expected_samples: int | None
    obtain_from: str
    read_references: Callable[[Path], list[Reference]]
    baseline: Callable[[Sequence[Message]], str]
    read_samples: Callable[[Path], list[Sample]] | None = None
    open_builder: OpenBuilder | None = None
    score_sample: Callable[[str, str], Metrics] | None = None
    sample_metrics: tuple[str, ...] | None = None
    answer_followed: Callable[[str], bool] | None = None
    invalid_codes: Callable[[str], bool] | None = None
    extract_answer: Callable[[str], str] | None = None
    subtasks: tuple[str, ...] = ()
    subtask_of: Callable[[str], str | None] = no_subtask
    cluster_of: Callable[[str], str] = whole_id
    stratify_by_subtask: bool = False
    ideal_answer: Callable[[Sample], str] = reference_as_answer
    long_prompt_rank: Mapping[str, int] = field(default_factory=dict)
    own_spec: TaskSpec | None = None
    options_type: type | None = None

    def __post_init__(self) -> None:
        if (self.read_samples is None) == (self.open_builder is None):
            raise ValueError(f"task {self.name}: set exactly one of read_samples, open_builder")

    @property
    def spec(self) -> TaskSpec:
        """The task's prompt strings and settings: its own spec, else the packaged one."""
        return self.own_spec if self.own_spec is not None else task_spec(self.name)

    @property
    def level(self) -> int:
        """The level the task's headline counts in (CLUE's 1 or 2; a user's task may open
        another)."""
        return self.spec.level

    @property
    def source_file(self) -> str:
        """The official file name expected under data_dir."""
        return self.spec.source_file

    @property
    def few_shot(self) -> int:
        """How many records become few-shot examples."""
        return self.spec.few_shot

    @property
    def needs_tokenizer(self) -> bool:
        """Whether building the prompts needs the model's tokenizer."""
        return self.open_builder is not None

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Per-sample metric names, before settings (UMLS disabled) remove any."""
        return self.sample_metrics if self.sample_metrics is not None else self.spec.metrics

    def source_path(self, data_dir: Path) -> Path:
        """Where the official file is expected under data_dir."""
        return Path(data_dir) / self.source_file

    def samples(
        self,
        data_dir: Path,
        tokenizer: PromptTokenizer | None = None,
        options: Any = None,
        max_context: int | None = None,
    ) -> list[Sample]:
        """Every evaluated sample, in the task's order (`options`: the task's own, parsed
        from its block of task_options, for a task that declares an `options_type`)."""
        if self.read_samples is not None:
            return self.read_samples(Path(data_dir))
        if tokenizer is None:
            raise ConfigError(f"{self.name} prompts need a tokenizer (pass tokenizer=DIR)")
        builder = self.builder(data_dir, tokenizer, options, max_context)
        return [builder.sample(sample_id) for sample_id in builder.sample_ids()]

    def builder(self, data_dir: Path, tokenizer: PromptTokenizer, options: Any,
                max_context: int | None) -> SampleBuilder:
        """A builder of single samples by id (tokenizer-dependent tasks only)."""
        if self.open_builder is None:
            raise ValueError(f"task {self.name} builds its samples without a tokenizer")
        if self.options_type is not None and not isinstance(options, self.options_type):
            raise ConfigError(f"{self.name} prompts need its options (task_options."
                              f"{self.name}), got {type(options).__name__}")
        return self.open_builder(Path(data_dir), tokenizer, options, max_context)
