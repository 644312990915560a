"""jobs/: the cluster launcher config, the KubeRay RayJob, the runtime env and submit.sh,
checked statically, against a stand-in Ray CLI, and with Ray's own working-dir packer (real
local heads: test_local_heads.py)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shlex
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from jobs_cli import (
    JOBS,
    REPO,
    RUN_PREFIX,
    SUBMIT,
    clean_env,
    load_yaml,
    print_entrypoint,
    run,
)

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
