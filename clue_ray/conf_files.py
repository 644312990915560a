"""Files of the config tree (conf/) read as they are: where the tree is, a group's options,
and chat templates. Imports nothing of Hydra or OmegaConf (engines read templates)."""

from __future__ import annotations

import os
from pathlib import Path

from clue_ray.errors import ConfigError


def conf_dir() -> Path:
    """The config tree: $CLUE_RAY_CONF, else conf/ beside the package."""
    path = Path(os.environ.get("CLUE_RAY_CONF") or Path(__file__).resolve().parents[1] / "conf")
    if not (path / "prompts.yaml").is_file():
        raise ConfigError(f"config tree not found at {path} (set CLUE_RAY_CONF=DIR)")
    return path


def available(group: str) -> list[str]:
    """Option names of a config group (file stems under conf/<group>/)."""
    return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))


def chat_template_text(name: str | None) -> str | None:
    """The Jinja text of a chat template: a name under conf/chat_templates/ (`llama2`), or
    the path of a .jinja file."""
    if name is None:
        return None
    path = conf_dir() / "chat_templates" / f"{name}.jinja"
    if not path.is_file():
        path = Path(name)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in (conf_dir() / "chat_templates").glob("*.jinja")))
        raise ConfigError(f"unknown chat template '{name}': neither a template of "
                          f"conf/chat_templates/ ({known}) nor a file")
    return path.read_text(encoding="utf-8")
