"""Typed report settings. Values come from conf/bootstrap/ (no defaults live here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from clue_ray.setting import Setting


@dataclass
class BootstrapSettings:
    """Percentile bootstrap: number of resamples, interval coverage, random seed."""

    resamples: Annotated[int, Setting("bootstrap draws per interval", ge=100)]
    confidence: Annotated[float, Setting("interval coverage, e.g. 0.95", gt=0, lt=1)]
    seed: Annotated[int, Setting("seed of the draws (intervals are reproducible)")]
