"""A task declared in YAML: the schema users write (docs/tasks.md, "Adding a task") and CLUE's own
file tasks are declared in (clue_ray/data/tasks/). A file read by the common JSONL/CSV reader
or by a named reader hook, templates with named fields, few-shot k, one of the metric sets;
the Python a task needs is named from tasks/hooks.py. Every fault is one ConfigError naming
the file. The data file's own checks come when its records are read."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from clue_ray.errors import ConfigError
from clue_ray.metrics.accuracy import NamedLabels
from clue_ray.tasks.definition import TaskDefinition, reference_as_answer
from clue_ray.tasks.fewshot import FewShotFile
from clue_ray.tasks.hooks import hook
from clue_ray.tasks.metric_sets import MetricSet, NamesALabel, metric_sets
from clue_ray.tasks.spec import PROMPTS_RESOURCE, TaskSpec, task_names, task_spec
from clue_ray.tasks.table import FILE_KINDS, TableRecords, needed_columns, template_fields

NAME = re.compile(r"[a-z][a-z0-9_]*")
REQUIRED = ("name", "level", "source_file", "system", "user_template", "reference", "metrics")
OPTIONAL = {"assistant_template": None, "few_shot": 0, "max_tokens": 512, "credentialed": False,
            "headline_metric": None, "labels": None, "obtain_from": None, "reader": None,
            "ideal_answer": None, "expected_samples": None, "prompts_from": None}
# what `prompts_from: clue-prompts.json` supplies: the reference's entry of the task's name
SPEC_KEYS = ("level", "source_file", "system", "user_template", "assistant_template",
             "few_shot", "max_tokens")
PACKAGED_TASKS = "tasks"  # folder of clue_ray/data holding CLUE's task declarations


@cache
def packaged_task(name: str) -> TaskDefinition:
    """A CLUE task's declaration, from its packaged YAML (clue_ray/data/tasks/NAME.yaml)."""
    path = Path(str(resources.files("clue_ray.data").joinpath(PACKAGED_TASKS, f"{name}.yaml")))
    task = from_yaml(path)
    check_declaration(task, path)
    return task


def from_yaml(path: Path) -> TaskDefinition:
    """The declaration of a task's YAML."""
    entry = _read_yaml(path)
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ConfigError(f"{path}: unknown key '{unknown[0]}' (known: "
                          f"{', '.join([*REQUIRED, *OPTIONAL])})")
    packaged = entry.get("prompts_from") is not None
    required = [k for k in REQUIRED if not (packaged and k in SPEC_KEYS)]
    missing = [key for key in required if entry.get(key) is None]
    if missing:
        raise ConfigError(f"{path}: missing key '{missing[0]}'")
    given = [key for key in SPEC_KEYS if packaged and key in entry]
    if given:
        raise ConfigError(f"{path}: {given[0]} comes from {PROMPTS_RESOURCE} (prompts_from); "
                          "remove it")
    entry = {**OPTIONAL, **entry}
    for key in ("name", "reference", "metrics"):
        _text(path, key, entry[key])
    sets = metric_sets()
    if entry["metrics"] not in sets:
        raise ConfigError(f"{path}: unknown metrics '{entry['metrics']}' (one of: "
                          f"{', '.join(sets)})")
    chosen = sets[entry["metrics"]]
    spec = _packaged_spec(path, entry, chosen) if packaged else _own_spec(path, entry, chosen)
    if not isinstance(entry["credentialed"], bool):
        raise ConfigError(f"{path}: credentialed must be true or false")
    for key in ("obtain_from", "headline_metric", "reader", "ideal_answer"):
        if entry[key] is not None:
            _text(path, key, entry[key])
    expected = entry["expected_samples"]
    if expected is not None and not _whole(expected, 1):
        raise ConfigError(f"{path}: expected_samples must be a whole number, 1 or more; got "
                          f"{expected!r}")
    labels = _labels(path, entry["labels"], entry["metrics"])
    return _definition(path, entry, spec, chosen, labels, packaged)


