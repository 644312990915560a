"""Nodes that come and go mid-run, on a real multi-node local Ray (`ray.cluster_utils`): the
engine stage's actor pool grows onto a node that joins, up to `cluster.engine_replicas`'
maximum; when that node is then lost (removed without grace, its engine actor with it), the
run still ends with every row stored exactly once. (Ray Data learns of new nodes from its
autoscaling coordinator, which looks every 20 s: the engine's work is made long enough to
span that and to leave rows after the new node has stored one.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from fixtures_run import wait_for

from clue_ray.results.summary import load_rows

KEY = ["model", "task", "sample_id", "seed"]
ENGINE_ACTOR = "EngineStage"  # in the process title of an engine actor of the pool
ROWS = {"mednli": 9, "medisumcode": 5}  # every sample of the synthetic files


def engine_pids_under(raylet_pid: int) -> set[int]:
    """Engine actors started by one node's raylet (a worker's parent is its raylet)."""
    found = set()
    for child in psutil.Process(raylet_pid).children():
        try:
            if ENGINE_ACTOR in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def stored_rows(out_dir: Path) -> pd.DataFrame:
    """The rows stored so far (shards are renamed into place whole, so a running run's
    folder can be read)."""
    folders = [path for path in out_dir.glob("*") if path.is_dir()]
    return load_rows(folders[0]) if folders else pd.DataFrame()


def actor_pids(rows: pd.DataFrame) -> set[int]:
    """The pids of the engine actors that answered these rows."""
    if rows.empty:
        return set()
    return {int(actor.rsplit(":", 1)[1]) for actor in rows["engine_actor"]}


@pytest.mark.slow
def test_engine_pool_grows_onto_a_joining_node_and_survives_losing_it(conf_with_test_models,
                                                                       sweep_overrides,
                                                                       tmp_path, ray_env):
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    first = cluster.add_node(num_cpus=2)  # one engine actor and the scoring actor: no more
    cluster.wait_for_nodes()
    out_dir = tmp_path / "results"
    args = [*sweep_overrides(out_dir), "engine=simulated", "models=[test-general]",
            "tasks=[mednli,medisumcode]", "scoring.umls=disabled",
            "engine.simulated.latency_per_prompt_s=3", "engine.simulated.batch_size=1",
            "shard_rows=1", "scoring_batch_rows=1", "prompt_chunk_rows=1",
            "cluster.engine_replicas=[1,2]",
            f"cluster.address={cluster.address}"]
    env = {**os.environ, "CLUE_RAY_CONF": str(conf_with_test_models), "HF_HUB_OFFLINE": "1"}
    run = subprocess.Popen([sys.executable, "-m", "clue_ray.cli", "run", *args], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    on_new_node: set[int] = set()
    stored_when_lost = -1
    try:  # nodes join and leave from this thread: Ray starts a node's processes from the main one
        first_raylet = first.all_processes["raylet"][0].process.pid
        wait_for(lambda: engine_pids_under(first_raylet), run, 180, "the first engine actor")
        node = cluster.add_node(num_cpus=2)
        raylet = node.all_processes["raylet"][0].process.pid
        deadline = time.monotonic() + 180
        while run.poll() is None and time.monotonic() < deadline:
            on_new_node |= engine_pids_under(raylet)
            stored = stored_rows(out_dir)
            if actor_pids(stored) & on_new_node:  # the new node's actor has stored a row
                stored_when_lost = len(stored)
                cluster.remove_node(node, allow_graceful=False)
                break
            time.sleep(0.2)
        output, _ = run.communicate(timeout=240)
    finally:
        if run.poll() is None:
            run.kill()
        cluster.shutdown()
    assert run.returncode == 0, output[-3000:]
    assert 0 < stored_when_lost < sum(ROWS.values()), "the node was not lost mid-run"
    rows = stored_rows(out_dir)
    assert rows.groupby("task").size().to_dict() == ROWS
    assert not rows.duplicated(KEY).any() and rows["engine_error"].isna().all()
    pids = actor_pids(rows)
    assert len(pids) >= 2, pids  # the pool grew from one actor to its maximum of two
    assert pids & on_new_node, (pids, on_new_node)  # the new one, on the new node
