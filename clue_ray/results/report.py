"""The report: leaderboard.csv, deltas.csv, failures.csv, PNG figures and report.html.

Everything comes from the result shards (scores and flags, never texts) and the run
manifests; example outputs are added only on request and only from public tasks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clue_ray.errors import ConfigError
from clue_ray.fileio import write_atomic
from clue_ray.results.deltas import Comparison, build_deltas
from clue_ray.results.examples import read_examples
from clue_ray.results.figures import deltas_figure, headline_figure, task_bars_figure
from clue_ray.results.flag_counts import flag_counts
from clue_ray.results.html_report import ReportContent, write_html
from clue_ray.results.leaderboard import Board, build_leaderboard
from clue_ray.results.load import ModelInfo, ResultSet, load_results
from clue_ray.results.settings import BootstrapSettings
from clue_ray.results.text_table import format_table, number
from clue_ray.tasks.options import KEY, parse_block
from clue_ray.tasks.registry import CLUE, TaskSet


@dataclass
class ReportFiles:
    """What the report wrote."""

    leaderboard: Path
    deltas: Path
    failures: Path
    figures: list[Path]
    html: Path


def run_notes(results: ResultSet) -> list[str]:
    """Facts about the runs a reader must know (scores not comparable with the reference)."""
    notes = []
    for manifest in results.manifests:
        config = manifest.get("config", {})
        for task, deviation in option_deviations(config, results.tasks).items():
            notes.append(f"run {manifest.get('run_id')}: {task} {deviation}")
        if config.get("limit") is not None:
            notes.append(f"run {manifest.get('run_id')}: limit={config['limit']} samples per "
                         "task, not the full benchmark")
    return notes


def option_deviations(config: dict[str, Any], tasks: TaskSet) -> dict[str, str]:
    """Task -> why its scores are not comparable with the reference, from the options a run
    recorded (`task_options`; a manifest written before it kept a task's block at the top)."""
    found = {}
    for name, task in tasks.items():
        block = config.get(KEY, {}).get(name, config.get(name))
        if task.options_type is None or not isinstance(block, dict):
            continue
        try:
            deviation = getattr(parse_block(task, block), "deviation", lambda: None)()
        except ConfigError:
            continue  # options this version cannot read change no note
        if deviation:
            found[name] = deviation
    return found


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A CSV written atomically."""
    write_atomic(path, frame.to_csv(index=False))
    return path


def console_table(board: Board, tasks: TaskSet = CLUE) -> str:
    """Headline scores per model and pass (aggregates only)."""
    rows = []
    for _, row in board.table.iterrows():
        cells = [str(row["model"]), str(row["seed"]), str(row["kind"])]
        cells += [number(row.get(f"{t}.headline")) for t in board.tasks]
        cells += [f"{number(row[f'level{lv}'])} [{number(row[f'level{lv}_lo'])}, "
                  f"{number(row[f'level{lv}_hi'])}]" for lv in tasks.levels()]
        cells.append(str(row["flagged"]))
        rows.append(cells)
    return format_table(["model", "seed", "kind", *board.tasks,
                         *(f"level{lv} [95% CI]" for lv in tasks.levels()), "flagged"], rows)


def figures(board: Board, comparison: Comparison, out: Path, tasks: TaskSet = CLUE
            ) -> dict[str, Path]:
    """Caption -> PNG of every figure there is data for."""
    headline = {t: tasks[t].headline_metric for t in board.tasks}
    made = {
        "Level 1 vs Level 2 score (colour: base model, marker: kind)":
            headline_figure(board.table, out / "headline.png"),
        "Headline score per task with 95% bootstrap intervals":
            task_bars_figure(board.table, board.tasks, headline, out / "tasks.png"),
        "Biomedical model minus its base model, with 95% paired bootstrap intervals":
            deltas_figure(comparison.table, out / "deltas.png"),
    }
    return {caption: path for caption, path in made.items() if path is not None}


def check_known_tasks(results: ResultSet) -> None:
    """Stop (one ConfigError) when the shards hold a task the registry does not know: a user's
    task the report was not given (the runs' manifests name the files they were given)."""
    unknown = sorted({str(t) for t in results.rows["task"].unique()} - set(results.tasks))
    if not unknown:
        return
    files = sorted({f for m in results.manifests
                    for f in m.get("config", {}).get("user_tasks", [])})
    hint = f" (the runs were given user_tasks=[{','.join(files)}])" if files else ""
    raise ConfigError(f"the results hold task(s) {', '.join(unknown)}, neither CLUE's nor "
                      f"among user_tasks: pass the task files the run was given{hint}")


def write_report(results_dir: Path, out: Path, settings: BootstrapSettings, examples: int,
                 registry: Callable[[str], ModelInfo | None], tasks: TaskSet = CLUE
                 ) -> ReportFiles:
    """Build every table and figure, write them under `out`, print the headline table
    (`tasks`: CLUE's and the users' the report was given)."""
    started = time.perf_counter()
    results = load_results(results_dir, registry, tasks=tasks)
    check_known_tasks(results)
    print(f"report: {len(results.rows)} rows, {results.rows['model'].nunique()} models, "
          f"{len(results.manifests)} run manifests under {results_dir}")
    board = build_leaderboard(results, settings)
    comparison = build_deltas(results, settings)
    failures = flag_counts(results.rows)
    out.mkdir(parents=True, exist_ok=True)
    plots = figures(board, comparison, out, tasks)
    notes = results.notes + run_notes(results) + board.notes + comparison.notes
    content = ReportContent(
        title="CLUE evaluation report", generated_at=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        tasks=board.tasks, headline={t: tasks[t].headline_metric for t in board.tasks},
        leaderboard=board.table, deltas=comparison.table, worse_summary=comparison.summary,
        flags=failures, figures=plots, manifests=results.manifests, notes=notes,
        examples=(read_examples(results_dir, examples, results.rows, tasks) if examples > 0
                  else None),
    )
    files = ReportFiles(
        leaderboard=write_csv(board.table, out / "leaderboard.csv"),
        deltas=write_csv(comparison.table, out / "deltas.csv"),
        failures=write_csv(failures, out / "failures.csv"),
        figures=list(plots.values()), html=write_html(content, out / "report.html"),
    )
    print(console_table(board, tasks))
    for line in [*comparison.summary, *notes]:
        print(line)
    print(f"wrote {out}: leaderboard.csv, deltas.csv, failures.csv, {len(plots)} figures, "
          f"report.html ({time.perf_counter() - started:.1f} s)")
    return files
