"""Reading results for the report: scores, flags and extracted answers of every shard under a
folder, the run manifests, and each model's kind and base model. Prediction and reference
texts are not read."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clue_ray.errors import ConfigError
from clue_ray.rows import LATER_SCORE_COLUMNS, METRIC_PREFIX, UNSEEDED
from clue_ray.storage.run_folder import manifest_files, score_files_by_run
from clue_ray.tasks.registry import CLUE, TaskSet

SCORE_COLUMNS = ("run_id", "model", "task", "subtask", "sample_id", "seed", "context_overflow",
                 "flags", "answer")


@dataclass(frozen=True)
class ModelInfo:
    """What the report needs of a model: its kind and the base model it was trained from."""

    kind: str
    base_model: str | None


@dataclass
class ResultSet:
    """Rows (score columns only), the manifests found, the model facts, notes, and the tasks
    the report knows (CLUE's and the users' it was given)."""

    rows: pd.DataFrame
    manifests: list[dict[str, Any]]
    models: dict[str, ModelInfo]
    notes: list[str]
    tasks: TaskSet = CLUE


ShardReader = Callable[[Path, list[str]], pa.Table | None]


def read_scores(results: Path, read_shard: ShardReader | None = None
                ) -> tuple[pd.DataFrame, list[str]]:
    """Score columns of every run under `results` (one run folder or a folder of runs), each
    run under one scoring id (its newest, with a note when there are others). A model/task
    found in several runs is taken from the newest one; a shard that cannot be read is
    skipped and named; a row stored twice is counted once (with a note). `read_shard` reads
    one shard (default `read_score_shard`; the live page passes a cache of it)."""
    read_shard = read_score_shard if read_shard is None else read_shard
    by_run = score_files_by_run(results)
    if not by_run:
        raise ConfigError(f"results={results}: no score shards (scores=*/model=*/task=*/"
                          "part-*.parquet) found there (a run stored before scores were kept "
                          "apart is scored by `clue-ray rescore <its overrides> "
                          "run_id=<its folder name>`)")
    tables, notes = [], []
    newest: dict[str, float] = {}  # run id -> when its newest shard was written
    for run_dir, by_scoring in sorted(by_run.items()):
        chosen = max(by_scoring, key=lambda sid: max(p.stat().st_mtime for p in by_scoring[sid]))
        if len(by_scoring) > 1:
            others = ", ".join(sorted(sid for sid in by_scoring if sid != chosen))
            notes.append(f"run {run_dir.name}: scores of scoring {chosen} used (newest); "
                         f"scoring(s) {others} set aside")
        for path in by_scoring[chosen]:
            table = read_shard(path, notes)
            if table is not None and table.num_rows:
                run = str(table.column("run_id")[0].as_py())
                newest[run] = max(newest.get(run, 0.0), path.stat().st_mtime)
                tables.append(table)
    if not tables:
        raise ConfigError(f"results={results}: no readable score rows"
                          + (f" ({'; '.join(notes)})" if notes else ""))
    frame = with_later_columns(
        pa.concat_tables(tables, promote_options="permissive").to_pandas())
    frame["flags"] = frame["flags"].map(lambda v: list(v) if v is not None else [])
    frame, dedup_notes = once_per_key(frame)
    frame, run_notes = newest_runs_only(frame, newest)
    return frame, notes + dedup_notes + run_notes


def with_later_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every `LATER_SCORE_COLUMNS` column, null where no shard had it (a
    permissive concat of old and new shards already reads null for the old ones' rows)."""
    missing = {c: pd.Series([None] * len(frame), index=frame.index, dtype=object)
               for c in LATER_SCORE_COLUMNS if c not in frame}
    return frame.assign(**missing) if missing else frame


