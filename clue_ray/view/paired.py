"""The paired view: a model against another (its base, or any model) on the same samples
(same task, sample id and seed), by the task's headline metric.

Per task: the pairs, how many the base scores higher ("base better") and how many the model
scores higher ("model better"), ties, and pairs left out because a side is unscored. For a
task whose headline values in these pairs are all 0 or 1 (accuracy: right or wrong), "base
better" is "base right, model wrong" and the reverse; for a continuous headline (ROUGE-L,
ICD-10 F1) it is a strictly higher value, with no margin. Then the failure flags the model's
rows carry where it loses, and the pairs themselves, largest loss first (or gain first)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clue_ray.view.filters import ViewError, require_choice
from clue_ray.view.store import SampleStore, records


class Show(StrEnum):
    """Which pairs are listed, and in which order."""

    losses = "losses"  # the model below the base, largest loss first
    gains = "gains"    # the model above the base, largest gain first
    all = "all"        # every scored pair, largest loss first


@dataclass(frozen=True)
class PairQuery:
    """A model, the model it is compared with, an optional task, what to list, the page."""

    model: str
    base: str
    task: str | None = None
    show: Show = Show.all
    page: int = 1


@dataclass(frozen=True)
class PairedView:
    """Per task counts, the flags of the losses, and one page of pairs."""

    counts: list[dict[str, Any]]
    loss_flags: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The view as a JSON object."""
        return {"counts": self.counts, "loss_flags": self.loss_flags, "total": self.total,
                "page": self.page, "pages": self.pages, "rows": self.rows}


PAIRS = """WITH m AS (SELECT task, subtask, sample_id, seed, headline, flags FROM samples
                WHERE model = $model),
     b AS (SELECT task, sample_id, seed, headline, flags FROM samples WHERE model = $base),
     pairs AS (SELECT m.task, m.subtask, m.sample_id, m.seed, m.headline AS model_value,
                      b.headline AS base_value, m.headline - b.headline AS difference,
                      m.flags AS model_flags, b.flags AS base_flags
               FROM m JOIN b USING (task, sample_id, seed)
               WHERE {task})"""

COUNTS = PAIRS + """
SELECT task, count(*) AS pairs,
       count(*) FILTER (difference IS NULL) AS unscored,
       count(*) FILTER (difference < 0) AS base_better,
       count(*) FILTER (difference > 0) AS model_better,
       count(*) FILTER (difference = 0) AS ties,
       coalesce(bool_and(model_value IN (0, 1) AND base_value IN (0, 1))
                FILTER (difference IS NOT NULL), false) AS right_or_wrong,
       avg(model_value) FILTER (difference IS NOT NULL) AS model_mean,
       avg(base_value) FILTER (difference IS NOT NULL) AS base_mean
FROM pairs GROUP BY task"""

LOSS_FLAGS = PAIRS + """
SELECT task, flag, count(*) AS losses FROM
  (SELECT task, unnest(CASE WHEN len(model_flags) = 0 THEN ['(none)'] ELSE model_flags END)
          AS flag FROM pairs WHERE difference < 0)
GROUP BY task, flag ORDER BY task, losses DESC, flag"""

SHOWN = {Show.losses: ("difference < 0", "difference ASC"),
         Show.gains: ("difference > 0", "difference DESC"),
         Show.all: ("difference IS NOT NULL", "difference ASC")}


def paired_view(store: SampleStore, query: PairQuery) -> PairedView:
    """The paired view of two models of the store (refused: a model or task it lacks)."""
    facets = store.facets()
    require_choice("model", query.model, facets.models, "a model")
    require_choice("base", query.base, facets.models, "a model")
    require_choice("task", query.task, facets.tasks, "a task")
    if query.model == query.base:
        raise ViewError("base: choose a model other than the model")
    task = "task = $task" if query.task is not None else "TRUE"
    params: dict[str, Any] = {"model": query.model, "base": query.base}
    if query.task is not None:
        params["task"] = query.task
    cursor = store.cursor()
    order = {t: i for i, t in enumerate(facets.tasks)}
    counts = sorted(records(cursor.execute(COUNTS.format(task=task), params)),
                    key=lambda r: order.get(r["task"], len(order)))
    for entry in counts:
        entry["headline_metric"] = (store.tasks[entry["task"]].headline_metric
                                    if entry["task"] in store.tasks else None)
    flags = records(cursor.execute(LOSS_FLAGS.format(task=task), params))
    where, order_by = SHOWN[query.show]
    counted = cursor.execute(PAIRS.format(task=task) + f" SELECT count(*) FROM pairs WHERE "
                             f"{where}", params).fetchone()
    total = int(counted[0]) if counted else 0
    rows = records(cursor.execute(
        PAIRS.format(task=task) + f" SELECT * FROM pairs WHERE {where} ORDER BY {order_by}, "
        f"task, sample_id, seed LIMIT {store.page_rows} "
        f"OFFSET {(query.page - 1) * store.page_rows}", params))
    return PairedView(counts, sorted(flags, key=lambda r: order.get(r["task"], len(order))),
                      total, query.page, max(1, math.ceil(total / store.page_rows)), rows)
