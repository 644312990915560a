"""Aggregates: mean x 100 with NaN excluded, LongHealth subtasks, level scores (plain means)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clue_ray.metrics.aggregate import aggregate_task, level_scores
from clue_ray.tasks.registry import CLUE

NAN = math.nan
HEADLINE = {"mednli": "accuracy", "meqsum": "rougeL", "problem_summary": "rougeL",
            "longhealth": "accuracy", "medisumqa": "rougeL", "medisumcode": "icd_em_f1"}
LEVELS = {"mednli": 1, "meqsum": 1, "problem_summary": 1,
          "longhealth": 2, "medisumqa": 2, "medisumcode": 2}


def test_mean_times_100_excluding_nan():
    per_sample = [{"rouge1": 0.5, "rougeL": 0.25}, {"rouge1": 1.0, "rougeL": NAN},
                  {"rouge1": NAN, "rougeL": 0.75, "only_nan": NAN}]
    # rouge1: (0.5 + 1.0) / 2 * 100 = 75; rougeL: (0.25 + 0.75) / 2 * 100 = 50
    # only_nan: no scored sample -> absent; umls_f1: absent everywhere -> absent
    assert aggregate_task(CLUE["meqsum"], per_sample, [None] * 3) == {"rouge1": 75.0,
                                                                      "rougeL": 50.0}


def test_plain_mean_full_precision():
    # MedNLI [1, 0, 0]: 100/3 (no double-counted first sample, no rounding)
    result = aggregate_task(CLUE["mednli"],
                            [{"accuracy": 1.0}, {"accuracy": 0.0}, {"accuracy": 0.0}], [None] * 3)
    assert result == {"accuracy": 100 / 3}
    assert aggregate_task(CLUE["meqsum"], [], []) == {}


def test_longhealth_subtasks():
    acc = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, NAN, 0.0, 0.0]
    subtasks = ["task1"] * 4 + ["task2"] * 2 + ["task3"] * 4
    result = aggregate_task(CLUE["longhealth"], [{"accuracy": a} for a in acc], subtasks)
    # task1 [1,0,1,1] -> 75; task2 [0,1] -> 50; task3 [1, NaN, 0, 0] -> 100/3
    # accuracy = (75 + 50 + 100/3) / 3 = 52.777...
    assert result == pytest.approx({"task1_accuracy": 75.0, "task2_accuracy": 50.0,
                                    "task3_accuracy": 100 / 3,
                                    "accuracy": (125 + 100 / 3) / 3}, rel=1e-12)


def test_longhealth_mean_of_subtasks_present():
    result = aggregate_task(CLUE["longhealth"], [{"accuracy": 1.0}, {"accuracy": 0.0}],
                            ["task1", "task1"])
    assert result == {"task1_accuracy": 50.0, "accuracy": 50.0}


def headline_values(aggregates):
    return {t: a.get(HEADLINE[t]) for t, a in aggregates.items()}


def test_level_scores():
    aggregates = {"mednli": {"accuracy": 80.0}, "meqsum": {"rougeL": 30.0, "rouge1": 99.0},
                  "problem_summary": {"rougeL": 10.0},
                  "longhealth": {"accuracy": 52.5}, "medisumqa": {"rougeL": 20.0}}
    # level1 = (80 + 30 + 10) / 3 = 40; level2 lacks medisumcode -> absent
    assert level_scores(headline_values(aggregates), LEVELS) == {"level1": 40.0}
    aggregates["medisumcode"] = {"icd_em_f1": 7.5}
    # level2 = (52.5 + 20 + 7.5) / 3 = 80/3
    assert level_scores(headline_values(aggregates), LEVELS) == pytest.approx(
        {"level1": 40.0, "level2": 80 / 3}, rel=1e-12)
    # a task whose prompts overflowed the context withholds its level
    assert level_scores(headline_values(aggregates), LEVELS, {"longhealth"}) == {
        "level1": 40.0}


def test_level_needs_every_headline_value():
    aggregates = {"mednli": {"accuracy": 80.0}, "meqsum": {"rouge1": 30.0},  # no rougeL
                  "problem_summary": {"rougeL": 10.0}}
    assert level_scores(headline_values(aggregates), LEVELS) == {}


def test_level_of_bootstrap_draws():
    draws = {t: np.full(4, float(i)) for i, t in enumerate(["mednli", "meqsum",
                                                            "problem_summary"])}
    assert level_scores(draws, LEVELS)["level1"].tolist() == [1.0] * 4
