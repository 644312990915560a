"""The engine's settings: which engine (`kind`), its decoding, and its own section.

Each engine declares its section's type in its module (engines/registry.py gathers them into
the schema the config is checked against); values come from conf/engine/ (no defaults here).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from clue_ray.setting import Setting


class Decoding(StrEnum):
    """Greedy decoding, or the model's own generation defaults (sampling; the reference)."""

    greedy = "greedy"
    engine_defaults = "engine_defaults"


@dataclass
class EngineSettings:
    """The selected engine (`kind`) and its decoding. A composed config holds the subclass
    built by engines/registry.py, with one optional section per engine, named by its kind."""

    kind: Annotated[str, Setting("the engine: the name of a module of engines/ or of a plugin")]
    decoding: Annotated[Decoding, Setting(
        "greedy, or engine_defaults: the model's own generation defaults (sampling)")]

    def section(self) -> Any:
        """The selected engine's own settings (None when the config gives it none)."""
        return getattr(self, str(self.kind), None)

    def batch_size(self) -> int:
        """Rows per engine call (16 for an engine whose section sets none)."""
        return int(getattr(self.section(), "batch_size", 16))
