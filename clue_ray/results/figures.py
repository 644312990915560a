"""PNG figures of a report: level scatter, per-task bars and the biomedical-vs-base forest plot.

Matplotlib's object API only (no pyplot global state), rendered with Agg: works headless.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

DPI = 120
KIND_MARKERS = {"general": "o", "biomedical": "^", "baseline": "s"}
DEFAULT_MARKER = "D"
WORSE_COLOUR = "#c0392b"
BETTER_COLOUR = "#27ae60"
NEUTRAL_COLOUR = "#7f7f7f"
ROW_INCH = 0.3  # vertical room per bar or forest row


def _num(row: Any, column: str) -> float:
    """A row's value as float; NaN when the column is absent, empty or not finite."""
    value = row.get(column) if hasattr(row, "get") else None
    if value is None:
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _plain(text: Any) -> str:
    """Text matplotlib draws literally: "$" escaped so that "$...$" is not read as mathtext."""
    return str(text).replace("$", r"\$")


def _label(row: Any) -> str:
    """Model name, plus the seed when the row is not the greedy pass."""
    seed = str(row.get("seed", "greedy"))
    label = f"{row['model']}" if seed in ("greedy", "", "nan") else f"{row['model']} [{seed}]"
    return _plain(label)


def _err(value: float, lo: float, hi: float) -> list[list[float]]:
    """Asymmetric error lengths for one point (0 where a bound is missing)."""
    below = value - lo if not math.isnan(lo) else 0.0
    above = hi - value if not math.isnan(hi) else 0.0
    return [[max(below, 0.0)], [max(above, 0.0)]]


def _family_colours(families: Iterable[str]) -> dict[str, Any]:
    """One colour per family, in first-seen order (tab10, tab20 beyond ten families)."""
    ordered = list(dict.fromkeys(str(f) for f in families))
    cmap = colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    return {family: cmap(i % cmap.N) for i, family in enumerate(ordered)}


def _families(frame: pd.DataFrame) -> list[str]:
    """The colour group of each row."""
    return [str(f) for f in frame["family"]]


