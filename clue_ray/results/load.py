"""Reading results for the report: scores and flags of every shard under a folder, the run
manifests, and each model's kind and base model. Prediction and reference texts are not read."""

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
from clue_ray.pipeline.columns import METRIC_PREFIX
from clue_ray.pipeline.manifest import MANIFEST
from clue_ray.pipeline.plan import UNSEEDED
from clue_ray.pipeline.shards import shard_files

SCORE_COLUMNS = ("run_id", "model", "task", "subtask", "sample_id", "seed", "context_overflow",
                 "flags")


@dataclass(frozen=True)
class ModelInfo:
    """What the report needs of a model: its kind and the base model it was trained from."""

    kind: str
    base_model: str | None


@dataclass
class ResultSet:
    """Rows (score columns only), the manifests found, the model facts, and notes."""

    rows: pd.DataFrame
    manifests: list[dict[str, Any]]
    models: dict[str, ModelInfo]
    notes: list[str]


def read_scores(results: Path) -> tuple[pd.DataFrame, list[str]]:
    """Score columns of every shard under `results` (one run folder or a folder of runs).
    A model/task found in several runs is taken from the newest one (with a note)."""
    files = shard_files(results)
    if not files:
        raise ConfigError(f"results={results}: no result shards (part-*.parquet) found there")
    tables, newest = [], {}
    for path in files:
        names = pq.read_schema(path).names
        wanted = [c for c in names if c in SCORE_COLUMNS or c.startswith(METRIC_PREFIX)]
        table = pq.read_table(path, columns=wanted)
        if table.num_rows:
            run = str(table.column("run_id")[0].as_py())
            newest[run] = max(newest.get(run, 0.0), path.stat().st_mtime)
            tables.append(table)
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    frame["flags"] = frame["flags"].map(lambda v: list(v) if v is not None else [])
    return newest_runs_only(frame, newest)


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
             for p in sorted(Path(results).rglob(MANIFEST))]
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


def load_results(results: Path, registry: Callable[[str], ModelInfo | None]) -> ResultSet:
    """Everything the report reads, from the results folder alone (plus the registry for
    models whose manifest is missing)."""
    rows, notes = read_scores(Path(results))
    used = set(rows["run_id"])
    manifests = [m for m in read_manifests(Path(results)) if m.get("run_id") in used]
    names = sorted(rows["model"].unique())
    return ResultSet(rows, manifests, model_infos(names, manifests, registry), notes)


def seed_label(seed: int) -> str:
    """"greedy" for the unseeded pass, else the seed."""
    return "greedy" if int(seed) == UNSEEDED else str(int(seed))
