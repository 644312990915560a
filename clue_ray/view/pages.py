"""The view's three pages, rendered on the server: the filtered samples, one sample, and the
paired view. Forms are plain GET forms, so every state of a page is its URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from clue_ray.results.load import seed_label
from clue_ray.view.filters import Facets, Filters, Order
from clue_ray.view.html import (
    esc,
    flags_text,
    form,
    frame,
    link,
    number,
    pager,
    select,
    table,
    text_input,
    url,
)
from clue_ray.view.paired import PairedView, PairQuery, Show
from clue_ray.view.prompts import Rebuilt, RebuiltPrompt
from clue_ray.view.store import Page

ORDERS = [(Order.key.value, "model, task, sample"),
          (Order.headline_low.value, "headline, lowest first"),
          (Order.headline_high.value, "headline, highest first")]
SHOWS = [(Show.all.value, "every scored pair, losses first"),
         (Show.losses.value, "losses only"), (Show.gains.value, "gains only")]
ENGINE_FACTS = (("prompt_tokens", "prompt tokens"), ("engine_prompt_tokens",
                "prompt tokens (engine)"), ("output_tokens", "output tokens"),
                ("max_tokens", "max tokens"), ("finish_reason", "finish reason"),
                ("latency_s", "latency (s)"), ("engine_error", "engine error"),
                ("engine_actor", "engine actor"), ("context_overflow", "context overflow"),
                ("system_folded", "system text folded"))


def sample_url(row: Mapping[str, Any], model: str | None = None) -> str:
    """The page of a row (of `model` on the same sample, when given)."""
    return url("/sample", {"model": model or row["model"], "task": row["task"],
                           "sample_id": row["sample_id"], "seed": row["seed"]})


def filters_query(filters: Filters) -> dict[str, Any]:
    """The query string of a browse page (its page number apart)."""
    values = {k: v for k, v in asdict(filters).items() if k != "page"}
    values["order"] = filters.order.value
    return values


def samples_page(facets: Facets, filters: Filters, page: Page, subtitle: str) -> str:
    """The filter form and one page of matching samples."""
    fields = [
        select("model", "model", facets.models, filters.model),
        select("task", "task", facets.tasks, filters.task),
        select("subtask", "subtask", facets.subtasks, filters.subtask),
        select("flag", "flag", facets.flags, filters.flag),
        select("metric", "metric", facets.metrics, filters.metric),
        text_input("low", "metric at least", number(filters.low, 6) if filters.low is not None
                   else ""),
        text_input("high", "metric at most", number(filters.high, 6)
                   if filters.high is not None else ""),
        text_input("text", "text in prediction or reference", filters.text, 24),
        select("order", "order", ORDERS, filters.order.value, blank=None),
    ]
    rows = [[esc(r["model"]), esc(r["task"]), esc(r["subtask"]),
             link(sample_url(r), str(r["sample_id"]), "sample"), esc(seed_label(r["seed"])),
             number(r["headline"]), esc(flags_text(r["flags"])),
             esc(r["prediction_start"]) + ("…" if (r["prediction_chars"] or 0)
                                             > len(r["prediction_start"] or "") else "")]
            for r in page.rows]
    body = (form("/", fields, "Filter")
            + f'<p id="total">{page.total:,} samples match</p>'
            + table(["model", "task", "subtask", "sample", "seed", "headline", "flags",
                     "prediction"], rows, "samples", numeric=(5,))
            + pager("/", filters_query(filters), page.page, page.pages))
    return frame("Samples", subtitle, body)


def _answer_html(row: Mapping[str, Any]) -> str:
    if row.get("answer") is None:
        return '<p class="muted">none: the task extracts nothing, or the row was not answered</p>'
    if row["answer"] == "":
        return '<p class="muted">none found in the prediction</p>'
    return f'<pre id="answer">{esc(row["answer"])}</pre>'


def _prompt_html(rebuilt: RebuiltPrompt, stored_sha256: str | None) -> str:
    css = {Rebuilt.same: "same", Rebuilt.differs: "differs"}.get(rebuilt.status, "muted")
    parts = [f'<p id="prompt-status" class="{css}">{esc(rebuilt.note)}</p>']
    if rebuilt.sha256 is not None:
        parts.append(f'<p class="muted">row: {esc(stored_sha256)}<br>rebuilt: '
                     f"{esc(rebuilt.sha256)}</p>")
    if rebuilt.text is not None:
        parts.append(f'<pre id="prompt">{esc(rebuilt.text)}</pre>')
    return "".join(parts)


def sample_page(row: Mapping[str, Any], rebuilt: RebuiltPrompt, others: list[dict[str, Any]],
                headline_metric: str | None, base_model: str | None, subtitle: str) -> str:
    """One sample: its texts, extracted answer, metrics, flags, engine facts, the rebuilt
    prompt and the same sample's rows of the other models."""
    key = [["run", esc(row["run_id"])], ["model", esc(row["model"])],
           ["task", esc(row["task"])], ["subtask", esc(row["subtask"])],
           ["sample", esc(row["sample_id"])], ["seed", esc(seed_label(row["seed"]))]]
    metrics = [[esc(name) + (" (headline)" if name == headline_metric else ""), number(value, 4)]
               for name, value in row["metrics"].items()]
    facts = [[esc(label), esc(number(row.get(column), 3))] for column, label in ENGINE_FACTS]
    flags = flags_text(row["flags"]) or "none"
    scorer = (f'<p>scorer error: {esc(row["scorer_error"])}</p>' if row.get("scorer_error")
              else "")
    other_rows = [[link(sample_url(row, o["model"]), o["model"]), number(o["headline"]),
                   esc(flags_text(o["flags"]))] for o in others]
    compare = ""
    if base_model is not None:
        target = url("/paired", {"model": row["model"], "base": base_model, "task": row["task"]})
        words = f"{row['model']} against its base {base_model}"
        compare = f'<p id="compare">{link(target, words)}</p>'
    body = (table(None, key, "key")
            + f'<h2>Prediction</h2><pre id="prediction">{esc(row.get("prediction"))}</pre>'
            + f'<h2>Reference</h2><pre id="reference">{esc(row.get("reference"))}</pre>'
            + "<h2>Extracted answer</h2>" + _answer_html(row)
            + "<h2>Metrics</h2>" + table(["metric", "value"], metrics, "metrics", (1,))
            + f'<h2>Flags</h2><p id="flags">{esc(flags)}</p>{scorer}'
            + "<h2>Engine</h2>" + table(["fact", "value"], facts, "engine", (1,))
            + '<h2>Prompt</h2><div class="box">'
            + _prompt_html(rebuilt, row.get("prompt_sha256")) + "</div>"
            + "<h2>This sample, every model</h2>" + compare
            + table(["model", "headline", "flags"], other_rows, "others", (1,)))
    return frame(f"{row['model']} · {row['task']} · {row['sample_id']}", subtitle, body)


