"""Settings as rows of a reference table: each field of a settings dataclass (its `Setting`:
description and range, clue_ray/setting.py) or of a task's pydantic options type (its `Field`)
with its override path, its type in words, its default per column of composed config, and its
choices or range; and the rows as a Markdown table. Imports nothing of Hydra: the values come
composed (config_reference.py)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from enum import Enum
from typing import Any

from clue_ray.setting import Setting, declared

REQUIRED = "required"


@dataclass(frozen=True)
class Row:
    """One setting: its override path, type, default per column, range or choices, meaning."""

    key: str
    type: str
    defaults: tuple[str, ...]
    allowed: str
    doc: str


def _optional_inner(hint: Any) -> tuple[Any, bool]:
    """The type a possibly-null hint holds, and whether null is allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not types.NoneType]
        return (inner[0] if len(inner) == 1 else hint), len(inner) < len(typing.get_args(hint))
    return hint, False


def type_name(hint: Any) -> str:
    """A type as a person reads it: `int`, `list of int`, `str or null`, `choice`."""
    inner, nullable = _optional_inner(hint)
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is list:
        name = f"list of {type_name(args[0])}"
    elif origin is dict:
        name = f"map of {type_name(args[0])} to {type_name(args[1])}"
    elif isinstance(inner, type) and issubclass(inner, Enum):
        name = "choice"
    elif is_dataclass(inner):
        name = "section"
    else:
        name = getattr(inner, "__name__", str(inner))
    return f"{name} or null" if nullable else name


def allowed(hint: Any, setting: Setting | None) -> str:
    """A setting's choices or range in words (empty when it accepts any value of its type)."""
    inner, _ = _optional_inner(hint)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return ", ".join(str(choice.value) for choice in inner)
    if setting is None or not any(bound is not None for bound in (
            setting.ge, setting.gt, setting.le, setting.lt, setting.starts_with)):
        return ""
    return setting.rule().removeprefix("be ").replace("start with", "starts with")


def value_text(value: Any) -> str:
    """A value as YAML writes it in one line: null, true, [1, 8], {}, a string as it is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            return f"{len(value)} rows"
        if len(value) > 6:
            return f"[{len(value)} items]"
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {value_text(item)}" for key, item in value.items()) + "}"
    return str(value)


class _Absent:
    """No value at a path of a composed config."""


ABSENT = _Absent()


def value_at(values: Any, name: str) -> Any:
    """The value of `name` in a composed mapping, else ABSENT."""
    return values.get(name, ABSENT) if isinstance(values, Mapping) else ABSENT


def _default(value: Any, owner: type, name: str) -> str:
    """The default of a column: the composed value, else the field's own default."""
    if value == "???":
        return REQUIRED
    if not isinstance(value, _Absent):
        return value_text(value)
    spec = next(spec for spec in fields(owner) if spec.name == name)
    if spec.default is not MISSING:
        return value_text(spec.default)
    if spec.default_factory is not MISSING:
        return value_text(spec.default_factory())
    return REQUIRED


def field_rows(owner: type, columns: list[Any], prefix: str = "",
               links: Mapping[str, tuple[str, str]] | None = None,
               skip: frozenset[str] = frozenset()) -> list[Row]:
    """A row per setting of a dataclass, nested sections flattened into dotted keys. `links`
    maps a field that is a config group to (its section's anchor, the option each column
    selects): that field gets one row pointing there."""
    rows: list[Row] = []
    for name, (hint, setting) in declared(owner).items():
        if name in skip:
            continue
        key, doc = prefix + name, setting.doc if setting else ""
        values = [value_at(column, name) for column in columns]
        inner, _ = _optional_inner(hint)
        item = typing.get_args(inner)[0] if typing.get_origin(inner) is list else None
        if links and name in links:
            anchor, option = links[name]
            rows.append(Row(key, "group", (option,) * len(columns), f"[conf/{name}/](#{anchor})",
                            doc))
        elif is_dataclass(inner) and isinstance(inner, type):
            rows += field_rows(inner, values, key + ".")
        elif is_dataclass(item) and isinstance(item, type):
            rows.append(Row(key, f"list of {item.__name__}",
                            tuple(_default(v, owner, name) for v in values), "", doc))
            rows += field_rows(item, [{} for _ in columns], key + "[i].")
        else:
            rows.append(Row(key, type_name(hint),
                            tuple(_default(v, owner, name) for v in values),
                            allowed(hint, setting), doc))
    return rows


def pydantic_rows(owner: type, values: Any, prefix: str) -> list[Row]:
    """A row per field of a task's options (a pydantic dataclass, described by `Field`)."""
    rows = []
    for name, info in owner.__pydantic_fields__.items():  # type: ignore[attr-defined]
        bounds = {kind: getattr(rule, kind) for rule in info.metadata
                  for kind in ("ge", "gt", "le", "lt") if hasattr(rule, kind)}
        value = value_at(values, name)
        rows.append(Row(prefix + name, type_name(info.annotation),
                        (REQUIRED if isinstance(value, _Absent) else value_text(value),),
                        allowed(info.annotation, Setting("", **bounds)),
                        info.description or ""))
    return rows


def cell(text: str, code: bool = False) -> str:
    text = text.replace("|", "\\|")
    if code:
        return f"`{text}`" if text else ""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def table(rows: list[Row], columns: tuple[str, ...] = ("default",)) -> str:
    """Rows as a Markdown table: key, type, one default column per option, allowed, meaning."""
    head = ["key", "type", *columns, "allowed", "description"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        link = row.allowed.startswith("[")
        cells = [cell(row.key, code=True), row.type,
                 *(cell(default, code=default != REQUIRED) for default in row.defaults),
                 row.allowed if link else cell(row.allowed), cell(row.doc)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
