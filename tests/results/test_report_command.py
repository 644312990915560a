"""`clue-ray report` on a real sweep (local Ray, simulated engine and the parameterless
baseline over synthetic data in the official formats): every output file is written, and no
text of the credentialed datasets reaches any of them or the console."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from clue_ray.cli import main
from clue_ray.demo.datasets import synthetic_records
from clue_ray.storage.shards import shard_files
from clue_ray.tasks.registry import CLUE

SHINGLE_WORDS = 5


def strings(value: object) -> Iterator[str]:
    """Every string inside a record (nested dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def shingles(texts: Iterator[str]) -> set[str]:
    """Runs of 5 words (at least 20 characters): a leak of any passage shows as one."""
    found = set()
    for text in texts:
        words = text.split()
        for i in range(max(1, len(words) - SHINGLE_WORDS + 1)):
            piece = " ".join(words[i:i + SHINGLE_WORDS])
            if len(piece) >= 20:
                found.add(piece)
    return found


def report_text(out: Path, console: str) -> str:
    """Everything the report produced, as one whitespace-normalised, unescaped text."""
    parts = [console]
    for path in sorted(out.rglob("*")):
        if path.is_file():
            parts.append(html.unescape(path.read_bytes().decode("utf-8", errors="ignore")))
    return " ".join(" ".join(parts).split())


def test_report_on_a_sweep_writes_every_file_and_no_credentialed_text(
        simulated_sweep, tmp_path, capsys):
    sweep, rows = simulated_sweep.result, simulated_sweep.rows
    hidden = simulated_sweep.data_dir.with_name("data-hidden")
    simulated_sweep.data_dir.rename(hidden)  # the report reads the shards alone
    capsys.readouterr()
    out = tmp_path / "report"
    try:
        assert main(["report", f"results={simulated_sweep.output_dir}", f"out={out}",
                     "examples=3", "bootstrap.resamples=500"]) == 0
    finally:
        hidden.rename(simulated_sweep.data_dir)
    console = capsys.readouterr().out

    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"test-general", "test-biomedical", "test-baseline"}
    assert set(board.kind) == {"general", "biomedical", "baseline"}
    assert board[[f"{t}.headline" for t in CLUE]].notna().all().all()
    assert board[["level1", "level1_lo", "level1_hi", "level2"]].notna().all().all()
    counts = rows.groupby(["model", "task"]).size()
    for _, row in board.iterrows():
        for task in CLUE:
            assert row[f"{task}.samples"] == counts[(row.model, task)]
    deltas = pd.read_csv(out / "deltas.csv")
    assert set(deltas.model) == {"test-biomedical"}
    assert set(deltas.name) == {*CLUE, "level1", "level2"}
    assert (deltas.delta == 0).all()  # the simulated engine answers both models alike
    failures = pd.read_csv(out / "failures.csv")
    mednli = failures[(failures.model == "test-general") & (failures.task == "mednli")]
    assert mednli.set_index("flag")["count"].to_dict() == {
        "instruction_not_followed": counts[("test-general", "mednli")]}
    assert len(list(out.glob("*.png"))) >= 2
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 2
    assert sweep["run_id"] in page and "dataset" in page.lower()

    everything = report_text(out, console)
    records = synthetic_records()
    credentialed = [t for t, info in CLUE.items() if info.credentialed]
    public = shingles(s for t in CLUE if t not in credentialed for s in strings(records[t]))
    secret = shingles(s for t in credentialed for s in strings(records[t]))
    baseline = rows[(rows.model == "test-baseline") & rows.task.isin(credentialed)]
    secret |= shingles(baseline[["prediction", "reference"]].stack().astype(str))
    secret -= public  # the generator's shared phrases also occur in public records
    assert len(secret) > 500
    assert not [s for s in secret if s in everything]
    assert any(s in everything for s in public)  # public examples were asked for and shown


def test_a_sweep_stores_the_answer_and_the_report_shows_it(simulated_sweep, tmp_path, capsys):
    scores = [p for p in shard_files(simulated_sweep.output_dir) if "scores=" in str(p)]
    assert scores and all("answer" in pq.read_schema(p).names for p in scores)
    rows = simulated_sweep.rows
    general = rows[rows.model == "test-general"]
    answered = ~general["context_overflow"]
    # the simulated engine always says "The correct answer is A: none"
    by_task = {t: set(g.loc[answered, "answer"].map(lambda a: "null" if pd.isna(a) else a))
               for t, g in general.groupby("task")}
    assert by_task["longhealth"] == {"A"} and by_task["mednli"] == {""}
    assert by_task["medisumcode"] == {""}
    assert by_task["meqsum"] == by_task["problem_summary"] == by_task["medisumqa"] == {"null"}
    assert general.loc[~answered, "answer"].isna().all()
    out = tmp_path / "report"
    assert main(["report", f"results={simulated_sweep.output_dir}", f"out={out}",
                 "examples=1", "bootstrap.resamples=500"]) == 0
    capsys.readouterr()
    page = (out / "report.html").read_text(encoding="utf-8")
    blocks = page.split('<div class="example">')[1:]
    longhealth = [b for b in blocks if " · longhealth · " in b]
    meqsum = [b for b in blocks if " · meqsum · " in b]
    assert longhealth and meqsum
    # the parameterless baseline answers option A too
    assert all("<p>Answer extracted</p><pre>A</pre>" in b for b in longhealth)
    assert not any("Answer extracted" in b for b in meqsum)


@pytest.mark.parametrize(("overrides", "message"), [
    (["results={missing}"], "results=.*: no such folder"),
    (["results={empty}"], "no score shards"),
    (["results={empty}", "examples=-1"], "examples must be 0 or more"),
    (["results={empty}", "bootstrap.resamples=10"], "bootstrap.resamples must be 100 or more"),
    (["results={empty}", "bootstrap.confidence=95"], "bootstrap.confidence must be between"),
    (["results={empty}", "bootstraps=3"], "unknown setting 'bootstraps'"),
])
def test_report_refuses_bad_input_in_one_line(tmp_path, capsys, overrides, message):
    (tmp_path / "empty").mkdir()
    args = [o.format(missing=tmp_path / "nope", empty=tmp_path / "empty") for o in overrides]
    assert main(["report", *args, f"out={tmp_path / 'out'}"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert re.search(message, error), error
    assert not (tmp_path / "out").exists()
