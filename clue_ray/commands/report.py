"""`clue-ray report`: the leaderboard, deltas, failure modes and report.html from results."""

from __future__ import annotations

from pathlib import Path

from clue_ray.config import ReportCommand, registry_info
from clue_ray.errors import ConfigError
from clue_ray.results.report import write_report
from clue_ray.tasks.user_tasks import task_set


def run_report(cmd: ReportCommand) -> int:
    """Check the folders, then write the report (the users' tasks of `user_tasks` get their
    own columns and levels; the settings' ranges were checked when they were composed)."""
    results = Path(cmd.results)
    if not results.is_dir():
        raise ConfigError(f"results={results}: no such folder")
    if Path(cmd.out).exists() and not Path(cmd.out).is_dir():
        raise ConfigError(f"out={cmd.out} is a file: the report is a folder (leaderboard.csv, "
                          "report.html, ...); choose another out")
    write_report(results, Path(cmd.out), cmd.bootstrap, cmd.examples, registry_info,
                 task_set(cmd.user_tasks))
    return 0
