"""Report figures (PNG) and the self-contained HTML report, from hand-built tables."""

from __future__ import annotations

import math
import re
import struct
from pathlib import Path

import pandas as pd
import pytest

from clue_ray.results.figures import deltas_figure, headline_figure, task_bars_figure
from clue_ray.results.html_report import ReportContent, render_html, write_html

PNG = b"\x89PNG\r\n\x1a\n"
NAN = math.nan
TASKS = ["mednli", "meqsum", "longhealth"]
HEADLINE = {"mednli": "accuracy", "meqsum": "rougeL", "longhealth": "accuracy"}
NASTY = 'bio$<b>&"$x'  # "$...$" would be mathtext in matplotlib
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "f" * 60 + "abcd"

# model, kind, base, family, level1, level2 (NaN: absent), mednli, meqsum, longhealth
MODELS = [
    ("llama-8b", "general", "", "llama-8b", 60.0, 40.0, 70.0, 50.0, 40.0),
    ("qwen-7b", "general", "", "qwen-7b", 55.0, NAN, 65.0, 45.0, NAN),
    ("medllama-8b", "biomedical", "llama-8b", "llama-8b", 58.0, 35.0, 68.0, 48.0, 35.0),
    (NASTY, "biomedical", "qwen-7b", "qwen-7b", 52.0, 30.0, 60.0, 44.0, 30.0),
    ("majority", "baseline", "", "baseline", 33.0, 20.0, 33.0, NAN, 20.0),
]


def _row(model, kind, base, family, l1, l2, *scores) -> dict:
    row = {"model": model, "seed": "greedy", "kind": kind, "base_model": base,
           "family": family, "runs": "run-a;run-b"}
    for name, value in (("level1", l1), ("level2", l2)):
        row |= {name: value, f"{name}_lo": value - 2, f"{name}_hi": value + 2}
    for task, value in zip(TASKS, scores, strict=True):
        row |= {f"{task}.headline": value, f"{task}.headline_lo": value - 3,
                f"{task}.headline_hi": value + 3, f"{task}.samples": 10,
                f"{task}.flagged": 1, f"{task}.{HEADLINE[task]}": value}
    return row | {"samples": 30, "flagged": 3}


@pytest.fixture
def leaderboard() -> pd.DataFrame:
    rows = [_row(*m) for m in MODELS]
    seeded = _row(*MODELS[0]) | {"seed": "7"}
    return pd.DataFrame([*rows, seeded])


@pytest.fixture
def deltas() -> pd.DataFrame:
    def delta(model, base, name, d, lo, hi, scope="task"):
        return {"model": model, "base_model": base, "seed": "greedy", "scope": scope,
                "name": name, "metric": "accuracy", "model_score": 50 + d, "base_score": 50.0,
                "delta": d, "ci_lo": lo, "ci_hi": hi, "p_value": 0.0123,
                "paired_samples": 10, "worse": d < 0, "significant": lo > 0 or hi < 0}
    return pd.DataFrame([
        delta("medllama-8b", "llama-8b", "mednli", -2.0, -4.0, -0.5),
        delta("medllama-8b", "llama-8b", "level1", -2.0, -5.0, 1.0, scope="level"),
        delta(NASTY, "qwen-7b", "meqsum", 1.5, 0.2, 2.8),
    ])


@pytest.fixture
def flags() -> pd.DataFrame:
    return pd.DataFrame([
        {"model": "llama-8b", "seed": "greedy", "task": "meqsum", "flag": "empty_output",
         "count": 2, "rows": 10},
        {"model": "llama-8b", "seed": "greedy", "task": "meqsum", "flag": "repetition_loop",
         "count": 1, "rows": 10},
        {"model": "qwen-7b", "seed": "greedy", "task": "mednli",
         "flag": "instruction_not_followed", "count": 4, "rows": 10},
    ])


