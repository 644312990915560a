"""Users' own tasks, added without editing clue_ray/: a YAML file for the common shape (a JSONL
or CSV file, templates with named fields, few-shot k, one of the CLUE metric sets), or a
Python file defining `TASK`, a TaskDefinition with its `own_spec`. Each is checked here, as
it loads; every fault is one ConfigError naming the file. The data file's own checks (it
exists, holds the templates' columns) come when its records are read, as for CLUE's tasks."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from clue_ray.errors import ConfigError
from clue_ray.metrics.accuracy import NamedLabels
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.registry import BUILT_IN, TaskSet
from clue_ray.tasks.spec import TaskSpec
from clue_ray.tasks.user_table import (
    FILE_KINDS,
    NamesALabel,
    TableTask,
    metric_sets,
    needed_columns,
)
from clue_ray.tasks.user_table import template_fields as fields_of

MODULE_PREFIX = "clue_ray_user_task_"  # the name a task's Python file is imported under
NAME = re.compile(r"[a-z][a-z0-9_]*")
REQUIRED = ("name", "level", "source_file", "system", "user_template", "reference", "metrics")
OPTIONAL = {"assistant_template": None, "few_shot": 0, "max_tokens": 512, "credentialed": False,
            "headline_metric": None, "labels": None, "obtain_from": None}


def load_user_tasks(paths: Sequence[str]) -> tuple[TaskDefinition, ...]:
    """The declarations of the named task files (.yaml/.yml or .py), checked, in order."""
    definitions: list[TaskDefinition] = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"user_tasks: {path}: no such file")
        if path.suffix in (".yaml", ".yml"):
            definition = from_yaml(path)
        elif path.suffix == ".py":
            definition = from_module(path)
        else:
            raise ConfigError(f"user_tasks: {path}: expected a .yaml or .py file")
        check_definition(definition, path)
        if definition.name in {d.name for d in definitions}:
            raise ConfigError(f"{path}: task '{definition.name}' is declared twice in user_tasks")
        definitions.append(definition)
    return tuple(definitions)


def task_set(paths: Sequence[str]) -> TaskSet:
    """CLUE's tasks and those of a command's `user_tasks` files, loaded and checked."""
    return TaskSet(load_user_tasks(paths))


def check_definition(task: TaskDefinition, path: Path) -> None:
    """What every user task must satisfy, whichever form declares it."""
    spec = task.spec
    if not NAME.fullmatch(task.name):
        raise ConfigError(f"{path}: name '{task.name}' must be lower-case letters, digits and _, "
                          "starting with a letter")
    if task.name in BUILT_IN:
        raise ConfigError(f"{path}: name '{task.name}' is a CLUE task's; choose another")
    if spec.name != task.name:
        raise ConfigError(f"{path}: its spec is named '{spec.name}', the task '{task.name}'")
    if not _whole(spec.level, 1):
        raise ConfigError(f"{path}: level must be a whole number, 1 or more (1 and 2 are "
                          f"CLUE's levels; 3 on opens one of your own); got {spec.level!r}")
    if not _whole(spec.few_shot, 0):
        raise ConfigError(f"{path}: few_shot must be a whole number, 0 or more; got "
                          f"{spec.few_shot!r}")
    if not _whole(spec.max_tokens, 1):
        raise ConfigError(f"{path}: max_tokens must be a whole number, 1 or more; got "
                          f"{spec.max_tokens!r}")
    if Path(spec.source_file).is_absolute() or Path(spec.source_file).suffix not in FILE_KINDS:
        raise ConfigError(f"{path}: source_file '{spec.source_file}' must be a .jsonl or .csv "
                          "file named relative to data_dir")
    known = task.metric_names
    if task.score_sample is None:
        text = metric_sets()["text"].metrics
        unknown = [m for m in known if m not in text]
        if unknown:
            raise ConfigError(f"{path}: unknown metric '{unknown[0]}' (without score_sample, "
                              f"the metrics are among {', '.join(text)})")
    if task.headline_metric not in known:
        raise ConfigError(f"{path}: headline_metric '{task.headline_metric}' is not one of the "
                          f"task's metrics ({', '.join(known)})")


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def from_yaml(path: Path) -> TaskDefinition:
    """The declaration of a task's YAML (see README, "Adding a task")."""
    entry = _read_yaml(path)
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ConfigError(f"{path}: unknown key '{unknown[0]}' (known: "
                          f"{', '.join([*REQUIRED, *OPTIONAL])})")
    missing = [key for key in REQUIRED if entry.get(key) is None]
    if missing:
        raise ConfigError(f"{path}: missing key '{missing[0]}'")
    entry = {**OPTIONAL, **entry}
    for key in ("name", "source_file", "system", "user_template", "reference", "metrics"):
        _text(path, key, entry[key])
    sets = metric_sets()
    if entry["metrics"] not in sets:
        raise ConfigError(f"{path}: unknown metrics '{entry['metrics']}' (one of: "
                          f"{', '.join(sets)})")
    chosen = sets[entry["metrics"]]
    assistant = entry["assistant_template"]
    if assistant is None:
        assistant = "{" + entry["reference"] + "}"
    _text(path, "assistant_template", assistant)
    for key, template in (("system", entry["system"]), ("user_template", entry["user_template"]),
                          ("assistant_template", assistant)):
        try:
            fields_of(template)
        except ValueError as err:
            raise ConfigError(f"{path}: {key}: {err}") from None
    if not isinstance(entry["credentialed"], bool):
        raise ConfigError(f"{path}: credentialed must be true or false")
    for key in ("obtain_from", "headline_metric"):
        if entry[key] is not None:
            _text(path, key, entry[key])
    labels = _labels(path, entry["labels"], entry["metrics"])
    templates = (entry["system"], entry["user_template"], assistant)
    spec = TaskSpec(
        name=str(entry["name"]), level=entry["level"], source_file=entry["source_file"],
        source_records=0, few_shot=entry["few_shot"], system=entry["system"],
        user_template=entry["user_template"], max_tokens=entry["max_tokens"],
        template_fields=needed_columns(templates, entry["reference"]), metrics=chosen.metrics,
        assistant_template=assistant)
    reader = TableTask(spec, entry["reference"], labels, str(path))
    return TaskDefinition(
        name=spec.name, headline_metric=entry["headline_metric"] or chosen.headline,
        credentialed=entry["credentialed"], expected_samples=None,
        obtain_from=entry["obtain_from"] or f"the task's own file (declared in {path})",
        read_samples=reader.samples, read_references=reader.references,
        score_sample=chosen.score_sample, sample_metrics=chosen.metrics,
        answer_followed=NamesALabel(labels) if labels else chosen.answer_followed,
        invalid_codes=chosen.invalid_codes,
        extract_answer=NamedLabels(labels) if labels else chosen.extract_answer,
        baseline=chosen.baseline, own_spec=spec)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"{path}: not readable YAML ({first})") from None
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: expected a mapping of task settings")
    return entry


