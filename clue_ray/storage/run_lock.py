"""One writer per run folder: an exclusive lock on its `.lock` file, held for the whole
run and released by the system when the process ends, however it ends. The file names the
holder (host, pid, start) so a refused run can say who holds it; a holder that died without
clearing the file is reported when the next run takes over."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from clue_ray.errors import ConfigError
from clue_ray.storage.run_folder import RunFolder


def _holder() -> dict[str, object]:
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}


def _describe(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']} on {holder['host']}, started {holder['started']}"
    except (ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def run_lock(folder: RunFolder) -> Iterator[None]:
    """Hold the run folder's lock, or refuse at once naming the process that holds it."""
    run_dir = folder.path
    run_dir.mkdir(parents=True, exist_ok=True)
    path = folder.lock_file
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise ConfigError(
                f"{run_dir} is being written by {_describe(handle.read())}: a second run into "
                "the same folder would store rows twice; wait for it, or choose another "
                "output_dir") from None
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            print(f"taking over the run folder from {_describe(previous)}, which ended "
                  "without releasing it")
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(_holder()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # a clean end leaves the file empty; the system drops the lock
