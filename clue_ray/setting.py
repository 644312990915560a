"""A setting declared on its settings type: `Annotated[int, Setting("what it is", ge=1)]`
gives the field its one-line description and the values it accepts; `check_values` reads
the declarations of a settings object and everything it holds, and refuses the first value
out of range (or, for a setting typed by an Enum, none of its choices) in one line naming
the override. config.compose runs it on every composed config; code that builds settings
itself can run it too. Rules that span several settings live with their owners, not here."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from clue_ray.errors import ConfigError, not_one_of


@dataclass(frozen=True)
class Setting:
    """A setting's description and range: bounds for a number (ge, gt, le, lt) and a
    prefix a text must start with; None bounds nothing."""

    doc: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    starts_with: str | None = None

    def accepts(self, value: object) -> bool:
        """Whether a (non-null) value is within the declared range."""
        if isinstance(value, str):
            return self.starts_with is None or value.startswith(self.starts_with)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return True
        return ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                and (self.le is None or value <= self.le)
                and (self.lt is None or value < self.lt))

    def rule(self) -> str:
        """The range in words: "be 1 or more", "be between 0 and 1", "start with '/'"."""
        if self.starts_with is not None:
            return f"start with '{self.starts_with}'"
        if self.ge is not None and self.le is not None:
            return f"be {_number(self.ge)} to {_number(self.le)}"
        if self.gt is not None and self.lt is not None:
            return f"be between {_number(self.gt)} and {_number(self.lt)}"
        if self.gt is not None and self.le is not None:
            return f"be more than {_number(self.gt)} and at most {_number(self.le)}"
        parts = []
        if self.ge is not None:
            parts.append(f"{_number(self.ge)} or more")
        if self.gt is not None:
            parts.append("positive" if self.gt == 0 else f"more than {_number(self.gt)}")
        if self.le is not None:
            parts.append(f"{_number(self.le)} or less")
        if self.lt is not None:
            parts.append(f"less than {_number(self.lt)}")
        return "be " + " and ".join(parts)


@cache
def declared(owner: type) -> dict[str, tuple[Any, Setting | None]]:
    """Field name -> (its type without Annotated, its Setting or None) of a dataclass."""
    hints = get_type_hints(owner, include_extras=True)
    result: dict[str, tuple[Any, Setting | None]] = {}
    for name, hint in hints.items():
        extras = getattr(hint, "__metadata__", ())
        setting = next((extra for extra in extras if isinstance(extra, Setting)), None)
        result[name] = (getattr(hint, "__origin__", hint) if extras else hint, setting)
    return result


def _choices(hint: Any) -> type[Enum] | None:
    """The Enum a field is typed by (also when it may be None), else None."""
    if get_origin(hint) in (Union, UnionType):
        inner = [arg for arg in get_args(hint) if arg is not NoneType]
        hint = inner[0] if len(inner) == 1 else None
    return hint if isinstance(hint, type) and issubclass(hint, Enum) else None


def check_values(settings: object, prefix: str = "") -> None:
    """Refuse (ConfigError `key must be ..., got value`) the first declared value of a
    settings dataclass, or of one it holds (also in a list), outside its range or choices.
    `prefix` is the key the settings sit under ("scoring" for ScoringSettings)."""
    if not is_dataclass(settings) or isinstance(settings, type):
        return
    types = declared(type(settings))
    for field in fields(settings):
        key = f"{prefix}.{field.name}" if prefix else field.name
        value = getattr(settings, field.name)
        hint, setting = types.get(field.name, (None, None))
        choices = _choices(hint)
        if choices is not None and value is not None and not _is_choice(value, choices):
            raise not_one_of(key, value, choices)
        if setting is not None and value is not None and not setting.accepts(value):
            shown = f"'{value}'" if isinstance(value, str) else _number(value)
            raise ConfigError(f"{key} must {setting.rule()}, got {shown}")
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            check_values(item, f"{key}[{index}]" if isinstance(value, list) else key)


def _number(value: float) -> str:
    """A number as a person writes it: 0, 1.5, 65535 (not 0.0 or 6.5535e+04)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _is_choice(value: object, choices: type[Enum]) -> bool:
    return isinstance(value, choices) or value in {choice.value for choice in choices}
