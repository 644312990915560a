"""Deltas, intervals and p-values against values worked out by hand on constructed results.

Hand computations (4,000 resamples; Monte Carlo error on a probability about 0.008):
- mednli, model [1,0,0,0] vs base [0,0,0,0]: delta 25. A resample's delta is 25 k, with k the
  number of draws of sample 0 ~ Binomial(4, 1/4): P(k=0) = 0.3164, P(k<=2) = 0.9492,
  P(k<=3) = 0.9961, so the 95% interval is [0, 75] and p = 2 P(k=0) = 0.633.
- meqsum, model = base + 0.1 on every sample (base 0.2, 0.4, 0.6, 0.8): paired resampling gives
  delta 10 in every draw, interval [10, 10], p = 2 / 4001; unpaired, each side would vary.
- problem_summary, model 0.3 vs base 0.5 on every sample: delta -20, interval [-20, -20].
- Level 1 = mean of the three: delta (25 + 10 - 20) / 3 = 5; its draws are (25 k - 10) / 3,
  so the interval is [-10/3, 65/3] and p = 2 P(k=0) = 0.633.
- leaderboard, a model with mednli [1,0,0,0], meqsum 0.6 and problem_summary 0.3 everywhere:
  Level 1 = (25 + 60 + 30) / 3 with draws (25 k + 90) / 3, interval [30, 55].
- longhealth, two questions x 3 subtasks x 2 repeats; the model is right on every row of
  question q0 and wrong on q1, the base always wrong: delta 50. Whole questions are resampled:
  {q0,q0} (1/4) -> 100, mixed (1/2) -> 50, {q1,q1} (1/4) -> 0: interval [0, 100], p = 0.5.
"""

from __future__ import annotations

import math
import time

import pytest
from constructed import longhealth_ids, write_group, write_manifest

from clue_ray.results.deltas import build_deltas
from clue_ray.results.leaderboard import build_leaderboard
from clue_ray.results.load import ModelInfo, load_results
from clue_ray.results.settings import BootstrapSettings

SETTINGS = BootstrapSettings(resamples=4000, confidence=0.95, seed=0)
MODELS = {"bio": ("biomedical", "base"), "base": ("general", None),
          "orphan": ("biomedical", "missing-base"), "flat": ("general", None)}
IDS = ["0", "1", "2", "3"]


def no_registry(name: str) -> ModelInfo | None:
    return None


@pytest.fixture
def results_dir(tmp_path):
    run = tmp_path / "results" / "demo-abc"
    write_manifest(run, MODELS)
    write_group(run, "bio", "mednli", IDS, {"accuracy": [1, 0, 0, 0]})
    write_group(run, "base", "mednli", [*IDS, "4"], {"accuracy": [0, 0, 0, 0, 1]})
    write_group(run, "bio", "meqsum", IDS, {"rougeL": [0.3, 0.5, 0.7, 0.9]})
    write_group(run, "base", "meqsum", IDS[::-1], {"rougeL": [0.8, 0.6, 0.4, 0.2]})
    write_group(run, "bio", "problem_summary", IDS, {"rougeL": [0.3] * 4})
    write_group(run, "base", "problem_summary", IDS, {"rougeL": [0.5] * 4})
    ids, subtasks = longhealth_ids(["p1/q0", "p1/q1"], repeats=2)
    write_group(run, "bio", "longhealth", ids, {"accuracy": [1] * 6 + [0] * 6},
                subtasks=subtasks)
    write_group(run, "base", "longhealth", ids, {"accuracy": [0] * 12}, subtasks=subtasks)
    write_group(run, "orphan", "mednli", IDS, {"accuracy": [1, 1, 0, 0]})
    write_group(run, "flat", "mednli", IDS, {"accuracy": [1, 0, 0, 0]})
    write_group(run, "flat", "meqsum", IDS, {"rougeL": [0.6] * 4})
    write_group(run, "flat", "problem_summary", IDS, {"rougeL": [0.3] * 4})
    return tmp_path / "results"


