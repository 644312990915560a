"""The pieces every page of the view is made of: the page frame, escaped text, form fields,
tables, links and the pager. Everything from the results is escaped; the pages carry no
script (the server's Content-Security-Policy forbids any)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from clue_ray.results.html_report import STYLE

VIEW_STYLE = """
form.filters{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end;margin:1em 0}
form.filters label{display:flex;flex-direction:column;font-size:.85em}
.box{border:1px solid #ccc;border-radius:4px;padding:.3em .8em;margin:.6em 0}
.same{color:#1a7f37}.differs{color:#b42318;font-weight:bold}
.pager a,.pager span{margin-right:.8em}
td.text{max-width:50em}
"""


def esc(value: Any) -> str:
    """Text made safe for HTML (None as an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def number(value: Any, digits: int = 3) -> str:
    """A metric value as shown (empty when missing)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def url(path: str, params: Mapping[str, Any]) -> str:
    """A link to a page with its query (None and empty values left out)."""
    kept = {k: v for k, v in params.items() if v is not None and v != ""}
    return f"{path}?{urlencode(kept)}" if kept else path


def link(href: str, text: str, css: str = "") -> str:
    """An anchor (href and text escaped)."""
    klass = f' class="{esc(css)}"' if css else ""
    return f'<a href="{esc(href)}"{klass}>{esc(text)}</a>'


def select(name: str, label: str, choices: Sequence[str | tuple[str, str]],
           chosen: str | None, blank: str | None = "any") -> str:
    """A labelled drop-down (choices: values, or (value, shown) pairs; `blank`: the
    entry for no choice, None for none)."""
    options = [] if blank is None else [f'<option value="">{esc(blank)}</option>']
    for choice in choices:
        value, shown = choice if isinstance(choice, tuple) else (choice, choice)
        mark = " selected" if value == chosen else ""
        options.append(f'<option value="{esc(value)}"{mark}>{esc(shown)}</option>')
    return (f'<label>{esc(label)}<select name="{esc(name)}" id="{esc(name)}">'
            f'{"".join(options)}</select></label>')


def text_input(name: str, label: str, value: Any, size: int = 8) -> str:
    """A labelled text field."""
    return (f'<label>{esc(label)}<input name="{esc(name)}" id="{esc(name)}" size="{size}" '
            f'value="{esc(value)}"></label>')


def form(action: str, fields: Iterable[str], button: str) -> str:
    """A GET form of fields with one submit button."""
    return (f'<form class="filters" method="get" action="{esc(action)}">{"".join(fields)}'
            f'<button type="submit" id="submit">{esc(button)}</button></form>')


def table(head: Sequence[str] | None, rows: Iterable[Sequence[str]], table_id: str,
          numeric: Sequence[int] = ()) -> str:
    """A table of cells already made HTML (`head`: None for a table without a header row;
    `numeric`: the right-aligned columns)."""
    header = "" if head is None else "<thead><tr>" + "".join(
        f"<th>{esc(h)}</th>" for h in head) + "</tr></thead>"
    body = []
    for row in rows:
        cells = "".join(f'<td class="{"num" if i in numeric else "text"}">{cell}</td>'
                        for i, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{esc(table_id)}">{header}<tbody>{"".join(body)}</tbody></table>'


def pager(path: str, params: Mapping[str, Any], page: int, pages: int) -> str:
    """Links to the first, previous, next and last page."""
    parts = [f"<span>page {page} of {pages}</span>"]
    for text, target in (("first", 1), ("previous", page - 1), ("next", page + 1),
                         ("last", pages)):
        if 1 <= target <= pages and target != page:
            parts.append(link(url(path, {**params, "page": target}), text))
    return f'<p class="pager" id="pager">{"".join(parts)}</p>'


def frame(title: str, subtitle: str, body: str) -> str:
    """A whole page: title, navigation, the body."""
    nav = f'<nav>{link("/", "Samples")}{link("/paired", "Paired view")}</nav>'
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title><style>{STYLE}{VIEW_STYLE}</style></head><body>"
            f"{nav}<h1>{esc(title)}</h1><p class=\"muted\">{esc(subtitle)}</p>{body}"
            "</body></html>")


def flags_text(flags: Sequence[str] | None) -> str:
    """Flags as one comma list."""
    return ", ".join(flags or [])
