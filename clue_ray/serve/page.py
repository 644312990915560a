"""The live results page: the report's leaderboard table and per model/task progress, from a
snapshot (scores, counts and flags only; every text from the data is escaped). A small inline
script polls the JSON route and reloads the page when the results changed."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from clue_ray.results.html_report import STYLE, leaderboard_html

POLL = """<script>
const version = {version};
setInterval(async () => {{
  try {{
    const answer = await fetch({api}, {{cache: "no-store"}});
    if (answer.ok && (await answer.json()).version !== version) location.reload();
  }} catch (err) {{}}
}}, {interval_ms});
</script>"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def progress_html(progress: list[Mapping[str, Any]]) -> str:
    """Rows stored / expected per run, model and task."""
    if not progress:
        return "<p>No runs yet.</p>"
    cells = []
    for entry in progress:
        expected = entry["expected"]
        share = (f"{100.0 * entry['stored'] / expected:.0f}%" if expected else "–")
        cells.append("<tr>" + "".join(f"<td>{_esc(entry[k])}</td>"
                                      for k in ("run_id", "model", "task"))
                     + f'<td class="num">{_esc(entry["stored"])}</td>'
                     + f'<td class="num">{_esc("?" if expected is None else expected)}</td>'
                     + f'<td class="num">{_esc(share)}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("run", "model", "task", "rows stored", "expected",
                                             "done"))
    return (f'<table id="progress"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(cells)}</tbody></table>")


def render_page(snapshot: Mapping[str, Any], api_path: str, refresh_s: float) -> str:
    """The whole page."""
    board = pd.DataFrame(snapshot["leaderboard"])
    notes = "".join(f"<li>{_esc(n)}</li>" for n in snapshot["notes"])
    intervals = "with 95% bootstrap intervals" if snapshot["intervals"] else (
        "without intervals (serve.intervals=true adds them)")
    shards = snapshot["shards"]
    poll = POLL.format(version=_js(snapshot["version"]), api=_js(api_path),
                       interval_ms=int(refresh_s * 1000))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>CLUE live results</title><style>{STYLE}</style></head><body>"
        f"<h1>CLUE live results</h1><p class=\"muted\">{_esc(snapshot['results'])}: "
        f"{_esc(shards['files'])} score shards, updated {_esc(snapshot['generated_at'])}; "
        f"checks for new shards every {_esc(refresh_s)} s</p>"
        f"<h2>Leaderboard</h2><p class=\"muted\">{_esc(intervals)}</p><div id=\"leaderboard\">"
        f"{leaderboard_html(board, snapshot['tasks'], snapshot['headline'])}</div>"
        f"<h2>Progress</h2>{progress_html(snapshot['progress'])}"
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"{poll}</body></html>"
    )


def _js(text: str) -> str:
    """A string literal safe inside an inline script."""
    import json

    return json.dumps(text).replace("<", "\\u003c")
