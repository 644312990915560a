"""How many prompt rows the builders have made (and how many came from the prompt cache), for
the progress lines: a tiny actor the prompt builders tell after each chunk and the driver asks
at each report."""

from __future__ import annotations

from typing import Any


class PromptCount:
    """Rows of prompts made so far: built, and read from the cache."""

    def __init__(self) -> None:
        self.built = 0
        self.cached = 0

    def add(self, rows: int, cached: bool) -> None:
        """Count one chunk's rows."""
        if cached:
            self.cached += rows
        else:
            self.built += rows

    def counts(self) -> tuple[int, int]:
        """(built, from the cache)."""
        return self.built, self.cached


def start_counter() -> Any:
    """A PromptCount actor (no CPU; the driver's handle keeps it alive for the pass)."""
    import ray

    return ray.remote(num_cpus=0)(PromptCount).remote()


def read_counter(counter: Any, timeout_s: float = 5.0) -> tuple[int, int] | None:
    """The counter's (built, cached), or None when it does not answer in time."""
    import ray

    try:
        return ray.get(counter.counts.remote(), timeout=timeout_s)
    except Exception:  # noqa: BLE001 - progress only: a late answer skips one line
        return None
