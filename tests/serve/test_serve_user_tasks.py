"""`clue-ray serve` does not take users' own tasks yet: it says so in one line, before Ray or
any application starts."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from clue_ray.cli import main

TASK_YAML = Path(__file__).resolve().parents[2] / "examples/tasks/discharge_triage/task.yaml"


def test_serve_refuses_user_tasks_before_starting_anything():
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["serve", "experiment=demo", f"user_tasks=[{TASK_YAML}]"])
    assert code == 2
    assert err.getvalue().strip() == (
        "clue-ray: error: clue-ray serve does not take user_tasks yet (its replicas know "
        "CLUE's tasks only): run, report, prompts and score do")
