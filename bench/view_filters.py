"""`clue-ray view` at the study's scale: how long its filters take over a results folder of
the study's size (288,030 rows: the study's 30 models x the six tasks at their real sample
counts), and how long opening the folder takes.

    .venv/bin/python bench/view_filters.py [--results DIR] [--keep DIR] [--repeats 5]

Without --results it writes such a folder first, in the layout a sweep leaves: the study's
model list (conf/experiment/clue.yaml, less the rule-based baseline), the simulated engine's
engine facts, 64-row shards (run.shard_rows) through the pipeline's own shard writer
(inference shard, then score shard), and a manifest with each model's kind and base. The
texts are synthetic (a fixed vocabulary), predictions differ per model, scores and flags are
drawn at random. `--keep DIR` writes it there and leaves it (later runs pass --results DIR).
Each filter is timed three ways, the median of --repeats each (the first call of each kind
not counted): the store's query alone (count and page), a GET of /api/samples (JSON) and a
GET of / (the HTML page), both over HTTP from the view's own server on 127.0.0.1; then the
paired view of a model and its base the same way (/api/paired).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from clue_ray.config import RunCommand, compose, load_model, registry_info
from clue_ray.rows import METRIC_PREFIX, UNSEEDED
from clue_ray.storage.run_folder import RunFolder
from clue_ray.tasks.registry import CLUE
from clue_ray.view.app import view_app
from clue_ray.view.filters import Filters
from clue_ray.view.pages import filters_query
from clue_ray.view.paired import PairQuery, paired_view
from clue_ray.view.prompts import PromptRebuilder
from clue_ray.view.server import ViewServer, base_url, bound_socket
from clue_ray.view.store import SampleStore

RUN_ID = "clue-bench"
SCORING_ID = "bench"
SHARD_ROWS = 64
WORDS = np.array(("patient", "pain", "chest", "fever", "history", "denies", "reports", "acute",
                  "chronic", "renal", "failure", "cardiac", "dose", "daily", "mg", "was",
                  "admitted", "with", "and", "the", "of", "no", "left", "right", "lower",
                  "upper", "abdominal", "dyspnea", "cough", "infection", "treated", "given",
                  "insulin", "heparin", "stable", "discharged", "home", "follow", "up", "clinic"))
LABELS = ("entailment", "neutral", "contradiction")
CODES = ("I10", "E11.9", "N18.3", "J18.9", "I50.9", "K21.9", "E78.5", "F32.9")
FLAGS = ("empty_output", "repetition_loop", "instruction_not_followed", "invalid_icd_codes")


def study_models() -> dict[str, tuple[str, str | None]]:
    """The study's models (less the baseline): name -> (kind, base model)."""
    names = compose("run", ["experiment=clue"], RunCommand).models
    models = {}
    for name in names:
        model = load_model(name)
        if model.kind != "baseline":
            models[name] = (str(model.kind), model.base_model)
    return models


