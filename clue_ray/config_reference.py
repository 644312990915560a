"""The configuration reference, docs/configuration.md, rendered from what declares the settings:
per command and config group, each field's `Setting` (description, range; clue_ray/setting.py)
or a task option's pydantic `Field`, its type, and its default as conf/ composes it (one column
per file of a group; rows: setting_rows.py). Nothing in it is written by hand, so it cannot
drift: `python -m clue_ray.config_reference [FILE]` (`make docs`) writes it, and a test checks
the committed file equals what this renders."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, is_dataclass
from pathlib import Path
from typing import Any

from clue_ray.conf_files import available, conf_dir
from clue_ray.config import (
    PromptsCommand,
    ReportCommand,
    RunCommand,
    ScoreCommand,
    ServeCommand,
    ViewCommand,
)
from clue_ray.engines.registry import engine_plugins, engine_settings_schema
from clue_ray.models import ModelSettings
from clue_ray.planning.settings import PlanSettings
from clue_ray.serve.model_app import ServeModelSettings
from clue_ray.setting import declared
from clue_ray.setting_rows import (
    REQUIRED,
    cell,
    field_rows,
    pydantic_rows,
    table,
    value_at,
    value_text,
)
from clue_ray.tasks.registry import CLUE

OUT = Path("docs/configuration.md")
NO_EXPERIMENT = "~experiment"  # run.yaml's own values, before an experiment file changes them


@dataclass(frozen=True)
class Composed:
    """A config as conf/ composes it (unchecked, `???` kept) and the option of each group."""

    values: dict[str, Any]
    choices: dict[str, str]


_COMPOSED: dict[tuple[str, ...], Composed] = {}  # one render composes each config once


def compose_raw(config_name: str, overrides: list[str]) -> Composed:
    """conf/<config_name>.yaml with these overrides, before any schema checks it."""
    key = (str(conf_dir()), config_name, *overrides)
    if key not in _COMPOSED:
        _COMPOSED[key] = _compose(config_name, overrides)
    return _COMPOSED[key]


def _compose(config_name: str, overrides: list[str]) -> Composed:
    """Hydra's composition, the hydra node dropped once the groups' options are read."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf, open_dict

    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    selected = OmegaConf.to_container(cfg.hydra.runtime.choices)
    with open_dict(cfg):
        del cfg["hydra"]
    values = OmegaConf.to_container(cfg, resolve=True)
    if not (isinstance(selected, dict) and isinstance(values, dict)):
        raise TypeError(f"conf/{config_name}.yaml did not compose to a mapping")
    return Composed({str(key): value for key, value in values.items()},
                    {str(group): str(option) for group, option in selected.items()
                     if not str(group).startswith("hydra") and option is not None})


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (for the simple headings written here)."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


GROUPS = {"engine": "Engine (`engine=`)", "scoring": "Scoring (`scoring=`)",
          "cluster": "Cluster (`cluster=`)", "task_options": "Task options (`task_options.*`)",
          "bootstrap": "Bootstrap (`bootstrap=`)", "serve": "Server (`serve=`)",
          "model": "Model registry entry (`model=`, `models=[...]`)"}


def _links(choices: Mapping[str, str], required: frozenset[str] = frozenset()
           ) -> dict[str, tuple[str, str]]:
    return {group: (anchor(title), REQUIRED if group in required else choices.get(group, ""))
            for group, title in GROUPS.items()}


def _command(intro: str, owner: type, composed: Composed, prefix: str = "",
             skip: frozenset[str] = frozenset(), required: frozenset[str] = frozenset()) -> str:
    """A command's own keys; a key that is a config group points to the group's section."""
    rows = field_rows(owner, [composed.values], prefix, _links(composed.choices, required), skip)
    return f"{intro}\n\n{table(rows)}"


def _group_type(group: str) -> type:
    """The settings type of a config group, as the command that composes it declares it."""
    for owner in (RunCommand, ServeCommand, ReportCommand):
        hint, _ = declared(owner).get(group, (None, None))
        if isinstance(hint, type) and is_dataclass(hint):
            return hint
    raise KeyError(group)


