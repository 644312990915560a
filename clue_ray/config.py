"""Command configs: composed by Hydra from conf/, then validated against typed dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, is_dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

from clue_ray.cluster import ClusterSettings
from clue_ray.conf_files import available, conf_dir
from clue_ray.console import ConsoleSettings
from clue_ray.engines.registry import engine_settings_schema
from clue_ray.engines.settings import EngineSettings
from clue_ray.errors import ConfigError, not_one_of
from clue_ray.metrics.settings import ScoringSettings
from clue_ray.models import ModelSettings
from clue_ray.results.settings import BootstrapSettings
from clue_ray.serve.settings import ServeSettings
from clue_ray.setting import Setting, check_values

if TYPE_CHECKING:
    from omegaconf import DictConfig, ListConfig

    from clue_ray.results.load import ModelInfo

T = TypeVar("T")
OPTIONS_DOC = "each task's own options, under its name (conf/task_options/)"
USER_TASKS_DOC = "users' task files (YAML) whose tasks may be selected"


@dataclass
class PromptsCommand:
    """`clue-ray prompts`."""

    task: Annotated[str, Setting("the task whose prompts are written")]
    data_dir: Annotated[str, Setting("folder holding the task's official file")]
    out: Annotated[str, Setting("JSON lines written here")]
    tokenizer: Annotated[str | None, Setting(
        "HF id or local folder; adds prompt and prompt_tokens (LongHealth needs it)")]
    chat_template: Annotated[str | None, Setting(
        "a .jinja file or a conf/chat_templates/ name, replacing the tokenizer's template")]
    max_context: Annotated[int | None, Setting(
        "model context length (null: the tokenizer's model_max_length)", ge=1)]
    task_options: Annotated[dict[str, Any], Setting(OPTIONS_DOC)]
    user_tasks: Annotated[list[str], Setting(USER_TASKS_DOC)]


@dataclass
class ScoreCommand:
    """`clue-ray score`."""

    task: Annotated[str, Setting("the task the predictions answer")]
    data_dir: Annotated[str, Setting("folder holding the task's official file")]
    predictions: Annotated[str, Setting("JSON lines of {sample_id, prediction}")]
    out: Annotated[str, Setting("JSON written here: per-sample scores and the aggregate")]
    scoring: Annotated[ScoringSettings, Setting("scoring settings (conf/scoring/)")]
    user_tasks: Annotated[list[str], Setting(USER_TASKS_DOC)] = field(
        default_factory=list)  # conf/own_tasks/ (callers in code)


@dataclass
class RunCommand:
    """`clue-ray run`: one sweep of models x tasks."""

    experiment_name: Annotated[str, Setting("set by the experiment file; part of the run id")]
    models: Annotated[list[str], Setting("names of conf/model/<name>.yaml")]
    tasks: Annotated[list[str], Setting("CLUE's task names and users' (user_tasks)")]
    user_tasks: Annotated[list[str], Setting(USER_TASKS_DOC)]
    data_dir: Annotated[str, Setting("folder holding the official files of the tasks")]
    output_dir: Annotated[str, Setting("the run folder goes under it")]
    run_id: Annotated[str | None, Setting(
        "null: derived from everything that changes results")]
    seeds: Annotated[list[int], Setting(
        "[]: one greedy pass; [s1, s2, ...]: one sampled pass per seed")]
    limit: Annotated[int | None, Setting(
        "at most this many samples per task (null: all of them)", ge=1)]
    shard_rows: Annotated[int, Setting(
        "finished rows per shard write (an interrupted run recomputes at most these)", ge=1)]
    prompt_chunk_rows: Annotated[int, Setting(
        "sample keys per prompt-building call", ge=1)]
    prompt_cache: Annotated[bool, Setting(
        "models with the same tokenizer, template and context share built prompts")]
    prompt_cache_dir: Annotated[str | None, Setting(
        "null: <system temp>/clue-ray-prompts-<uid> on each node")]
    scoring_batch_rows: Annotated[int, Setting("rows per scoring call", ge=1)]
    progress_interval_s: Annotated[float, Setting(
        "seconds between progress lines (off a terminal) and idle notices", gt=0)]
    console: Annotated[ConsoleSettings, Setting("what the console shows (display, worker output)")]
    engine: Annotated[EngineSettings, Setting("the engine and its section (conf/engine/)")]
    scoring: Annotated[ScoringSettings, Setting("scoring settings (conf/scoring/)")]
    cluster: Annotated[ClusterSettings, Setting("where the sweep runs (conf/cluster/)")]
    task_options: Annotated[dict[str, Any], Setting(OPTIONS_DOC)]


@dataclass
class ServeCommand(RunCommand):
    """`clue-ray serve`: a run's settings (the scoring service serves its data_dir, tasks and
    scoring; the live page shows its output_dir unless serve.results says otherwise; the
    progress of its run counts its models, limit and seeds) plus the server's."""

    bootstrap: Annotated[BootstrapSettings, Setting("the page's bootstrap intervals")]
    serve: Annotated[ServeSettings, Setting("the server (conf/serve/)")]


