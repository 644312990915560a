"""An engine's one declaration: its settings section, what it can do, the checks it runs
before any model loads, what one replica holds, and how it adds its Ray Data stage.

The pipeline, planner, report and serve ask the declaration (engines/registry.py finds it),
never the engine's name. An engine module exports `ENGINE`, an instance of a subclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clue_ray.cluster import ClusterSettings
from clue_ray.engines.settings import EngineSettings
from clue_ray.models import ModelSettings
from clue_ray.tasks.registry import CLUE, TaskSet

if TYPE_CHECKING:
    from ray.data import Dataset


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, as the rest of the system needs to know it.

    runs_a_model: it loads a model (False: a rule answers; no engine time, no GPU time, no
      rendered prompts). takes_token_ids: rows reach it with `prompt_token_ids`.
    reports_prompt_tokens: it fills `engine_prompt_tokens`. sends_prompts_away: prompts leave
      this cluster (the credentialed-data rule applies). servable: `clue-ray serve model=...`
      deploys it behind an OpenAI-compatible API.
    """

    runs_a_model: bool = True
    takes_token_ids: bool = False
    reports_prompt_tokens: bool = False
    sends_prompts_away: bool = False
    servable: bool = False


@dataclass(frozen=True)
class ReplicaShape:
    """What one engine replica holds: its workers (each `cpus_per_engine` CPUs), GPUs per
    worker, and the RAM its KV cache takes (GiB)."""

    workers: int = 1
    gpus_per_worker: int = 0
    kv_cache_gib: float = 0.0


@dataclass(frozen=True)
class StageRequest:
    """What an engine's stage is built from: the model, the run's engine and cluster
    settings, and the run's tasks (handed to its actors)."""

    model: ModelSettings
    engine: EngineSettings
    cluster: ClusterSettings
    tasks: TaskSet = CLUE


class EnginePlugin:
    """The declaration of one engine. `name` is its `engine.kind` and the name of its
    section; `settings_type` that section's dataclass (None: it has none)."""

    name: str = ""
    settings_type: type | None = None
    capabilities: Capabilities = Capabilities()

    def check_settings(self, section: Any) -> None:
        """Refuse (ConfigError naming the override) settings that cannot work together."""

    def check_model(self, model: ModelSettings, cluster: ClusterSettings) -> None:
        """Refuse a model this cluster can never host with this engine."""

    def check_tasks(self, section: Any, credentialed: Sequence[str]) -> None:
        """Refuse tasks whose data may not reach this engine (`credentialed`: the selected
        tasks under a data use agreement)."""

    def check_installed(self) -> None:
        """Refuse, with what to install, an engine whose packages are missing here."""

    def replica(self, model: ModelSettings, cluster: ClusterSettings) -> ReplicaShape:
        """What one replica of this engine holds for the model."""
        return ReplicaShape()

    def add_stage(self, dataset: Dataset, request: StageRequest) -> Dataset:
        """The dataset of prompt rows through this engine (the engine row contract out)."""
        raise NotImplementedError(f"engine '{self.name}' declares no stage")
