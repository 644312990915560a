"""The worked example of "Adding an engine" (docs/engines.md: examples/engines/echo), as a user
adds it: its module installed beside clue-ray with an entry point of the group
`clue_ray.engines`, its YAML in the config tree, and nothing of clue_ray/ touched. `clue-ray run
engine=echo` then runs it through a real sweep on its own local Ray."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from clue_ray.results.summary import load_rows

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "engines" / "echo"
TASK = "medisumcode"  # scored without a model
LIMIT = 3
WORDS = 5


def install_example(site: Path) -> None:
    """The example module plus the metadata pip would write for a package declaring it as an
    entry point (no network: a folder on PYTHONPATH is a place packages are found)."""
    site.mkdir()
    shutil.copy(EXAMPLE / "echo_engine.py", site / "echo_engine.py")
    info = site / "clue_ray_echo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clue-ray-echo\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[clue_ray.engines]\necho = echo_engine:ENGINE\n")


def clue(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clue_ray.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_an_engine_added_outside_clue_ray_runs_a_sweep(conf_with_test_models, sweep_overrides,
                                                        tmp_path, ray_env):
    site, conf, out = tmp_path / "site", tmp_path / "conf", tmp_path / "results"
    install_example(site)
    shutil.copytree(conf_with_test_models, conf)
    shutil.copy(EXAMPLE / "echo.yaml", conf / "engine" / "echo.yaml")
    env = {**os.environ, "CLUE_RAY_CONF": str(conf),
           "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}

    refused = clue(env, "run", *sweep_overrides(out), "engine=echo", "engine.echo.words=0")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].endswith(
        "engine.echo.words must be 1 or more, got 0")

    done = clue(env, "run", *sweep_overrides(out), "engine=echo", f"engine.echo.words={WORDS}",
                "models=[test-general]", f"tasks=[{TASK}]", f"limit={LIMIT}",
                "cluster.num_cpus=2")
    assert done.returncode == 0, done.stderr[-2000:]
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    rows = load_rows(run_dir)
    assert len(rows) == LIMIT and rows["engine_error"].isna().all()
    assert (rows["prediction"].str.split().str.len() <= WORDS).all()
    assert (rows["prediction"].str.len() > 0).all()
