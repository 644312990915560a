"""What a user filters the samples by, the choices a results folder offers, and the SQL
condition of a filter. Every value a user sends is checked against the choices (or passed
as a query parameter, never into the SQL text), and a refusal never repeats what was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clue_ray.rows import METRIC_PREFIX


class ViewError(ValueError):
    """A request the view refuses: one line naming the parameter, never its value."""


class Order(StrEnum):
    """How the matching samples are listed."""

    key = "key"                 # model, task, sample id, seed
    headline_low = "headline_low"    # the task's headline metric, lowest first
    headline_high = "headline_high"  # highest first


@dataclass(frozen=True)
class Filters:
    """One browse query (None: not filtered by it); `page` counts from 1."""

    model: str | None = None
    task: str | None = None
    subtask: str | None = None
    flag: str | None = None
    metric: str | None = None
    low: float | None = None
    high: float | None = None
    text: str | None = None
    order: Order = Order.key
    page: int = 1


@dataclass(frozen=True)
class Facets:
    """The values a results folder holds: what the filters may choose from. `pairs`: each
    model whose base model is also in the results, with that base."""

    models: list[str]
    tasks: list[str]
    subtasks: list[str]
    flags: list[str]
    metrics: list[str]
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The facets as a JSON object."""
        return {"models": self.models, "tasks": self.tasks, "subtasks": self.subtasks,
                "flags": self.flags, "metrics": self.metrics,
                "pairs": [{"model": m, "base": b} for m, b in self.pairs]}


def require_choice(name: str, value: str | None, choices: list[str], what: str) -> None:
    """Refuse a value that is not one of the folder's (the message names the parameter)."""
    if value is not None and value not in choices:
        raise ViewError(f"{name}: not {what} of these results (see /api/facets)")


def check(filters: Filters, facets: Facets) -> None:
    """Refuse a filter no sample of the folder could match by construction."""
    require_choice("model", filters.model, facets.models, "a model")
    require_choice("task", filters.task, facets.tasks, "a task")
    require_choice("subtask", filters.subtask, facets.subtasks, "a subtask")
    require_choice("flag", filters.flag, facets.flags, "a flag")
    require_choice("metric", filters.metric, facets.metrics, "a metric")
    if (filters.low is not None or filters.high is not None) and filters.metric is None:
        raise ViewError("low/high: a metric range needs metric=NAME")
    if filters.low is not None and filters.high is not None and filters.low > filters.high:
        raise ViewError("low/high: low must not exceed high")


def condition(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE condition of a checked filter and its named parameters. The metric's
    column name comes from the folder's own columns (`check` refused any other)."""
    parts, params = ["TRUE"], {}
    for column in ("model", "task", "subtask"):
        value = getattr(filters, column)
        if value is not None:
            parts.append(f"{column} = ${column}")
            params[column] = value
    if filters.flag is not None:
        parts.append("list_contains(flags, $flag)")
        params["flag"] = filters.flag
    if filters.metric is not None:
        column = quoted(METRIC_PREFIX + filters.metric)
        parts.append(f"{column} IS NOT NULL")
        if filters.low is not None:
            parts.append(f"{column} >= $low")
            params["low"] = filters.low
        if filters.high is not None:
            parts.append(f"{column} <= $high")
            params["high"] = filters.high
    if filters.text:  # the store keeps both texts lower-cased, for this
        parts.append("(contains(prediction_lower, lower($text)) "
                     "OR contains(reference_lower, lower($text)))")
        params["text"] = filters.text
    return " AND ".join(parts), params


ORDER_SQL = {
    Order.key: "n",
    Order.headline_low: "headline ASC NULLS LAST, n",
    Order.headline_high: "headline DESC NULLS LAST, n",
}


def quoted(name: str) -> str:
    """A column name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
