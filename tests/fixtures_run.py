"""Fixtures for sweeps: a config tree with test models, composed run commands, Ray env."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from clue_ray.config import RunCommand, compose

REPO = Path(__file__).resolve().parents[1]
TEST_MODELS = {"test-general": None, "test-biomedical": "test-general"}
TEST_BASELINE = "test-baseline"  # the parameterless rule; the tiny LM's tokenizer for LongHealth


def wait_for(condition: Callable[[], object], process: subprocess.Popen, timeout: float,
             what: str) -> None:
    """Poll `condition` until true; fail if the process ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before {what}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def wait_until(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll `condition` every half second until true; fail when time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def run_folder(output_dir: Path) -> Path:
    """The one run folder a run wrote under `output_dir` (output_dir/<run_id>)."""
    (folder,) = [path for path in Path(output_dir).iterdir() if path.is_dir()]
    return folder


@pytest.fixture(scope="session")
def ray_env() -> Iterator[None]:
    """Ray's temp dir and auth mode set explicitly (never ~/.ray defaults). The temp dir is a
    short path of its own per test process: Ray's socket paths under it must stay within
    AF_UNIX's 107 bytes, which pytest's nested temp folders (with xdist) exceed."""
    folder = tempfile.mkdtemp(prefix="clue-ray-test-", dir="/tmp")
    os.environ["RAY_TMPDIR"] = folder
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def conf_with_test_models(tmp_path_factory, tiny_lm_dir) -> Path:
    """A copy of conf/ with two registry entries pointing at the tiny local LM."""
    conf = tmp_path_factory.mktemp("conf") / "conf"
    shutil.copytree(REPO / "conf", conf)
    for name, base in TEST_MODELS.items():
        kind = "general" if base is None else "biomedical"
        (conf / "model" / f"{name}.yaml").write_text(
            f"name: {name}\nhf_id: clue-ray/{name}\nrevision: main\nkind: {kind}\n"
            f"base_model: {base or 'null'}\nparams_b: 0.0001\ntensor_parallel_size: 1\n"
            "instruction_tuned: true\nsystem_role: true\nchat_template: null\n"
            f"max_context: null\npath: {tiny_lm_dir}\n"
        )
    (conf / "model" / f"{TEST_BASELINE}.yaml").write_text(
        f"name: {TEST_BASELINE}\nhf_id: clue-ray/{TEST_BASELINE}\nrevision: main\n"
        "kind: baseline\nbase_model: null\nparams_b: 0\ntensor_parallel_size: 1\n"
        "instruction_tuned: false\nsystem_role: true\nchat_template: null\n"
        f"max_context: null\npath: {tiny_lm_dir}\n"
    )
    return conf


@pytest.fixture
def conf_with_broken_model(run_command, conf_with_test_models, tmp_path, monkeypatch) -> Path:
    """The test config tree plus `test-broken`, a model whose folder is empty (it cannot
    load), made the current config (CLUE_RAY_CONF; set after run_command sets its own)."""
    conf = tmp_path / "conf-broken"
    shutil.copytree(conf_with_test_models, conf)
    empty = tmp_path / "empty-model"
    empty.mkdir()
    broken = (conf / "model" / "test-general.yaml").read_text().replace(
        "test-general", "test-broken").replace("path: ", f"path: {empty} # ")
    (conf / "model" / "test-broken.yaml").write_text(broken)
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf))
    return conf


@pytest.fixture(scope="session")
def sweep_overrides(synthetic_data_dir, scoring_settings) -> Callable[[Path], list[str]]:
    """`sweep_overrides(output_dir)`: the demo experiment on the test models, the synthetic
    data and the test scorers (CLUE_RAY_CONF must point at conf_with_test_models)."""

    def make(output_dir: Path) -> list[str]:
        bert = scoring_settings.bertscore
        spacy = scoring_settings.scispacy
        return [
            "experiment=demo", "models=[test-general,test-biomedical]",
            f"data_dir={synthetic_data_dir}", f"output_dir={output_dir}",
            f"scoring.bertscore.model={bert.model}",
            f"scoring.scispacy.spacy_model={spacy.spacy_model}",
            f"scoring.scispacy.kb_dir={spacy.kb_dir}",
            f"scoring.scispacy.linker_name={spacy.linker_name}",
            "cluster.num_cpus=2", "progress_interval_s=1",
        ]

    return make


