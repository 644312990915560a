"""Progress of a sweep: rows done / total per model and task, rows per second, ETA, prompts
built so far; and a line when no row has finished for a while (a loading model, a hung
server)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

IDLE_CAP_S = 300.0


class Progress:
    """Counts finished rows per task and prints a line per task every `interval_s`; while
    running (a context manager), says so every `interval_s` in which no row finished."""

    def __init__(self, model: str, totals: Mapping[str, int], interval_s: float,
                 stream: TextIO | None = None) -> None:
        self.prompts: Callable[[], tuple[int, int] | None] | None = None
        self.prompt_total = 0
        self.model = model
        self.totals = dict(totals)
        self.done = dict.fromkeys(totals, 0)
        self.width = max([16, *map(len, totals)])  # a task column wide enough for every name
        self.interval_s = interval_s
        self._stream = stream  # None: sys.stdout at the time of each line
        self.started = time.perf_counter()
        self.last_print = self.started
        self.last_row = self.started
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._watch = threading.Thread(target=self._watch_idle, daemon=True)
        self._watch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join()

    @property
    def stream(self) -> TextIO:
        """Where lines go."""
        return self._stream if self._stream is not None else sys.stdout

    def watch_prompts(self, counts: Callable[[], tuple[int, int] | None], total: int) -> None:
        """Also show prompt building: `counts()` gives rows (built, read from the cache)."""
        self.prompts, self.prompt_total = counts, total

    def prompt_text(self) -> str:
        """`prompts 48/950 (16 from the cache)`, or "" when not watched or not answering."""
        counts = self.prompts() if self.prompts is not None else None
        if counts is None:
            return ""
        built, cached = counts
        extra = f" ({cached} from the cache)" if cached else ""
        return f"prompts {built + cached}/{self.prompt_total}{extra}"

    def update(self, task: str, rows: int) -> None:
        """Record finished rows; print when the interval has passed."""
        self.done[task] = self.done.get(task, 0) + rows
        now = time.perf_counter()
        self.last_row = now
        if now - self.last_print >= self.interval_s:
            self.report()
            self.last_print = now

    def report(self) -> None:
        """One line per task, then the model's total."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        for task, total in self.totals.items():
            print(f"  {self.model} {task:<{self.width}} {self.done[task]:>6}/{total:<6}",
                  file=self.stream)
        done, total = sum(self.done.values()), sum(self.totals.values())
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:.0f} s" if eta != float("inf") else "?"
        prompts = self.prompt_text()
        print(f"  {self.model} {'all':<{self.width}} {done:>6}/{total:<6} {rate:.1f} rows/s "
              f"ETA {eta_text}" + (f", {prompts}" if prompts else ""), file=self.stream,
              flush=True)

    def _watch_idle(self) -> None:
        """Say so after `interval_s` without a finished row, then after twice as long each
        time (at most every IDLE_CAP_S), until a row finishes."""
        notice, seen = self.interval_s, self.last_row
        while not self._stop.wait(self.interval_s):
            if self.last_row != seen:
                notice, seen = self.interval_s, self.last_row
            idle = time.perf_counter() - self.last_row
            if idle >= notice:
                done, total = sum(self.done.values()), sum(self.totals.values())
                prompts = self.prompt_text()
                print(f"  {self.model}: no row finished for {idle:.0f} s ({done}/{total} "
                      f"done{', ' + prompts if prompts else ''}; loading, or waiting on the "
                      "engine)", file=self.stream, flush=True)
                notice = idle + min(idle, IDLE_CAP_S)
