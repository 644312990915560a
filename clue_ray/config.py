"""Command configs: composed by Hydra from conf/, then validated against typed dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, is_dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

from clue_ray.cluster import ClusterSettings
from clue_ray.conf_files import available, conf_dir
from clue_ray.engines.registry import engine_settings_schema
from clue_ray.engines.settings import EngineSettings
from clue_ray.errors import ConfigError, not_one_of
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.models import ModelSettings
from clue_ray.results.settings import BootstrapSettings
from clue_ray.serve.settings import ServeSettings

if TYPE_CHECKING:
    from clue_ray.results.load import ModelInfo

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
    task_options: dict[str, Any]
    user_tasks: list[str]


@dataclass
class ScoreCommand:
    """`clue-ray score`."""

    task: str
    data_dir: str
    predictions: str
    out: str
    scoring: ScoringSettings
    user_tasks: list[str] = field(default_factory=list)  # conf/own_tasks/ (callers in code)


@dataclass
class RunCommand:
    """`clue-ray run`: one sweep of models x tasks."""

    experiment_name: str
    models: list[str]
    tasks: list[str]
    user_tasks: list[str]
    data_dir: str
    output_dir: str
    run_id: str | None
    seeds: list[int]
    limit: int | None
    shard_rows: int
    prompt_chunk_rows: int
    prompt_cache: bool
    prompt_cache_dir: str | None
    scoring_batch_rows: int
    progress_interval_s: float
    engine: EngineSettings
    scoring: ScoringSettings
    cluster: ClusterSettings
    task_options: dict[str, Any]


@dataclass
class ServeCommand(RunCommand):
    """`clue-ray serve`: a run's settings (the scoring service serves its data_dir, tasks and
    scoring; the live page shows its output_dir unless serve.results says otherwise; the
    progress of its run counts its models, limit and seeds) plus the server's."""

    bootstrap: BootstrapSettings
    serve: ServeSettings


@dataclass
class ReportCommand:
    """`clue-ray report`: tables, figures and report.html from result shards."""

    results: str
    out: str
    examples: int
    bootstrap: BootstrapSettings
    user_tasks: list[str]


def load_model(name: str) -> ModelSettings:
    """The registry entry conf/model/<name>.yaml, validated."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    path = conf_dir() / "model" / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown model '{name}' (available: {', '.join(available('model'))})")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(ModelSettings), OmegaConf.load(path))
        model = OmegaConf.to_object(merged)
    except OmegaConfBaseException as err:
        raise ConfigError(f"{path}: {_one_line(err)}") from None
    if model.name != name:
        raise ConfigError(f"{path}: name '{model.name}' differs from the file name")
    return model  # type: ignore[return-value]


def registry_info(name: str) -> ModelInfo | None:
    """Kind and base model from conf/model/<name>.yaml (None when there is no such file): what
    the report and the live results page know of a model its results do not describe."""
    from clue_ray.results.load import ModelInfo

    if name not in available("model"):
        return None
    model = load_model(name)
    return ModelInfo(model.kind, model.base_model)


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
        structured = OmegaConf.structured(schema)
        if "engine" in getattr(schema, "__dataclass_fields__", {}):  # engines/registry.py
            structured.engine = OmegaConf.structured(engine_settings_schema())
        typed = OmegaConf.merge(structured, cfg)
        return OmegaConf.to_object(typed)  # type: ignore[return-value]
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_one_line(err)) from None


MISSING_OPTION = re.compile(r"Could not find '([\w/]+)/([^']*)'")


def _not_a_choice(err: Exception) -> str | None:
    """`key 'value' is not one of a, b, c` when a setting typed by a choice (an Enum of
    the engines, metrics/settings.py, models.py or cluster.py) got another value; else None."""
    owner, field, value = (getattr(err, a, None) for a in ("object_type", "key", "value"))
    if not (is_dataclass(owner) and isinstance(field, str) and value is not None):
        return None
    try:
        choices = get_type_hints(owner).get(field)
    except (NameError, TypeError):
        return None
    if not (isinstance(choices, type) and issubclass(choices, Enum)):
        return None
    if isinstance(value, choices) or str(value) in choices.__members__:
        return None
    return str(not_one_of(getattr(err, "full_key", None) or field, value, choices))


def _one_line(err: Exception) -> str:
    choice = _not_a_choice(err)
    if choice:
        return choice
    text = str(err).strip()
    key = getattr(err, "full_key", None)
    missing = MISSING_OPTION.search(text)
    if missing:
        group, name = missing.groups()
        return (f"unknown {group.split('/')[-1]} '{name}' "
                f"(available: {', '.join(available(group))})")
    if "is not a ListConfig, list or tuple" in text and key:
        return f"{key} must be a list: write {key}=[a,b] (one item: {key}=[a])"
    if "Missing mandatory value" in text or "missing mandatory value" in text:
        missing = key or text.rsplit(":", 1)[-1].strip()
        return f"missing setting: {missing}=... is required"
    if text.startswith("Could not override"):
        name = text.split("'")[1] if "'" in text else text
        return f"unknown setting '{name}' (see conf/ for the available keys)"
    first = text.splitlines()[0] if text else type(err).__name__
    return first + (f" (key: {key})" if key and key not in first else "")
