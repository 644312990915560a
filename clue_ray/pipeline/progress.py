"""Progress of a sweep: rows done / total per model and task, rows per second, ETA."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TextIO


class Progress:
    """Counts finished rows per task and prints a line per task every `interval_s`."""

    def __init__(self, model: str, totals: Mapping[str, int], interval_s: float,
                 stream: TextIO = sys.stdout) -> None:
        self.model = model
        self.totals = dict(totals)
        self.done = dict.fromkeys(totals, 0)
        self.interval_s = interval_s
        self.stream = stream
        self.started = time.perf_counter()
        self.last_print = self.started

    def update(self, task: str, rows: int) -> None:
        """Record finished rows; print when the interval has passed."""
        self.done[task] = self.done.get(task, 0) + rows
        now = time.perf_counter()
        if now - self.last_print >= self.interval_s:
            self.report()
            self.last_print = now

    def report(self) -> None:
        """One line per task, then the model's total."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        for task, total in self.totals.items():
            print(f"  {self.model} {task:<16} {self.done[task]:>6}/{total:<6}", file=self.stream)
        done, total = sum(self.done.values()), sum(self.totals.values())
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:.0f} s" if eta != float("inf") else "?"
        print(f"  {self.model} all              {done:>6}/{total:<6} {rate:.1f} rows/s "
              f"ETA {eta_text}", file=self.stream, flush=True)
