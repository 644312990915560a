"""`clue-ray serve model=NAME`: a registry model behind an OpenAI-compatible API until Ctrl-C;
`clue-ray run engine=openai engine.openai.base_url=URL` evaluates it."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from clue_ray.config import compose
from clue_ray.errors import ConfigError
from clue_ray.serve.auth import is_loopback
from clue_ray.serve.model_app import ServeModelSettings, start_model_app


def serve_settings(overrides: list[str]) -> ServeModelSettings:
    """Compose conf/serve_model.yaml with overrides (`model=NAME`, `cluster=a100`, ...) and
    check it before Ray starts."""
    cmd = compose("serve_model", overrides, ServeModelSettings)
    model, cluster = cmd.model, cmd.cluster
    if cmd.engine.kind != "vllm" or cmd.engine.vllm is None:
        raise ConfigError(f"serving runs vLLM: engine=vllm, not engine={cmd.engine.kind}")
    if model.kind == "baseline":
        raise ConfigError(f"model '{model.name}' is the rule-based baseline: nothing to serve")
    if cluster.engine_device == "cpu" and not (cluster.kv_cache_gib or 0) > 0:
        raise ConfigError("vLLM on CPUs needs a KV cache size: set cluster.kv_cache_gib=N")
    if cluster.engine_device == "gpu" and model.tensor_parallel_size > cluster.gpus_per_node:
        raise ConfigError(f"model '{model.name}' needs tensor_parallel_size="
                          f"{model.tensor_parallel_size} GPUs on one node, but the cluster "
                          f"has gpus_per_node={cluster.gpus_per_node}")
    if not is_loopback(cmd.host):
        raise ConfigError(f"host={cmd.host}: a served model listens on loopback only (its API "
                          "has no token check); reach it from elsewhere through a tunnel, e.g. "
                          "ssh -L 8000:127.0.0.1:8000 <host>")
    if not 0 < cmd.port < 65536 or cmd.max_ongoing_requests < 1:
        raise ConfigError("port must be 1-65535 and max_ongoing_requests at least 1")
    if model.path:
        return replace(cmd, model=replace(model, path=str(Path(model.path).expanduser().resolve())))
    return cmd


def run_serve_model(overrides: list[str], stop: threading.Event | None = None) -> int:
    """Serve the model, print its base URL once it answers, and stay up until Ctrl-C (or
    until `stop` is set); Serve, and a Ray this command started, are shut down on the way
    out."""
    import ray
    from ray import serve

    from clue_ray.pipeline.ray_session import ensure_ray

    settings = serve_settings(overrides)
    started_ray = not ray.is_initialized()
    ensure_ray(settings.cluster)
    try:
        url = start_model_app(settings)
        print(f"serving {settings.model.name} as '{settings.model.hf_id}' at {url}", flush=True)
        print(f"evaluate it: clue-ray run engine=openai engine.openai.base_url={url} "
              f"models=[{settings.model.name}] ...  (Ctrl-C stops serving)", flush=True)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        serve.shutdown()
        if started_ray:
            ray.shutdown()
    return 0
