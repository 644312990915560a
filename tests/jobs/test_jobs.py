"""jobs/: the cluster launcher config, the KubeRay RayJob, the runtime env and submit.sh.

Checked statically, against a stand-in Ray CLI, with Ray's own working-dir packer, and (slow)
by real `ray job submit`s to a local Ray head.

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
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
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


# --- jobs/cluster.yaml -------------------------------------------------------------------------


def test_cluster_yaml_validates_against_rays_schema():
    jsonschema = pytest.importorskip("jsonschema")
    spec = importlib.util.find_spec("ray")
    assert spec is not None and spec.origin is not None, "ray is not installed"
    schema_path = Path(spec.origin).parent / "autoscaler" / "ray-schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validate(load_yaml("cluster.yaml"), schema)


def test_cluster_yaml_has_autoscaling_a100_workers_and_cpu_scoring_workers():
    cluster = load_yaml("cluster.yaml")
    a100 = yaml.safe_load((REPO / "conf" / "cluster" / "a100.yaml").read_text(encoding="utf-8"))
    accelerator = f"accelerator_type:{a100['accelerator_type']}"
    assert accelerator == "accelerator_type:A100-80G"
    types = cluster["available_node_types"]
    assert cluster["head_node_type"] in types
    workers = {name: t for name, t in types.items() if name != cluster["head_node_type"]}

    gpu = {name: t for name, t in workers.items() if accelerator in t.get("resources", {})}
    assert len(gpu) == 1, f"one node type should declare {accelerator}: {list(workers)}"
    (gpu_type,) = gpu.values()
    # the engine actors ask for this resource (conf/cluster/a100.yaml), one per GPU of a node
    assert gpu_type["resources"][accelerator] == a100["gpus_per_node"]
    assert gpu_type["max_workers"] > gpu_type["min_workers"] >= 0, "GPU workers must autoscale"

    cpu = {name: t for name, t in workers.items()
           if not any(k == "GPU" or k.startswith("accelerator_type:")
                      for k in t.get("resources", {}))}
    assert [name for name in cpu if "scor" in name], f"no CPU scoring node type in {list(cpu)}"
    assert all(t["max_workers"] > t["min_workers"] for t in cpu.values())
    assert cluster["max_workers"] >= sum(t["max_workers"] for t in workers.values())

    # `.[vllm]` of this checkout, installed from where file_mounts puts the checkout
    checkout = [target for target, source in cluster["file_mounts"].items() if source == "."]
    assert checkout, "file_mounts should ship this checkout"
    installs = [c for c in cluster["setup_commands"]
                if re.search(r"pip install .*\[vllm\]", c)]
    assert installs, cluster["setup_commands"]
    assert any(checkout[0] in c for c in installs), (checkout, installs)
    # closed by default: token authentication on every node, with the same mounted token
    for start in (*cluster["head_start_ray_commands"], *cluster["worker_start_ray_commands"]):
        assert "ray start" not in start or start.startswith("RAY_AUTH_MODE=token ray start")
    assert "~/.ray/auth_token" in cluster["file_mounts"].values()


# --- jobs/kuberay-rayjob.yaml ------------------------------------------------------------------


def test_kuberay_rayjob_has_head_autoscaling_gpu_and_cpu_groups():
    job = load_yaml("kuberay-rayjob.yaml")
    assert job["apiVersion"] == "ray.io/v1"
    assert job["kind"] == "RayJob"
    spec = job["spec"]
    assert isinstance(spec["entrypoint"], str) and spec["entrypoint"].strip()
    ray_cluster = spec["rayClusterSpec"]
    assert ray_cluster["enableInTreeAutoscaling"] is True
    assert ray_cluster["rayVersion"] == importlib.metadata.version("ray")
    assert ray_cluster["authOptions"] == {"mode": "token"}  # the operator makes the token
    head = ray_cluster["headGroupSpec"]
    assert head["template"]["spec"]["containers"], "head pod has no container"

    def gpus(group: dict) -> int:
        limits = [c.get("resources", {}).get("limits", {})
                  for c in group["template"]["spec"]["containers"]]
        return sum(int(limit.get("nvidia.com/gpu", 0)) for limit in limits)

    groups = ray_cluster["workerGroupSpecs"]
    gpu_groups = [g for g in groups if gpus(g) > 0]
    cpu_groups = [g for g in groups if gpus(g) == 0]
    assert len(gpu_groups) == 1 and cpu_groups, [g["groupName"] for g in groups]
    a100 = yaml.safe_load((REPO / "conf" / "cluster" / "a100.yaml").read_text(encoding="utf-8"))
    for group in groups:
        assert 0 <= group["minReplicas"] <= group["replicas"] <= group["maxReplicas"], group
    assert gpu_groups[0]["maxReplicas"] > gpu_groups[0]["minReplicas"], "GPU pods must autoscale"
    assert gpus(gpu_groups[0]) == a100["gpus_per_node"]


def test_kuberay_entrypoint_is_the_one_submit_sh_runs(monkeypatch):
    entrypoint = load_yaml("kuberay-rayjob.yaml")["spec"]["entrypoint"].strip()
    words = shlex.split(entrypoint)
    assert words[:4] == RUN_PREFIX, entrypoint
    overrides = words[4:]
    assert print_entrypoint(*overrides) == entrypoint

    # ... and the overrides compose into a valid `clue-ray run` with the repository's conf/
    from clue_ray.config import RunCommand, compose

    monkeypatch.delenv("CLUE_RAY_CONF", raising=False)
    cmd = compose("run", overrides, RunCommand)
    assert cmd.engine.kind == "vllm"
    assert cmd.cluster.address == "auto"
    assert cmd.cluster.accelerator_type == "A100-80G"
    assert Path(cmd.output_dir).is_absolute(), "results must land on the mounted volume"


# --- jobs/submit.sh ----------------------------------------------------------------------------


def test_print_entrypoint_quotes_each_override_for_the_shell():
    overrides = ["experiment=demo", "models=[a,b]", "output_dir=/tmp/with space", "x='q'", "y=$Z"]
    printed = print_entrypoint(*overrides)
    assert shlex.split(printed) == [*RUN_PREFIX, *overrides]
    custom = print_entrypoint("limit=3", CLUE_RAY_PYTHON="/opt/py/bin/python")
    assert shlex.split(custom) == ["/opt/py/bin/python", *RUN_PREFIX[1:], "limit=3"]


@pytest.fixture
def stub_ray(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in Ray CLI that records its argv and the auth variables it was given."""
    record = tmp_path / "record.json"
    stub = tmp_path / "ray"
    stub.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "keys = ('RAY_AUTH_MODE', 'RAY_RUNTIME_ENV_IGNORE_GITIGNORE')\n"
        f"json.dump({{'argv': sys.argv[1:], 'env': {{k: os.environ.get(k) for k in keys}}}},\n"
        f"          open({str(record)!r}, 'w'))\n"
    )
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return stub, record


