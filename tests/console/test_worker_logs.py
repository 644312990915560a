"""Ray's and vLLM's output kept out of the console: worker lines go to a file per worker (a
real local Ray's forwarded output), driver-side framework records to driver.log; a worker's
first error is shown once in one line naming its file; warnings are counted."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures_run import wait_until

from clue_ray.pipeline.control.worker_logs import (
    DRIVER_LOG,
    WorkerLogs,
    worker_file_name,
    worker_lines_to,
)

VLLM_LINES = [
    "INFO 12-07 17:40:00 [gpu_model_runner.py:1] Loading model",
    "WARNING 12-07 17:40:01 [cpu.py:2] libtcmalloc is not found in LD_PRELOAD",
    "Traceback (most recent call last):",
    '  File "engine.py", line 3, in start',
    "ValueError: the model folder has no config.json",
]


def test_lines_go_to_a_file_per_worker_and_an_error_is_told_once(tmp_path):
    told: list[str] = []
    logs = WorkerLogs(tmp_path / "logs", told.append)
    engine = {"pid": 4242, "ip": "10.0.0.1", "localhost": "10.0.0.1", "is_err": True,
              "actor_name": "MapWorker(MapBatches(vLLMEngineStageUDF))", "lines": VLLM_LINES}
    logs.handle(engine)
    logs.handle({**engine, "lines": ["ERROR 12-07 17:40:02 [core.py:9] EngineCore died"]})
    logs.handle({"pid": "raylet", "ip": "10.0.0.1", "localhost": "10.0.0.1", "is_err": False,
                 "lines": ["WARNING: 22 PYTHON worker processes have been started"]})
    path = tmp_path / "logs" / "MapWorker-MapBatches-vLLMEngineStageUDF-4242.log"
    assert path.read_text().splitlines() == [*VLLM_LINES,
                                             "ERROR 12-07 17:40:02 [core.py:9] EngineCore died"]
    assert (tmp_path / "logs" / "raylet.log").is_file()
    assert told == [f"worker error (MapWorker-MapBatches-vLLMEngineStageUDF-4242): ValueError: "
                    f"the model folder has no config.json (full output: {path})"]
    assert (logs.errors, logs.warnings) == (2, 2)
    assert logs.summary() == (f"2 errors and 2 warnings from Ray and vLLM workers "
                              f"(see {tmp_path / 'logs'}/)")


def test_a_worker_on_another_node_is_named_with_its_address():
    data = {"pid": 7, "ip": "10.0.0.2", "localhost": "10.0.0.1", "task_name": "read/parquet"}
    assert worker_file_name(data) == "read-parquet-10.0.0.2-7"


DRIVER = """
import logging, os, sys, warnings
from pathlib import Path
from clue_ray.pipeline.control.worker_logs import WorkerLogs, driver_stderr_to
logs = WorkerLogs(Path(sys.argv[1]), print)
console = logging.StreamHandler(sys.stderr)  # as Ray's: bound to standard error
logging.getLogger("ray.data").addHandler(console)
with driver_stderr_to(logs):
    logging.getLogger("ray.data").warning("WARNING Progress bars disabled")
    os.write(2, b"[2026-12-07 E 3195] core_worker.cc:2465: ERROR actor constructor\\n")
    warnings.warn("a deprecated call", FutureWarning, stacklevel=1)
    print("ours: 3/10 rows")
print("after the sweep", file=sys.stderr)
print(logs.errors, logs.warnings)
"""


def test_the_drivers_standard_error_goes_to_driver_log(tmp_path):
    """Ray's records, C-level writes to file descriptor 2 and Python's warnings all land in
    driver.log and are counted; standard output, where the sweep's own lines go, stays on
    the console (a process of its own: pytest holds this one's standard error)."""
    done = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path / "logs")],
                          capture_output=True, text=True, check=True, timeout=60)
    text = (tmp_path / "logs" / DRIVER_LOG).read_text()
    assert "Progress bars disabled" in text and "core_worker.cc" in text
    assert "FutureWarning: a deprecated call" in text and "after the sweep" not in text
    assert done.stdout.splitlines() == ["ours: 3/10 rows", "1 2"]
    assert done.stderr == "after the sweep\n"


@pytest.mark.usefixtures("shared_ray")
def test_a_real_workers_output_reaches_its_file_not_the_console(tmp_path, capfd):
    import ray

    @ray.remote(num_cpus=0)
    class Talker:
        def talk(self) -> int:
            print("hello from the actor")
            print("ERROR something went wrong inside", file=sys.stderr)
            return 1

    from ray._private import worker as ray_worker

    told: list[str] = []
    logs = WorkerLogs(tmp_path / "logs", told.append)
    with worker_lines_to(logs):
        ray_worker.print_to_stdstream({"lines": ["WARNING: 22 PYTHON worker processes"],
                                       "pid": "raylet", "is_err": False}, ignore_prefix=False)
        talker = Talker.options(name="talker-under-test").remote()  # type: ignore[attr-defined]
        assert ray.get(talker.talk.remote()) == 1
        wait_until(lambda: len(told) == 1, 60, "the worker's lines to arrive")
        ray.kill(talker)
    files = list((tmp_path / "logs").glob("Talker*.log"))
    assert len(files) == 1 and "hello from the actor" in files[0].read_text()
    assert told == [f"worker error ({files[0].stem}): ERROR something went wrong inside "
                    f"(full output: {files[0]})"]
    assert (tmp_path / "logs" / "raylet.log").read_text() == "WARNING: 22 PYTHON worker processes\n"
    captured = capfd.readouterr()
    assert "hello from the actor" not in captured.out + captured.err
    assert "PYTHON worker processes" not in captured.out + captured.err
