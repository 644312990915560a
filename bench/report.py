"""Report cost at the study's scale: every task at its real sample count, for N model pairs.

    .venv/bin/python bench/report.py [--pairs 15] [--resamples 2000]

Builds a results folder of Parquet shards (random per-sample scores; LongHealth 400 questions
x 3 subtasks x 5 repeats), then times reading, the leaderboard with its intervals, the paired
deltas, and the whole `write_report` (tables, figures, HTML). Target: the full study (15
biomedical/base pairs = 30 models, about 290,000 rows) in under 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clue_ray.results.deltas import build_deltas
from clue_ray.results.leaderboard import build_leaderboard
from clue_ray.results.load import ModelInfo, load_results
from clue_ray.results.report import write_report
from clue_ray.results.settings import BootstrapSettings
from clue_ray.rows import METRIC_PREFIX
from clue_ray.storage.run_folder import RunFolder
from clue_ray.tasks.registry import CLUE


def task_rows(task: str, skill: float, rng: np.random.Generator) -> pd.DataFrame:
    """One model's rows of a task with scores around `skill`."""
    if task == "longhealth":
        ids = [f"p{p}/{q}/{s}/{r}" for p in range(20) for q in range(20)
               for s in ("task1", "task2", "task3") for r in range(5)]
        subtasks = [i.split("/")[2] for i in ids]
    else:
        ids, subtasks = [str(i) for i in range(CLUE[task].expected_samples)], None
    binary = task in ("mednli", "longhealth")
    values = (rng.random(len(ids)) < skill) if binary else rng.beta(2, 2 / skill - 2, len(ids))
    return pd.DataFrame({"task": task, "sample_id": ids, "subtask": subtasks, "seed": -1,
                         "flags": "", METRIC_PREFIX + CLUE[task].headline_metric
                         if task != "longhealth" else METRIC_PREFIX + "accuracy":
                         values.astype(float)})


def build_results(root: Path, pairs: int) -> dict[str, ModelInfo]:
    """Shards of `pairs` base models and one biomedical model derived from each."""
    rng = np.random.default_rng(0)
    models: dict[str, ModelInfo] = {}
    for pair in range(pairs):
        for name, info, skill in ((f"base-{pair}", ModelInfo("general", None), 0.5),
                                  (f"bio-{pair}", ModelInfo("biomedical", f"base-{pair}"), 0.45)):
            models[name] = info
            for task in CLUE:
                frame = task_rows(task, skill, rng).assign(run_id="bench", model=name)
                metrics = [c for c in frame.columns if c.startswith(METRIC_PREFIX)]
                RunFolder(root / "bench").write_rows(name, task, frame, metrics, "bench",
                                                    inference=False)
    return models


def timed(action):
    """(result, seconds)."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()
    settings = BootstrapSettings(resamples=args.resamples, confidence=0.95, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "results"
        models, build_s = timed(lambda: build_results(root, args.pairs))
        results, load_s = timed(lambda: load_results(root, models.get))
        _, board_s = timed(lambda: build_leaderboard(results, settings))
        _, deltas_s = timed(lambda: build_deltas(results, settings))
        _, report_s = timed(lambda: write_report(root, Path(tmp) / "out", settings, 0,
                                                 models.get))
    print(f"{len(results.rows):,} rows, {len(models)} models, {args.resamples} resamples")
    print(f"{'step':<22}{'seconds':>10}")
    for step, seconds in (("write shards", build_s), ("read shards", load_s),
                          ("leaderboard + CIs", board_s), ("paired deltas", deltas_s),
                          ("whole report", report_s)):
        print(f"{step:<22}{seconds:>10.1f}")
    print(f"whole report: {report_s:.1f} s (target < 300 s for the full study)")


if __name__ == "__main__":
    main()
