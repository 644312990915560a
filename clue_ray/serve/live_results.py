"""The live leaderboard of a results folder: the report's own reading and leaderboard code,
fed by a cache of score shards so that each refresh reads only the shards that are new.

A shard is written whole under a temporary name and renamed into place, so a shard file
whose size and modification time are unchanged holds the same rows: it is read once (score
columns only, never a text), then served from the cache until it changes or goes away.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from clue_ray.errors import ConfigError
from clue_ray.fileio import json_safe
from clue_ray.results.leaderboard import build_leaderboard
from clue_ray.results.load import ModelInfo, load_results, read_manifests, read_score_shard
from clue_ray.results.settings import BootstrapSettings
from clue_ray.serve.expected import Expected, SampleCounter, from_manifest, progress_rows
from clue_ray.storage.run_folder import manifest_files
from clue_ray.storage.shards import shard_files
from clue_ray.tasks.registry import CLUE, TaskSet


class ShardCache:
    """`read_score_shard` with memory: a shard is read again only when its size or
    modification time changed. `reads` counts the files actually read."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int], pa.Table | None, list[str]]] = {}
        self._seen: set[Path] = set()
        self.reads = 0

    def __call__(self, path: Path, notes: list[str]) -> pa.Table | None:
        """The shard's score columns (from the cache when unchanged), its notes appended."""
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        entry = self._entries.get(path)
        if entry is None or entry[0] != key:
            own: list[str] = []
            entry = (key, read_score_shard(path, own), own)
            self._entries[path] = entry
            self.reads += 1
        self._seen.add(path)
        notes.extend(entry[2])
        return entry[1]

    def prune(self) -> None:
        """Forget shards not asked for since the last prune (removed, or set aside)."""
        self._entries = {p: e for p, e in self._entries.items() if p in self._seen}
        self._seen = set()

    def __len__(self) -> int:
        return len(self._entries)


class LiveResults:
    """Snapshots of a results folder's leaderboard and progress, recomputed only when a shard
    or manifest changed."""

    def __init__(self, results: Path, bootstrap: BootstrapSettings, intervals: bool,
                 planned: Mapping[str, Expected],
                 registry: Callable[[str], ModelInfo | None], tasks: TaskSet = CLUE) -> None:
        self.results = Path(results)
        self.tasks = tasks
        self.bootstrap = bootstrap if intervals else replace(bootstrap, resamples=0)
        self.planned = dict(planned)
        self.registry = registry
        self.cache = ShardCache()
        self.counter = SampleCounter(tasks=tasks)
        self._state: tuple[Any, ...] | None = None
        self._payload: dict[str, Any] = {}

    def snapshot(self) -> dict[str, Any]:
        """The current payload (the same object while nothing under the folder changed)."""
        state = self._files_state()
        if state != self._state:
            self._payload = self._build(hashlib.sha256(repr(state).encode()).hexdigest()[:16])
            self._state = state
        return self._payload

    def _files_state(self) -> tuple[Any, ...]:
        files = shard_files(self.results) + manifest_files(self.results)
        state = []
        for path in files:
            try:
                stat = path.stat()
            except FileNotFoundError:  # replaced or removed since it was listed
                continue
            state.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(state)

    def _build(self, version: str) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            results = load_results(self.results, self.registry, self.cache, self.tasks)
        except ConfigError as err:  # no shards yet, or a model nobody knows
            rows, manifests, notes = pd.DataFrame(), read_manifests(self.results), [str(err)]
            board_rows, tasks = [], []
        else:
            board = build_leaderboard(results, self.bootstrap)
            rows, manifests = results.rows, results.manifests
            notes = results.notes + board.notes
            board_rows, tasks = records(board.table), board.tasks
        self.cache.prune()
        return {
            "results": str(self.results), "version": version,
            "generated_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "intervals": self.bootstrap.resamples > 0, "tasks": tasks,
            "headline": {t: self.tasks[t].headline_metric for t in tasks},
            "leaderboard": board_rows,
            "progress": progress_rows(rows, self._expected(rows, manifests), self.tasks),
            "notes": notes,
            "shards": {"files": len(self.cache), "reads": self.cache.reads,
                       "build_s": round(time.perf_counter() - started, 3)},
        }

    def _expected(self, rows: pd.DataFrame, manifests: list[dict[str, Any]]
                  ) -> dict[str, Expected]:
        """Expected rows of the runs shown: those with rows here, and the planned run once
        its folder exists."""
        shown = set(rows["run_id"].astype(str)) if not rows.empty else set()
        found: dict[str, Expected] = {}
        for manifest in manifests:
            run = str(manifest.get("run_id", ""))
            if run in shown and run not in self.planned:
                found[run] = from_manifest(manifest, self.counter, self.tasks)
        for run, expected in self.planned.items():
            if run in shown or (self.results / run).is_dir() or self.results.name == run:
                found[run] = expected
        return found


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Table rows as JSON-ready dicts, numbers at full precision (NaN as null)."""
    return [json_safe({str(k): _plain(v) for k, v in row.items()})
            for row in table.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