def delta_row(table, name):
    rows = table[(table.model == "bio") & (table.name == name)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_paired_task_deltas_match_hand_values(results_dir):
    table = build_deltas(load_results(results_dir, no_registry), SETTINGS).table
    mednli = delta_row(table, "mednli")
    assert (mednli.model_score, mednli.base_score, mednli.delta) == (25.0, 0.0, 25.0)
    assert (mednli.ci_lo, mednli.ci_hi) == (0.0, 75.0)
    assert mednli.p_value == pytest.approx(2 * 0.75 ** 4, abs=0.04)
    assert mednli.paired_samples == 4  # the base's extra sample "4" has no partner
    assert not mednli.worse and not mednli.significant

    meqsum = delta_row(table, "meqsum")  # ids stored in another order on the base side
    assert meqsum.delta == pytest.approx(10.0)
    assert (meqsum.ci_lo, meqsum.ci_hi) == (pytest.approx(10.0), pytest.approx(10.0))
    assert meqsum.p_value == pytest.approx(2 / 4001)
    assert meqsum.significant

    summary = delta_row(table, "problem_summary")
    assert summary.delta == pytest.approx(-20.0)
    assert (summary.ci_lo, summary.ci_hi) == (pytest.approx(-20.0), pytest.approx(-20.0))
    assert summary.worse and summary.significant


def test_level_delta_resamples_each_task(results_dir):
    table = build_deltas(load_results(results_dir, no_registry), SETTINGS).table
    level1 = delta_row(table, "level1")
    assert level1.delta == pytest.approx(5.0)
    assert level1.model_score == pytest.approx((25 + 60 + 30) / 3)
    assert level1.ci_lo == pytest.approx(-10 / 3)
    assert level1.ci_hi == pytest.approx(65 / 3)
    assert level1.p_value == pytest.approx(2 * 0.75 ** 4, abs=0.04)
    assert (table.name == "level2").sum() == 0  # medisumqa and medisumcode are absent


def test_longhealth_resamples_whole_questions(results_dir):
    table = build_deltas(load_results(results_dir, no_registry), SETTINGS).table
    longhealth = delta_row(table, "longhealth")
    assert longhealth.delta == pytest.approx(50.0)
    assert (longhealth.ci_lo, longhealth.ci_hi) == (pytest.approx(0.0), pytest.approx(100.0))
    assert longhealth.p_value == pytest.approx(0.5, abs=0.04)


def test_worse_counts_and_missing_base(results_dir):
    comparison = build_deltas(load_results(results_dir, no_registry), SETTINGS)
    assert set(comparison.table.model) == {"bio"}
    assert comparison.summary[0].startswith("1 of 1 biomedical models score below")
    assert comparison.summary[1].startswith("1 of 1 do so with the 95% interval")
    assert any("orphan" in n and "missing-base" in n for n in comparison.notes)


def test_leaderboard_scores_and_intervals(results_dir):
    board = build_leaderboard(load_results(results_dir, no_registry), SETTINGS)
    rows = board.table.set_index("model")
    bio = rows.loc["bio"]
    assert bio["mednli.headline"] == 25.0
    assert (bio["mednli.headline_lo"], bio["mednli.headline_hi"]) == (0.0, 75.0)
    assert bio["mednli.accuracy"] == 25.0
    assert bio["longhealth.headline"] == pytest.approx(50.0)
    assert bio["longhealth.task2_accuracy"] == pytest.approx(50.0)
    assert (bio["longhealth.headline_lo"], bio["longhealth.headline_hi"]) == (0.0, 100.0)
    assert bio["level1"] == pytest.approx((25 + 60 + 30) / 3)
    flat = rows.loc["flat"]  # level 1 draws: (25 k + 60 + 30) / 3, k ~ Binomial(4, 1/4)
    assert flat["level1"] == pytest.approx((25 + 60 + 30) / 3)
    assert (flat["level1_lo"], flat["level1_hi"]) == (pytest.approx(30.0), pytest.approx(55.0))
    assert math.isnan(bio["level2"])
    assert rows.loc["base", "mednli.samples"] == 5
    assert rows.loc["base", "mednli.headline"] == pytest.approx(20.0)
    assert bio["family"] == "base" and rows.loc["base", "family"] == "base"
    assert list(board.table.model) == ["base", "bio", "flat", "orphan"]  # level 1: 40, 38.3, 38.3


def test_context_overflow_withholds_the_level_score(tmp_path):
    run = tmp_path / "r" / "run-1"
    write_manifest(run, {"short": ("general", None)})
    write_group(run, "short", "medisumqa", IDS, {"rougeL": [0.5] * 4})
    write_group(run, "short", "medisumcode", IDS, {"icd_em_f1": [0.5] * 4})
    ids, subtasks = longhealth_ids(["p1/q0"], repeats=1)
    write_group(run, "short", "longhealth", ids, {"accuracy": [0, 0, 1]}, subtasks=subtasks,
                overflow=[True, False, False], flags=["context_overflow", "", ""])
    board = build_leaderboard(load_results(tmp_path / "r", no_registry), SETTINGS)
    row = board.table.iloc[0]
    assert math.isnan(row["level2"])
    assert row["longhealth.headline"] == pytest.approx(100 / 3)
    assert row["longhealth.flagged"] == 1
    assert any("no level 2 score, 1 prompts overflowed" in n for n in board.notes)


def test_a_group_in_two_runs_is_taken_from_the_newest(tmp_path):
    for run_id, accuracy in (("run-a", [1, 0, 0, 0]), ("run-b", [1, 1, 0, 0])):
        write_manifest(tmp_path / run_id, MODELS)
        write_group(tmp_path / run_id, "bio", "mednli", IDS, {"accuracy": accuracy})
        time.sleep(0.05)  # run-b's shard is written later
    results = load_results(tmp_path, no_registry)
    assert set(results.rows.run_id) == {"run-b"} and len(results.rows) == 4
    assert [m["run_id"] for m in results.manifests] == ["run-b"]
    assert results.notes == ["run run-b used for 1 model/task group(s) also found in older "
                             "run(s) run-a, which were set aside (bio/mednli); point results= "
                             "at one run folder to choose"]


def test_sampled_passes_get_a_row_each_and_are_paired_by_seed(tmp_path):
    run = tmp_path / "r" / "run-1"
    write_manifest(run, MODELS)
    for seed, bio in ((1, [1, 1, 0, 0]), (2, [1, 0, 0, 0])):
        write_group(run, "bio", "mednli", IDS, {"accuracy": bio}, seed=seed)
        write_group(run, "base", "mednli", IDS, {"accuracy": [1, 0, 0, 0]}, seed=seed)
    results = load_results(tmp_path / "r", no_registry)
    board = build_leaderboard(results, SETTINGS).table
    assert sorted(zip(board.model, board.seed, board["mednli.headline"], strict=True)) == [
        ("base", "1", 25.0), ("base", "2", 25.0), ("bio", "1", 50.0), ("bio", "2", 25.0)]
    deltas = build_deltas(results, SETTINGS).table
    assert dict(zip(deltas.seed, deltas.delta, strict=True)) == {"1": 25.0, "2": 0.0}
