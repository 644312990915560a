"""The live leaderboard is the report's leaderboard, reads each shard once, follows new
shards, counts progress against what the run will store, and never carries a text."""

from __future__ import annotations

import json

import pytest
from results_folder import (
    MARKER,
    RUN,
    add_meqsum,
    build,
    points,
    report_board,
    report_bootstrap,
)

from clue_ray.config import ServeCommand, compose, registry_info
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.serve.app import planned_rows
from clue_ray.serve.live_results import LiveResults
from clue_ray.serve.page import render_page
from clue_ray.tasks.registry import CLUE


@pytest.fixture
def results(tmp_path, synthetic_data_dir):
    return build(tmp_path / "results", synthetic_data_dir)


def live(results, intervals=False, planned=None):
    return LiveResults(results, report_bootstrap(), intervals, planned or {}, registry_info)


def test_the_leaderboard_is_the_reports_with_and_without_intervals(results):
    bootstrap = report_bootstrap()
    with_intervals = live(results, intervals=True).snapshot()
    assert with_intervals["intervals"] is True
    assert with_intervals["leaderboard"] == report_board(results, bootstrap)
    fast = live(results).snapshot()
    assert points(fast["leaderboard"]) == points(report_board(results, bootstrap))
    assert all(row["level1_lo"] is None and row["mednli.headline_hi"] is None
               for row in fast["leaderboard"])


def test_a_new_shard_is_the_only_file_read_and_changes_the_board(results, synthetic_data_dir):
    page = live(results)
    first = page.snapshot()
    assert first["shards"] == {**first["shards"], "files": 3, "reads": 3}
    assert page.snapshot() is first and page.cache.reads == 3  # nothing changed, nothing read
    add_meqsum(results, synthetic_data_dir)
    second = page.snapshot()
    assert second["version"] != first["version"]
    assert second["shards"]["files"] == 4 and second["shards"]["reads"] == 4
    assert points(second["leaderboard"]) == points(report_board(results, report_bootstrap()))
    bio = {row["model"]: row for row in second["leaderboard"]}["m-bio"]
    assert bio["meqsum.headline"] == pytest.approx(75.0) and bio["meqsum.samples"] == 4


def test_progress_counts_rows_against_the_runs_settings(results, synthetic_data_dir):
    progress = {(p["model"], p["task"]): (p["stored"], p["expected"])
                for p in live(results).snapshot()["progress"]}
    mednli = len(CLUE.references("mednli", synthetic_data_dir))
    meqsum = len(CLUE.references("meqsum", synthetic_data_dir))
    assert progress == {("m-general", "mednli"): (mednli, mednli),
                        ("m-bio", "mednli"): (mednli - 3, mednli),
                        ("m-general", "meqsum"): (5, meqsum),
                        ("m-bio", "meqsum"): (0, meqsum)}


def test_progress_of_the_served_plan_before_its_run_writes_a_manifest(
        tmp_path, synthetic_data_dir):
    cmd = compose("serve_command", ["experiment=demo", f"data_dir={synthetic_data_dir}",
                                    "tasks=[mednli,longhealth]", "limit=5"], ServeCommand)
    planned = planned_rows(cmd)
    run_id = make_plan(cmd).run_id
    assert planned == {run_id: {model: {"mednli": 5, "longhealth": 5}
                                for model in ("demo-general", "demo-biomedical",
                                              "demo-baseline")}}
    (tmp_path / run_id).mkdir()  # the sweep has started, nothing is stored yet
    snapshot = live(tmp_path, planned=planned).snapshot()
    assert snapshot["leaderboard"] == [] and "no score shards" in snapshot["notes"][0]
    assert {(p["model"], p["task"], p["stored"], p["expected"])
            for p in snapshot["progress"]} == {
        (m, t, 0, 5) for m in ("demo-general", "demo-biomedical", "demo-baseline")
        for t in ("mednli", "longhealth")}


def test_no_text_of_the_shards_is_served(results, synthetic_data_dir):
    snapshot = live(results).snapshot()
    page = render_page(snapshot, "/api/leaderboard", 5)
    assert MARKER not in json.dumps(snapshot) and MARKER not in page
    assert "m-general" in page and RUN in page and "<table" in page