def sentences(rng: np.random.Generator, n: int, words: int) -> list[str]:
    """n texts of about `words` words from the vocabulary."""
    lengths = rng.integers(max(1, words // 2), words * 3 // 2 + 1, n)
    picks = rng.integers(0, len(WORDS), int(lengths.sum()))
    out, at = [], 0
    for length in lengths:
        out.append(" ".join(WORDS[picks[at:at + length]]))
        at += length
    return out


def task_frame(task: str, rng: np.random.Generator) -> pd.DataFrame:
    """Sample ids, subtasks and references of a task at its real sample count."""
    if task == "longhealth":
        ids = [f"patient_{p:02d}/{q}/{s}/{r}" for p in range(20) for q in range(20)
               for s in ("task1", "task2", "task3") for r in range(5)]
        subtasks: list[str | None] = [i.split("/")[2] for i in ids]
        references = [f"{'ABCDE'[i]}" for i in rng.integers(0, 5, len(ids))]
    else:
        count = CLUE[task].expected_samples or 0
        ids, subtasks = [f"{task}-{i:05d}" for i in range(count)], [None] * count
        if task == "mednli":
            references = [LABELS[i] for i in rng.integers(0, 3, count)]
        elif task == "medisumcode":
            references = [", ".join(rng.choice(CODES, 3, replace=False)) for _ in range(count)]
        else:
            references = sentences(rng, count, 60 if task == "medisumqa" else 20)
    return pd.DataFrame({"task": task, "sample_id": ids, "subtask": subtasks,
                         "reference": references})


def predictions(task: str, base: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """One model's answer texts for a task's samples."""
    n = len(base)
    if task == "mednli":
        return [f"The relation is {LABELS[i]}." for i in rng.integers(0, 3, n)]
    if task == "longhealth":
        return [f"The correct answer is {'ABCDE'[i]}: " + s
                for i, s in zip(rng.integers(0, 5, n), sentences(rng, n, 12), strict=True)]
    if task == "medisumcode":
        return [", ".join(rng.choice(CODES, 2, replace=False)) for _ in range(n)]
    return sentences(rng, n, 80 if task == "medisumqa" else 25)


def model_rows(model: str, task: str, base: pd.DataFrame, rng: np.random.Generator
               ) -> pd.DataFrame:
    """Every column a sweep stores for one model's rows of a task."""
    n = len(base)
    frame = base.assign(run_id=RUN_ID, model=model, seed=UNSEEDED,
                        prediction=predictions(task, base, rng),
                        max_tokens=512, prompt_tokens=rng.integers(200, 8000, n),
                        system_folded=False, context_overflow=False,
                        prompt_sha256=[f"{i:064x}" for i in rng.integers(0, 2**62, n)],
                        output_tokens=rng.integers(1, 512, n), finish_reason="stop",
                        engine_error=None, latency_s=rng.random(n),
                        engine_prompt_tokens=None, engine_actor="SimulatedEngine-0",
                        engine_started_at=time.time(), engine_finished_at=time.time(),
                        scorer_error=None)
    flagged = rng.random(n) < 0.1
    frame["flags"] = [FLAGS[i] if f else "" for i, f in
                      zip(rng.integers(0, len(FLAGS), n), flagged, strict=True)]
    frame["answer"] = None
    for metric in CLUE[task].metric_names:
        binary = metric == "accuracy"
        values = (rng.random(n) < 0.6) if binary else rng.beta(2, 3, n)
        frame[METRIC_PREFIX + metric] = values.astype(float)
    return frame


def build_folder(root: Path) -> int:
    """The study-sized run folder under root; returns its row count."""
    rng = np.random.default_rng(0)
    models = study_models()
    folder = RunFolder(root / RUN_ID)
    rows = 0
    for task in CLUE:
        base = task_frame(task, rng)
        metrics = [METRIC_PREFIX + m for m in CLUE[task].metric_names]
        for model in models:
            frame = model_rows(model, task, base, rng)
            for start in range(0, len(frame), SHARD_ROWS):
                folder.write_rows(model, task, frame.iloc[start:start + SHARD_ROWS], metrics,
                                  SCORING_ID)
            rows += len(frame)
    manifest = {"run_id": RUN_ID, "experiment": "clue",
                "models": [{"name": n, "kind": k, "base_model": b}
                           for n, (k, b) in models.items()]}
    folder.write_manifest(json.dumps(manifest))
    return rows


def timed(action, repeats: int) -> float:
    """Median seconds of `repeats` calls, after one call not counted."""
    action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def filters_to_time(store: SampleStore) -> list[tuple[str, Filters]]:
    """The filters a user sets, one kind at a time and together."""
    models = store.facets().models
    return [
        ("no filter, page 1", Filters()),
        ("no filter, page 2000", Filters(page=2000)),
        ("model", Filters(model=models[0])),
        ("task", Filters(task="medisumqa")),
        ("model + task", Filters(model=models[3], task="longhealth")),
        ("subtask", Filters(task="longhealth", subtask="task2")),
        ("flag", Filters(flag="repetition_loop")),
        ("metric range", Filters(task="meqsum", metric="rougeL", low=0.2, high=0.4)),
        ("text (prediction/reference)", Filters(text="renal failure")),
        ("text, no match", Filters(text="zzz-not-there")),
        ("all together", Filters(model=models[5], task="medisumqa", flag="empty_output",
                                 metric="rougeL", low=0.1, high=0.9, text="patient")),
    ]


def fetch(url: str) -> None:
    """One GET, read whole (fails on an error status)."""
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()


def query(filters: Filters) -> str:
    """The query string of a filter, as the pages write it."""
    params = {k: v for k, v in filters_query(filters).items() if v is not None}
    return urlencode({**params, "page": filters.page})


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="an existing folder (no build)")
    parser.add_argument("--keep", type=Path, help="write the folder here and keep it")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.results or args.keep or Path(tmp) / "results"
        if args.results is None:
            started = time.perf_counter()
            rows = build_folder(root)
            print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        store = SampleStore.open(root, registry_info)
        opened = time.perf_counter() - started
        shards = len(list(root.rglob("part-*.parquet")))
        print(f"{store.row_count():,} rows in {shards:,} shards, "
              f"{len(store.facets().models)} models; opening the folder took {opened:.1f} s")
        app = view_app(store, PromptRebuilder(None, store.results.manifests), None)
        sock = bound_socket("127.0.0.1", 0)
        server = ViewServer(app, sock)
        server.start()
        url = base_url(sock)
        try:
            print(f"{'filter':<30}{'matches':>10}{'store s':>10}{'JSON s':>10}{'page s':>10}")
            for name, filters in filters_to_time(store):
                matches = store.samples(filters).total
                times = [timed(action, args.repeats) for action in (
                    lambda f=filters: store.samples(f),
                    lambda f=filters: fetch(f"{url}/api/samples?{query(f)}"),
                    lambda f=filters: fetch(f"{url}/?{query(f)}"))]
                print(f"{name:<30}{matches:>10,}" + "".join(f"{t:>10.3f}" for t in times))
            model, base = store.facets().pairs[0]
            for name, pair in (("paired view, all tasks", PairQuery(model=model, base=base)),
                               ("paired view, one task", PairQuery(model=model, base=base,
                                                                   task="mednli"))):
                params = urlencode({"model": model, "base": base, "task": pair.task or ""})
                times = [timed(action, args.repeats) for action in (
                    lambda q=pair: paired_view(store, q),
                    lambda p=params: fetch(f"{url}/api/paired?{p}"),
                    lambda p=params: fetch(f"{url}/paired?{p}"))]
                print(f"{name:<30}{'':>10}" + "".join(f"{t:>10.3f}" for t in times))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
