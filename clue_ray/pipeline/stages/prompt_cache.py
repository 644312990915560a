"""Prompts built once per sweep: models whose prompts are bound to be identical (same
tokenizer vocabulary and special tokens, chat template, system-role handling and context
length; the run id already fixes the data, the prompt templates and LongHealth's settings)
share one cache key, and the rows of a chunk of samples are stored under it as a Parquet file.
The next model of the key reads them instead of tokenising again.

The cache holds prompt text, so it stays out of the results folder (which people share):
it lives in a folder only its user can open, on each node's temporary disk unless configured,
and a sweep that finishes removes its own (an interrupted one keeps it for the resume).

A chunk's file is named by its task and sample ids, so a hit needs the same chunk of samples
(a fresh sweep chunks every model alike; after a partial resume, chunks that differ are
built again). On a cluster each node keeps its own cache unless the folder is shared."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from clue_ray.storage.shards import write_shard
from clue_ray.tasks.render import ChatRenderer

CACHED_COLUMNS = ("task", "subtask", "sample_id", "reference", "max_tokens", "prompt",
                  "prompt_token_ids", "prompt_tokens", "system_folded", "context_overflow",
                  "prompt_sha256")


def cache_folder(configured: str | None, run_dir: Path) -> Path:
    """Where one run folder's prompt cache lives: `<prompt_cache_dir>/<run id>-<digest of the
    run folder's path>`, by default under `<system temp>/clue-ray-prompts-<uid>/`."""
    base = Path(configured) if configured else (
        Path(tempfile.gettempdir()) / f"clue-ray-prompts-{os.getuid()}")
    digest = hashlib.sha256(str(Path(run_dir).resolve()).encode()).hexdigest()[:8]
    return base / f"{Path(run_dir).name}-{digest}"


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
    """The cached prompt rows of one cache key, under `<run's cache folder>/<key>/` (the run's
    folder made readable by its user only)."""

    def __init__(self, root: Path, renderer: ChatRenderer, context: int, token_ids: bool) -> None:
        payload = f"{tokenizer_fingerprint(renderer)}|{context}|{token_ids}"
        self.folder = root / hashlib.sha256(payload.encode()).hexdigest()[:16]
        try:
            root.mkdir(parents=True, exist_ok=True)
            root.chmod(0o700)
        except OSError:
            pass  # not writable here: every chunk is a miss and is built

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
