"""Command configs: composed by Hydra from conf/, then validated against typed dataclasses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from clue_ray.errors import ConfigError
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.tasks.settings import LongHealthSettings

T = TypeVar("T")


@dataclass
class PromptsCommand:
    """`clue-ray prompts`."""

    task: str
    data_dir: str
    out: str
    tokenizer: str | None
    chat_template: str | None
    max_context: int | None
    longhealth: LongHealthSettings


@dataclass
class ScoreCommand:
    """`clue-ray score`."""

    task: str
    data_dir: str
    predictions: str
    out: str
    scoring: ScoringSettings


def conf_dir() -> Path:
    """The config tree: $CLUE_RAY_CONF, else conf/ beside the package."""
    path = Path(os.environ.get("CLUE_RAY_CONF") or Path(__file__).resolve().parents[1] / "conf")
    if not (path / "prompts.yaml").is_file():
        raise ConfigError(f"config tree not found at {path} (set CLUE_RAY_CONF=DIR)")
    return path


def compose(config_name: str, overrides: list[str], schema: type[T]) -> T:
    """Compose `conf/<config_name>.yaml` with key=value overrides into a typed object."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = hydra_compose(config_name=config_name, overrides=overrides)
        typed = OmegaConf.merge(OmegaConf.structured(schema), cfg)
        return OmegaConf.to_object(typed)  # type: ignore[return-value]
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_one_line(err)) from None


def _one_line(err: Exception) -> str:
    text = str(err).strip()
    key = getattr(err, "full_key", None)
    if "Missing mandatory value" in text or "missing mandatory value" in text:
        missing = key or text.rsplit(":", 1)[-1].strip()
        return f"missing setting: {missing}=... is required"
    if text.startswith("Could not override"):
        name = text.split("'")[1] if "'" in text else text
        return f"unknown setting '{name}' (see conf/ for the available keys)"
    first = text.splitlines()[0] if text else type(err).__name__
    return first + (f" (key: {key})" if key and key not in first else "")
