"""Real `ray job submit`s to local Ray heads started by the test (slow).

What Ray 2.60 does about authentication here (RAY_AUTH_MODE unset, measured):
- `ray.init()` that starts a new local cluster writes ~/.ray/auth_token and turns token auth on.
- `ray start --head` writes no token: in a home without ~/.ray/auth_token it starts an open
  head (and warns); once the file exists (an earlier ray.init(), `ray get-auth-token
  --generate`) it starts a token-protected head, whose dashboard answers 401 "Unauthorized:
  Missing authentication token".
- `ray job submit` does not pick the token up by itself: against a protected head it fails with
  that message until RAY_AUTH_MODE=token is set, which jobs/submit.sh does when a token exists.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from jobs_cli import (
    RAY_CLI,
    RUN_PREFIX,
    SUBMIT,
    clean_env,
    load_yaml,
    run,
)


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports outside Ray's worker port range (10002-19999)."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            sock = socket.socket()
            sock.bind(("", 0))
            held.append(sock)
            port = sock.getsockname()[1]
            if not 10000 <= port < 20000:
                ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


@dataclass
class Head:
    """A local Ray head started by the test."""

    kind: str              # "fresh-home" or "token-in-home"
    home: Path
    env: dict[str, str]
    address: str           # dashboard / job submission address
    protected: bool        # the dashboard refused a request without a token


def stop_head(pgid: int | None, ray_tmpdir: str) -> None:
    """Stop the head's processes, and only them: its process group, anything naming its temp
    dir, and their descendants (`ray stop --force` would kill every Ray on the machine)."""
    import psutil

    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter():
        try:
            ours = (pgid is not None and os.getpgid(proc.pid) == pgid
                    or ray_tmpdir in " ".join(proc.cmdline())
                    or proc.environ().get("RAY_TMPDIR") == ray_tmpdir)
            if ours and proc.pid != os.getpid():
                found[proc.pid] = proc
                found.update((c.pid, c) for c in proc.children(recursive=True))
        except (psutil.Error, OSError):
            continue
    for proc in found.values():
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(list(found.values()), timeout=3)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)


def dashboard_refuses(address: str) -> bool:
    """Whether the dashboard answers 401 to a request that carries no token."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{address}/api/version", timeout=5):
                return False
        except urllib.error.HTTPError as err:
            if err.code == 401:
                return True
            if time.monotonic() > deadline:
                raise
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def launcher_head(home: Path, launching_home: Path) -> dict[str, str]:
    """What jobs/cluster.yaml gives its head: the token made on the launching machine at the
    path its file_mounts name (under `home` for /home/ubuntu), and the environment its
    `ray start --head` command sets; returns that environment."""
    cluster = load_yaml("cluster.yaml")
    code, out = run([RAY_CLI, "get-auth-token", "--generate"], clean_env(launching_home), 60)
    assert code == 0, out
    (target,) = [t for t, source in cluster["file_mounts"].items()
                 if source == "~/.ray/auth_token"]
    mounted = home / Path(target).relative_to("/home/ubuntu")
    mounted.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(launching_home / ".ray" / "auth_token", mounted)
    (start,) = [c for c in cluster["head_start_ray_commands"] if "ray start --head" in c]
    words = shlex.split(start)
    assigned = dict(w.split("=", 1) for w in words[: words.index("ray")])
    assert "--dashboard-host=127.0.0.1" in words, "the Jobs API runs code: loopback only"
    return assigned


