"""`clue-ray view` as a user runs it: a subprocess on a free port of 127.0.0.1, and what it
printed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)$")
START_TIMEOUT_S = 300


@dataclass
class View:
    """A running `clue-ray view` and everything it printed."""

    process: subprocess.Popen
    output: list[str] = field(default_factory=list)
    _url: str | None = None

    @property
    def url(self) -> str:
        """The base URL, once printed (the folder is read first)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while self._url is None:
            for line in list(self.output):
                if URL_LINE.match(line.strip()):
                    self._url = line.strip()
            if self._url is None:
                if self.process.poll() is not None:
                    pytest.fail(f"clue-ray view ended (exit {self.process.returncode}):\n"
                                + "".join(self.output[-40:]))
                if time.monotonic() > deadline:
                    pytest.fail("clue-ray view printed no URL:\n" + "".join(self.output[-40:]))
                time.sleep(0.2)
        return self._url

    def stop(self) -> int:
        """Ctrl-C, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_view(overrides: list[str], conf: Path, env: dict[str, str] | None = None) -> View:
    """Start `clue-ray view` with these overrides on a free port, with the config tree
    `conf` (the test models' registry entries)."""
    environment = {**os.environ, "CLUE_RAY_CONF": str(conf), "PYTHONUNBUFFERED": "1",
                   **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "clue_ray.cli", "view", *overrides, "port=0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment,
        start_new_session=True)
    view = View(process)

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            view.output.append(line)

    threading.Thread(target=collect, daemon=True).start()
    return view
