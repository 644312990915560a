"""A node that joins mid-run is used: on a real multi-node local Ray (`ray.cluster_utils`),
the engine stage's actor pool grows onto the new node up to `cluster.engine_replicas`' maximum,
and every row is still stored once. (Ray Data learns of new nodes from its autoscaling
coordinator, which looks every 20 s: the engine's work is made long enough to span that.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest
from fixtures_run import run_folder, wait_for

from clue_ray.results.summary import load_rows

KEY = ["model", "task", "sample_id", "seed"]
ENGINE_ACTOR = "EngineStage"  # in the process title of an engine actor of the pool


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


@pytest.mark.slow
def test_engine_replicas_grow_onto_a_node_that_joins_mid_run(conf_with_test_models,
                                                              sweep_overrides, tmp_path, ray_env):
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    first = cluster.add_node(num_cpus=2)  # one engine actor and the scoring actor: no more
    cluster.wait_for_nodes()
    out_dir = tmp_path / "results"
    args = [*sweep_overrides(out_dir), "engine=simulated", "models=[test-general]",
            "tasks=[mednli,meqsum]", "limit=6", "scoring.umls=disabled",
            "engine.simulated.latency_per_prompt_s=2.5", "engine.simulated.batch_size=1",
            "shard_rows=1", "scoring_batch_rows=1", "prompt_chunk_rows=1",
            "cluster.engine_replicas=[1,2]",
            f"cluster.address={cluster.address}"]
    env = {**os.environ, "CLUE_RAY_CONF": str(conf_with_test_models), "HF_HUB_OFFLINE": "1"}
    run = subprocess.Popen([sys.executable, "-m", "clue_ray.cli", "run", *args], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen_on_new_node: set[int] = set()
    try:  # the node joins from this thread: Ray starts a node's processes from the main one
        first_raylet = first.all_processes["raylet"][0].process.pid
        wait_for(lambda: engine_pids_under(first_raylet), run, 180, "the first engine actor")
        node = cluster.add_node(num_cpus=2)
        raylet = node.all_processes["raylet"][0].process.pid
        deadline = time.monotonic() + 180
        while run.poll() is None and time.monotonic() < deadline:
            seen_on_new_node |= engine_pids_under(raylet)
            time.sleep(0.2)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        cluster.shutdown()
    assert run.returncode == 0, output[-3000:]
    rows = load_rows(run_folder(out_dir))
    assert rows.groupby("task").size().to_dict() == {"mednli": 6, "meqsum": 6}
    assert not rows.duplicated(KEY).any() and rows["engine_error"].isna().all()
    pids = {int(actor.rsplit(":", 1)[1]) for actor in rows["engine_actor"]}
    assert len(pids) == 2, pids  # the pool grew from one actor to its maximum of two
    assert pids & seen_on_new_node, (pids, seen_on_new_node)  # the new one on the new node
