"""What the jobs/ tests share: paths, a clean environment, running a command, the entrypoint
submit.sh prints."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
JOBS = REPO / "jobs"
SUBMIT = JOBS / "submit.sh"
VENV_BIN = REPO / ".venv" / "bin"
RAY_CLI = VENV_BIN / "ray"
RUN_PREFIX = ["python", "-m", "clue_ray.cli", "run"]
# Variables of the caller's shell that would change what submit.sh or Ray do.
CALLER_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_ADDRESS",
               "RAY_API_SERVER_ADDRESS", "RAY_CLI", "CLUE_RAY_PYTHON", "CLUE_RAY_CONF",
               "RAY_RUNTIME_ENV_IGNORE_GITIGNORE")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def load_yaml(name: str) -> dict:
    return yaml.safe_load((JOBS / name).read_text(encoding="utf-8"))


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The test's environment without the caller's Ray/clue-ray settings, HOME at `home`."""
    env = {k: v for k, v in os.environ.items() if k not in CALLER_VARS}
    env.update(HOME=str(home), PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(extra)
    return env


def run(cmd: list, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run a command; its exit status and its stdout+stderr without colour codes."""
    done = subprocess.run([str(c) for c in cmd], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, cwd=REPO)
    return done.returncode, ANSI.sub("", done.stdout)


def print_entrypoint(*overrides: str, **env: str) -> str:
    code, out = run([SUBMIT, "--print-entrypoint", *overrides],
                    clean_env(Path.home(), **env), timeout=30)
    assert code == 0, out
    return out.strip()
