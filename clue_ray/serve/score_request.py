"""The scoring request: its pydantic models, its check against the served references, and
its validation errors as one line naming the field (`items[3].prediction: expected a string,
got a number`). Messages quote sample ids, task and field names (cut short), never a value
of a prediction or reference: of a value sent only its JSON type is named.

A request is `{"task": T, "items": [...]}`, every item of the form of `items[0]`:
- `{"sample_id", "prediction"}`: scored against the reference the server holds for that
  sample; answered in the data's order, as `clue-ray score` writes them;
- `{"prediction", "reference"}` (LongHealth also `"subtask"`: task1, task2 or task3): every
  task's metrics need nothing of a sample but its reference (MedNLI: the gold label;
  LongHealth: the correct letter, its aggregate also the subtask; MeDiSumCode: the codes as
  `clue-ray prompts` writes them); answered in request order, with their `index`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import ErrorDetails

from clue_ray.errors import excerpt
from clue_ray.metrics.scored_task import ScoredTask
from clue_ray.metrics.scoring import ScoreItem
from clue_ray.tasks.sample import Reference


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # JSON types as sent, no others


class ItemById(_Strict):
    sample_id: str
    prediction: str


class ItemByReference(_Strict):
    prediction: str
    reference: str
    subtask: str | None = None  # LongHealth's (required there), no other task's


def item_form(items: Any) -> str:
    """The form of a request's items: that of its first item."""
    first = items[0] if isinstance(items, list) and items else None
    return "by_id" if isinstance(first, dict) and "sample_id" in first else "by_reference"


FORMS: dict[str, type[BaseModel]] = {"by_id": ItemById, "by_reference": ItemByReference}


class ScoreRequest(_Strict):
    """`POST /score`: a served task and its items, all of one form."""

    task: str
    items: Annotated[Annotated[list[ItemById], Tag("by_id")]
                     | Annotated[list[ItemByReference], Tag("by_reference")],
                     Discriminator(item_form), Field(min_length=1)]


@dataclass(frozen=True)
class ScoreJob:
    """One checked request: its task, the items to score, and how each is named in the
    answer (`("sample_id", id)` or `("index", i)`)."""

    task: str
    items: tuple[ScoreItem, ...]
    names: tuple[tuple[str, str | int], ...]


# task -> sample_id -> (position in the data, reference)
ReferenceIndex = Mapping[str, Mapping[str, tuple[int, Reference]]]


def score_job(request: ScoreRequest, references: ReferenceIndex,
              tasks: Mapping[str, ScoredTask]) -> ScoreJob:
    """Check a valid request against the served tasks and their references (400 naming the
    first item at fault)."""
    task = request.task
    if task not in references:
        raise HTTPException(400, f"task: unknown task '{excerpt(task)}' (served: "
                                 f"{', '.join(references)})")
    if isinstance(request.items[0], ItemByReference):
        subtasks = tasks[task].subtasks
        for index, by_reference in enumerate(request.items):
            _check_subtask(by_reference, subtasks, f"items[{index}].subtask")
        return ScoreJob(task, tuple(ScoreItem(f"items[{i}]", task, item.subtask, item.reference,
                                              item.prediction)
                                    for i, item in enumerate(request.items)),
                        tuple(("index", i) for i in range(len(request.items))))
    by_id = [item for item in request.items if isinstance(item, ItemById)]  # all: one form
    known = references[task]
    seen: dict[str, int] = {}  # sample id -> the item that gave it first
    for index, item in enumerate(by_id):
        if item.sample_id not in known:
            raise HTTPException(400, f"items[{index}].sample_id: unknown sample id "
                                     f"'{excerpt(item.sample_id)}' for task {task}")
        if item.sample_id in seen:
            raise HTTPException(400, f"items[{index}].sample_id: '{excerpt(item.sample_id)}' "
                                     f"appears twice (also items[{seen[item.sample_id]}])")
        seen[item.sample_id] = index
    in_order = sorted(by_id, key=lambda item: known[item.sample_id][0])
    return ScoreJob(task, tuple(ScoreItem(item.sample_id, task, known[item.sample_id][1].subtask,
                                          known[item.sample_id][1].reference, item.prediction)
                                for item in in_order),
                    tuple(("sample_id", item.sample_id) for item in in_order))


def _check_subtask(item: ItemByReference, subtasks: tuple[str, ...], where: str) -> None:
    sent = "subtask" in item.model_fields_set
    if not subtasks and sent:
        raise HTTPException(400, f"{where}: unknown field (expected prediction, reference)")
    if subtasks and item.subtask is None:
        raise HTTPException(400, f"{where}: expected a string, got null" if sent else
                            f"{where}: required")
    if subtasks and item.subtask not in subtasks:
        raise HTTPException(400, f"{where}: expected one of {', '.join(subtasks)}")


def request_error(errors: Sequence[ErrorDetails]) -> str:
    """A request's first validation error as one line; an item holding the other form's key
    (`reference` among items by id) is named as such before its other errors."""
    first, _ = _located(errors[0])
    for error in errors:
        loc, model = _located(error)
        if (error["type"] == "extra_forbidden" and model is not ScoreRequest
                and loc[-1] in ("sample_id", "reference") and first[:len(loc) - 1] == loc[:-1]):
            has = "reference" if loc[-1] == "sample_id" else "sample_id"
            return (f"{field_path(loc[:-1])}: give sample_id or reference, not both "
                    f"(items[0] has a {has}, so every item needs one)")
    return error_message(errors[0])


def error_message(error: ErrorDetails) -> str:
    """One pydantic error as `<field>: <what was expected>` (of the value, its type only)."""
    loc, model = _located(error)
    kind, sent, path = error["type"], error.get("input"), field_path(loc)
    if not loc:
        return ("body: send JSON (Content-Type: application/json)" if isinstance(sent, bytes)
                else 'body: expected a JSON object {"task": ..., "items": [...]}')
    if kind in ("string_type", "list_type"):
        return f"{path}: expected a {kind.split('_')[0]}, got {json_type(sent)}"
    if kind == "extra_forbidden":
        return f"{path}: unknown field (expected {', '.join(model.model_fields)})"
    return f"{path}: " + {"missing": "required", "too_short": "expected a non-empty list",
                          "model_type": "expected an object"}.get(kind, error["msg"])


def _located(error: ErrorDetails) -> tuple[list[str | int], type[BaseModel]]:
    """An error's loc without FastAPI's `body` and the items' form tag, and the model of the
    object the loc ends in."""
    loc = list(error["loc"])
    loc = loc[1:] if loc[:1] == ["body"] else loc
    if loc[:1] == ["items"] and len(loc) > 1:
        model = FORMS[str(loc.pop(1))]
        return loc, model if len(loc) > 2 else ScoreRequest
    return loc, ScoreRequest


def field_path(loc: Sequence[str | int]) -> str:
    """`items[3].prediction` from ['items', 3, 'prediction'] (names cut short)."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{excerpt(p)}" for p in loc).lstrip(".")


def json_type(value: Any) -> str:
    """A decoded JSON value's type, as a message names it."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
