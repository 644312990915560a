"""Percentile bootstrap over samples, clustered and stratified, for one or several sides.

A task's score is the mean over strata of the mean per-sample value within each stratum, x 100
(one stratum for most tasks; LongHealth's strata are its subtasks). Resampling draws whole
clusters with replacement (a sample is its own cluster, except LongHealth, whose rows of one
question form a cluster since its repeats are not independent). Several sides (a model and its
base) resampled with the same draws give a paired bootstrap of their difference.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CHUNK = 256  # resamples drawn at a time (bounds memory: CHUNK x clusters counts)


@dataclass(frozen=True)
class ClusteredSample:
    """Per-cluster, per-stratum sums and counts of per-sample values, one layer per side."""

    sums: np.ndarray    # (clusters, strata, sides)
    counts: np.ndarray  # (clusters, strata, sides)

    @property
    def clusters(self) -> int:
        """Number of clusters."""
        return self.sums.shape[0]


def clustered_sample(values: np.ndarray, clusters: Sequence[object],
                     strata: Sequence[object]) -> ClusteredSample:
    """Group per-sample values (shape (n,) or (n, sides); NaN = unscored, left out)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    cluster_ids = _codes(clusters)
    stratum_ids = _codes(strata)
    shape = (int(cluster_ids.max(initial=-1)) + 1, int(stratum_ids.max(initial=-1)) + 1,
             values.shape[1])
    sums, counts = np.zeros(shape), np.zeros(shape)
    scored = ~np.isnan(values)
    for side in range(values.shape[1]):
        keep = scored[:, side]
        np.add.at(sums[:, :, side], (cluster_ids[keep], stratum_ids[keep]), values[keep, side])
        np.add.at(counts[:, :, side], (cluster_ids[keep], stratum_ids[keep]), 1.0)
    return ClusteredSample(sums, counts)


def _codes(labels: Sequence[object]) -> np.ndarray:
    index: dict[object, int] = {}
    return np.array([index.setdefault(label, len(index)) for label in labels], dtype=np.int64)


def score(weights: np.ndarray, sample: ClusteredSample) -> np.ndarray:
    """Scores (resamples, sides) for cluster weights (resamples, clusters): the mean over
    strata of the weighted stratum means, x 100 (NaN where no stratum has a value)."""
    sums = np.einsum("bc,csk->bsk", weights, sample.sums)
    counts = np.einsum("bc,csk->bsk", weights, sample.counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), np.nan)
        present = ~np.isnan(means)
        total = np.where(present, means, 0.0).sum(axis=1)
        return 100.0 * np.where(present.any(axis=1), total / present.sum(axis=1), np.nan)


def point_estimate(sample: ClusteredSample) -> np.ndarray:
    """Each side's score on the data as observed (every cluster once): shape (sides,)."""
    return score(np.ones((1, sample.clusters)), sample)[0]


def resample(sample: ClusteredSample, resamples: int, seed: int, stream: str) -> np.ndarray:
    """Bootstrap scores (resamples, sides). `stream` (e.g. the task name) picks an independent
    random stream, so draws do not depend on which other tasks are resampled."""
    rng = np.random.default_rng([seed, zlib.crc32(stream.encode())])
    n = sample.clusters
    out = []
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
        out.append(score(weights, sample))
    return np.concatenate(out) if out else np.empty((0, sample.sums.shape[2]))


def interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of bootstrap draws (NaN draws ignored; NaN when none is left)."""
    kept = draws[~np.isnan(draws)]
    if not kept.size:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(kept, [tail, 1.0 - tail])
    return float(low), float(high)


def p_value(deltas: np.ndarray) -> float:
    """Two-sided bootstrap p-value of "difference = 0": twice the smaller share of draws on
    either side of 0, with one pseudo-draw added to each side so it is never 0."""
    kept = deltas[~np.isnan(deltas)]
    if not kept.size:
        return float("nan")
    below = (np.sum(kept <= 0) + 1) / (kept.size + 1)
    above = (np.sum(kept >= 0) + 1) / (kept.size + 1)
    return float(min(1.0, 2.0 * min(below, above)))