@pytest.mark.parametrize(
    ("case", "expected_mode"),
    [("no token", None), ("token file", "token"), ("RAY_AUTH_TOKEN", "token"),
     ("RAY_AUTH_TOKEN_PATH", "token"), ("explicit disabled", "disabled"),
     ("explicit token", "token")],
)
def test_submit_sh_sets_token_mode_only_when_a_token_exists(stub_ray, tmp_path, case,
                                                             expected_mode):
    stub, record = stub_ray
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    extra = {"RAY_CLI": str(stub)}
    if case in ("token file", "explicit disabled"):
        (home / ".ray" / "auth_token").write_text("x" * 32)
    if case == "RAY_AUTH_TOKEN":
        extra["RAY_AUTH_TOKEN"] = "x" * 32
    if case == "RAY_AUTH_TOKEN_PATH":
        (tmp_path / "elsewhere").write_text("x" * 32)
        extra["RAY_AUTH_TOKEN_PATH"] = str(tmp_path / "elsewhere")
    if case.startswith("explicit"):
        extra["RAY_AUTH_MODE"] = case.split()[1]  # the caller's choice is kept, never changed
    code, out = run([SUBMIT, "limit=1"], clean_env(home, **extra), timeout=30)
    assert code == 0, out
    assert json.loads(record.read_text())["env"]["RAY_AUTH_MODE"] == expected_mode


def test_submit_sh_hands_ray_the_checkout_runtime_env_and_command_words(stub_ray, tmp_path):
    stub, record = stub_ray
    overrides = ["experiment=demo", "models=[test-general]", "output_dir=/tmp/a b"]

    def argv(*args: str, **env: str) -> list[str]:
        code, out = run([SUBMIT, *args], clean_env(tmp_path, RAY_CLI=str(stub), **env), 30)
        assert code == 0, out
        return json.loads(record.read_text())["argv"]

    got = argv(*overrides)
    head = ["job", "submit", "--address", "http://127.0.0.1:8265", "--working-dir", str(REPO),
            "--runtime-env", str(JOBS / "runtime_env.yaml"), "--"]
    # separate words: `ray job submit` shlex-joins them into the command /bin/sh runs
    assert got == [*head, *RUN_PREFIX, *overrides]
    assert shlex.split(shlex.join(got[len(head):])) == shlex.split(print_entrypoint(*overrides))
    assert json.loads(record.read_text())["env"]["RAY_RUNTIME_ENV_IGNORE_GITIGNORE"] == "1"

    assert argv(RAY_ADDRESS="http://env:8265")[3] == "http://env:8265"
    flagged = argv("--address", "http://flag:8265", "--no-wait", "limit=1",
                   RAY_ADDRESS="http://env:8265")
    assert flagged[3] == "http://flag:8265"
    assert flagged[flagged.index("--") - 1] == "--no-wait"
    assert flagged[flagged.index("--") + 1:] == [*RUN_PREFIX, "limit=1"]


