"""The sweep's console: on a terminal one live display (rich), redrawn in place, with a line
per model and per task; off a terminal (CI, `ray job logs`, a file) each model's compact
progress line per interval. Lines the sweep prints while the display is up appear above it.

Per model: rows stored / total, rows/s and ETA from its pass's start, prompts built and read
from the cache, the engine's busy share, failed rows, and its state (queued, running, idle
for N s, done, stopped); per task its rows and, once the model is done, its headline score."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from clue_ray.console import DisplayMode
from clue_ray.pipeline.control.progress import Progress

REFRESH_PER_S = 1
IDLE_SHOWN_AFTER_S = 5.0


def live_wanted(mode: DisplayMode, is_terminal: bool | None = None) -> bool:
    """Whether to draw the live display: `live`, or `auto` on a terminal."""
    terminal = sys.stdout.isatty() if is_terminal is None else is_terminal
    return mode == DisplayMode.live or (mode == DisplayMode.auto and terminal)


class SweepDisplay:
    """The models of a sweep, their progress and outcome; a rich renderable."""

    def __init__(self, models: list[str], interval_s: float, live: bool) -> None:
        self.models = list(models)
        self.interval_s = interval_s
        self.live = live
        self.passes: dict[str, Progress] = {}
        self.headlines: dict[str, dict[str, str]] = {}
        self.stopped: dict[str, str] = {}
        self.footer: Callable[[], str | None] | None = None  # a line under the table
        self._lock = threading.Lock()

    def progress(self, model: str, totals: Mapping[str, int]) -> Progress:
        """The progress of a model's pass (printing its own lines when not live)."""
        progress = Progress(model, totals, self.interval_s, printing=not self.live)
        with self._lock:
            self.passes[model] = progress
        return progress

    def finished(self, model: str, headlines: dict[str, str]) -> None:
        """A model's pass ended: its headline score per task (`accuracy 52.0`)."""
        with self._lock:
            self.headlines[model] = headlines

    def stop(self, model: str, why: str) -> None:
        """A model's pass stopped (the sweep went on with the others)."""
        with self._lock:
            self.stopped[model] = why

    def state(self, model: str) -> str:
        """queued, running, idle N s, done in N s, or stopped."""
        progress = self.passes.get(model)
        if model in self.stopped:
            return "stopped"
        if progress is None:
            return "queued"
        if progress.ended is not None:
            return f"done in {progress.elapsed_s():.0f} s"
        idle = progress.idle_s()
        return f"idle {idle:.0f} s" if idle >= IDLE_SHOWN_AFTER_S else "running"

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
        for column in ("model", "task", "rows", "rows/s", "ETA", "prompts", "engine",
                       "failed", "state / score"):
            table.add_column(column, justify="right" if column in (
                "rows", "rows/s", "ETA", "failed") else "left")
        with self._lock:
            for model in self.models:
                self._model_rows(table, model)
        caption = self.footer() if self.footer is not None else None
        if caption:
            table.caption = caption
        return table

    def _model_rows(self, table: Any, model: str) -> None:
        progress = self.passes.get(model)
        if progress is None:
            table.add_row(model, "", "", "", "", "", "", "", self.state(model), style="dim")
            return
        done, total = sum(progress.done.values()), sum(progress.totals.values())
        table.add_row(
            f"[bold]{model}[/bold]", "all", f"{done}/{total}", f"{progress.rate():.1f}",
            progress.eta_text(), progress.prompt_text().removeprefix("prompts "),
            progress.busy_text().removeprefix("engine busy "),
            str(sum(progress.failed.values())), self.state(model))
        scores = self.headlines.get(model, {})
        for task, count in progress.totals.items():
            table.add_row("", task, f"{progress.done[task]}/{count}", f"{progress.rate(task):.1f}",
                          progress.eta_text(task), "", "", str(progress.failed[task]),
                          scores.get(task, ""))


@contextmanager
def shown(display: SweepDisplay) -> Iterator[SweepDisplay]:
    """Draw the display live while inside (when it is live); lines printed meanwhile go
    above it, and its last state stays on the screen."""
    if not display.live:
        yield display
        return
    from rich.console import Console
    from rich.live import Live

    console = Console(file=sys.stdout)
    with Live(display, console=console, refresh_per_second=REFRESH_PER_S,
              redirect_stdout=True, redirect_stderr=False):
        try:
            yield display
        finally:
            display.footer = None  # the last frame stays; the sweep prints the count after
