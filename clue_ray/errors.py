"""Errors a user can act on: each names the file, the record and the field at fault."""

from __future__ import annotations

from enum import Enum

EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line excerpt of a value, safe to print for credentialed data."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


class ClueError(Exception):
    """Base class of errors reported to the user as one line, without a traceback; the
    process exits with `exit_code`."""

    exit_code = 2


class DatasetError(ClueError):
    """A source dataset is missing or malformed."""

    def __init__(
        self, path: object, message: str, *, record: object = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.record = record
        self.field = field
        where = [self.path]
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(": ".join(where) + ": " + message)


class ConfigError(ClueError):
    """A setting is missing, unknown or out of range."""


def not_one_of(key: str, value: object, choices: type[Enum]) -> ConfigError:
    """The error of a setting whose value is none of its choices; it lists them."""
    allowed = ", ".join(str(choice.value) for choice in choices)
    return ConfigError(f"{key} '{value}' is not one of {allowed}")


class Interrupted(ClueError):
    """Ctrl-C or SIGTERM stopped a run; what was stored is kept."""

    exit_code = 130