def _counts_rows(view: PairedView) -> list[list[str]]:
    rows = []
    for c in view.counts:
        reading = "right or wrong" if c["right_or_wrong"] else "higher or lower"
        rows.append([esc(c["task"]), esc(c["headline_metric"]), esc(reading),
                     str(c["pairs"]), str(c["unscored"]), str(c["base_better"]),
                     str(c["model_better"]), str(c["ties"]), number(c["model_mean"]),
                     number(c["base_mean"])])
    return rows


def paired_page(facets: Facets, query: PairQuery | None, view: PairedView | None,
                subtitle: str) -> str:
    """The two models chosen, per task counts, the flags of the losses and the pairs."""
    pairs = ", ".join(f"{m} (base {b})" for m, b in facets.pairs) or "none in these results"
    fields = [select("model", "model", facets.models, query.model if query else None, None),
              select("base", "against", facets.models, query.base if query else None, None),
              select("task", "task", facets.tasks, query.task if query else None),
              select("show", "show", SHOWS, query.show.value if query else None, blank=None)]
    body = form("/paired", fields, "Compare") + f'<p class="muted">models with their base: ' \
                                                f"{esc(pairs)}</p>"
    if query is None or view is None:
        return frame("Paired view", subtitle, body + "<p>Choose two models.</p>")
    body += (f"<h2>{esc(query.model)} against {esc(query.base)}</h2>"
             "<p class=\"muted\">Same task, sample and seed on both sides; by the task's "
             "headline metric. A task whose values here are all 0 or 1 reads right or wrong "
             "(base better = base right, model wrong); otherwise a strictly higher value."
             "</p>"
             + table(["task", "headline", "reading", "pairs", "unscored", "base better",
                      "model better", "ties", "model mean", "base mean"], _counts_rows(view),
                     "counts", numeric=(3, 4, 5, 6, 7, 8, 9))
             + "<h2>Flags of the model's losses</h2>"
             + table(["task", "flag", "losses"], [[esc(f["task"]), esc(f["flag"]),
                                                   str(f["losses"])] for f in view.loss_flags],
                     "loss-flags", numeric=(2,))
             + f'<h2>Pairs</h2><p id="total">{view.total:,} pairs</p>')
    rows = [[esc(r["task"]), link(sample_url(r, query.model), str(r["sample_id"]), "sample"),
             esc(seed_label(r["seed"])), number(r["base_value"]), number(r["model_value"]),
             number(r["difference"]), esc(flags_text(r["model_flags"])),
             esc(flags_text(r["base_flags"])), link(sample_url(r, query.base), "base's row")]
            for r in view.rows]
    params = {"model": query.model, "base": query.base, "task": query.task,
              "show": query.show.value}
    body += (table(["task", "sample", "seed", "base", "model", "difference", "model flags",
                    "base flags", ""], rows, "pairs", numeric=(3, 4, 5))
             + pager("/paired", params, view.page, view.pages))
    return frame("Paired view", subtitle, body)