def _text(path: Path, key: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: {key} must be text; got {value!r}")


def _labels(path: Path, labels: object, metrics: str) -> tuple[str, ...]:
    if labels is None:
        return ()
    if metrics != "accuracy":
        raise ConfigError(f"{path}: labels belong to metrics 'accuracy', not '{metrics}'")
    if (not isinstance(labels, list) or not labels
            or not all(isinstance(label, str) and label for label in labels)
            or len(set(labels)) != len(labels)):
        raise ConfigError(f"{path}: labels must be a list of distinct, non-empty texts")
    return tuple(labels)


def from_module(path: Path) -> TaskDefinition:
    """`TASK` of a Python file, imported under a name of its own (MODULE_PREFIX...); a run
    ships the module's functions to its workers by value (pipeline/user_modules.py)."""
    module = _import(path)
    task = getattr(module, "TASK", None)
    if not isinstance(task, TaskDefinition):
        raise ConfigError(f"{path}: defines no TASK = TaskDefinition(...)")
    if task.own_spec is None:
        raise ConfigError(f"{path}: TASK needs own_spec=TaskSpec(...) (its prompt strings, "
                          "level, file, few-shot k, max_tokens, metrics)")
    return task


def _import(path: Path) -> ModuleType:
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    stem = re.sub(r"\W", "_", path.stem)
    name = f"{MODULE_PREFIX}{stem}_{digest}"
    loader_spec = importlib.util.spec_from_file_location(name, resolved)
    if loader_spec is None or loader_spec.loader is None:
        raise ConfigError(f"{path}: not importable as a Python module")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as err:  # the user's code: any error is reported as one line
        sys.modules.pop(name, None)
        raise ConfigError(f"{path}: importing it failed: {type(err).__name__}: {err}") from None
    return module

