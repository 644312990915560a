"""Failure and recovery on real Ray: a SIGKILLed run resumed gives the same rows and scores as
an uninterrupted one. (A node lost mid-run: tests/pipeline/test_cluster_nodes.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from fixtures_run import run_folder

from clue_ray.cli import main
from clue_ray.pipeline.stages.prompt_cache import cache_folder
from clue_ray.results.summary import load_rows
from clue_ray.storage.shards import shard_files

KEY = ["model", "task", "sample_id", "seed"]
COMPARED = ["prediction", "output_tokens", "finish_reason", "reference", "prompt_sha256"]


def overrides(data_dir, bert_dir, output_dir) -> list[str]:
    """Resume depends on neither the engine nor the metrics: the simulated engine, slow enough
    (0.3 s a prompt) that the run is still going when two shards are stored, and two tasks
    whose scorers load no model (accuracy, ICD-10 codes)."""
    return ["experiment=demo", "engine=simulated", "models=[test-general]",
            "tasks=[mednli,medisumcode]",
            f"data_dir={data_dir}", f"output_dir={output_dir}", "scoring.umls=disabled",
            f"scoring.bertscore.model={bert_dir}", "shard_rows=2", "scoring_batch_rows=2",
            "engine.simulated.batch_size=2", "engine.simulated.latency_per_prompt_s=0.3",
            "cluster.num_cpus=2"]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clue_ray.cli", "run", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_for_shards(folder: Path, count: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(shard_files(folder)) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before it could be killed")
        time.sleep(0.2)
    pytest.fail(f"no {count} shards under {folder} after {timeout} s")


def settle(folder: Path, quiet_s: float = 3.0) -> None:
    """Wait until no shard has appeared under `folder` for `quiet_s` seconds."""
    seen, since = len(shard_files(folder)), time.monotonic()
    while time.monotonic() - since < quiet_s:
        time.sleep(0.2)
        now = len(shard_files(folder))
        if now != seen:
            seen, since = now, time.monotonic()


def sorted_rows(folder: Path) -> pd.DataFrame:
    rows = load_rows(run_folder(folder))
    return rows.sort_values(KEY).reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.usefixtures("shared_ray")
def test_sigkill_then_rerun_equals_an_uninterrupted_run(conf_with_test_models,
                                                        synthetic_data_dir, tiny_bert_dir,
                                                        simulated_sweep, tmp_path, monkeypatch,
                                                        capsys):
    """The uninterrupted run is the session's simulated sweep (the same engine, model, data
    and prompts; the simulated engine's answer does not depend on its latency or batch)."""
    env = {**os.environ, "CLUE_RAY_CONF": str(conf_with_test_models), "HF_HUB_OFFLINE": "1"}
    killed_dir = tmp_path / "killed"
    args = overrides(synthetic_data_dir, tiny_bert_dir, killed_dir)
    process = start(args, env)
    try:
        wait_for_shards(killed_dir, 2, process, timeout=240)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    settle(killed_dir)  # a shard write under way at the kill may still land
    partial = len(load_rows(run_folder(killed_dir)))
    cache = cache_folder(None, run_folder(killed_dir))
    assert cache.is_dir() and cache.stat().st_mode & 0o777 == 0o700  # kept for the resume
    assert 0 < partial < 9 + 5
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))  # resumed in-process
    capsys.readouterr()
    assert main(["run", *args]) == 0
    assert f"{9 + 5 - partial} rows to compute" in capsys.readouterr().out
    after_kill = sorted_rows(killed_dir)
    clean = simulated_sweep.rows
    uninterrupted = clean[(clean["model"] == "test-general") & clean["task"].isin(
        ["mednli", "medisumcode"])].sort_values(KEY).reset_index(drop=True)
    assert not after_kill.duplicated(KEY).any() and len(after_kill) == 9 + 5
    pd.testing.assert_frame_equal(after_kill[KEY + COMPARED], uninterrupted[KEY + COMPARED])
    metrics = [c for c in uninterrupted.columns
               if c.startswith("metric_") and uninterrupted[c].notna().any()]
    assert metrics and set(metrics) <= set(after_kill.columns)
    pd.testing.assert_frame_equal(after_kill[metrics], uninterrupted[metrics], atol=1e-6)
