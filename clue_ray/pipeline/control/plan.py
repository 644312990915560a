"""Everything checked before any model loads: names, datasets, parallelism, data policy,
and the run id (a digest of everything that changes results)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from clue_ray.conf_files import available, chat_template_text
from clue_ray.config import RunCommand, load_model
from clue_ray.engines.registry import engine_for, engine_plugin
from clue_ray.errors import ConfigError, DatasetError
from clue_ray.metrics.settings import SCORER_REVISION, ScoringSettings
from clue_ray.models import ModelSettings
from clue_ray.rows import UNSEEDED
from clue_ray.storage.run_folder import RunFolder
from clue_ray.tasks.definition import TaskDefinition
from clue_ray.tasks.options import parse_options
from clue_ray.tasks.registry import BUILT_IN, CLUE, TaskSet
from clue_ray.tasks.sample import Reference
from clue_ray.tasks.spec import raw_prompts
from clue_ray.tasks.user_tasks import task_set


@dataclass(frozen=True)
class Plan:
    """A validated sweep: models, the references of every selected task, the run folder, and
    the tasks it knows (CLUE's and its `user_tasks`, handed to every stage actor)."""

    cmd: RunCommand
    models: tuple[ModelSettings, ...]
    references: dict[str, list[Reference]]
    checksums: dict[str, str]
    run_id: str
    run_dir: Path
    scoring_id: str
    tasks: TaskSet = CLUE
    task_options: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> RunFolder:
        """The run folder: its layout and what it holds."""
        return RunFolder(self.run_dir)

    @property
    def seeds(self) -> list[int]:
        """The passes: [-1] for one greedy pass, else the sampling seeds."""
        return list(self.cmd.seeds) or [UNSEEDED]


def make_plan(cmd: RunCommand) -> Plan:
    """Validate the sweep and derive its run id; raises ConfigError / DatasetError. The
    users' tasks of `cmd.user_tasks` are loaded and checked here."""
    tasks = task_set(cmd.user_tasks)
    _check_engine(cmd)
    _check_selection(cmd, tasks)
    options = parse_options(cmd.task_options, tasks, cmd.tasks)
    models = tuple(load_model(name) for name in cmd.models)
    for model in models:
        chat_template_text(model.chat_template)
    _check_models(cmd, models, tasks)
    data_dir = Path(cmd.data_dir)
    references, checksums = {}, {}
    for task in cmd.tasks:
        try:
            refs = tasks.references(task, data_dir)
        except DatasetError as err:
            raise DatasetError(err.path, f"{str(err).split(': ', 1)[1]} [override: data_dir=DIR]"
                               ) from None
        references[task] = refs[: cmd.limit] if cmd.limit else refs
        checksums[task] = file_sha256(data_dir / tasks[task].source_file)
    run_id = cmd.run_id or derive_run_id(cmd, models, checksums, tasks, options)
    cmd, models = absolute_paths(cmd, models)
    return Plan(cmd, models, references, checksums, run_id, Path(cmd.output_dir) / run_id,
                derive_scoring_id(cmd.scoring), tasks, options)


def selected_user_tasks(cmd: RunCommand, tasks: TaskSet) -> tuple[TaskDefinition, ...]:
    """The declarations of the selected tasks that are users' own."""
    return tuple(tasks[t] for t in cmd.tasks if t not in BUILT_IN)


def _check_selection(cmd: RunCommand, tasks: TaskSet) -> None:
    """Models and tasks selected, each named once, and seeds too (each setting's own range
    was checked when the config was composed: clue_ray/setting.py)."""
    if not cmd.models:
        raise ConfigError(f"no models selected (available: {', '.join(available('model'))})")
    if not cmd.tasks:
        raise ConfigError(f"no tasks selected (available: {', '.join(tasks)})")
    tasks.pick(cmd.tasks)
    for name, values in (("models", cmd.models), ("tasks", cmd.tasks), ("seeds", cmd.seeds)):
        repeated = sorted({str(v) for v in values if list(values).count(v) > 1})
        if repeated:
            raise ConfigError(f"{name} names {', '.join(repeated)} more than once (its rows "
                              "would be computed and counted twice)")


@overload
def _local(value: str) -> str: ...


@overload
def _local(value: str | None) -> str | None: ...


def _local(value: str | None) -> str | None:
    """An existing relative path made absolute (actors may run in another folder)."""
    if value is None or Path(value).is_absolute() or not Path(value).exists():
        return value
    return str(Path(value).resolve())


Command = TypeVar("Command", bound=RunCommand)  # `clue-ray run`'s, or a command built on it


def absolute_paths(
    cmd: Command, models: tuple[ModelSettings, ...]
) -> tuple[Command, tuple[ModelSettings, ...]]:
    """The command and models with their existing relative paths made absolute."""
    scoring = replace(
        cmd.scoring,
        bertscore=replace(cmd.scoring.bertscore, model=_local(cmd.scoring.bertscore.model)),
        scispacy=replace(cmd.scoring.scispacy,
                         spacy_model=_local(cmd.scoring.scispacy.spacy_model),
                         kb_dir=_local(cmd.scoring.scispacy.kb_dir)),
    )
    resolved = replace(cmd, data_dir=str(Path(cmd.data_dir).resolve()),
                       output_dir=str(Path(cmd.output_dir).resolve()), scoring=scoring,
                       user_tasks=[str(Path(p).resolve()) for p in cmd.user_tasks])
    return resolved, tuple(replace(m, path=_local(m.path)) for m in models)


def _check_engine(cmd: RunCommand) -> None:
    if cmd.seeds and cmd.engine.decoding == "greedy":
        raise ConfigError("seeds=[...] needs sampling: set engine.decoding=engine_defaults")
    engine = engine_plugin(cmd.engine.kind)
    if engine.settings_type is not None and cmd.engine.section() is None:
        raise ConfigError(f"engine '{cmd.engine.kind}' has no settings section")
    engine.check_settings(cmd.engine.section())


def _check_models(cmd: RunCommand, models: tuple[ModelSettings, ...], tasks: TaskSet) -> None:
    """Each model's engine accepts the model on this cluster and the selected tasks' data
    (the rule-based baseline's rows go nowhere)."""
    credentialed = [t for t in cmd.tasks if tasks[t].credentialed]
    for model in models:
        engine = engine_for(model, cmd.engine)
        engine.check_model(model, cmd.cluster)
        engine.check_tasks(cmd.engine.section(), credentialed)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def derive_run_id(cmd: RunCommand, models: tuple[ModelSettings, ...],
                  checksums: dict[str, str], tasks: TaskSet = CLUE,
                  options: dict[str, Any] | None = None) -> str:
    """`<experiment>-<digest>`: the digest covers what changes the predictions (prompts, data,
    models, decoding, engine and its dtype, seeds, limit, the selected tasks' options, the
    specs of users' tasks when any is selected); not scoring settings (they have their own
    id), output paths, batch sizes or the cluster."""
    engine = cmd.engine
    payload = {
        "prompts": raw_prompts(),
        "data": checksums,
        "models": [asdict(m) | {"chat_template": chat_template_text(m.chat_template)}
                   for m in models],
        "engine": [engine.kind, engine.decoding, _engine_dtype(cmd)],
        "seeds": list(cmd.seeds),
        "limit": cmd.limit,
        # each selected task's options, under its name (LongHealth's as they always were)
        **{name: asdict(value) for name, value in (options or {}).items()},
    }
    own = selected_user_tasks(cmd, tasks)
    if own:  # absent otherwise: the run ids of CLUE's tasks alone stay as they were
        payload["user_tasks"] = [asdict(task.spec) for task in own]
    text = json.dumps(payload, sort_keys=True, default=str)
    return f"{cmd.experiment_name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _engine_dtype(cmd: RunCommand) -> str | None:
    """The dtype setting of the selected engine (it changes the numbers), if it has one."""
    return getattr(cmd.engine.section(), "dtype", None)


def derive_scoring_id(scoring: ScoringSettings) -> str:
    """A digest of the scoring settings that change scores or flags (not batch sizes; local
    paths count as resolved) and of the scorer code's revision."""
    bert, spacy = scoring.bertscore, scoring.scispacy
    payload = {
        "scorer_revision": SCORER_REVISION,
        "bertscore": [bert.model, bert.num_layers, bert.max_length],
        "umls": scoring.umls,
        "scispacy": [spacy.spacy_model, spacy.linker_name, spacy.kb_dir],
        "repetition": asdict(scoring.repetition),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