@pytest.fixture(scope="module")
def local_head(request, tmp_path_factory: pytest.TempPathFactory,
               conf_with_test_models: Path) -> Iterator[Head]:
    """`ray start --head` with RAY_AUTH_MODE unset, in a home of its own: empty ("fresh-home")
    or holding a token as an earlier ray.init() leaves one ("token-in-home")."""
    if not RAY_CLI.exists():
        pytest.skip(f"{RAY_CLI} is missing (create the venv: make venv)")
    home = tmp_path_factory.mktemp("home")
    ray_tmpdir = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # Ray's socket paths stay short
    env = clean_env(home, RAY_TMPDIR=ray_tmpdir, CLUE_RAY_CONF=str(conf_with_test_models))
    if request.param == "token-in-home":
        code, out = run([RAY_CLI, "get-auth-token", "--generate"], env, timeout=60)
        assert code == 0 and (home / ".ray" / "auth_token").is_file(), out
    if request.param == "launcher":
        env.update(launcher_head(home, tmp_path_factory.mktemp("launching-machine")))
    # Every port pinned: a second Ray on the machine holds the defaults (e.g. the dashboard
    # agent's 52365), and a clash leaves the head without a job agent.
    (gcs, dashboard, client, agent_http, agent_grpc, runtime_env_agent, metrics, node_manager,
     object_manager) = free_ports(9)
    cmd = [RAY_CLI, "start", "--head", "--num-cpus=2", "--include-dashboard=true",
           f"--dashboard-port={dashboard}", f"--port={gcs}", "--disable-usage-stats",
           f"--ray-client-server-port={client}", f"--dashboard-agent-listen-port={agent_http}",
           f"--dashboard-agent-grpc-port={agent_grpc}",
           f"--runtime-env-agent-port={runtime_env_agent}", f"--metrics-export-port={metrics}",
           f"--node-manager-port={node_manager}", f"--object-manager-port={object_manager}"]
    proc = subprocess.Popen([str(c) for c in cmd], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"ray start failed:\n{out[-4000:]}"
        address = f"http://127.0.0.1:{dashboard}"
        yield Head(request.param, home, env, address, protected=dashboard_refuses(address))
    finally:
        if proc.poll() is None:
            proc.kill()
        stop_head(proc.pid, ray_tmpdir)
        shutil.rmtree(ray_tmpdir, ignore_errors=True)


def plain_submit(head: Head, tmp_path: Path) -> tuple[int, str]:
    """`ray job submit` of a trivial job, RAY_AUTH_MODE unset, as a user would type it."""
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    assert "RAY_AUTH_MODE" not in head.env
    return run([RAY_CLI, "job", "submit", "--address", head.address, "--working-dir", empty,
                "--", "python", "-c", "pass"], head.env, timeout=180)


@pytest.mark.slow
@pytest.mark.parametrize("local_head", ["fresh-home"], indirect=True)
def test_ray_start_leaves_the_head_open_when_no_token_exists(local_head: Head, tmp_path):
    head = local_head
    # Ray 2.60, RAY_AUTH_MODE unset: `ray start --head` writes no token and, with none in the
    # home, leaves the head open: a plain `ray job submit` (no token) gets through.
    assert not (head.home / ".ray" / "auth_token").exists() and not head.protected
    code, out = plain_submit(head, tmp_path)
    assert code == 0 and re.search(r"Job '\w+' succeeded", out), out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("local_head", ["token-in-home"], indirect=True)
def test_submit_sh_runs_a_sweep_on_a_token_protected_head(local_head: Head, tmp_path,
                                                           synthetic_data_dir, tiny_bert_dir):
    head = local_head
    # ... with a token in the home (as an earlier ray.init() leaves one), the same start
    # protects the head, and a plain `ray job submit` (it sends no token) is refused.
    assert (head.home / ".ray" / "auth_token").is_file() and head.protected
    code, out = plain_submit(head, tmp_path)
    assert code != 0 and "Missing authentication token" in out, out[-3000:]

    # jobs/submit.sh in the same environment (RAY_AUTH_MODE still unset) gets the job through
    results = tmp_path / "results"
    overrides = ["experiment=demo", "models=[test-general]", "tasks=[mednli,medisumcode]",
                 "limit=3", "engine=simulated", "scoring.umls=disabled",
                 f"data_dir={synthetic_data_dir}", f"output_dir={results}",
                 f"scoring.bertscore.model={tiny_bert_dir}", "cluster.address=auto"]
    code, out = run([SUBMIT, "--address", head.address, *overrides], head.env, timeout=300)
    assert code == 0, out[-6000:]
    assert re.search(r"Job '\w+' succeeded", out), out[-6000:]
    ran = re.search(r"Running entrypoint for job \w+: (.*)", out)
    assert ran and shlex.split(ran.group(1)) == [*RUN_PREFIX, *overrides], out[-6000:]

    import pyarrow.parquet as pq

    rows = {}
    for task in ("mednli", "medisumcode"):
        shards = sorted(results.glob(f"*/model=test-general/task={task}/*.parquet"))
        assert shards, f"no shards for {task} under {results}: {out[-3000:]}"
        rows[task] = sum(pq.read_metadata(s).num_rows for s in shards)
    assert rows == {"mednli": 3, "medisumcode": 3}
    assert {p.name for p in results.glob("*/model=test-general/task=*")} == {
        "task=mednli", "task=medisumcode"}


@pytest.mark.slow
@pytest.mark.parametrize("local_head", ["launcher"], indirect=True)
def test_launcher_head_refuses_jobs_without_its_token(local_head: Head, tmp_path,
                                                      synthetic_data_dir, tiny_bert_dir):
    """A head started as jobs/cluster.yaml starts it: token authentication on; a client
    without the token is refused, jobs/submit.sh with it gets a sweep through."""
    head = local_head
    assert head.env["RAY_AUTH_MODE"] == "token" and head.protected
    client = clean_env(tmp_path / "client-home", RAY_TMPDIR=head.env["RAY_TMPDIR"],
                       CLUE_RAY_CONF=head.env["CLUE_RAY_CONF"])
    (tmp_path / "empty").mkdir()
    code, out = run([RAY_CLI, "job", "submit", "--address", head.address, "--working-dir",
                     tmp_path / "empty", "--", "python", "-c", "pass"], client, timeout=180)
    assert code != 0 and "authentication token" in out, out[-3000:]
    token = (head.home / ".ray" / "auth_token").read_text()
    overrides = ["experiment=demo", "models=[test-baseline]", "tasks=[mednli]", "limit=2",
                 "engine=simulated", "scoring.umls=disabled", f"data_dir={synthetic_data_dir}",
                 f"output_dir={tmp_path / 'results'}",
                 f"scoring.bertscore.model={tiny_bert_dir}", "cluster.address=auto"]
    code, out = run([SUBMIT, "--address", head.address, *overrides],
                    {**client, "RAY_AUTH_TOKEN": token}, timeout=300)
    assert code == 0 and re.search(r"Job '\w+' succeeded", out), out[-6000:]