MANIFEST = {
    "run_id": "run-a", "experiment": "main-sweep",
    "config": {"engine": {"temperature": 0.0, "note": "<i>cfg</i>"}},
    "models": [{"name": "llama-8b", "hf_id": "meta/llama-8b", "kind": "general",
                "base_model": None}],
    "package_versions": {"vllm": "0.29.0", "ray": None},
    "git": {"commit": COMMIT, "dirty": True},
    "dataset_sha256": {"mednli": SHA},
    "attempts": [{"started_at": "2025-01-01T00:00:00Z", "finished_at": "2025-01-01T01:00:00Z"},
                 {"started_at": "2025-01-02T00:00:00Z"}],
    "counts": {"rows": 30},
}


def _figures(tmp_path: Path, leaderboard, deltas) -> dict[str, Path]:
    return {"Level 2 vs Level 1": headline_figure(leaderboard, tmp_path / "h.png"),
            "Headline per task": task_bars_figure(leaderboard, TASKS, HEADLINE,
                                                  tmp_path / "t.png"),
            "Biomedical minus base": deltas_figure(deltas, tmp_path / "d.png")}


def _content(leaderboard, deltas, flags, figures, **changes) -> ReportContent:
    fields = {"title": "CLUE <report>", "generated_at": "2025-01-03 12:00",
              "tasks": TASKS, "headline": HEADLINE, "leaderboard": leaderboard,
              "deltas": deltas, "worse_summary": [f"{NASTY} is worse than qwen-7b"],
              "flags": flags, "figures": figures, "manifests": [MANIFEST],
              "notes": ['note <b>&"y']}
    return ReportContent(**(fields | changes))


def _png_height(path: Path) -> int:
    return struct.unpack(">I", path.read_bytes()[20:24])[0]  # IHDR: width, height


def _is_png(path: Path | None) -> bool:
    return path is not None and path.is_file() and path.read_bytes()[:8] == PNG


# Figures


def test_figures_write_pngs(tmp_path, leaderboard, deltas):
    figures = _figures(tmp_path / "sub", leaderboard, deltas)
    assert all(_is_png(p) for p in figures.values())
    assert figures["Level 2 vs Level 1"] == tmp_path / "sub" / "h.png"


def test_figure_height_grows_with_rows(tmp_path, deltas):
    small = deltas_figure(deltas.iloc[:1], tmp_path / "small.png")
    large = deltas_figure(pd.concat([deltas] * 8, ignore_index=True), tmp_path / "large.png")
    assert _png_height(large) > 3 * _png_height(small)


def test_headline_figure_none_without_both_levels(tmp_path, leaderboard):
    only_level1 = leaderboard.assign(level2=NAN)
    assert headline_figure(only_level1, tmp_path / "h.png") is None
    assert headline_figure(leaderboard.iloc[0:0], tmp_path / "h.png") is None
    assert not (tmp_path / "h.png").exists()


def test_task_bars_none_without_scores(tmp_path, leaderboard):
    no_scores = leaderboard.assign(**{f"{t}.headline": NAN for t in TASKS})
    assert task_bars_figure(no_scores, TASKS, HEADLINE, tmp_path / "t.png") is None
    assert task_bars_figure(leaderboard, ["medisumqa"], HEADLINE, tmp_path / "t.png") is None
    assert not (tmp_path / "t.png").exists()


def test_deltas_figure_none_when_empty(tmp_path, deltas):
    assert deltas_figure(deltas.iloc[0:0], tmp_path / "d.png") is None
    assert not (tmp_path / "d.png").exists()


# HTML


@pytest.fixture
def page(tmp_path, leaderboard, deltas, flags) -> str:
    figures = _figures(tmp_path, leaderboard, deltas)
    return render_html(_content(leaderboard, deltas, flags, figures))


def test_html_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert all(v.startswith("data:image/png;base64,") for v in re.findall(r'src="([^"]*)"', page))
    assert all(v.startswith("#") for v in re.findall(r'href="([^"]*)"', page))


