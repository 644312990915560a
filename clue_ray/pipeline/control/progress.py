"""Progress of one model's pass: rows stored / total per task, rows per second and ETA from
the pass's start, prompts built (and read from the cache), the engine's busy share, failed
rows so far, and how long no row has finished (a loading model, a hung server).

Off a terminal it prints one compact line per interval and a notice when no row has finished
for a while; under the live display (`display.py`) it prints nothing: the display reads it."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

IDLE_CAP_S = 300.0
COUNTER_POLL_S = 2.0  # the prompt counter is an actor: asked at most this often


class Progress:
    """Counts finished rows per task; with `printing`, prints a line every `interval_s` and,
    while running (a context manager), says so every `interval_s` in which no row finished
    (then after twice as long each time)."""

    def __init__(self, model: str, totals: Mapping[str, int], interval_s: float,
                 stream: TextIO | None = None, printing: bool = True,
                 counter_poll_s: float = COUNTER_POLL_S) -> None:
        self.prompts: Callable[[], tuple[int, int] | None] | None = None
        self.prompt_total = 0
        self._prompt_counts: tuple[float, tuple[int, int] | None] | None = None
        self.counter_poll_s = counter_poll_s
        self.busy: Callable[[], float | None] | None = None
        self.model = model
        self.totals = dict(totals)
        self.done = dict.fromkeys(totals, 0)
        self.failed = dict.fromkeys(totals, 0)
        self.interval_s = interval_s
        self.printing = printing
        self._stream = stream  # None: sys.stdout at the time of each line
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.last_print = self.started
        self.last_row = self.started
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._watch = threading.Thread(target=self._watch_idle, daemon=True)
        self._watch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ended = time.perf_counter()
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

    def watch_engine(self, busy: Callable[[], float | None]) -> None:
        """Also show the engine's busy share so far (`busy()`: None before it answered)."""
        self.busy = busy

    def prompt_text(self) -> str:
        """`prompts 48/950 (16 from the cache)`, or "" when not watched or not answering."""
        counts = self._counts()
        if counts is None:
            return ""
        built, cached = counts
        extra = f" ({cached} from the cache)" if cached else ""
        return f"prompts {built + cached}/{self.prompt_total}{extra}"

    def _counts(self) -> tuple[int, int] | None:
        """The prompt counter's answer, asked again once `counter_poll_s` has passed."""
        if self.prompts is None:
            return None
        now = time.perf_counter()
        if self._prompt_counts is None or now - self._prompt_counts[0] >= self.counter_poll_s:
            self._prompt_counts = (now, self.prompts())
        return self._prompt_counts[1]

    def busy_text(self) -> str:
        """`engine busy 63%`, or "" before the engine has answered."""
        share = self.busy() if self.busy is not None else None
        return "" if share is None else f"engine busy {share:.0%}"

    def update(self, task: str, rows: int, failed: int = 0) -> None:
        """Record finished rows (`failed`: how many of them failed); print when the interval
        has passed."""
        self.done[task] = self.done.get(task, 0) + rows
        self.failed[task] = self.failed.get(task, 0) + failed
        now = time.perf_counter()
        self.last_row = now
        if self.printing and now - self.last_print >= self.interval_s:
            self.report()
            self.last_print = now

    def elapsed_s(self) -> float:
        """Seconds since the pass started (to its end, once it ended)."""
        return (self.ended or time.perf_counter()) - self.started

    def idle_s(self) -> float:
        """Seconds since the last row finished (since the start, before the first)."""
        return 0.0 if self.ended else time.perf_counter() - self.last_row

    def rate(self, task: str | None = None) -> float:
        """Rows per second since the pass started (one task's, or all)."""
        done = self.done[task] if task else sum(self.done.values())
        return done / max(self.elapsed_s(), 1e-9)

    def eta_text(self, task: str | None = None) -> str:
        """Seconds left at the rate so far: `44 s`, `done`, or `?` before the first row."""
        done = self.done[task] if task else sum(self.done.values())
        total = self.totals[task] if task else sum(self.totals.values())
        if done >= total:
            return "done"
        rate = self.rate(task)
        return f"{(total - done) / rate:.0f} s" if rate > 0 else "?"

    def line(self) -> str:
        """One compact line: the model's rows, each task's, the rate, ETA, prompts, engine
        and failures."""
        done, total = sum(self.done.values()), sum(self.totals.values())
        tasks = (" (" + ", ".join(f"{t} {self.done[t]}/{n}" for t, n in self.totals.items())
                 + ")") if len(self.totals) > 1 else ""
        parts = [f"{self.model}: {done}/{total} rows{tasks}", f"{self.rate():.1f} rows/s",
                 f"ETA {self.eta_text()}", self.prompt_text(), self.busy_text()]
        failed = sum(self.failed.values())
        if failed:
            parts.append(f"{failed} failed")
        return "  " + ", ".join(p for p in parts if p)

    def report(self) -> None:
        """Print the line."""
        print(self.line(), file=self.stream, flush=True)

    def _watch_idle(self) -> None:
        """Say so after `interval_s` without a finished row, then after twice as long each
        time (at most every IDLE_CAP_S), until a row finishes."""
        notice, seen = self.interval_s, self.last_row
        while not self._stop.wait(self.interval_s):
            if self.last_row != seen:
                notice, seen = self.interval_s, self.last_row
            idle = time.perf_counter() - self.last_row
            if idle >= notice and self.printing:
                done, total = sum(self.done.values()), sum(self.totals.values())
                prompts = self.prompt_text()
                print(f"  {self.model}: no row finished for {idle:.0f} s ({done}/{total} "
                      f"done{', ' + prompts if prompts else ''}; loading, or waiting on the "
                      "engine)", file=self.stream, flush=True)
                notice = idle + min(idle, IDLE_CAP_S)
