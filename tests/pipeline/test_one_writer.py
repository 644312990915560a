"""One writer per run folder, interruptions and damaged shards, with real processes: a second
run into a busy folder is refused at once; SIGTERM ends a run in one line with what was
stored; a truncated shard is set aside and its rows recomputed; nothing is stored twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_run import wait_for

from clue_ray.cli import main
from clue_ray.errors import ConfigError
from clue_ray.results.summary import load_rows
from clue_ray.storage.run_folder import RunFolder
from clue_ray.storage.run_lock import run_lock

KEY = ["model", "task", "sample_id", "seed"]
SLOW = ("engine=simulated", "models=[test-general]", "tasks=[mednli,medisumcode]", "limit=5",
        "engine.simulated.latency_per_prompt_s=2", "engine.simulated.batch_size=1",
        "shard_rows=1", "scoring_batch_rows=1", "scoring.umls=disabled")


def test_a_held_lock_refuses_and_a_dead_holders_lock_is_taken_over(tmp_path, capsys):
    folder = RunFolder(tmp_path)
    with run_lock(folder):
        holder = json.loads(folder.lock_file.read_text())
        assert holder["pid"] == os.getpid()
        with pytest.raises(ConfigError, match=rf"being written by pid {os.getpid()} on "), \
                run_lock(folder):
            pass
    assert folder.lock_file.read_text() == ""  # a clean end clears the holder
    folder.lock_file.write_text(json.dumps(
        {"host": "node-7", "pid": 4242, "started": "2026-11-30T01:02:03+00:00"}))
    with run_lock(folder):  # its holder died without clearing it: nothing holds the lock
        pass
    assert "taking over the run folder from pid 4242 on node-7" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.usefixtures("shared_ray")
def test_second_writer_refused_sigterm_then_damaged_shard(conf_with_test_models,
                                                          sweep_overrides, tmp_path,
                                                          monkeypatch, capsys):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "clue_ray.cli", "run", *sweep_overrides(out), *SLOW]
    env = {**os.environ, "CLUE_RAY_CONF": str(conf_with_test_models), "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "first.log"
    with open(log, "w") as sink:
        first = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        try:
            def folder() -> RunFolder | None:
                found = next(out.glob("*/model=test-general"), None)
                return RunFolder(found.parent) if found else None

            wait_for(lambda: (run := folder()) and run.inference_files("test-general"), first,
                     240, "the first shard")
            second = subprocess.run(command, env=env, capture_output=True, text=True,
                                    timeout=120)
            assert second.returncode == 2
            assert second.stderr.strip().count("\n") == 0 and "Traceback" not in second.stderr
            assert f"being written by pid {first.pid} on " in second.stderr
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=120)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
    output = log.read_text()
    assert first.returncode == 130, output[-3000:]
    (line,) = [x for x in output.splitlines() if "interrupted:" in x]
    run = folder()
    assert run is not None
    stored = len(load_rows(run.path))
    assert f"interrupted: {stored} rows stored in " in line and 0 < stored < 10
    assert run.load_manifest()["attempts"][-1]["status"] == "interrupted"

    damaged = run.inference_files("test-general")[0]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))  # the third run in-process
    capsys.readouterr()  # the same run without the engine's sleep (latency is not in its id)
    assert main(["run", *sweep_overrides(out), *SLOW,
                 "engine.simulated.latency_per_prompt_s=0"]) == 0
    third = capsys.readouterr().out
    assert f"damaged shard set aside, its rows are recomputed: {damaged}.damaged" in third
    assert Path(f"{damaged}.damaged").exists()
    rows = load_rows(run.path)
    assert len(rows) == 10 and not rows.duplicated(KEY).any()
    assert rows["metric_accuracy"].notna().sum() == 5  # every mednli row scored once
