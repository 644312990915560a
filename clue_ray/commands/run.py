"""`clue-ray run`: one sweep (experiment = models x tasks x engine x cluster)."""

from __future__ import annotations

from clue_ray.config import RunCommand
from clue_ray.pipeline.control.run import run_sweep

FAILED_ROWS = 3  # exit status of a run that stored every row it could but some failed


def run_run(cmd: RunCommand) -> int:
    """Run the sweep; 0 when every row is stored and scored (flagged rows included),
    FAILED_ROWS when rows ended in an engine or scorer error (the rest is kept)."""
    return FAILED_ROWS if run_sweep(cmd)["failed"] else 0
