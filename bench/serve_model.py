"""Served model vs batch: rows/s of the same rows through `engine=openai` against the model
served with Ray Serve LLM (`clue-ray serve`'s deployment), and through `engine=vllm` batch.

The demo model `demo-general` (tiny float32 Llama, built by `clue-ray demo` when missing) and
the demo data. One local Ray (`--cpus` logical CPUs) holds the batch sweep, the served replica
(one CPU bundle, as a batch replica) and the served sweeps, one after the other:

    .venv/bin/python bench/serve_model.py [--tasks meqsum,problem_summary] [--limit 16]
                                          [--in-flight 1,16]

What each figure holds: a sweep's "wall s" runs from its call to its end (Ray Data start,
prompt building, the engine, scoring, writing shards). The batch sweep's wall includes its
engine actor's start and model load ("1st req s": run start to its first request); the served
sweeps' walls do not: the replica's start and model load ("serve load") is paid once, when
the server is deployed, before them (their "1st req s" is Ray Data's start and the first
prompts). "gen s" is the first request to the last
answer; rows/s are over the wall and over gen s. `--in-flight` runs one served sweep per value
of `engine.openai.max_in_flight` (1: one request at a time, the server cannot batch).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time
from pathlib import Path

from sweep_timing import timed_sweep

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.demo.build import ensure_bert, ensure_data, ensure_models

MODEL = "demo-general"


def command(tasks: str, limit: int, output_dir: Path, *overrides: str) -> RunCommand:
    """The demo experiment on one model, `limit` samples of each task (UMLS scoring off: the
    same for every path, and its demo knowledge base is not needed)."""
    return compose("run", ["experiment=demo", f"models=[{MODEL}]", f"tasks=[{tasks}]",
                           f"limit={limit}", f"output_dir={output_dir}",
                           "scoring.umls=disabled", *overrides], RunCommand)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    """Build what is missing, run batch, deploy, run the served sweeps, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="meqsum,problem_summary")
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--in-flight", default="1,16")
    parser.add_argument("--cpus", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray
    from ray import serve

    from clue_ray.serve.model_app import serve_settings, start_model_app

    results: list[tuple[str, dict[str, float], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = command(args.tasks, args.limit, Path(tmp) / "batch", "engine=vllm")
        ensure_models([load_model(MODEL)])
        ensure_bert(Path(cmd.scoring.bertscore.model))
        ensure_data(Path(cmd.data_dir))
        ray.init(num_cpus=args.cpus, include_dashboard=False)
        try:
            batch, batch_rows = timed_sweep(cmd)
            results.append(("batch (engine=vllm)", batch, 1.0))
            started = time.perf_counter()
            settings = serve_settings([f"model={MODEL}", f"port={free_port()}"])
            url = start_model_app(settings)
            key = [f"engine.openai.api_key_env={settings.token_env}"] if settings.token else []
            serve_load = time.perf_counter() - started
            for flight in [int(n) for n in args.in_flight.split(",")]:
                served, rows = timed_sweep(command(
                    args.tasks, args.limit, Path(tmp) / f"served-{flight}", "engine=openai",
                    f"engine.openai.base_url={url}", f"engine.openai.max_in_flight={flight}",
                    "engine.openai.allow_credentialed_data=true", *key))  # our own server
                both = rows.merge(batch_rows, on=["task", "sample_id"], suffixes=("", "_b"))
                same = float((both["prediction"] == both["prediction_b"]).mean())
                results.append((f"served, {flight} in flight", served, same))
        finally:
            serve.shutdown()
            ray.shutdown()
    print()
    print(f"{MODEL}, tasks {args.tasks}, limit {args.limit}; {args.cpus} logical CPUs in one "
          f"local Ray; serve load (deploy until it answers): {serve_load:.1f} s")
    print(f"{'path':<22}{'rows':>6}{'failed':>7}{'wall s':>8}{'1st req s':>10}{'gen s':>8}"
          f"{'out tok':>9}{'rows/s wall':>12}{'rows/s gen':>11}{'same as batch':>14}")
    for name, m, same in results:
        print(f"{name:<22}{m['rows']:>6}{m['failed']:>7}{m['wall_s']:>8.1f}{m['load_s']:>10.1f}"
              f"{m['gen_s']:>8.1f}{m['output_tokens']:>9}{m['rows'] / m['wall_s']:>12.2f}"
              f"{m['rows'] / m['gen_s']:>11.2f}{same:>14.2f}")
    print("(batch wall includes its engine start and model load; served walls do not: the "
          "replica loaded once, at deploy)")


if __name__ == "__main__":
    main()
