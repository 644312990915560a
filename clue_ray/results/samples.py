"""A task's per-sample headline values, with the clusters and strata the bootstrap needs."""

from __future__ import annotations

import pandas as pd

from clue_ray.results.bootstrap import ClusteredSample, clustered_sample
from clue_ray.rows import METRIC_PREFIX
from clue_ray.tasks.definition import TaskDefinition


def headline_column(task: TaskDefinition) -> str:
    """The per-sample metric column the task's headline score averages (per subtask first,
    for a task with subtasks)."""
    return METRIC_PREFIX + task.headline_metric


def task_values(rows: pd.DataFrame, definition: TaskDefinition) -> pd.DataFrame:
    """sample_id, cluster, stratum, value for the rows of one task (value NaN = unscored);
    clusters and strata as the task's declaration says."""
    column = headline_column(definition)
    values = rows[column] if column in rows else pd.Series(float("nan"), index=rows.index)
    ids = rows["sample_id"].astype(str)
    clusters = ids.map(definition.cluster_of)
    strata = (rows["subtask"].astype(str) if definition.stratify_by_subtask
              else pd.Series("all", index=rows.index))
    return pd.DataFrame({"sample_id": ids.to_numpy(), "cluster": clusters.to_numpy(),
                         "stratum": strata.to_numpy(), "value": values.astype(float).to_numpy()})


def single(rows: pd.DataFrame, task: TaskDefinition) -> ClusteredSample:
    """One model's sample of a task."""
    frame = task_values(rows, task)
    return clustered_sample(frame["value"].to_numpy(), frame["cluster"].tolist(),
                            frame["stratum"].tolist())


def paired(model_rows: pd.DataFrame, base_rows: pd.DataFrame, task: TaskDefinition
           ) -> tuple[ClusteredSample, int]:
    """Both sides on the sample ids scored on both (side 0: model, side 1: base), and how
    many samples that is."""
    both = task_values(model_rows, task).merge(
        task_values(base_rows, task)[["sample_id", "value"]], on="sample_id",
        suffixes=("", "_base"))
    both = both.dropna(subset=["value", "value_base"])
    values = both[["value", "value_base"]].to_numpy()
    return clustered_sample(values, both["cluster"].tolist(), both["stratum"].tolist()), len(both)
