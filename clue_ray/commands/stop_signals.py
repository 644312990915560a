"""Long-running commands (`clue-ray serve ...`) stop cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets while inside (install it after Ray starts: Ray's
    core worker installs handlers of its own); the previous handlers come back on exit."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_until_set(stop: threading.Event) -> None:
    """Block until `stop` is set, waking regularly so that signal handlers can run."""
    while not stop.wait(0.5):
        pass
