"""What a sweep shows on its console (conf/run.yaml `console`) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from clue_ray.setting import Setting


class DisplayMode(StrEnum):
    """How progress is shown."""

    auto = "auto"    # live on a terminal, lines otherwise
    live = "live"    # one live display, redrawn in place
    lines = "lines"  # one compact progress line per model and interval


class WorkerOutput(StrEnum):
    """Where the output of Ray's and vLLM's workers goes."""

    logs = "logs"        # files under <run folder>/logs/; errors once, warnings counted
    console = "console"  # printed as it comes, as Ray does by default


@dataclass
class ConsoleSettings:
    """The sweep's console (conf/run.yaml `console`)."""

    display: Annotated[DisplayMode, Setting(
        "auto: live display on a terminal, progress lines otherwise; live; lines")]
    worker_output: Annotated[WorkerOutput, Setting(
        "logs: Ray's and vLLM's output to <run folder>/logs/; console: printed as it comes")]
