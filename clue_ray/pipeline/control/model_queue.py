"""Models side by side: up to `cluster.models_at_once` model passes run at once, each in a
thread of the driver with its own Ray Data stream. When one ends the next starts, so its
prompt building and engine start overlap the others' tails; where the cluster has room for
several models' streams, they all run at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
POLL_S = 0.5  # the driver's main thread waits in steps this long, so Ctrl-C and SIGTERM land


def run_models(models: Sequence[T], run_one: Callable[[T], None], at_once: int) -> None:
    """`run_one(model)` for every model in order, at most `at_once` at a time. An error
    raised by a pass (one it does not handle itself: a full disk, a setting) stops new passes
    from starting and is raised here once the passes under way have ended."""
    if at_once <= 1:
        for model in models:
            run_one(model)
        return
    errors: list[BaseException] = []
    slots = threading.Semaphore(at_once)
    running: list[threading.Thread] = []

    def work(model: T) -> None:
        try:
            run_one(model)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            errors.append(err)
        finally:
            slots.release()

    for model in models:
        while not slots.acquire(timeout=POLL_S):
            pass
        if errors:
            break
        thread = threading.Thread(target=work, args=(model,), daemon=True)
        thread.start()
        running.append(thread)
    for thread in running:
        while thread.is_alive():
            thread.join(POLL_S)
    if errors:
        raise errors[0]
