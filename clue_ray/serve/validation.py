"""Scoring requests checked field by field: a bad request becomes one message naming the
field (`items[3].prediction: expected a string`), never a traceback. Messages quote sample
ids and task names, never prediction or reference text.

A request is `{"task": T, "items": [...]}` with items of one form:
- `{"sample_id", "prediction"}`: scored against the reference the server holds for that
  sample; answered in the data's order, as `clue-ray score` writes them;
- `{"prediction", "reference"}` (LongHealth also `"subtask"`: task1, task2 or task3): every
  task's metrics need nothing of a sample but its reference (MedNLI: the gold label;
  LongHealth: the correct letter, its aggregate also the subtask; MeDiSumCode: the codes as
  `clue-ray prompts` writes them); answered in request order, with their `index`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clue_ray.metrics.scoring import ScoreItem
from clue_ray.tasks.registry import CLUE
from clue_ray.tasks.sample import Reference

BY_ID = ("sample_id", "prediction")
BY_REFERENCE = ("prediction", "reference")
REQUEST_FIELDS = ("task", "items")


class BadRequest(Exception):
    """A request the server refuses: HTTP `status` and one message naming the field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ScoreJob:
    """One checked request: its task, the items to score, and how each is named in the
    answer (`("sample_id", id)` or `("index", i)`)."""

    task: str
    items: tuple[ScoreItem, ...]
    names: tuple[tuple[str, str | int], ...]


# task -> sample_id -> (position in the data, reference)
ReferenceIndex = Mapping[str, Mapping[str, tuple[int, Reference]]]


def parse_json(body: bytes) -> Any:
    """The request body as JSON, or BadRequest saying where it stops being JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("body: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise BadRequest(f"body: invalid JSON ({err.msg} at line {err.lineno} column "
                         f"{err.colno})") from None


def parse_score_request(payload: Any, references: ReferenceIndex) -> ScoreJob:
    """Check a decoded request against the served tasks and their references."""
    if not isinstance(payload, dict):
        raise BadRequest("body: expected a JSON object {\"task\": ..., \"items\": [...]}")
    _no_unknown(payload, REQUEST_FIELDS, "")
    task = _field(payload, "task", str, "")
    if task not in references:
        raise BadRequest(f"task: unknown task '{_short(task)}' (served: "
                         f"{', '.join(references)})")
    items = _field(payload, "items", list, "")
    if not items:
        raise BadRequest("items: expected a non-empty list")
    by_id = isinstance(items[0], dict) and "sample_id" in items[0]
    parse = _by_id if by_id else _by_reference
    parsed = [parse(task, index, raw, references[task]) for index, raw in enumerate(items)]
    if by_id:
        _no_repeats(parsed)
        parsed.sort(key=lambda entry: references[task][entry[1][1]][0])  # the data's order
    return ScoreJob(task, tuple(item for item, _ in parsed), tuple(name for _, name in parsed))


Parsed = tuple[ScoreItem, tuple[str, str | int]]


def _by_id(task: str, index: int, raw: Any, known: Mapping[str, tuple[int, Reference]]
           ) -> Parsed:
    where = f"items[{index}]"
    item = _object(raw, where)
    if "reference" in item:
        raise BadRequest(f"{where}: give sample_id or reference, not both (items[0] has a "
                         "sample_id, so every item needs one)")
    _no_unknown(item, BY_ID, where)
    sample_id = _field(item, "sample_id", str, where)
    prediction = _field(item, "prediction", str, where)
    if sample_id not in known:
        raise BadRequest(f"{where}.sample_id: unknown sample id '{_short(sample_id)}' for task "
                         f"{task}")
    reference = known[sample_id][1]
    return (ScoreItem(sample_id, task, reference.subtask, reference.reference, prediction),
            ("sample_id", sample_id))


def _by_reference(task: str, index: int, raw: Any,
                  known: Mapping[str, tuple[int, Reference]]) -> Parsed:
    where = f"items[{index}]"
    item = _object(raw, where)
    if "sample_id" in item:
        raise BadRequest(f"{where}: give sample_id or reference, not both (items[0] has a "
                         "reference, so every item needs one)")
    subtasks = CLUE[task].subtasks
    allowed = (*BY_REFERENCE, "subtask") if subtasks else BY_REFERENCE
    _no_unknown(item, allowed, where)
    prediction = _field(item, "prediction", str, where)
    reference = _field(item, "reference", str, where)
    subtask = None
    if subtasks:
        subtask = _field(item, "subtask", str, where)
        if subtask not in subtasks:
            raise BadRequest(f"{where}.subtask: expected one of {', '.join(subtasks)}")
    return ScoreItem(where, task, subtask, reference, prediction), ("index", index)


def _no_repeats(parsed: list[Parsed]) -> None:
    first: dict[str | int, int] = {}
    for index, (_, (_, sample_id)) in enumerate(parsed):
        if sample_id in first:
            raise BadRequest(f"items[{index}].sample_id: '{_short(str(sample_id))}' appears "
                             f"twice (also items[{first[sample_id]}])")
        first[sample_id] = index


def _object(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BadRequest(f"{where}: expected an object")
    return raw


def _field(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    path = f"{where}.{name}" if where else name
    if name not in obj:
        raise BadRequest(f"{path}: required")
    value = obj[name]
    if not isinstance(value, kind):
        expected = {str: "a string", list: "a list"}[kind]
        raise BadRequest(f"{path}: expected {expected}, got {_json_type(value)}")
    return value


def _no_unknown(obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for name in obj:
        if name not in allowed:
            path = f"{where}.{_short(name)}" if where else _short(name)
            raise BadRequest(f"{path}: unknown field (expected {', '.join(allowed)})")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _short(text: str, limit: int = 40) -> str:
    """An id or field name as sent, cut short (it is echoed back)."""
    return text if len(text) <= limit else text[:limit] + "..."
