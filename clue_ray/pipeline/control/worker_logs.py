"""Ray's and vLLM's output kept out of the console: each worker's lines go to
`<run folder>/logs/<worker>.log`, the driver's standard error (Ray's and vLLM's log records,
Ray's C++ core, warnings) to `logs/driver.log`; a worker's first error is shown once, in one
line naming its file, and warnings are counted.

Ray forwards worker output to the driver through a dispatcher of its own
(`ray._private.ray_logging.global_worker_stdstream_dispatcher`), printing it with a handler
named `ray_print_logs`, and prints the raylet's messages with `print_to_stdstream`; while a
sweep runs both go to our handler instead, and are put back after (private Ray APIs, the
ones Ray's own debugger uses to silence worker output; a Ray without them keeps printing,
and says so once)."""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clue_ray.errors import excerpt

LOGS = "logs"
DRIVER_LOG = "driver.log"
RAY_HANDLER = "ray_print_logs"
OUR_HANDLER = "clue_ray_worker_logs"
ERROR = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b|^\s*[\w.]+(Error|Exception): ")
ERROR_CAUSE = re.compile(r"^\s*[\w.]+(Error|Exception): ")
WARNING = re.compile(r"\bWARN(ING)?\b|\w+Warning: ")


def worker_file_name(data: dict[str, Any]) -> str:
    """`<actor or task>-<pid>` (raylet, autoscaler: their name), safe as a file name."""
    pid = str(data.get("pid", "unknown"))
    if pid in ("raylet", "autoscaler"):
        return pid
    name = data.get("actor_name") or data.get("task_name") or "worker"
    where = "" if data.get("ip") in (None, data.get("localhost")) else f"-{data['ip']}"
    return re.sub(r"[^A-Za-z0-9_.]+", "-", f"{name}{where}-{pid}").strip("-")


class WorkerLogs:
    """A handler of Ray's forwarded worker output (and a counter of the driver's framework
    warnings): writes it to files, says each worker's first error once through `say`."""

    def __init__(self, folder: Path, say: Callable[[str], None]) -> None:
        self.folder = folder
        self.say = say
        self.warnings = 0
        self.errors = 0
        self._told: set[str] = set()
        self._lock = threading.Lock()

    def handle(self, data: dict[str, Any]) -> None:
        """One batch of a worker's lines (Ray's dispatcher calls it from its log thread)."""
        lines = [str(line) for line in data.get("lines", [])]
        if not lines:
            return
        name = worker_file_name(data)
        path = self.folder / f"{name}.log"
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in lines)
            errors = self._count(lines)
            if errors and name not in self._told:
                self._told.add(name)
                causes = [line for line in errors if ERROR_CAUSE.match(line)]
                shown = (causes or errors)[-1]
                self.say(f"worker error ({name}): {excerpt(shown.strip(), 200)} "
                         f"(full output: {path})")

    def count_file(self, path: Path) -> None:
        """Count the warning and error lines of a file written past this object (the
        driver's standard error)."""
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        with self._lock:
            self._count(text.splitlines())

    def _count(self, lines: list[str]) -> list[str]:
        """Count these lines' warnings and errors; return the error lines."""
        errors = [line for line in lines if ERROR.search(line)]
        self.errors += len(errors)
        self.warnings += sum(1 for line in lines
                             if WARNING.search(line) and not ERROR.search(line))
        return errors

    def summary(self) -> str | None:
        """`3 warnings from Ray and vLLM (see <folder>)`, or None when there were none."""
        parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in
                 ((self.errors, "error"), (self.warnings, "warning")) if n]
        if not parts:
            return None
        return f"{' and '.join(parts)} from Ray and vLLM workers (see {self.folder}/)"


@contextmanager
def worker_lines_to(logs: WorkerLogs) -> Iterator[None]:
    """While inside, Ray's forwarded worker output, and the raylet's messages it would print
    (`(raylet) WARNING: 22 PYTHON worker processes ...`, a task's failure), go to `logs`
    (call once Ray is up)."""
    try:
        import ray._private.worker as ray_worker
        from ray._private.ray_logging import global_worker_stdstream_dispatcher as dispatcher
    except ImportError:
        print("this Ray has no worker-output dispatcher: its workers' output is printed here")
        yield
        return
    printing = [pair for pair in dispatcher.handlers if pair[0] == RAY_HANDLER]
    dispatcher.remove_handler(RAY_HANDLER)
    dispatcher.add_handler(OUR_HANDLER, logs.handle)
    raylet_printer = ray_worker.print_to_stdstream
    ray_worker.print_to_stdstream = lambda data, ignore_prefix: logs.handle(data)
    try:
        yield
    finally:
        ray_worker.print_to_stdstream = raylet_printer
        dispatcher.remove_handler(OUR_HANDLER)
        for name, handler in printing:
            dispatcher.add_handler(name, handler)


@contextmanager
def driver_stderr_to(logs: WorkerLogs) -> Iterator[None]:
    """While inside, the driver's standard error (file descriptor 2: Ray's and vLLM's log
    records, which Ray writes to whatever `sys.stderr` is when they are emitted, Ray's C++
    core, Python's warnings) goes to `logs/driver.log`; the sweep's own lines go to standard
    output and stay on the console."""
    path = logs.folder / DRIVER_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 2)
    os.close(target)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        logs.count_file(path)
