"""One sweep timed from the call to its last shard and manifest: wall, load (call to the
first engine request), generation span, rows, failures, tokens, the engine's busy share."""

from __future__ import annotations

import time

import pandas as pd

from clue_ray.config import RunCommand
from clue_ray.pipeline.control.engine_time import busy_time
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.results.summary import load_rows


def timed_sweep(cmd: RunCommand) -> tuple[dict[str, float], pd.DataFrame]:
    """Run the sweep; its figures (rows sent to the engine only, for the spans and tokens)
    and every stored row."""
    started_at, started = time.time(), time.perf_counter()
    result = run_sweep(cmd)
    wall = time.perf_counter() - started
    rows = load_rows(result["run_dir"])
    sent = rows[~rows["context_overflow"]]
    spans = list(zip(sent["engine_started_at"], sent["engine_finished_at"], strict=True))
    first = min(s for s, _ in spans)
    return {"rows": len(rows), "failed": result["failed"], "wall_s": wall,
            "load_s": first - started_at, "gen_s": max(e for _, e in spans) - first,
            "prompt_tokens": int(sent["prompt_tokens"].sum()),
            "output_tokens": int(sent["output_tokens"].sum()),
            "busy_share": busy_time(spans) / wall}, rows