def test_html_shows_models_and_provenance(page):
    for model in ("llama-8b", "qwen-7b", "medllama-8b", "majority"):
        assert f"<td>{model}</td>" in page
    assert f"{COMMIT} (local changes)" in page
    assert SHA in page and "0.29.0" in page and "main-sweep" in page
    assert "Attempts: 2" in page
    assert "&quot;temperature&quot;: 0.0" in page  # config as JSON, escaped


def test_html_formats_numbers(page):
    assert "60.00 [58.00, 62.00]" in page  # level 1 with its CI
    assert "-2.000" in page and "[-4.000, -0.500]" in page and "0.012" in page
    assert "–" in page  # qwen-7b has no level 2
    assert '<tr class="worse">' in page and '<tr class="better">' in page


def test_html_escapes_data_text(page):
    assert NASTY not in page and 'note <b>&"y' not in page and "<i>cfg</i>" not in page
    assert "bio$&lt;b&gt;&amp;&quot;$x" in page
    assert "note &lt;b&gt;&amp;&quot;y" in page
    assert "CLUE &lt;report&gt;" in page


def test_html_flags_pivot(page):
    assert "<th>empty_output</th>" in page and "<th>instruction_not_followed</th>" in page
    row = re.search(r"<tr><td>llama-8b</td><td>greedy</td><td>meqsum</td>(.*?)</tr>", page)
    assert row is not None
    cells = re.findall(r">([^<]*)</td>", row.group(1))
    # columns: rows, empty_output, instruction_not_followed, repetition_loop
    assert cells == ["10", "2", "0", "1"]


def test_html_empty_tables_and_old_manifest(leaderboard):
    empty = pd.DataFrame()
    page = render_html(_content(leaderboard, empty, empty, {}, manifests=[{"run_id": "old-1"}],
                                worse_summary=[]))
    assert "No biomedical model with its base model" in page
    assert "No flagged rows" in page and "No figures" in page
    assert "Run old-1" in page
    assert "data:image/png" not in page


def test_examples_only_when_given(page, leaderboard, deltas, flags):
    assert 'id="examples"' not in page
    examples = pd.DataFrame([{"model": "llama-8b", "seed": "greedy", "task": "meqsum",
                              "sample_id": "q-1", "reference": "ref <x> & y",
                              "prediction": "pred </pre><script>"}])
    with_examples = render_html(_content(leaderboard, deltas, flags, {}, examples=examples))
    assert 'id="examples"' in with_examples
    assert "<pre>ref &lt;x&gt; &amp; y</pre>" in with_examples
    assert "<script" not in with_examples
    empty = render_html(_content(leaderboard, deltas, flags, {}, examples=examples.iloc[0:0]))
    assert 'id="examples"' not in empty


def test_examples_show_the_extracted_answer(leaderboard, deltas, flags):
    examples = pd.DataFrame([
        {"model": "llama-8b", "seed": "greedy", "task": "longhealth", "sample_id": "p/0",
         "reference": "B", "prediction": "The correct answer is B: x", "answer": "B<i>"},
        {"model": "llama-8b", "seed": "greedy", "task": "longhealth", "sample_id": "p/1",
         "reference": "C", "prediction": "I would say C", "answer": ""},
        {"model": "llama-8b", "seed": "greedy", "task": "meqsum", "sample_id": "q-1",
         "reference": "ref", "prediction": "pred", "answer": None},
    ])
    page = render_html(_content(leaderboard, deltas, flags, {}, examples=examples))
    blocks = page.split('<div class="example">')[1:]
    assert len(blocks) == 3
    assert "<p>Answer extracted</p><pre>B&lt;i&gt;</pre>" in blocks[0]  # escaped
    assert blocks[0].index("Prediction") < blocks[0].index("Answer extracted")
    assert '<p>Answer extracted</p><p class="muted">none found</p>' in blocks[1]
    assert "Answer extracted" not in blocks[2]  # a task that extracts nothing


def test_write_html_is_atomic(tmp_path, leaderboard, deltas, flags):
    target = tmp_path / "out" / "report.html"
    assert write_html(_content(leaderboard, deltas, flags, {}), target) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
