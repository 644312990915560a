"""Typed report settings. Values come from conf/bootstrap/ (no defaults live here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BootstrapSettings:
    """Percentile bootstrap: number of resamples, interval coverage, random seed."""

    resamples: int
    confidence: float
    seed: int
