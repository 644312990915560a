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
SCORING_COLUMNS = ("flags",)
METRIC_PREFIX = "metric_"
# Written to the shards (prompts, their token ids and messages are not: they are rebuilt
# from the data).
PROMPT_COLUMNS = ("messages", "prompt", "prompt_token_ids")
STORED_COLUMNS = tuple(c for c in TASK_COLUMNS if c not in PROMPT_COLUMNS) + (
    ENGINE_COLUMNS + SCORING_COLUMNS
)


def require_columns(stage: str, present: Iterable[str], needed: Iterable[str]) -> None:
    """Stop with the stage's name and the missing keys when a batch lacks inputs."""
    have = set(present)
    missing = [c for c in needed if c not in have]
    if missing:
        raise KeyError(f"{stage} stage: input batch lacks column(s) {', '.join(missing)}")
