"""`clue-ray view` over a real sweep's shards (the shared simulated sweep: two test models and
the rule-based baseline, all six tasks), over real HTTP on 127.0.0.1: every filter against
pandas on the same rows, a sample with its rebuilt prompt, the paired view's counts computed
again with pandas, the token rule, and refusals that never repeat what was sent."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from conftest import PAGE_ROWS
from serve.served import call
from viewed import start_view

from clue_ray.cli import main
from clue_ray.config import registry_info
from clue_ray.rows import METRIC_PREFIX, UNSEEDED
from clue_ray.storage.shards import shard_files
from clue_ray.tasks.registry import CLUE
from clue_ray.view.pages import sample_page
from clue_ray.view.prompts import PromptRebuilder, Rebuilt
from clue_ray.view.store import SampleStore

KEY = ["model", "task", "sample_id", "seed"]
MARKER = "QX7-submitted-text-never-echoed"


def api(viewed, route: str, **params) -> dict:
    answer = call(f"{viewed.url}{route}?{urlencode(params)}")
    assert answer.status == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()


def every_row(viewed, **params) -> tuple[int, list[dict]]:
    """Every matching row, page by page, and the total the first page gave."""
    first = api(viewed, "/api/samples", **params)
    rows = list(first["rows"])
    for page in range(2, first["pages"] + 1):
        rows += api(viewed, "/api/samples", **params, page=page)["rows"]
    return first["total"], rows


def keys(rows) -> list[tuple]:
    return [(r["model"], r["task"], r["sample_id"], int(r["seed"])) for r in rows]


def frame_keys(frame: pd.DataFrame) -> list[tuple]:
    return sorted((m, t, s, int(e)) for m, t, s, e in frame[KEY].itertuples(index=False))


def headline(rows: pd.DataFrame) -> pd.Series:
    """Each row's task headline metric, computed here from the task declarations."""
    return rows.apply(lambda r: r[METRIC_PREFIX + CLUE[r["task"]].headline_metric], axis=1)


def test_every_filter_matches_the_same_rows_as_pandas(viewed, simulated_sweep):
    rows = simulated_sweep.rows
    word = rows.loc[rows.task == "meqsum", "reference"].iloc[0].split()[1]
    flag = next(f for flags in rows["flags"] for f in flags)
    cases = {
        (): rows,
        (("model", "test-biomedical"),): rows[rows.model == "test-biomedical"],
        (("model", "test-general"), ("task", "longhealth")):
            rows[(rows.model == "test-general") & (rows.task == "longhealth")],
        (("subtask", "task2"),): rows[rows.subtask == "task2"],
        (("flag", flag),): rows[rows["flags"].map(lambda f: flag in f)],
        (("metric", "rougeL"), ("low", "0.1"), ("high", "0.5")):
            rows[rows.metric_rougeL.between(0.1, 0.5)],
        (("text", word.upper()),):
            rows[rows.prediction.str.lower().str.contains(word.lower(), regex=False)
                 | rows.reference.str.lower().str.contains(word.lower(), regex=False)],
        (("text", "100%_"),): rows.iloc[0:0],  # % and _ are literal, not wildcards
    }
    for params, expected in cases.items():
        total, found = every_row(viewed, **dict(params))
        assert total == len(found) == len(expected), params
        assert sorted(keys(found)) == frame_keys(expected), params
        assert len(set(keys(found))) == len(found)  # pages do not overlap


def test_a_listing_orders_by_the_headline_metric(viewed, simulated_sweep):
    _, found = every_row(viewed, task="meqsum", order="headline_low")
    values = [r["headline"] for r in found]
    assert values == sorted(values)
    expected = simulated_sweep.rows.query("task == 'meqsum'")["metric_rougeL"]
    assert sorted(values) == sorted(expected.tolist())


def test_a_sample_shows_its_texts_scores_engine_facts_and_the_prompt_rebuilt(
        viewed, simulated_sweep):
    rows = simulated_sweep.rows
    for model, task in (("test-general", "mednli"), ("test-biomedical", "longhealth")):
        row = rows[(rows.model == model) & (rows.task == task)].iloc[0]
        params = {"model": model, "task": task, "sample_id": row.sample_id, "seed": row.seed}
        shown = api(viewed, "/api/sample", **params)
        for column in ("prediction", "reference", "answer", "prompt_sha256", "finish_reason",
                       "output_tokens", "prompt_tokens", "engine_error", "latency_s"):
            stored = row[column]
            assert shown[column] == (None if pd.isna(stored) else stored), column
        assert shown["flags"] == list(row["flags"])
        metrics = {c[len(METRIC_PREFIX):]: row[c] for c in rows.columns
                   if c.startswith(METRIC_PREFIX) and not pd.isna(row[c])}
        assert shown["metrics"] == pytest.approx(metrics)
        assert shown["prompt"]["status"] == "same"
        assert shown["prompt"]["sha256"] == row.prompt_sha256
        page = call(f"{viewed.url}/sample?{urlencode(params)}")
        assert page.status == 200 and "its SHA-256 equals the row&#x27;s prompt_sha256" in \
            page.text
    baseline = rows[(rows.model == "test-baseline") & (rows.task == "meqsum")].iloc[0]
    shown = api(viewed, "/api/sample", model="test-baseline", task="meqsum",
                sample_id=baseline.sample_id, seed=UNSEEDED)
    assert shown["prompt"]["status"] == "unverified"
    assert json.loads(shown["prompt"]["text"])  # the conversation the rule read


