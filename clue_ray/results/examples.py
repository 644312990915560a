"""Example outputs, on request, from public tasks only (never from credentialed data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from clue_ray.results.load import seed_label
from clue_ray.storage.run_folder import is_score_shard
from clue_ray.storage.shards import shard_files
from clue_ray.tasks.registry import CLUE, TaskSet

COLUMNS = ["model", "seed", "task", "sample_id", "reference", "prediction", "answer"]
TEXT_COLUMNS = ["run_id", "model", "seed", "task", "sample_id", "reference", "prediction"]
ROW_KEY = ["run_id", "model", "task", "sample_id", "seed"]


def public_tasks(tasks: TaskSet = CLUE) -> list[str]:
    """Tasks whose data anyone may see (MeQSum, LongHealth, users' public tasks)."""
    return [name for name, info in tasks.items() if not info.credentialed]


def read_examples(results: Path, per_group: int, scores: pd.DataFrame | None = None,
                  tasks: TaskSet = CLUE) -> pd.DataFrame:
    """The first `per_group` samples (by sample id) of each model, seed and public task,
    each with the `answer` its score row holds in `scores` (the report's rows; null when
    there is none). A shard is opened for its text columns only after its `task` column
    shows it is public."""
    public = public_tasks(tasks)
    frames = []
    for path in shard_files(results) if per_group > 0 else []:
        if is_score_shard(path):
            continue  # score shards hold no texts
        try:
            in_shard = pq.read_table(path, columns=["task"]).column("task")
            if not pc.all(pc.is_in(in_shard, value_set=pa.array(public, type=in_shard.type))
                          ).as_py():
                continue
            frames.append(pq.read_table(path, columns=TEXT_COLUMNS).to_pandas())
        except (OSError, pa.ArrowException, ValueError):
            continue  # an unreadable shard; the score reader names it in the notes
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["task"].isin(public)].sort_values(["model", "seed", "task", "sample_id"])
    rows = with_answers(rows.groupby(["model", "seed", "task"], sort=True).head(per_group),
                        scores)
    rows["seed"] = rows["seed"].map(seed_label)
    rows["prediction"] = rows["prediction"].fillna("")
    return rows[COLUMNS].reset_index(drop=True)


def with_answers(rows: pd.DataFrame, scores: pd.DataFrame | None) -> pd.DataFrame:
    """The example rows with the `answer` of their score row (same run, model, task, sample
    and seed); null where there is none."""
    if scores is None or "answer" not in scores:
        return rows.assign(answer=None)
    answers = scores[[*ROW_KEY, "answer"]].drop_duplicates(ROW_KEY, keep="last")
    return rows.merge(answers, on=ROW_KEY, how="left")
