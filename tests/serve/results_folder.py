"""A results folder for the live page tests: constructed shards (texts carrying a marker)
and a manifest whose config says what the run will store."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from results.constructed import write_group, write_manifest

from clue_ray.config import ReportCommand, compose, registry_info
from clue_ray.results.leaderboard import build_leaderboard
from clue_ray.results.load import load_results
from clue_ray.results.settings import BootstrapSettings
from clue_ray.tasks.registry import CLUE

MARKER = "ZQXJ-credentialed-passage"
RUN = "live-run"
MODELS = {"m-general": ("general", None), "m-bio": ("biomedical", "m-general")}


def texts(n: int) -> list[str]:
    """Prediction/reference texts that must never be served."""
    return [f"{MARKER} patient note {i}" for i in range(n)]


def build(root: Path, data_dir: Path) -> Path:
    """`root/live-run` with mednli for both models and meqsum for one; returns root."""
    run = root / RUN
    mednli = [r.sample_id for r in CLUE.references("mednli", data_dir)]
    meqsum = [r.sample_id for r in CLUE.references("meqsum", data_dir)]
    for i, model in enumerate(MODELS):
        n = len(mednli) - 3 * i
        write_group(run, model, "mednli", mednli[:n],
                    {"accuracy": [float((k + i) % 2) for k in range(n)]}, texts=texts(n),
                    flags=["empty_output" if k == 0 else "" for k in range(n)])
    write_group(run, "m-general", "meqsum", meqsum[:5], {"rougeL": [0.1, 0.2, 0.3, 0.4, 0.5],
                                                         "rouge1": [0.5] * 5}, texts=texts(5))
    write_manifest(run, MODELS, config={"models": list(MODELS), "tasks": ["mednli", "meqsum"],
                                        "data_dir": str(data_dir), "limit": None, "seeds": []})
    return root


def add_shard(root: Path, data_dir: Path, model: str, task: str, values: list[float]) -> None:
    """A new shard lands: `model`'s first rows of `task` with these rougeL (and rouge1)."""
    ids = [r.sample_id for r in CLUE.references(task, data_dir)][: len(values)]
    write_group(root / RUN, model, task, ids, {"rougeL": values, "rouge1": values},
                texts=texts(len(values)))


def add_meqsum(root: Path, data_dir: Path) -> None:
    """A new shard lands: the biomedical model's first meqsum rows."""
    add_shard(root, data_dir, "m-bio", "meqsum", [0.9, 0.8, 0.7, 0.6])


def report_bootstrap() -> BootstrapSettings:
    """The report's own bootstrap settings (conf/bootstrap/)."""
    return compose("report", ["results=x", "out=y"], ReportCommand).bootstrap


def report_board(root: Path, bootstrap: BootstrapSettings) -> list[dict]:
    """The report's leaderboard of the folder, as JSON records (NaN as null)."""
    table = build_leaderboard(load_results(root, registry_info), bootstrap).table
    return [{str(k): _plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def _plain(value: object) -> object:
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and math.isnan(value) else value


POINT_COLUMNS_END = ("_lo", "_hi")


def points(board: list[dict]) -> list[dict]:
    """Every column but the interval bounds."""
    return [{k: v for k, v in row.items() if not k.endswith(POINT_COLUMNS_END)}
            for row in board]