def test_a_prompt_rebuilt_from_other_data_is_said_to_differ(simulated_sweep, tmp_path,
                                                             conf_with_test_models,
                                                             monkeypatch):
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    data = tmp_path / "data"
    shutil.copytree(simulated_sweep.data_dir, data)
    source = data / CLUE["mednli"].source_file
    text = source.read_text(encoding="utf-8")
    assert "The patient" in text
    source.write_text(text.replace("The patient", "The person"), encoding="utf-8")
    store = SampleStore.open(simulated_sweep.output_dir, registry_info)
    rows = simulated_sweep.rows
    row = rows[(rows.model == "test-general") & (rows.task == "mednli")].iloc[0]
    stored = store.sample("test-general", "mednli", row.sample_id, UNSEEDED)
    rebuilt = PromptRebuilder(data, store.results.manifests).rebuild(stored)
    assert rebuilt.status == Rebuilt.differs and rebuilt.sha256 != row.prompt_sha256
    assert "is not the file the run read" in rebuilt.note
    page = sample_page(stored, rebuilt, [], "accuracy", None, "")
    assert 'class="differs"' in page and "differs from the row" in page
    unshown = PromptRebuilder(None, store.results.manifests).rebuild(stored)
    assert unshown.status == Rebuilt.unavailable and "data_dir=DIR" in unshown.note


def pandas_pairs(rows: pd.DataFrame, model: str, base: str) -> pd.DataFrame:
    """Both sides on the same task, sample and seed, with their headline values."""
    sides = rows.assign(value=headline(rows))
    return sides[sides.model == model].merge(sides[sides.model == base],
                                             on=["task", "sample_id", "seed"],
                                             suffixes=("_m", "_b"))


@pytest.mark.parametrize(("model", "base"), [("test-general", "test-baseline"),
                                             ("test-biomedical", "test-general")])
def test_the_paired_view_counts_agree_with_pandas(viewed, simulated_sweep, model, base):
    pairs = pandas_pairs(simulated_sweep.rows, model, base)
    view = api(viewed, "/api/paired", model=model, base=base)
    assert (view["model"], view["base"]) == (model, base)
    counts = {c["task"]: c for c in view["counts"]}
    assert list(counts) == [t for t in CLUE if t in set(pairs.task)]
    for task, group in pairs.groupby("task"):
        scored = group.dropna(subset=["value_m", "value_b"])
        got = counts[task]
        assert got["pairs"] == len(group)
        assert got["unscored"] == len(group) - len(scored)
        assert got["base_better"] == int((scored.value_b > scored.value_m).sum())
        assert got["model_better"] == int((scored.value_m > scored.value_b).sum())
        assert got["ties"] == int((scored.value_m == scored.value_b).sum())
        assert got["right_or_wrong"] == bool(scored[["value_m", "value_b"]].isin([0, 1])
                                             .all().all())
        losses = scored[scored.value_b > scored.value_m]
        flags = pd.Series([f for fl in losses.flags_m for f in (list(fl) or ["(none)"])],
                          dtype=object).value_counts().to_dict()
        assert {f["flag"]: f["losses"] for f in view["loss_flags"] if f["task"] == task} \
            == flags
    if model == "test-general":  # the simulated answer against the rule: both ways
        assert sum(c["base_better"] for c in counts.values()) > 0
        assert sum(c["model_better"] for c in counts.values()) > 0
    listed = []
    for page in range(1, view["pages"] + 1):
        listed += api(viewed, "/api/paired", model=model, base=base, page=page)["rows"]
    differences = [r["difference"] for r in listed]
    assert differences == sorted(differences)
    assert view["total"] == len(listed) == len(pairs.dropna(subset=["value_m", "value_b"]))


def test_the_paired_view_defaults_to_a_model_and_its_base(viewed):
    facets = api(viewed, "/api/facets")
    assert facets["pairs"] == [{"model": "test-biomedical", "base": "test-general"}]
    view = api(viewed, "/api/paired")
    assert (view["model"], view["base"]) == ("test-biomedical", "test-general")
    losses = api(viewed, "/api/paired", model="test-general", base="test-baseline",
                 show="losses", task="longhealth")
    assert all(r["difference"] < 0 and r["task"] == "longhealth" for r in losses["rows"])
    assert losses["total"] == next(c["base_better"] for c in losses["counts"])
    assert len(losses["rows"]) == min(PAGE_ROWS, losses["total"])


