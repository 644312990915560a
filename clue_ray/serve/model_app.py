"""A registry model behind an OpenAI-compatible API with Ray Serve LLM (`ray.serve.llm`).

The model is placed as `engine=vllm` places it in a sweep (`clue_ray.engines.vllm_engine`):
the same vLLM engine arguments (the model's declared dtype, `max_model_len` = the context our
overflow rule uses), one bundle per tensor-parallel worker (`STRICT_PACK`), GPUs with
`accelerator_type` on a GPU cluster, and on CPUs `cpus_per_engine` CPUs per worker with a KV
cache of `kv_cache_gib` GiB. The replica actor and the ingress reserve no CPU of their own, so
a replica holds exactly the bundles a batch replica holds. The served model name is the
registry entry's `hf_id`, the name `engine=openai` asks for by default.

With a token (`token`, else the environment variable `token_env`) every route of the OpenAI
API needs `Authorization: Bearer <token>`, `/v1/models` included; without one the API listens
on loopback only. The check is an ASGI middleware on Serve LLM's own FastAPI app, composed as
`ray.serve.llm.ingress.OpenAiIngress` documents (`make_fastapi_ingress(..., app=...)`), since
`build_openai_app` builds its app with no way to add one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

from clue_ray.cluster import ClusterSettings
from clue_ray.config import compose
from clue_ray.engines.context import context_length
from clue_ray.engines.registry import engine_for
from clue_ray.engines.settings import EngineSettings
from clue_ray.engines.vllm_engine import declared_dtype, engine_env, engine_kwargs, placement
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.serve.auth import BearerTokenMiddleware, resolve_token
from clue_ray.setting import Setting

APP_NAME = "clue-ray-model"


@dataclass
class ServeModelSettings:
    """conf/serve_model.yaml composed: the model (a registry entry), engine=vllm, the
    cluster, where the API listens (its route prefix), its bearer token, and how many
    requests a replica takes at once (and holds on average before autoscaling adds one).
    After `serve_settings`, `token` is the resolved token (from `token_env` when not set)."""

    model: Annotated[ModelSettings, Setting("the registry entry served (model=NAME)")]
    engine: Annotated[EngineSettings, Setting("engine=vllm and its section")]
    cluster: Annotated[ClusterSettings, Setting("where the replicas run (conf/cluster/)")]
    host: Annotated[str, Setting("the HTTP proxy's address; beyond loopback only with a token")]
    port: Annotated[int, Setting("the HTTP proxy's TCP port", ge=1, le=65535)]
    route_prefix: Annotated[str, Setting("the API is at <route_prefix>v1/...", starts_with="/")]
    token: Annotated[str | None, Setting(
        "bearer token every API route requires (null: read token_env)")]
    token_env: Annotated[str, Setting("environment variable holding the token")]
    max_ongoing_requests: Annotated[int, Setting(
        "requests one replica takes at once (vLLM batches them); more wait", ge=1)]
    target_ongoing_requests: Annotated[int, Setting(
        "requests per replica on average before autoscaling adds one (at most "
        "max_ongoing_requests)", ge=1)]

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (`engine.openai.base_url`) of the served model."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{self.route_prefix.rstrip('/')}/v1"


def serve_settings(overrides: list[str]) -> ServeModelSettings:
    """Compose conf/serve_model.yaml with overrides (`model=NAME`, `cluster=a100`, ...),
    check it and resolve the token, before Ray starts."""
    cmd = compose("serve_model", overrides, ServeModelSettings)
    model, cluster = cmd.model, cmd.cluster
    engine = engine_for(model, cmd.engine)
    if not engine.capabilities.runs_a_model:
        raise ConfigError(f"model '{model.name}' is the rule-based baseline: nothing to serve")
    if not engine.capabilities.servable or cmd.engine.section() is None:
        raise ConfigError(f"engine={cmd.engine.kind} cannot be served: serving runs vLLM "
                          "(engine=vllm)")
    engine.check_model(model, cluster)
    if cmd.target_ongoing_requests > cmd.max_ongoing_requests:
        raise ConfigError(f"target_ongoing_requests must be 1-{cmd.max_ongoing_requests} "
                          f"(max_ongoing_requests), got {cmd.target_ongoing_requests}")
    cmd = replace(cmd, token=resolve_token(cmd.token, cmd.token_env, cmd.host, prefix=""))
    if model.path:
        return replace(cmd, model=replace(model, path=str(Path(model.path).expanduser().resolve())))
    return cmd


def replica_env(engine: EngineSettings, cluster: ClusterSettings) -> dict[str, str]:
    """Environment of a replica: vLLM's log level and CPU platform settings, and on CPUs the
    KV cache size (`VLLM_CPU_KVCACHE_SPACE` takes whole GiB; `kv_cache_memory_bytes` in the
    engine arguments is exact and wins)."""
    on_gpu = cluster.engine_device == "gpu"
    env = engine_env(engine.section().log_level, on_gpu)
    gib = cluster.kv_cache_gib or 0
    if not on_gpu and gib >= 1:
        env["VLLM_CPU_KVCACHE_SPACE"] = str(int(gib))
    return env


def deployment_options(settings: ServeModelSettings) -> dict[str, Any]:
    """Replicas as `cluster.engine_replicas` (autoscaled when max > min, towards
    `target_ongoing_requests` per replica: Serve LLM's own default target, 1e9, never adds
    one); the replica actor reserves nothing beside its workers' bundles (Serve LLM adds its
    CPUs to the first)."""
    low, high = settings.cluster.engine_replicas
    options: dict[str, Any] = {"max_ongoing_requests": settings.max_ongoing_requests,
                               "ray_actor_options": {"num_cpus": 0}}
    if high > low:
        options["autoscaling_config"] = {
            "min_replicas": low, "max_replicas": high, "initial_replicas": low,
            "target_ongoing_requests": settings.target_ongoing_requests}
    else:
        options["num_replicas"] = low
    return options


def llm_config(settings: ServeModelSettings) -> Any:
    """The `LLMConfig` of the model, placed like the batch path."""
    from ray.serve.llm import LLMConfig

    model, engine, cluster = settings.model, settings.engine, settings.cluster
    on_gpu = cluster.engine_device == "gpu"
    kwargs = engine_kwargs(model, engine, cluster, context_length(model, None),
                           declared_dtype(model))
    return LLMConfig(
        model_loading_config={"model_id": model.hf_id, "model_source": model.source},
        engine_kwargs=kwargs,
        accelerator_type=cluster.accelerator_type if on_gpu else None,
        placement_group_config=placement(model, cluster),
        runtime_env={"env_vars": replica_env(engine, cluster)},
        deployment_config=deployment_options(settings),
    )


def build_model_app(settings: ServeModelSettings) -> Any:
    """The Serve application: the OpenAI ingress (`/v1/completions`, `/v1/models`, ...) in
    front of the model's LLM server deployment, as `build_openai_app` builds it, with the
    bearer-token check outermost on the ingress's FastAPI app (a served settings' token)."""
    from ray import serve
    from ray.llm._internal.serve.core.configs.openai_api_models import to_model_metadata
    from ray.llm._internal.serve.core.ingress.ingress import init
    from ray.serve.llm import build_llm_deployment
    from ray.serve.llm.ingress import OpenAiIngress, make_fastapi_ingress

    config = llm_config(settings)
    app = init()  # Serve LLM's app: its error handling, CORS, metrics and request ids
    app.add_middleware(BearerTokenMiddleware, token=settings.token)  # added last: runs first
    options = {**OpenAiIngress.get_deployment_options([config]),
               "ray_actor_options": {"num_cpus": 0}}
    return serve.deployment(**options)(make_fastapi_ingress(OpenAiIngress, app=app)).bind(
        llm_deployments={config.model_id: build_llm_deployment(config)},
        model_cards={config.model_id: to_model_metadata(config.model_id, config)})


def start_model_app(settings: ServeModelSettings) -> str:
    """Start Serve's HTTP proxy on host:port (Ray must be running) and deploy the model;
    returns the base URL once every replica has loaded the model."""
    from ray import serve

    serve.start(http_options={"host": settings.host, "port": settings.port})
    serve.run(build_model_app(settings), name=APP_NAME, route_prefix=settings.route_prefix)
    return settings.base_url


def replica_actor_names() -> list[str]:
    """The named actors of the model's LLM server replicas (in Serve's namespace)."""
    import ray
    from ray.serve._private.constants import SERVE_NAMESPACE

    return sorted(actor["name"] for actor in ray.util.list_named_actors(all_namespaces=True)
                  if actor["namespace"] == SERVE_NAMESPACE
                  and actor["name"].startswith(f"SERVE_REPLICA::{APP_NAME}#LLMServer"))
