"""The row contract: the columns a row carries through the stages, their types, the keys of
a row, and which columns are stored in inference and in score shards. Engines, pipeline,
storage, results and serve read it from here; it imports no other layer of clue_ray. Where
shards live is the run folder's business (`clue_ray.storage.run_folder`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One column of the row contract: its name, its Arrow type and what it holds."""

    name: str
    type: pa.DataType
    description: str


STRING, INT, FLOAT, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()

# Set by the prompt stage (one row per model, task, sample and seed).
TASK = (
    Column("run_id", STRING, "the run's id: the experiment and a digest of what changes results"),
    Column("model", STRING, "the model's registry name"),
    Column("task", STRING, "the task's name"),
    Column("subtask", STRING, "LongHealth's task1/task2/task3; null for the other tasks"),
    Column("sample_id", STRING, "the sample's id within its task"),
    Column("seed", INT, "the sampling seed of the pass; UNSEEDED for the greedy pass"),
    Column("messages", STRING, "the chat messages as JSON (the baseline's input only)"),
    Column("reference", STRING, "the gold answer: label, letter, text or code list"),
    Column("max_tokens", INT, "the most tokens the engine may generate for the row"),
    Column("prompt", STRING, "the rendered prompt text (empty for the baseline)"),
    Column("prompt_token_ids", pa.list_(INT), "the prompt's token ids (vLLM's input)"),
    Column("prompt_tokens", INT, "the prompt's length in tokens"),
    Column("system_folded", BOOL, "the system text was folded into the first user turn"),
    Column("context_overflow", BOOL, "the prompt fills the model's context: never sent"),
    Column("prompt_sha256", STRING, "SHA-256 of the prompt text"),
)
# Added by the engine stage.
ENGINE = (
    Column("prediction", STRING, "the model's answer text"),
    Column("output_tokens", INT, "tokens the engine generated"),
    Column("finish_reason", STRING, "why it ended: stop, length, error or context_overflow"),
    Column("engine_error", STRING, "the engine's error for the row; null when it answered"),
    Column("latency_s", FLOAT, "engine seconds spent on the row (its batch's time shared out)"),
    Column("engine_prompt_tokens", INT, "prompt tokens as the engine counted them"),
    Column("engine_actor", STRING, "the engine actor that answered the row"),
    Column("engine_started_at", FLOAT, "Unix time the row's engine call started"),
    Column("engine_finished_at", FLOAT, "Unix time the row's engine call ended"),
)
# Added by the scoring stage (with one `metric_*` column per metric beside them).
SCORING = (
    Column("flags", pa.list_(STRING), "failure flags of the row (a comma list in a batch)"),
    Column("scorer_error", STRING, "the scorer's error for the row; null when it scored"),
    Column("answer", STRING, "what the scorer extracted from the prediction (the letter, the "
           "label(s) named, the codes joined with ', '), empty when it found none; null for a "
           "task that extracts nothing and for a row never answered (context overflow, engine "
           "error); score shards written before the column read it as null"),
)
SCORING_ID = Column("scoring_id", STRING, "a digest of the scoring settings of the scores")

COLUMNS = {c.name: c for c in (*TASK, *ENGINE, SCORING_ID, *SCORING)}
TASK_COLUMNS = tuple(c.name for c in TASK)
ENGINE_COLUMNS = tuple(c.name for c in ENGINE)
SCORING_COLUMNS = tuple(c.name for c in SCORING)
METRIC_PREFIX = "metric_"  # `metric_<name>`: one float column per per-sample metric
KEY_COLUMNS = ("task", "sample_id", "seed")  # with the model: one row of a run
UNSEEDED = -1  # the `seed` of rows of the single greedy pass

Key = tuple[str, str, int]

# Inference shards hold the task and engine columns (prompts, their token ids and messages
# are not stored: they are rebuilt from the data); score shards hold the keys, what the
# report needs of a row, the scoring id and the scoring columns (`metric_*` beside them).
PROMPT_COLUMNS = ("messages", "prompt", "prompt_token_ids")
INFERENCE_STORED = tuple(c for c in TASK_COLUMNS if c not in PROMPT_COLUMNS) + ENGINE_COLUMNS
SCORE_STORED = ("run_id", "scoring_id", "model", "task", "subtask", "sample_id", "seed",
                "context_overflow", *SCORING_COLUMNS)
# Score columns added after score shards were first written: an older shard lacks them and
# its rows read them as null (its scores and flags stand: the scoring id does not change).
LATER_SCORE_COLUMNS = ("answer",)


def column_type(name: str) -> pa.DataType:
    """The Arrow type of a stored column (`metric_*`: float)."""
    return FLOAT if name.startswith(METRIC_PREFIX) else COLUMNS[name].type


def require_columns(stage: str, present: Iterable[str], needed: Iterable[str]) -> None:
    """Stop with the stage's name and the missing keys when a batch lacks inputs."""
    have = set(present)
    missing = [c for c in needed if c not in have]
    if missing:
        raise KeyError(f"{stage} stage: input batch lacks column(s) {', '.join(missing)}")