def _save(fig: Figure, path: Path) -> Path:
    """Render the figure to a PNG at path (folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI, format="png", bbox_inches="tight")
    return path


def _level_rows(leaderboard: pd.DataFrame) -> pd.DataFrame:
    """Rows with both level scores present."""
    if leaderboard.empty or not {"level1", "level2"} <= set(leaderboard.columns):
        return leaderboard.iloc[0:0]
    both = leaderboard["level1"].notna() & leaderboard["level2"].notna()
    return leaderboard[both]


def _legend_handles(colours: dict[str, Any], kinds: Iterable[str]) -> list[Line2D]:
    """Legend entries: one per family (colour), then one per kind (marker)."""
    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=_plain(f))
               for f, c in colours.items()]
    for kind in dict.fromkeys(kinds):
        handles.append(Line2D([], [], marker=KIND_MARKERS.get(kind, DEFAULT_MARKER),
                              linestyle="", color="black", markerfacecolor="none",
                              label=_plain(f"kind: {kind}")))
    return handles


def headline_figure(leaderboard: pd.DataFrame, path: Path) -> Path | None:
    """Level 2 against Level 1, one point per row with both; None when there is none."""
    rows = _level_rows(leaderboard)
    if rows.empty:
        return None
    colours = _family_colours(_families(rows))
    kinds = [str(k) for k in rows["kind"]]
    fig = Figure(figsize=(9, max(6.0, 0.25 * (len(colours) + len(set(kinds))) + 1)))
    ax = fig.add_subplot()
    for (_, row), family, kind in zip(rows.iterrows(), _families(rows), kinds, strict=True):
        x, y = _num(row, "level1"), _num(row, "level2")
        colour = colours[family]
        ax.errorbar(x, y, xerr=_err(x, _num(row, "level1_lo"), _num(row, "level1_hi")),
                    yerr=_err(y, _num(row, "level2_lo"), _num(row, "level2_hi")),
                    fmt=KIND_MARKERS.get(kind, DEFAULT_MARKER), color=colour, ecolor=colour,
                    elinewidth=1, capsize=3, markersize=8, alpha=0.9)
        ax.annotate(_label(row), (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.set_xlabel("Level 1 score")
    ax.set_ylabel("Level 2 score")
    ax.grid(True, alpha=0.3)
    ax.legend(handles=_legend_handles(colours, kinds), loc="upper left",
              bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)


def _task_frames(leaderboard: pd.DataFrame, tasks: list[str]) -> dict[str, pd.DataFrame]:
    """Per task, the rows with a headline score (tasks with none are left out)."""
    result: dict[str, pd.DataFrame] = {}
    for task in tasks:
        column = f"{task}.headline"
        if column in leaderboard.columns:
            present = leaderboard[leaderboard[column].notna()]
            if not present.empty:
                result[task] = present
    return result


def _task_bars(ax: Axes, rows: pd.DataFrame, task: str, metric: str,
               colours: dict[str, Any]) -> None:
    """Horizontal bars of one task's headline score, first row on top."""
    values = [_num(r, f"{task}.headline") for _, r in rows.iterrows()]
    errors = [_err(v, _num(r, f"{task}.headline_lo"), _num(r, f"{task}.headline_hi"))
              for v, (_, r) in zip(values, rows.iterrows(), strict=True)]
    xerr = [[e[0][0] for e in errors], [e[1][0] for e in errors]]
    positions = list(range(len(values)))
    ax.barh(positions, values, xerr=xerr, capsize=3,
            color=[colours[f] for f in _families(rows)], error_kw={"elinewidth": 1})
    ax.set_yticks(positions, [_label(r) for _, r in rows.iterrows()], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_title(_plain(f"{task} ({metric})" if metric else task), fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)


def task_bars_figure(leaderboard: pd.DataFrame, tasks: list[str], headline: dict[str, str],
                     path: Path) -> Path | None:
    """One subplot of headline-score bars per task; None when no task has a score."""
    frames = _task_frames(leaderboard, tasks)
    if not frames:
        return None
    colours = _family_colours(_families(leaderboard))
    ncols = min(2, len(frames))
    nrows = math.ceil(len(frames) / ncols)
    most = max(len(f) for f in frames.values())
    fig = Figure(figsize=(6.5 * ncols, nrows * (ROW_INCH * most + 1.4)), layout="constrained")
    for i, (task, rows) in enumerate(frames.items()):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        _task_bars(ax, rows, task, headline.get(task, ""), colours)
        ax.set_xlabel("score")
    return _save(fig, path)


def _delta_label(row: Any) -> str:
    """"model − base: name", with the seed in brackets when not greedy."""
    seed = str(row.get("seed", "greedy"))
    suffix = "" if seed in ("greedy", "", "nan") else f" [{seed}]"
    return _plain(f"{row['model']} − {row['base_model']}{suffix}: {row['name']}")


def _delta_colour(lo: float, hi: float) -> str:
    """Red when the CI lies below 0, green above 0, grey otherwise."""
    if not math.isnan(hi) and hi < 0:
        return WORSE_COLOUR
    if not math.isnan(lo) and lo > 0:
        return BETTER_COLOUR
    return NEUTRAL_COLOUR


def deltas_figure(deltas: pd.DataFrame, path: Path) -> Path | None:
    """Forest plot of biomedical − base deltas with 95% CIs; None when there is none."""
    if deltas is None or deltas.empty:
        return None
    fig = Figure(figsize=(8, ROW_INCH * len(deltas) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    labels = []
    for position, (_, row) in enumerate(deltas.iterrows()):
        delta, lo, hi = _num(row, "delta"), _num(row, "ci_lo"), _num(row, "ci_hi")
        colour = _delta_colour(lo, hi)
        if not (math.isnan(lo) or math.isnan(hi)):
            ax.hlines(position, lo, hi, color=colour, linewidth=2)
        if not math.isnan(delta):
            ax.plot([delta], [position], marker="o", color=colour, markersize=6)
        labels.append(_delta_label(row))
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("delta (model − base), 95% CI")
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, path)