@dataclass
class ReportCommand:
    """`clue-ray report`: tables, figures and report.html from result shards."""

    results: Annotated[str, Setting("a run folder, or a folder of runs")]
    out: Annotated[str, Setting("folder of the CSVs, figures and report.html")]
    examples: Annotated[int, Setting(
        "example outputs per model and task, public tasks only", ge=0)]
    bootstrap: Annotated[BootstrapSettings, Setting("bootstrap intervals (conf/bootstrap/)")]
    user_tasks: Annotated[list[str], Setting(USER_TASKS_DOC)]


@dataclass
class ViewCommand:
    """`clue-ray view`: a local web app to browse the samples of a results folder."""

    results: Annotated[str, Setting("a run folder, or a folder of runs")]
    data_dir: Annotated[str | None, Setting(
        "the tasks' official files: a sample's prompt is rebuilt from them (null: not shown)")]
    host: Annotated[str, Setting("address listened on; beyond loopback only with a token")]
    port: Annotated[int, Setting("TCP port; 0: a free port, chosen at start", ge=0, le=65535)]
    token: Annotated[str | None, Setting(
        "bearer token every route requires (null: read token_env)")]
    token_env: Annotated[str, Setting("environment variable holding the token")]
    page_rows: Annotated[int, Setting("samples (or pairs) listed per page", ge=1, le=1000)]
    user_tasks: Annotated[list[str], Setting(USER_TASKS_DOC)]


def load_model(name: str) -> ModelSettings:
    """The registry entry conf/model/<name>.yaml, validated."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    path = conf_dir() / "model" / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown model '{name}' (available: {', '.join(available('model'))})")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(ModelSettings), OmegaConf.load(path))
        model = _built(merged, ModelSettings)
        check_values(model)
    except OmegaConfBaseException as err:
        raise ConfigError(f"{path}: {_one_line(err)}") from None
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    if model.name != name:
        raise ConfigError(f"{path}: name '{model.name}' differs from the file name")
    return model


def registry_info(name: str) -> ModelInfo | None:
    """Kind and base model from conf/model/<name>.yaml (None when there is no such file): what
    the report and the live results page know of a model its results do not describe."""
    from clue_ray.results.load import ModelInfo

    if name not in available("model"):
        return None
    model = load_model(name)
    return ModelInfo(model.kind, model.base_model)


def compose(config_name: str, overrides: list[str], schema: type[T], prefix: str = "") -> T:
    """Compose `conf/<config_name>.yaml` with key=value overrides into a typed object, each
    setting checked against its type and its declared range (a range error names the key
    under `prefix`, where the command line gives these settings one: "plan")."""
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
        typed = _built(OmegaConf.merge(structured, cfg), schema)
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_one_line(err)) from None
    check_values(typed, prefix)  # each setting's declared range (clue_ray/setting.py)
    return typed


def _built(config: DictConfig | ListConfig, schema: type[T]) -> T:
    """The object a structured config merged onto `schema` builds (OmegaConf.to_object's
    declared type is any container: checked here)."""
    from omegaconf import OmegaConf

    built = OmegaConf.to_object(config)
    if not isinstance(built, schema):
        raise ConfigError(f"config built a {type(built).__name__}, not a {schema.__name__}")
    return built


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
        required = key or text.rsplit(":", 1)[-1].strip()
        return f"missing setting: {required}=... is required"
    if text.startswith("Could not override"):
        name = text.split("'")[1] if "'" in text else text
        return f"unknown setting '{name}' (see conf/ for the available keys)"
    first = text.splitlines()[0] if text else type(err).__name__
    return first + (f" (key: {key})" if key and key not in first else "")
