"""`clue-ray run`: one sweep (experiment = models x tasks x engine x cluster)."""

from __future__ import annotations

from clue_ray.config import RunCommand
from clue_ray.pipeline.run import run_sweep


def run_run(cmd: RunCommand) -> int:
    """Run the sweep; exit 0 when every row is stored (flagged rows included)."""
    run_sweep(cmd)
    return 0