def read_score_shard(path: Path, notes: list[str]) -> pa.Table | None:
    """The score columns of one shard (never its texts); None, with a note, when it cannot
    be read."""
    try:
        names = pq.read_schema(path).names
        wanted = [c for c in names if c in SCORE_COLUMNS or c.startswith(METRIC_PREFIX)]
        return pq.read_table(path, columns=wanted)
    except (OSError, pa.ArrowException, ValueError) as err:
        notes.append(f"unreadable shard skipped (its rows are missing from this report): "
                     f"{path} ({type(err).__name__})")
        return None


def once_per_key(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per run, model, task, sample and seed: a key stored twice (two writers into
    one run folder before runs were locked) keeps its last-written row."""
    key = ["run_id", "model", "task", "sample_id", "seed"]
    twice = frame.duplicated(key, keep="last")
    if not twice.any():
        return frame, []
    note = (f"{int(twice.sum())} rows were stored twice for the same sample; each is counted "
            "once (the last written)")
    return frame[~twice].reset_index(drop=True), [note]


def newest_runs_only(frame: pd.DataFrame, newest: dict[str, float]
                     ) -> tuple[pd.DataFrame, list[str]]:
    """Keep, for each model/task, the rows of the run written last (counting a sample twice
    would be wrong); say which runs were set aside, once per (used run, older runs)."""
    keep = pd.Series(True, index=frame.index)
    set_aside: dict[tuple[str, str], list[str]] = {}
    for (model, task), runs in frame.groupby(["model", "task"])["run_id"].unique().items():
        if len(runs) < 2:
            continue
        chosen = str(max(runs, key=lambda r: newest[str(r)]))
        keep &= ~((frame.model == model) & (frame.task == task) & (frame.run_id != chosen))
        older = ", ".join(sorted(str(r) for r in runs if r != chosen))
        set_aside.setdefault((chosen, older), []).append(f"{model}/{task}")
    notes = [f"run {chosen} used for {len(groups)} model/task group(s) also found in older "
             f"run(s) {older}, which were set aside ({', '.join(groups[:3])}"
             f"{', ...' if len(groups) > 3 else ''}); point results= at one run folder to choose"
             for (chosen, older), groups in set_aside.items()]
    return frame[keep].reset_index(drop=True), notes


def read_manifests(results: Path) -> list[dict[str, Any]]:
    """Every run manifest under `results`, ordered by run id."""
    found = [json.loads(p.read_text(encoding="utf-8"))
             for p in manifest_files(results)]
    return sorted(found, key=lambda m: str(m.get("run_id", "")))


def model_infos(names: list[str], manifests: list[dict[str, Any]],
                registry: Callable[[str], ModelInfo | None]) -> dict[str, ModelInfo]:
    """Kind and base of each model: from the manifests (as run), else from the registry;
    a model found in neither is refused."""
    recorded: dict[str, ModelInfo] = {}
    for manifest in manifests:
        for model in manifest.get("models", []):
            recorded[model["name"]] = ModelInfo(model["kind"], model.get("base_model"))
    infos: dict[str, ModelInfo] = {}
    for name in names:
        info = recorded.get(name) or registry(name)
        if info is None:
            raise ConfigError(f"model '{name}' is in no run manifest and not in conf/model/: "
                              "its kind and base model are unknown")
        infos[name] = info
    return infos


def load_results(results: Path, registry: Callable[[str], ModelInfo | None],
                 read_shard: ShardReader | None = None, tasks: TaskSet = CLUE) -> ResultSet:
    """Everything the report reads, from the results folder alone (plus the registry for
    models whose manifest is missing)."""
    rows, notes = read_scores(Path(results), read_shard)
    used = set(rows["run_id"])
    manifests = [m for m in read_manifests(Path(results)) if m.get("run_id") in used]
    names = sorted(rows["model"].unique())
    return ResultSet(rows, manifests, model_infos(names, manifests, registry), notes, tasks)


def seed_label(seed: int) -> str:
    """"greedy" for the unseeded pass, else the seed."""
    return "greedy" if int(seed) == UNSEEDED else str(int(seed))