def _group_columns(group: str, config: str, base: list[str]) -> tuple[list[str], list[Any]]:
    """The group's options, the one selected by default first, and the group's values as
    each of them composes."""
    selected = compose_raw(config, base).choices.get(group)
    options = sorted(available(group), key=lambda option: (option != selected, option))
    return options, [compose_raw(config, base if option == selected
                                 else [*base, f"{group}={option}"]).values.get(group)
                     for option in options]


def _headers(options: list[str]) -> tuple[str, ...]:
    return tuple(f"{option} (default)" if index == 0 else option
                 for index, option in enumerate(options))


def _group(group: str, intro: str, config: str, base: list[str]) -> str:
    """A group's keys, one default column per option (a file of conf/<group>/)."""
    options, columns = _group_columns(group, config, base)
    rows = field_rows(_group_type(group), columns, group + ".")
    return f"{intro}\n\n{table(rows, _headers(options))}"


def _engines() -> str:
    """`engine.kind` and `engine.decoding` per engine file, then each engine's own section."""
    plugins = engine_plugins()
    options, columns = _group_columns("engine", "run", [NO_EXPERIMENT])
    common = field_rows(engine_settings_schema(), columns, "engine.", skip=frozenset(plugins))
    parts = ["`engine=NAME` selects `conf/engine/NAME.yaml`: the engine, its decoding and its "
             "own section, `engine.NAME.*`.", table(common, _headers(options))]
    for name, plugin in plugins.items():
        if plugin.settings_type is None:
            continue
        values = columns[options.index(name)] if name in options else {}  # no conf file
        rows = field_rows(plugin.settings_type, [value_at(values, name)], f"engine.{name}.")
        parts += [f"#### `engine.{name}.*`", table(rows)]
    return "\n\n".join(parts)


def _task_options() -> str:
    """Each task's options block, from its pydantic options type."""
    values = compose_raw("run", [NO_EXPERIMENT]).values.get("task_options", {})
    parts = ["Each task parses and checks its own block (`conf/task_options/default.yaml`); "
             "only the selected tasks' options enter the run id. Tasks without options have "
             "no block."]
    for name, task in CLUE.items():
        if task.options_type is not None:
            rows = pydantic_rows(task.options_type, value_at(values, name), f"task_options.{name}.")
            parts += [f"#### `task_options.{name}.*`", table(rows)]
    return "\n\n".join(parts)


def _experiments() -> str:
    """Per experiment file: the groups it selects and the keys it sets, against run.yaml."""
    base = compose_raw("run", [NO_EXPERIMENT])
    lines = ["| experiment | selects | sets |", "|---|---|---|"]
    for name in available("experiment"):
        composed = compose_raw("run", [f"experiment={name}"])
        changed = {group for group, option in composed.choices.items()
                   if group != "experiment" and base.choices.get(group) != option}
        selects = ", ".join(f"{group}={composed.choices[group]}" for group in sorted(changed))
        sets = [f"{key}={value_text(value)}" for key, value in _flat(composed.values)
                if key.split(".")[0] not in changed and _lookup(base.values, key) != value]
        lines.append(f"| `{name}` | {cell(selects, code=True)} | "
                     + "<br>".join(cell(item, code=True) for item in sets) + " |")
    return "\n".join(lines)


def _flat(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf of a nested mapping."""
    items: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, Mapping) and value:
            items += _flat(value, f"{prefix}{key}.")
        else:
            items.append((prefix + key, value))
    return items


def _lookup(values: Any, dotted: str) -> Any:
    """The value at a dotted key, else ABSENT."""
    for part in dotted.split("."):
        values = value_at(values, part)
    return values


INTRO = """# Configuration reference

Every setting of every command, generated by `make docs` (`python -m clue_ray.config_reference`)
from the settings' own declarations (`Annotated[T, Setting("description", ...)]`,
`clue_ray/setting.py`) and the defaults in [`conf/`](../conf/). Do not edit it by hand; a test
checks it is current.

