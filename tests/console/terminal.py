"""Run a command in a real pseudo-terminal and read its screen as a terminal would show it
(pyte emulates the terminal: redraws in place, cursor moves and colours are applied)."""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fcntl import ioctl

import pyte

COLUMNS, LINES = 160, 60


@dataclass
class Screen:
    """What the terminal showed at the end, and the process's exit status."""

    lines: list[str]  # the screen's non-blank lines, top to bottom
    returncode: int
    history: list[str]  # every non-blank line that scrolled off the top, oldest first


def run_in_terminal(command: Sequence[str], env: dict[str, str], timeout_s: float,
                    columns: int = COLUMNS, cwd: str | None = None) -> Screen:
    """Run `command` with a pty as its stdin, stdout and stderr; feed everything it writes
    to an emulated screen of `columns` x LINES."""
    screen = pyte.HistoryScreen(columns, LINES, history=100_000)
    stream = pyte.ByteStream(screen)
    controller, terminal = pty.openpty()
    ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, columns, 0, 0))
    process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal,
                               env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns),
                                    "LINES": str(LINES)}, cwd=cwd, start_new_session=True)
    os.close(terminal)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    data = os.read(controller, 65536)
                except OSError:  # the other side closed: the process ended
                    break
                if not data:
                    break
                stream.feed(data)
            elif process.poll() is not None:
                break
        else:
            shown = "\n".join(line.rstrip() for line in screen.display if line.strip())
            raise TimeoutError(f"{command[:3]} still running after {timeout_s} s; its screen:"
                               f"\n{shown}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
        os.close(controller)
    returncode = process.wait(timeout=30)
    gone = ["".join(line[x].data for x in range(columns)).rstrip() for line in screen.history.top]
    return Screen([line.rstrip() for line in screen.display if line.strip()], returncode,
                  [line for line in gone if line.strip()])
