"""Prompts built once per sweep: models whose prompts are bound to be identical (same
tokenizer vocabulary and special tokens, chat template, system-role handling and context
length; the run folder already fixes the data, the prompt templates and LongHealth's settings)
share one cache key, and the rows of a chunk of samples are stored under it as a Parquet file
in the run folder. The next model of the key reads them instead of tokenising again.

A chunk's file is named by its task and sample ids, so a hit needs the same chunk of samples
(a fresh sweep chunks every model alike; after a partial resume, chunks that differ are
built again). On a cluster without a shared file system each node keeps its own cache."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from clue_ray.pipeline.shards import write_shard
from clue_ray.tasks.render import ChatRenderer

CACHE_DIR = "prompt_cache"  # under the run folder
CACHED_COLUMNS = ("task", "subtask", "sample_id", "reference", "max_tokens", "prompt",
                  "prompt_token_ids", "prompt_tokens", "system_folded", "context_overflow",
                  "prompt_sha256")


def tokenizer_fingerprint(renderer: ChatRenderer) -> str:
    """A digest of everything of the tokenizer that changes a rendered prompt or its ids."""
    tokenizer = renderer.tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        vocabulary = backend.to_str()
    else:  # a slow tokenizer: its vocabulary and class stand for it
        vocabulary = json.dumps(sorted(tokenizer.get_vocab().items()))
    parts = [type(tokenizer).__name__, vocabulary,
             json.dumps(tokenizer.special_tokens_map, sort_keys=True, default=str),
             renderer.chat_template or getattr(tokenizer, "chat_template", None) or "",
             str(renderer.system_role)]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class PromptCache:
    """The cached prompt rows of one cache key, under `<run folder>/prompt_cache/<key>/`."""

    def __init__(self, root: Path, renderer: ChatRenderer, context: int, token_ids: bool) -> None:
        payload = f"{tokenizer_fingerprint(renderer)}|{context}|{token_ids}"
        self.folder = root / hashlib.sha256(payload.encode()).hexdigest()[:16]

    def path(self, task: str, sample_ids: Collection[str]) -> Path:
        """The file of one chunk: its task and sorted sample ids name it."""
        ids = json.dumps(sorted(sample_ids))
        name = hashlib.sha256(f"{task}|{ids}".encode()).hexdigest()[:24]
        return self.folder / f"task={task}" / f"prompts-{name}.parquet"

    def get(self, task: str, sample_ids: Collection[str]) -> list[dict[str, Any]] | None:
        """The cached rows of exactly these samples (one per sample), or None on a miss; a
        file that cannot be read counts as a miss."""
        path = self.path(task, sample_ids)
        if not path.is_file():
            return None
        try:
            rows = pq.read_table(path).to_pylist()
        except (OSError, pa.ArrowException):
            return None
        return rows if {r["sample_id"] for r in rows} == set(sample_ids) else None

    def put(self, task: str, sample_ids: Collection[str], rows: list[dict[str, Any]]) -> None:
        """Store one row per sample (written atomically; a failed write is only a miss
        later)."""
        path = self.path(task, sample_ids)
        table = pa.Table.from_pylist([{c: row[c] for c in CACHED_COLUMNS} for row in rows])
        try:
            write_shard(path.parent, table, name=path.name)
        except OSError:
            return
