"""`clue-ray serve model=NAME`: a registry model behind an OpenAI-compatible API until Ctrl-C
or SIGTERM; `clue-ray run engine=openai engine.openai.base_url=URL` evaluates it."""

from __future__ import annotations

import threading

from clue_ray.commands.stop_signals import stop_signals, wait_until_set
from clue_ray.serve.model_app import serve_settings, start_model_app


def run_serve_model(overrides: list[str], stop: threading.Event | None = None) -> int:
    """Serve the model, print its base URL once it answers, and stay up until Ctrl-C or
    SIGTERM (or, when the command runs on a thread, until `stop` is set); Serve, and a Ray
    this command started, are shut down on the way out."""
    import ray
    from ray import serve

    from clue_ray.pipeline.control.ray_session import ensure_ray

    settings = serve_settings(overrides)
    started_ray = not ray.is_initialized()
    ensure_ray(settings.cluster)
    try:
        url = start_model_app(settings)
        print(f"serving {settings.model.name} as '{settings.model.hf_id}' at {url}", flush=True)
        key = f" engine.openai.api_key_env={settings.token_env}" if settings.token else ""
        print(f"evaluate it: clue-ray run engine=openai engine.openai.base_url={url}{key} "
              f"models=[{settings.model.name}] ...  (Ctrl-C stops serving)", flush=True)
        if stop is not None:
            wait_until_set(stop)
        else:
            with stop_signals() as stopped:
                wait_until_set(stopped)
        print("stopping", flush=True)
    finally:
        serve.shutdown()
        if started_ray:
            ray.shutdown()
    return 0
