"""One self-contained HTML report: inline style, base64 figures, no script, no links out.

Every piece of text taken from the data is escaped with html.escape.
"""

from __future__ import annotations

import base64
import html
import json
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clue_ray.fileio import write_atomic

DASH = "–"
LEVEL_COLUMN = re.compile(r"level\d+")  # a level score's column (not its bounds)
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:110em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.worse td{background:#fdecea}
tr.better td{background:#eaf7ee}
pre{background:#f7f7f7;padding:.5em;white-space:pre-wrap;word-break:break-word;font-size:.85em}
figure{margin:1em 0}
figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-style:italic;font-size:.9em}
.example{border-left:3px solid #ccc;padding-left:1em;margin:1em 0}
.muted{color:#777}
nav a{margin-right:1em}
"""


@dataclass
class ReportContent:
    """Everything the HTML report shows; tables as built from the result shards."""

    title: str
    generated_at: str
    tasks: list[str]
    headline: dict[str, str]
    leaderboard: pd.DataFrame
    deltas: pd.DataFrame
    worse_summary: list[str]
    flags: pd.DataFrame
    figures: dict[str, Path]
    manifests: list[dict[str, Any]]
    notes: list[str]
    examples: pd.DataFrame | None = None


def _esc(value: Any) -> str:
    """Text escaped for HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def _is_missing(value: Any) -> bool:
    """None, NaN or pandas NA."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) \
        and math.isnan(float(value))


def _fmt(value: Any, digits: int = 2) -> str:
    """A cell's text: floats to `digits` decimals, missing values as a dash."""
    if _is_missing(value):
        return DASH
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{digits}f}"
    return str(value)


def _with_ci(row: pd.Series, column: str, digits: int = 2) -> str:
    """"value [lo, hi]" (the interval only when both bounds are present)."""
    value = row.get(column)
    if _is_missing(value):
        return DASH
    lo, hi = row.get(f"{column}_lo"), row.get(f"{column}_hi")
    if _is_missing(lo) or _is_missing(hi):
        return _fmt(value, digits)
    return f"{_fmt(value, digits)} [{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]],
           classes: Sequence[str] | None = None, numeric: Sequence[bool] | None = None) -> str:
    """An HTML table of plain-text cells (all escaped here)."""
    numeric = numeric or [False] * len(header)
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{_esc(classes[i])}"' if classes and classes[i] else ""
        cells = "".join(f'<td class="num">{_esc(c)}</td>' if numeric[j] else f"<td>{_esc(c)}</td>"
                        for j, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section(anchor: str, title: str, body: str) -> str:
    """A titled section with an in-page anchor."""
    return f'<section id="{anchor}"><h2>{_esc(title)}</h2>\n{body}\n</section>'


def _items(lines: Sequence[Any]) -> str:
    """A bullet list of escaped lines ("" when none)."""
    if not lines:
        return ""
    return "<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in lines) + "</ul>"


def _leaderboard(content: ReportContent) -> str:
    """The compact leaderboard, then every column in a details block."""
    return leaderboard_html(content.leaderboard, content.tasks, content.headline)


def leaderboard_html(board: pd.DataFrame | None, tasks: Sequence[str],
                     headline: dict[str, str]) -> str:
    """The leaderboard table as HTML (the report's and the live page's): model, kind, level
    and headline scores with their intervals where present, then every column folded."""
    if board is None or board.empty:
        return "<p>No results.</p>"
    tasks = [t for t in tasks if f"{t}.headline" in board.columns]
    by_level = [str(c) for c in board.columns if LEVEL_COLUMN.fullmatch(str(c))]
    header = (["model", "seed", "kind", "base",
               *(f"level {c.removeprefix('level')} [95% CI]" for c in by_level)]
              + [f"{t} ({headline.get(t, 'headline')})" for t in tasks]
              + ["samples", "flagged"])
    rows = []
    for _, row in board.iterrows():
        rows.append([_fmt(row.get("model")), _fmt(row.get("seed")), _fmt(row.get("kind")),
                     _fmt(row.get("base_model")) or DASH,
                     *(_with_ci(row, c) for c in by_level)]
                    + [_with_ci(row, f"{t}.headline") for t in tasks]
                    + [_fmt(row.get("samples")), _fmt(row.get("flagged"))])
    numeric = [False] * 4 + [True] * (len(header) - 4)
    full = _table(list(map(str, board.columns)),
                  [[_fmt(v) for v in values] for values in board.itertuples(index=False)])
    return (_table(header, rows, numeric=numeric)
            + f"<details><summary>Full leaderboard (every column)</summary>{full}</details>")


def _delta_marker(row: pd.Series) -> str:
    """"worse" and/or "significant", from the row's flags."""
    marks = [name for name in ("worse", "significant") if bool(row.get(name, False))]
    return ", ".join(marks)


def _p_value(value: Any) -> str:
    """p to 3 decimals; "<0.001" below that."""
    if _is_missing(value):
        return DASH
    return "<0.001" if float(value) < 0.0005 else f"{float(value):.3f}"


def _delta_class(row: pd.Series) -> str:
    """Row shading: worse and significant in red, better and significant in green."""
    if not bool(row.get("significant", False)):
        return ""
    return "worse" if bool(row.get("worse", False)) else "better"


def _deltas(content: ReportContent) -> str:
    """Worse-than-base sentences, then the paired delta table."""
    intro = _items(content.worse_summary)
    deltas = content.deltas
    if deltas is None or deltas.empty:
        return intro + "<p>No biomedical model with its base model in these results.</p>"
    header = ["model", "base", "seed", "scope", "name", "metric", "model score", "base score",
              "delta", "95% CI", "p-value", "paired samples", "marker"]
    rows, classes = [], []
    for _, row in deltas.iterrows():
        ci = f"[{_fmt(row.get('ci_lo'), 3)}, {_fmt(row.get('ci_hi'), 3)}]"
        rows.append([_fmt(row.get(c)) for c in ("model", "base_model", "seed", "scope", "name",
                                                "metric", "model_score", "base_score")]
                    + [_fmt(row.get("delta"), 3), ci, _p_value(row.get("p_value")),
                       _fmt(row.get("paired_samples")), _delta_marker(row)])
        classes.append(_delta_class(row))
    numeric = [False] * 6 + [True] * 6 + [False]
    return intro + _table(header, rows, classes, numeric)


def _figure(caption: str, path: Path) -> str:
    """One PNG embedded as base64, with its caption."""
    path = Path(path)
    if not path.is_file():
        return f'<p class="muted">Figure missing: {_esc(caption)}</p>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def _figures(content: ReportContent) -> str:
    """Every figure, in the order given."""
    if not content.figures:
        return "<p>No figures.</p>"
    return "\n".join(_figure(caption, path) for caption, path in content.figures.items())


def _flags(flags: pd.DataFrame | None) -> str:
    """Flag counts per model, seed and task, one column per flag."""
    keys = ["model", "seed", "task"]
    if flags is None or flags.empty:
        return "<p>No flagged rows.</p>"
    pivot = flags.pivot_table(index=keys, columns="flag", values="count", aggfunc="sum",
                              fill_value=0)
    names = [str(c) for c in pivot.columns]
    totals = flags.groupby(keys)["rows"].max()
    rows = []
    for key, counts in pivot.iterrows():
        rows.append([*map(_fmt, key), _fmt(totals.get(key)), *(_fmt(int(v)) for v in counts)])
    numeric = [False] * 3 + [True] * (1 + len(names))
    return _table([*keys, "rows", *names], rows, numeric=numeric)


def _examples(examples: pd.DataFrame | None) -> str:
    """Reference, prediction and extracted answer of each example ("" when none given)."""
    if examples is None or examples.empty:
        return ""
    blocks = []
    for _, row in examples.iterrows():
        title = " · ".join(_fmt(row.get(c)) for c in ("model", "seed", "task", "sample_id"))
        blocks.append(f'<div class="example"><h3>{_esc(title)}</h3>'
                      f"<p>Reference</p><pre>{_esc(_fmt(row.get('reference')))}</pre>"
                      f"<p>Prediction</p><pre>{_esc(_fmt(row.get('prediction')))}</pre>"
                      f"{_answer(row.get('answer'))}</div>")
    return _section("examples", "Examples", "\n".join(blocks))


def _answer(answer: Any) -> str:
    """The answer the scorer extracted: its text, a note when it found none, nothing for a
    row without one (a task that extracts nothing, a row not scored, an older shard)."""
    if _is_missing(answer):
        return ""
    if answer == "":
        return '<p>Answer extracted</p><p class="muted">none found</p>'
    return f"<p>Answer extracted</p><pre>{_esc(answer)}</pre>"


def _dump(value: Any) -> str:
    """Pretty JSON in a pre block (escaped)."""
    return f"<pre>{_esc(json.dumps(value, indent=1, sort_keys=True, default=str))}</pre>"


def _mapping(value: Any) -> dict[str, Any]:
    """The value when it is a dict, else an empty one (old or damaged manifests)."""
    return value if isinstance(value, dict) else {}


def _commit(manifest: dict[str, Any]) -> str:
    """Git commit, with "(local changes)" when the tree was dirty."""
    git = _mapping(manifest.get("git"))
    commit = git.get("commit") or DASH
    return f"{commit} (local changes)" if git.get("dirty") else str(commit)


def _models_table(models: Any) -> str:
    """Name, Hugging Face id, kind and base model of each model of the run."""
    if not isinstance(models, list) or not models:
        return ""
    keys = ("name", "hf_id", "kind", "base_model")
    rows = [[_fmt(_mapping(m).get(k)) or DASH for k in keys] for m in models]
    return "<h4>Models</h4>" + _table(keys, rows)


def _manifest(manifest: Any) -> str:
    """One run's provenance: what is there, nothing assumed."""
    manifest = _mapping(manifest)
    facts = [("run id", manifest.get("run_id", DASH)),
             ("experiment", manifest.get("experiment", DASH)), ("git commit", _commit(manifest))]
    parts = [f"<h3>Run {_esc(manifest.get('run_id', DASH))}</h3>",
             _table(["field", "value"], [[k, _fmt(v)] for k, v in facts])]
    versions = _mapping(manifest.get("package_versions"))
    if versions:
        parts.append("<h4>Package versions</h4>"
                     + _table(["package", "version"], [[k, _fmt(v)] for k, v in
                                                       sorted(versions.items())]))
    checksums = _mapping(manifest.get("dataset_sha256"))
    if checksums:
        parts.append("<h4>Dataset SHA-256</h4>"
                     + _table(["task", "sha256"], [[k, _fmt(v)] for k, v in
                                                   sorted(checksums.items())]))
    parts.append(_models_table(manifest.get("models")))
    parts.append(_attempts(manifest.get("attempts")))
    for key, label in (("counts", "Counts"), ("config", "Config")):
        if key in manifest:
            parts.append(f"<details><summary>{label}</summary>{_dump(manifest[key])}</details>")
    return '<div class="manifest">' + "\n".join(p for p in parts if p) + "</div>"


def _attempts(attempts: Any) -> str:
    """How many attempts the run took, and each attempt as JSON."""
    if attempts is None:
        return ""
    items = attempts if isinstance(attempts, list) else [attempts]
    dumps = "".join(_dump(a) for a in items)
    return (f"<p>Attempts: {len(items)}</p>"
            f"<details><summary>Attempts (JSON)</summary>{dumps}</details>")


def _provenance(manifests: list[dict[str, Any]]) -> str:
    """Every manifest, one block each."""
    if not manifests:
        return "<p>No run manifests.</p>"
    return "\n".join(_manifest(m) for m in manifests)


def _nav(has_examples: bool) -> str:
    """In-page links to the sections."""
    names = [("leaderboard", "Leaderboard"), ("deltas", "Biomedical vs base"),
             ("figures", "Figures"), ("flags", "Failure modes")]
    names += [("examples", "Examples")] if has_examples else []
    names += [("provenance", "Provenance")]
    return "<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in names) + "</nav>"


def render_html(content: ReportContent) -> str:
    """The whole report as one self-contained HTML5 document."""
    examples = _examples(content.examples)
    body = [f"<h1>{_esc(content.title)}</h1>",
            f'<p class="muted">Generated {_esc(content.generated_at)}</p>',
            _items(content.notes), _nav(bool(examples)),
            _section("leaderboard", "Leaderboard", _leaderboard(content)),
            _section("deltas", "Biomedical vs base", _deltas(content)),
            _section("figures", "Figures", _figures(content)),
            _section("flags", "Failure modes", _flags(content.flags)),
            examples,
            _section("provenance", "Provenance", _provenance(content.manifests))]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_esc(content.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(part for part in body if part) + "\n</body>\n</html>\n")


def write_html(content: ReportContent, path: Path) -> Path:
    """Render the report and write it atomically (temporary file beside it, then rename)."""
    path = Path(path)
    write_atomic(path, render_html(content))
    return path