Each key is a Hydra override on the command line: `limit=20`, `engine.vllm.batch_size=32`,
`models=[meditron-7b,llama-2-7b-hf]`. A key whose type is `group` selects a file of its
`conf/` folder (`engine=vllm`, `cluster=a100`), whose keys are listed in its own section. A
value outside its range or choices stops the command before anything loads, with one line
naming the key (exit status 2). "required" marks a key with no default (`???` in conf/)."""

def render() -> str:
    """The whole reference, as docs/configuration.md holds it (conf/ read afresh)."""
    _COMPOSED.clear()
    run = compose_raw("run", [NO_EXPERIMENT])
    serve = compose_raw("serve_command", [NO_EXPERIMENT])
    served = compose_raw("serve_model", ["model=demo-general"])
    commands = {
        "clue-ray run, rescore, plan": _command(
            "Composed from [`conf/run.yaml`](../conf/run.yaml); the defaults shown are its own, "
            "before `experiment=` (default `demo`) changes some of them (below). `rescore`, "
            "`plan` and `serve experiment=NAME` take the same keys.", RunCommand, run),
        "Experiments": "`experiment=NAME` selects `conf/experiment/NAME.yaml`, which changes "
        "these defaults:\n\n" + _experiments(),
        "clue-ray serve experiment=NAME": _command(
            "Every key of `clue-ray run`, plus these "
            "([`conf/serve_command.yaml`](../conf/serve_command.yaml)):", ServeCommand, serve,
            skip=frozenset(declared(RunCommand))),
        "clue-ray report": _command("[`conf/report.yaml`](../conf/report.yaml).",
                                    ReportCommand, compose_raw("report", [])),
        "clue-ray view": _command("[`conf/view.yaml`](../conf/view.yaml).", ViewCommand,
                                  compose_raw("view", [])),
        "clue-ray prompts": _command("[`conf/prompts.yaml`](../conf/prompts.yaml).",
                                     PromptsCommand, compose_raw("prompts", [])),
        "clue-ray score": _command("[`conf/score.yaml`](../conf/score.yaml).", ScoreCommand,
                                   compose_raw("score", [])),
        "clue-ray plan": _command(
            "Every key of `clue-ray run`, plus `plan.*` ([`conf/plan.yaml`](../conf/plan.yaml)).",
            PlanSettings, compose_raw("plan", []), prefix="plan."),
        "clue-ray serve model=NAME": _command(
            "[`conf/serve_model.yaml`](../conf/serve_model.yaml): the model is placed as "
            "`engine=vllm` places it in a sweep.", ServeModelSettings, served,
            required=frozenset({"model"})),
    }
    groups = {
        GROUPS["engine"]: _engines(),
        GROUPS["scoring"]: _group("scoring", "`conf/scoring/`.", "run", [NO_EXPERIMENT]),
        GROUPS["cluster"]: _group("cluster", "`conf/cluster/`, one column per file.", "run",
                                  [NO_EXPERIMENT]),
        GROUPS["task_options"]: _task_options(),
        GROUPS["bootstrap"]: _group("bootstrap", "`conf/bootstrap/`: the report's and the live "
                                    "page's intervals.", "report", []),
        GROUPS["serve"]: _group("serve", "`conf/serve/`, one column per file.", "serve_command",
                                [NO_EXPERIMENT]),
        GROUPS["model"]: "One file per model, `conf/model/NAME.yaml`, sets these keys; "
        "`models=[...]` names them for a sweep, `model=NAME` for `clue-ray serve`, where "
        "`model.KEY=...` overrides one (`+model.path=DIR` adds a local copy).\n\n"
        + table(field_rows(ModelSettings, [{}])),
    }
    parts = [INTRO, ""]
    for title, sections in (("Commands", commands), ("Config groups", groups)):
        parts.append(f"- [{title}](#{anchor(title)}): " + ", ".join(
            f"[{name.split(' (')[0]}](#{anchor(name)})" for name in sections))
    parts.append("")
    for title, sections in (("Commands", commands), ("Config groups", groups)):
        parts += [f"## {title}", ""]
        for name, body in sections.items():
            parts += [f"### {name}", "", body.rstrip("\n"), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the reference to FILE (default docs/configuration.md)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