def _definition(path: Path, entry: dict[str, Any], spec: TaskSpec, chosen: MetricSet,
                labels: tuple[str, ...], packaged: bool) -> TaskDefinition:
    reference = entry["reference"]
    if entry["reader"] is not None:
        reader = _hook(path, "reader", entry["reader"])
    else:
        reader = TableRecords(spec.template_fields, reference, labels, str(path))
    file = FewShotFile(spec, reader, reference)
    ideal = entry["ideal_answer"]
    return TaskDefinition(
        name=spec.name, headline_metric=entry["headline_metric"] or chosen.headline,
        credentialed=entry["credentialed"], expected_samples=entry["expected_samples"],
        obtain_from=entry["obtain_from"] or f"the task's own file (declared in {path})",
        read_samples=file.samples, read_references=file.references,
        score_sample=_optional_hook(path, "score_sample", chosen.score_sample),
        answer_followed=(NamesALabel(labels) if labels
                         else _optional_hook(path, "answer_followed", chosen.answer_followed)),
        invalid_codes=_optional_hook(path, "invalid_codes", chosen.invalid_codes),
        extract_answer=(NamedLabels(labels) if labels
                        else _optional_hook(path, "extract_answer", chosen.extract_answer)),
        baseline=_hook(path, "baseline", chosen.baseline),
        ideal_answer=reference_as_answer if ideal is None else _hook(path, "ideal_answer", ideal),
        own_spec=None if packaged else spec)


def _own_spec(path: Path, entry: dict[str, Any], chosen: MetricSet) -> TaskSpec:
    """The spec the YAML's own keys declare."""
    for key in ("source_file", "system", "user_template"):
        _text(path, key, entry[key])
    assistant = entry["assistant_template"]
    if assistant is None:
        assistant = "{" + entry["reference"] + "}"
    _text(path, "assistant_template", assistant)
    templates = (entry["system"], entry["user_template"], assistant)
    for key, template in zip(("system", "user_template", "assistant_template"), templates,
                             strict=True):
        try:
            template_fields(template)
        except ValueError as err:
            raise ConfigError(f"{path}: {key}: {err}") from None
    source = entry["source_file"]
    if Path(source).is_absolute() or (entry["reader"] is None
                                      and Path(source).suffix not in FILE_KINDS):
        raise ConfigError(f"{path}: source_file '{source}' must be a .jsonl or .csv file "
                          "named relative to data_dir (any file, with a reader)")
    return TaskSpec(
        name=str(entry["name"]), level=entry["level"], source_file=source,
        source_records=0, few_shot=entry["few_shot"], system=entry["system"],
        user_template=entry["user_template"], max_tokens=entry["max_tokens"],
        template_fields=needed_columns(templates, entry["reference"]), metrics=chosen.metrics,
        assistant_template=assistant)


def _packaged_spec(path: Path, entry: dict[str, Any], chosen: MetricSet) -> TaskSpec:
    """The spec of `prompts_from`: the task's entry of the packaged clue-prompts.json."""
    if entry["prompts_from"] != PROMPTS_RESOURCE:
        raise ConfigError(f"{path}: prompts_from must be {PROMPTS_RESOURCE} (the reference's "
                          f"prompts); got {entry['prompts_from']!r}")
    if entry["name"] not in task_names():
        raise ConfigError(f"{path}: {PROMPTS_RESOURCE} has no task '{entry['name']}'")
    spec = task_spec(entry["name"])
    outside = [m for m in spec.metrics if m not in chosen.metrics]
    if outside:
        raise ConfigError(f"{path}: metric '{outside[0]}' of {PROMPTS_RESOURCE} is not in the "
                          f"metric set '{entry['metrics']}'")
    return spec


def check_declaration(task: TaskDefinition, path: Path) -> None:
    """What every task's declaration must satisfy, whichever form declares it."""
    spec = task.spec
    if not NAME.fullmatch(task.name):
        raise ConfigError(f"{path}: name '{task.name}' must be lower-case letters, digits and _, "
                          "starting with a letter")
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
    if Path(spec.source_file).is_absolute():
        raise ConfigError(f"{path}: source_file '{spec.source_file}' must be named relative "
                          "to data_dir")
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


def _hook(path: Path, kind: str, name: str) -> Callable[..., Any]:
    try:
        return hook(kind, name)
    except KeyError as err:
        raise ConfigError(f"{path}: {err.args[0]}") from None


def _optional_hook(path: Path, kind: str, name: str | None) -> Callable[..., Any] | None:
    return None if name is None else _hook(path, kind, name)


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
