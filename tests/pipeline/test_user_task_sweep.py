"""The worked example of "Adding a task" (docs/tasks.md), end to end as a user runs it: its data
made by its generator, `clue-ray prompts`, `clue-ray run` on the shared local Ray (its YAML task and
its Python-file task beside a CLUE task, in stage actors that know only CLUE's tasks until
handed the others) and `clue-ray report`, where each gets its own column and level 3."""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clue_ray.cli import main
from clue_ray.results.summary import load_rows
from clue_ray.tasks.registry import BUILT_IN, CLUE

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tasks" / "discharge_triage"
OWN = {"discharge_triage": "accuracy", "discharge_triage_strict": "first_word_accuracy"}
CLUE_TASK = "medisumcode"  # scored without a model: the comparison costs no BERTScore load
MODEL = "test-baseline"
LIMIT = 4


def clue(*args: str) -> tuple[int, str]:
    """The entry point in this process; its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


@pytest.mark.usefixtures("shared_ray")
def test_the_worked_example_runs_and_reports_beside_clue_tasks_unchanged(
        simulated_sweep, conf_with_test_models, sweep_overrides, tmp_path, monkeypatch):
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    data, out, report = tmp_path / "data", tmp_path / "results", tmp_path / "report"
    subprocess.run([sys.executable, str(EXAMPLE / "generate.py"), str(data), "--records", "12"],
                   check=True, capture_output=True, timeout=60)
    clue_file = CLUE[CLUE_TASK].source_file
    shutil.copy(simulated_sweep.data_dir / clue_file, data / clue_file)
    own = f"user_tasks=[{EXAMPLE / 'task.yaml'},{EXAMPLE / 'strict_task.py'}]"

    code, err = clue("prompts", "task=discharge_triage", f"data_dir={data}",
                     f"out={tmp_path / 'prompts.jsonl'}", own)
    assert code == 0, err
    assert len((tmp_path / "prompts.jsonl").read_text().splitlines()) == 12 - 2  # 2 shots

    code, err = clue("run", *sweep_overrides(out), f"data_dir={data}", "engine=simulated",
                     f"models=[{MODEL}]", f"tasks=[{CLUE_TASK},{','.join(OWN)}]",
                     f"limit={LIMIT}", own)
    assert code == 0, err
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    rows = load_rows(run_dir)
    assert rows.groupby("task").size().to_dict() == dict.fromkeys([CLUE_TASK, *OWN], LIMIT)
    assert rows["engine_error"].isna().all() and rows["scorer_error"].isna().all()
    for task, metric in OWN.items():
        assert rows.loc[rows.task == task, f"metric_{metric}"].between(0, 1).all()

    ours = rows[rows.task == CLUE_TASK].set_index("sample_id").sort_index()
    before = simulated_sweep.rows
    theirs = before[(before.task == CLUE_TASK) & (before.model == MODEL)
                    ].set_index("sample_id").loc[ours.index]
    compared = ["prediction", "reference", "prompt_sha256",
                *[c for c in ours.columns if c.startswith("metric_icd_")]]
    pd.testing.assert_frame_equal(ours[compared], theirs[compared])
    assert [list(f) for f in ours["flags"]] == [list(f) for f in theirs["flags"]]

    code, err = clue("report", f"results={out}", f"out={report}")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "discharge_triage, discharge_triage_strict, neither CLUE's nor among user_tasks" in err
    assert str(EXAMPLE / "strict_task.py") in err  # named from the run's manifest

    code, err = clue("report", f"results={out}", f"out={report}", "bootstrap.resamples=200",
                     own)
    assert code == 0, err
    (board,) = pd.read_csv(report / "leaderboard.csv").to_dict("records")
    headlines = [board[f"{task}.headline"] for task in OWN]
    assert all(math.isfinite(h) for h in headlines)
    assert board["level3"] == pytest.approx(sum(headlines) / len(headlines))
    assert board["level3_lo"] <= board["level3"] <= board["level3_hi"]
    assert board[f"{CLUE_TASK}.headline"] == pytest.approx(
        100 * ours["metric_icd_em_f1"].mean())
    page = (report / "report.html").read_text()
    assert "level 3 [95% CI]" in page and "discharge_triage_strict (first_word_accuracy)" in page
    assert tuple(CLUE) == BUILT_IN  # every command removed the tasks it added
