"""Failure-mode flags counted per model, seed pass, task and flag."""

from __future__ import annotations

import pandas as pd

from clue_ray.metrics.failures import ALL_FLAGS
from clue_ray.results.load import seed_label

COLUMNS = ["model", "seed", "task", "flag", "count", "rows", "share"]


def flag_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Long table: one line per flag that occurs, with the group's row count and the share."""
    records: list[dict[str, object]] = []
    for (model, seed, task), group in rows.groupby(["model", "seed", "task"], sort=True):
        counts: dict[str, int] = {}
        for flags in group["flags"]:
            for flag in flags:
                counts[flag] = counts.get(flag, 0) + 1
        order = [f for f in ALL_FLAGS if f in counts] + sorted(set(counts) - set(ALL_FLAGS))
        records.extend(
            {"model": model, "seed": seed_label(seed), "task": task, "flag": flag,
             "count": counts[flag], "rows": len(group), "share": counts[flag] / len(group)}
            for flag in order
        )
    return pd.DataFrame(records, columns=COLUMNS)