# --- jobs/runtime_env.yaml ---------------------------------------------------------------------


def test_runtime_env_yaml_is_a_valid_runtime_env_excluding_venv_git_results():
    env = load_yaml("runtime_env.yaml")
    assert {".venv/", ".git/", "results/"} <= set(env["excludes"])
    assert "working_dir" not in env, "submit.sh sets the working dir"
    from ray.runtime_env import RuntimeEnv

    RuntimeEnv(**env, working_dir=str(REPO))  # Ray's own validation of the fields


def packed_files(tree: Path, include_gitignore: bool) -> set[str]:
    """What Ray 2.60 packs of `tree` as a job's working dir with jobs/runtime_env.yaml."""
    from ray._private.runtime_env.packaging import create_package
    from ray._private.runtime_env.working_dir import upload_working_dir_if_needed

    seen: dict[str, list[str]] = {}

    def capture(working_dir: str, excludes: list[str], is_file: bool = False) -> None:
        seen["excludes"] = excludes  # Ray's defaults + runtime_env excludes, as uploaded

    runtime_env = {**load_yaml("runtime_env.yaml"), "working_dir": str(tree)}
    upload_working_dir_if_needed(runtime_env, include_gitignore=include_gitignore,
                                 upload_fn=capture)
    package = tree.parent / f"pkg-{include_gitignore}.zip"
    create_package(str(tree), package, include_gitignore=include_gitignore,
                   excludes=seen["excludes"])
    with zipfile.ZipFile(package) as archive:
        return {name for name in archive.namelist() if not name.endswith("/")}


def test_working_dir_ships_code_conf_and_local_data_but_not_venv_or_results(tmp_path):
    tree = tmp_path / "checkout"
    tree.mkdir()
    shutil.copy(REPO / ".gitignore", tree / ".gitignore")
    shipped = ["clue_ray/__init__.py", "conf/prompts.yaml", "jobs/submit.sh",
               "data/demo/mli_test_v1.jsonl", "artifacts/demo/tiny-bert/config.json"]
    dropped = [".venv/bin/python", ".git/HEAD", "results/demo/part-0.parquet",
               "clue_ray/__pycache__/x.pyc", "clue_ray.egg-info/PKG-INFO", ".pytest_cache/v",
               ".ruff_cache/x", "build/lib/x.py", "dist/x.whl", "outputs/x", "multirun/x"]
    for name in (*shipped, *dropped):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("x")
    # submit.sh exports RAY_RUNTIME_ENV_IGNORE_GITIGNORE=1: Ray then skips .gitignore, and
    # runtime_env.yaml's excludes do its work, except for the demo's data/ and artifacts/
    files = packed_files(tree, include_gitignore=False)
    assert set(shipped) <= files
    assert not files & set(dropped), files & set(dropped)
    # Ray's default (.gitignore respected) would leave the demo's data and artefacts behind
    default = packed_files(tree, include_gitignore=True)
    assert not {n for n in default if n.startswith(("data/", "artifacts/"))}


# --- a real local Ray head (slow) --------------------------------------------------------------


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
@pytest.mark.parametrize("local_head", ["fresh-home", "token-in-home"], indirect=True)
def test_ray_start_protects_the_head_only_when_a_token_exists(local_head: Head, tmp_path):
    head = local_head
    # Ray 2.60, RAY_AUTH_MODE unset: `ray start --head` writes no token; it protects the head
    # exactly when one already exists.
    assert head.protected == (head.home / ".ray" / "auth_token").is_file()
    assert head.protected == (head.kind == "token-in-home")
    # ... and a plain `ray job submit` sends no token: refused by a protected head only.
    code, out = plain_submit(head, tmp_path)
    if head.protected:
        assert code != 0 and "Missing authentication token" in out, out[-3000:]
    else:
        assert code == 0 and re.search(r"Job '\w+' succeeded", out), out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("local_head", ["token-in-home"], indirect=True)
def test_submit_sh_runs_a_sweep_on_a_token_protected_head(local_head: Head, tmp_path,
                                                           synthetic_data_dir, tiny_bert_dir):
    head = local_head
    assert head.protected
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
