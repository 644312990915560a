"""`clue-ray rescore`: score the stored predictions of a run under the current scoring
settings, starting no engine (the run id, which scoring settings do not change, finds them)."""

from __future__ import annotations

from clue_ray.commands.run import FAILED_ROWS
from clue_ray.config import RunCommand
from clue_ray.pipeline.control.run import run_sweep


def run_rescore(cmd: RunCommand) -> int:
    """Score every stored prediction lacking a score under these settings; rows that were
    never run through an engine are left to `clue-ray run`."""
    result = run_sweep(cmd, engines=False)
    unrun = result["unrun"]
    if unrun:
        print(f"{unrun} rows have no prediction yet: `clue-ray run` with the same settings "
              "computes them")
    return FAILED_ROWS if result["failed"] else 0