@pytest.fixture
def run_command(conf_with_test_models, sweep_overrides, tmp_path, monkeypatch,
                ray_env) -> Callable[..., RunCommand]:
    """`run_command(*overrides)`: the demo experiment on the test models and synthetic data."""
    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))

    def make(*overrides: str) -> RunCommand:
        base = sweep_overrides(tmp_path / "results")
        return compose("run", [*base, *overrides], RunCommand)

    return make


SHARED_RAY_CPUS = 2  # what sweep_overrides asks for (cluster.num_cpus)
_shared_ray = {"up": False}


def _settled(ray, cpus: int, timeout_s: float = 10.0) -> bool:
    """Whether every CPU of this Ray is free again (a test's actors have all ended)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ray.available_resources().get("CPU", 0) >= cpus:
            return True
        time.sleep(0.2)
    return False


def start_shared_ray() -> None:
    """The one local Ray (2 CPUs) the in-process sweeps share: started when none is up,
    restarted when another test's Ray is up or a test's actors still hold its CPUs."""
    import ray

    if ray.is_initialized() and not _shared_ray["up"]:
        ray.shutdown()  # a Ray some other test started
    if ray.is_initialized() and not _settled(ray, SHARED_RAY_CPUS):
        ray.shutdown()
    if not ray.is_initialized():
        ray.init(num_cpus=SHARED_RAY_CPUS, include_dashboard=False, log_to_driver=True)
        _shared_ray["up"] = True


@pytest.fixture
def shared_ray(ray_env) -> Iterator[None]:
    """One local Ray (2 CPUs) kept for the in-process sweeps that ask for exactly that, so
    each does not pay Ray's start and stop (the sweep joins an initialised Ray as it would a
    local one it started). Restarted when a test's actors still hold CPUs afterwards."""
    start_shared_ray()
    yield


@dataclass
class SimulatedSweep:
    """One finished sweep several test modules read: the demo experiment, all six tasks of
    the synthetic data, the two test models and the baseline, engine=simulated."""

    result: dict            # run_sweep's summary
    rows: pd.DataFrame      # every stored row
    console: str            # what the sweep printed
    data_dir: Path          # its own copy of the synthetic data
    output_dir: Path
    overrides: list[str]    # the `clue-ray run` overrides that rerun it


@pytest.fixture(scope="session")
def simulated_sweep(conf_with_test_models, sweep_overrides, synthetic_data_dir,
                    tmp_path_factory, ray_env) -> SimulatedSweep:
    """The sweep, run once per session on the shared Ray (a three-model sweep costs about a
    minute here: each test that reads one shares this one)."""
    from clue_ray.pipeline.control.run import run_sweep
    from clue_ray.results.summary import load_rows

    folder = tmp_path_factory.mktemp("simulated-sweep")
    data = folder / "data"
    shutil.copytree(synthetic_data_dir, data)
    out = folder / "results"
    overrides = [*sweep_overrides(out), f"data_dir={data}", "engine=simulated",
                 "models=[test-general,test-biomedical,test-baseline]"]
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
        start_shared_ray()
        result = run_sweep(compose("run", overrides, RunCommand))
    return SimulatedSweep(result, load_rows(Path(result["run_dir"])), printed.getvalue(), data,
                          out, overrides)


@pytest.fixture
def ray_shutdown():
    """A test that starts Ray its own way: no shared Ray before it, none left after it."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    _shared_ray["up"] = False
    yield
    ray.shutdown()
