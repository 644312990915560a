"""Row-contract column names, and the check each stage runs on entry."""

from __future__ import annotations

from collections.abc import Iterable

TASK_COLUMNS = (
    "run_id", "model", "task", "subtask", "sample_id", "seed", "messages", "reference",
    "max_tokens", "prompt", "prompt_token_ids", "prompt_tokens", "system_folded",
    "context_overflow", "prompt_sha256",
)
ENGINE_COLUMNS = (
    "prediction", "output_tokens", "finish_reason", "engine_error", "latency_s",
    "engine_prompt_tokens", "engine_actor", "engine_started_at", "engine_finished_at",
)
SCORING_COLUMNS = ("flags", "scorer_error")
METRIC_PREFIX = "metric_"
# Inference shards hold the task and engine columns (prompts, their token ids and messages
# are not stored: they are rebuilt from the data); score shards hold the keys, what the
# report needs of a row, the scoring id and the scoring columns (`metric_*` beside them).
PROMPT_COLUMNS = ("messages", "prompt", "prompt_token_ids")
INFERENCE_STORED = tuple(c for c in TASK_COLUMNS if c not in PROMPT_COLUMNS) + ENGINE_COLUMNS
SCORE_STORED = ("run_id", "scoring_id", "model", "task", "subtask", "sample_id", "seed",
                "context_overflow", *SCORING_COLUMNS)


def require_columns(stage: str, present: Iterable[str], needed: Iterable[str]) -> None:
    """Stop with the stage's name and the missing keys when a batch lacks inputs."""
    have = set(present)
    missing = [c for c in needed if c not in have]
    if missing:
        raise KeyError(f"{stage} stage: input batch lacks column(s) {', '.join(missing)}")
