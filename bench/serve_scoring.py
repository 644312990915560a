"""Scoring throughput of the Serve scoring service vs scoring in one process.

The service is the scoring application of `clue-ray serve` (one replica unless the overrides
say otherwise) on a local Ray, on 127.0.0.1 on a free port; clients are threads sending
`POST /v1/score` requests of `--items` samples each (sample ids of the data, the tasks in
turn, predictions that copy part of each reference), `--requests` of them at each
concurrency. "in-process" scores the same items the way `clue-ray score` does: one
`TaskScorer`, each task's items in one call (model loading and a warm-up not counted).

    .venv/bin/python bench/serve_scoring.py [--clients 1,8,32] [--requests 96] [--items 4]
        [key=value ...]      # overrides of `clue-ray serve`, e.g. data_dir=... (demo default)
"""

from __future__ import annotations

import argparse
import json
import random
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from clue_ray.config import ServeCommand, compose
from clue_ray.metrics.scoring import ScoreItem, TaskScorer
from clue_ray.pipeline.control.ray_session import ensure_ray
from clue_ray.serve.app import check_scoring, prepare, scoring_application
from clue_ray.serve.batch_scoring import reference_index
from clue_ray.serve.settings import free_port
from clue_ray.tasks.registry import CLUE

Request = tuple[str, list[dict[str, str]]]


def workload(cmd: ServeCommand, requests: int, items: int) -> list[Request]:
    """`requests` requests of `items` samples, the served tasks in turn."""
    index = reference_index(cmd.tasks, Path(cmd.data_dir))
    rng = random.Random(0)
    made = []
    for n in range(requests):
        task = cmd.tasks[n % len(cmd.tasks)]
        chosen = rng.sample(sorted(index[task]), min(items, len(index[task])))
        made.append((task, [{"sample_id": s, "prediction": _guess(index[task][s][1].reference)}
                            for s in chosen]))
    return made


def _guess(reference: str) -> str:
    words = reference.split()
    return " ".join(words[: max(1, len(words) // 2)])


def served(url: str, load: list[Request], clients: int) -> tuple[float, int]:
    """Wall seconds for every request with `clients` concurrent clients; largest batch."""
    def one(request: Request) -> int:
        body = json.dumps({"task": request[0], "items": request[1]}).encode()
        post = urllib.request.Request(f"{url}/v1/score", data=body, method="POST")
        with urllib.request.urlopen(post, timeout=300) as answer:
            assert answer.status == 200
            return int(answer.headers["X-Clue-Batch-Requests"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        batches = list(pool.map(one, load))
    return time.perf_counter() - started, max(batches)


def in_process(cmd: ServeCommand, load: list[Request]) -> float:
    """Wall seconds to score the same items in this process, each task in one call."""
    index = reference_index(cmd.tasks, Path(cmd.data_dir))
    scorer = TaskScorer(cmd.scoring, CLUE.pick(cmd.tasks))
    scorer.load()
    by_task: dict[str, list[ScoreItem]] = {}
    for task, items in load:
        for item in items:
            ref = index[task][item["sample_id"]][1]
            by_task.setdefault(task, []).append(
                ScoreItem(ref.sample_id, task, ref.subtask, ref.reference, item["prediction"]))
    for task, items in by_task.items():  # warm-up, as the service gets: first calls
        scorer.score(task, items[:4])
    started = time.perf_counter()
    for task, items in by_task.items():
        scorer.score(task, items)
    return time.perf_counter() - started


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=96)
    parser.add_argument("--items", type=int, default=4)
    args, overrides = parser.parse_known_args()
    cmd = compose("serve_command", ["experiment=demo", *overrides], ServeCommand)
    cmd, token = prepare(cmd)
    check_scoring(cmd)
    load = workload(cmd, args.requests, args.items)
    samples = sum(len(items) for _, items in load)
    rows = [("in-process", 1, len(load), samples, in_process(cmd, load), 1)]

    import ray
    from ray import serve

    ensure_ray(cmd.cluster)
    port = free_port("127.0.0.1")
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    try:
        app = scoring_application(cmd, token)
        serve.run(app.app, name=app.name, route_prefix=app.route_prefix)
        url = f"http://127.0.0.1:{port}"
        served(url, load[:8], 4)  # warm-up: the replica's first batches
        for clients in (int(c) for c in args.clients.split(",")):
            wall, batch = served(url, load, clients)
            rows.append(("service", clients, len(load), samples, wall, batch))
    finally:
        serve.shutdown()
        ray.shutdown()
    print(f"{'path':<11}{'clients':>8}{'requests':>9}{'samples':>8}{'wall s':>8}"
          f"{'samples/s':>10}{'max batch':>10}")
    for path, clients, requests, count, wall, batch in rows:
        print(f"{path:<11}{clients:>8}{requests:>9}{count:>8}{wall:>8.2f}"
              f"{count / wall:>10.1f}{batch:>10}")


if __name__ == "__main__":
    main()
