"""Prompt building inside the stream: the dataset starts from chunks of sample keys, and a
Ray Data actor (tokenizer and task data loaded once per actor) turns each chunk into prompt
rows, so the engine's first batch waits for one chunk, not for the whole sweep's prompts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from clue_ray.models import ModelSettings
from clue_ray.pipeline.stages.prompt_rows import PromptBuilder
from clue_ray.rows import TASK_COLUMNS
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import CLUE, TaskSet

Keys = dict[str, list[tuple[str, int]]]
# The longest prompts go first (a task declares them per subtask, e.g. LongHealth's task2/task3
# fill the model's context, task1 a fixed budget), so they are not all left for the end.
OTHER_CLASS = 2


def length_class(definition: TaskDefinition, sample_id: str) -> int:
    """0 for the prompts that fill the context, 1 for long bounded ones, 2 for the rest."""
    subtask = definition.subtask_of(sample_id)
    return definition.long_prompt_rank.get(subtask, OTHER_CLASS) if subtask else OTHER_CLASS


def key_chunks(missing: Keys, chunk_rows: int, tasks: TaskSet = CLUE
               ) -> Iterator[dict[str, str]]:
    """Chunks of at most `chunk_rows` keys of one task each (`{"task", "keys"}`, the keys as
    JSON), the longest prompts' chunks first."""
    ordered = sorted(
        ((length_class(tasks[task], sid), task, sid, seed) for task, keys in missing.items()
         for sid, seed in keys),
        key=lambda k: (k[0], k[1], k[2], k[3]))
    chunk: list[tuple[str, int]] = []
    current: tuple[int, str] | None = None  # the chunk's (class, task); None before the first key
    for klass, task, sid, seed in ordered:
        if current is not None and ((klass, task) != current or len(chunk) == chunk_rows):
            yield {"task": current[1], "keys": json.dumps(chunk)}
            chunk = []
        current = (klass, task)
        chunk.append((sid, seed))
    if chunk and current is not None:
        yield {"task": current[1], "keys": json.dumps(chunk)}


class PromptStage:
    """Callable class for `Dataset.map_batches`: chunks of keys in, prompt rows out (longest
    first within the batch). `tasks`: the run's tasks; `options`: their parsed options.
    `rendered`: False for an engine that runs no model (it is given each row's messages
    instead of a prompt)."""

    def __init__(self, run_id: str, model: ModelSettings, data_dir: str,
                 options: dict[str, Any], token_ids: bool, cache_dir: str | None,
                 counter: Any = None, tasks: TaskSet = CLUE, rendered: bool = True) -> None:
        self.builder = PromptBuilder(run_id, model, Path(data_dir), options, token_ids,
                                     Path(cache_dir) if cache_dir else None, rendered, tasks)
        self.builder.load()
        self.counter = counter  # a PromptCount actor to tell after each chunk, if any

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Build the rows of every chunk in the batch."""
        rows: list[dict[str, Any]] = []
        for task, keys in zip(batch["task"], batch["keys"], strict=True):
            pairs = [(str(sid), int(seed)) for sid, seed in json.loads(keys)]
            rows.extend(self.builder.rows(str(task), pairs))
            if self.counter is not None:
                self.counter.add.remote(len(pairs), self.builder.last_from_cache)
        rows.sort(key=lambda r: (-r["prompt_tokens"], r["task"], r["sample_id"], r["seed"]))
        return pd.DataFrame(rows, columns=list(TASK_COLUMNS))