@pytest.mark.parametrize(("route", "params", "message"), [
    ("/api/samples", {"model": MARKER}, "model: not a model of these results"),
    ("/api/samples", {"task": MARKER}, "task: not a task of these results"),
    ("/api/samples", {"flag": MARKER}, "flag: not a flag of these results"),
    ("/api/samples", {"metric": MARKER}, "metric: not a metric of these results"),
    ("/api/samples", {"metric": "rougeL", "low": MARKER}, "low: not a number"),
    ("/api/samples", {"low": "0.5"}, "low/high: a metric range needs metric=NAME"),
    ("/api/samples", {"page": MARKER}, "query.page: Input should be a valid integer"),
    ("/api/samples", {"page": "0"}, "query.page: Input should be greater than or equal to 1"),
    ("/api/samples", {"order": MARKER}, "query.order: Input should be"),
    ("/", {"subtask": MARKER}, "subtask: not a subtask of these results"),
    ("/sample", {"model": MARKER, "task": "mednli", "sample_id": MARKER, "seed": "-1"},
     "sample: no such row in these results"),
    ("/api/sample", {"model": "test-general", "task": "mednli", "sample_id": "x",
                     "seed": MARKER}, "query.seed: Input should be a valid integer"),
    ("/api/paired", {"model": "test-general", "base": MARKER}, "base: not a model"),
    ("/paired", {"model": "test-baseline"}, "base: that model's base model is not in"),
])
def test_a_refusal_is_one_line_that_never_repeats_what_was_sent(viewed, route, params,
                                                                  message):
    answer = call(f"{viewed.url}{route}?{urlencode(params)}")
    assert answer.status in (400, 404)
    assert answer.json()["error"].startswith(message)
    assert MARKER not in answer.text and "\n" not in answer.text.strip()


def test_a_token_is_required_beyond_loopback_and_by_every_route_once_set(
        simulated_sweep, conf_with_test_models, monkeypatch, capsys):
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    assert main(["view", f"results={simulated_sweep.output_dir}", "host=0.0.0.0"]) == 2
    assert ("host=0.0.0.0 is reachable from other machines: set a bearer token in the "
            "environment variable CLUE_RAY_SERVE_TOKEN (or token=...), or serve on "
            "host=127.0.0.1") in capsys.readouterr().err
    token = "view-token-8c2e"
    guarded = start_view([f"results={simulated_sweep.output_dir}"], conf_with_test_models,
                         {"CLUE_RAY_SERVE_TOKEN": token})
    try:
        routes = ["/", "/paired", "/api/facets", "/api/samples", "/api/paired",
                  "/sample?model=test-general&task=mednli&sample_id=x&seed=-1",
                  "/api/sample?model=test-general&task=mednli&sample_id=x&seed=-1"]
        for route in routes:
            refused = call(f"{guarded.url}{route}")
            assert refused.status == 401, route
            assert refused.headers["www-authenticate"] == "Bearer"
            assert call(f"{guarded.url}{route}", token="wrong").status == 401
            assert call(f"{guarded.url}{route}", token=token).status in (200, 404), route
        assert "bearer token required" in "".join(guarded.output)
    finally:
        assert guarded.stop() == 0
    assert "stopped" in "".join(guarded.output)


def test_the_view_writes_nothing_into_the_results_folder(viewed, simulated_sweep):
    before = {p: p.stat().st_mtime_ns for p in Path(simulated_sweep.output_dir).rglob("*")}
    api(viewed, "/api/samples", text="a")
    api(viewed, "/api/paired")
    after = {p: p.stat().st_mtime_ns for p in Path(simulated_sweep.output_dir).rglob("*")}
    assert before == after and not any(p.suffix == ".html" for p in after)
    assert len(shard_files(simulated_sweep.output_dir)) > 0


def test_checks_before_serving_are_one_line(tmp_path, capsys):
    assert main(["view", f"results={tmp_path / 'none'}"]) == 2
    assert capsys.readouterr().err.strip() == \
        f"clue-ray: error: results={tmp_path / 'none'}: no such folder"
    assert main(["view", f"results={tmp_path}", f"data_dir={tmp_path / 'data'}"]) == 2
    assert capsys.readouterr().err.strip() == \
        f"clue-ray: error: data_dir={tmp_path / 'data'}: no such folder"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["view", f"results={tmp_path}", f"port={port}"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"clue-ray: error: host=127.0.0.1 port={port}: cannot listen there")
    assert len(error.splitlines()) == 1
    assert main(["view", f"results={tmp_path}", "port=0"]) == 2  # no score shards
    assert "no score shards" in capsys.readouterr().err
