"""The engines there are: every module of this package that exports `ENGINE` (an
EnginePlugin) declares one, found by reading the package, and so does every entry point of
the group `clue_ray.engines` (an engine another installed package provides). Adding an engine
touches its own module, its conf/engine/<name>.yaml and its test, nothing else.

From the declarations come the config's schema for `engine` (`kind` one of their names, one
optional section per engine, typed by its `settings_type`) and, per model, the engine that
answers it (`engine_for`: the baseline's rule for the baseline model)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import field, make_dataclass
from enum import StrEnum
from functools import cache
from importlib.metadata import entry_points
from typing import Annotated

import clue_ray.engines as package
from clue_ray.engines.baseline import RULE_ENGINE, answered_by_rule
from clue_ray.engines.plugin import EnginePlugin
from clue_ray.engines.settings import EngineSettings
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.setting import Setting

ENTRY_POINTS = "clue_ray.engines"


@cache
def engine_plugins() -> dict[str, EnginePlugin]:
    """Name -> declaration of every engine a run can select, sorted by name."""
    declared = [(f"{package.__name__}.{info.name}",
                 getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "ENGINE",
                         None))
                for info in pkgutil.iter_modules(package.__path__)]
    declared += [(entry.value, entry.load()) for entry in entry_points(group=ENTRY_POINTS)]
    found: dict[str, EnginePlugin] = {}
    for where, plugin in declared:
        if plugin is None:
            continue
        if not isinstance(plugin, EnginePlugin) or not plugin.name:
            raise ConfigError(f"{where}: an engine is a named EnginePlugin (got {plugin!r})")
        if plugin.name in found or plugin.name == RULE_ENGINE.name:
            raise ConfigError(f"{where}: another engine is already named '{plugin.name}'")
        found[plugin.name] = plugin
    return dict(sorted(found.items()))


def engine_plugin(kind: str) -> EnginePlugin:
    """The declaration of an engine by name; an unknown one is a ConfigError."""
    plugins = engine_plugins()
    if str(kind) not in plugins:
        raise ConfigError(f"unknown engine '{kind}' (available: {', '.join(plugins)})")
    return plugins[str(kind)]


def engine_for(model: ModelSettings, settings: EngineSettings) -> EnginePlugin:
    """The engine that answers a model: the baseline's rule for the baseline model, else
    the run's engine."""
    return RULE_ENGINE if answered_by_rule(model) else engine_plugin(settings.kind)


@cache
def engine_settings_schema() -> type[EngineSettings]:
    """The structured-config type of `engine`: EngineSettings with `kind` one of the
    engines' names and one optional section per engine (built once per process, and
    importable by reference as this module's `ComposedEngineSettings`, so Ray pickles it)."""
    plugins = engine_plugins()
    # ignored: mypy types a functional Enum from literal members only, these are the plugins'
    kinds = StrEnum("EngineKind", {name: name for name in plugins},  # type: ignore[misc]
                    module=__name__, qualname="EngineKind")
    kind = Annotated[kinds, Setting(f"the engine, one of {', '.join(plugins)}")]
    sections = [(name, Annotated[plugin.settings_type | None,
                                 Setting(f"the {name} engine's own settings")],
                 field(default=None))
                for name, plugin in plugins.items() if plugin.settings_type is not None]
    schema = make_dataclass("EngineSettings", [("kind", kind), *sections],
                            bases=(EngineSettings,))
    schema.__module__, schema.__qualname__ = __name__, "ComposedEngineSettings"
    return schema


def __getattr__(name: str) -> object:
    """`EngineKind` and `ComposedEngineSettings`, built from the engines found."""
    if name == "ComposedEngineSettings":
        return engine_settings_schema()
    if name == "EngineKind":
        return engine_settings_schema().__dataclass_fields__["kind"].type
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
