"""Typed serving settings. Values come from conf/serve/ (no defaults live here)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from clue_ray.errors import ConfigError


@dataclass
class AutoscalingSettings:
    """Serve's autoscaling of a deployment: replica range and the load each should carry."""

    min_replicas: int
    max_replicas: int
    target_ongoing_requests: float


@dataclass
class ScoringServiceSettings:
    """The scoring deployment: its route, CPUs and custom Ray resources per replica (which
    nodes it may run on), batching and autoscaling."""

    route: str
    replica_cpus: float
    resources: dict[str, float]
    max_batch_size: int
    batch_wait_timeout_s: float
    max_ongoing_requests: int
    autoscaling: AutoscalingSettings


@dataclass
class PageSettings:
    """The results page deployment (one replica: it holds the shard cache; `resources` can
    pin it to the node that holds the results folder)."""

    route: str
    replica_cpus: float
    resources: dict[str, float]


@dataclass
class ServeSettings:
    """`serve.*`: where the server listens, its token, request limits, the page's results."""

    host: str
    port: int
    token: str | None
    token_env: str
    max_body_bytes: int
    results: str | None
    intervals: bool
    refresh_s: float
    scoring: ScoringServiceSettings
    page: PageSettings


def check_settings(settings: ServeSettings) -> None:
    """Refuse settings that cannot work, naming the setting."""
    if not 0 <= settings.port <= 65535:
        raise ConfigError(f"serve.port must be 0 (a free port) to 65535, got {settings.port}")
    service = settings.scoring
    scaling = service.autoscaling
    checks = [
        (settings.max_body_bytes > 0, "serve.max_body_bytes must be positive"),
        (settings.refresh_s > 0, "serve.refresh_s must be positive"),
        (service.max_batch_size >= 1, "serve.scoring.max_batch_size must be 1 or more"),
        (service.batch_wait_timeout_s >= 0, "serve.scoring.batch_wait_timeout_s must be >= 0"),
        (service.max_ongoing_requests >= service.max_batch_size,
         "serve.scoring.max_ongoing_requests must be at least serve.scoring.max_batch_size"),
        (1 <= scaling.min_replicas <= scaling.max_replicas,
         "serve.scoring.autoscaling needs 1 <= min_replicas <= max_replicas"),
        (scaling.target_ongoing_requests > 0,
         "serve.scoring.autoscaling.target_ongoing_requests must be positive"),
    ]
    for route, name in ((service.route, "serve.scoring.route"),
                        (settings.page.route, "serve.page.route")):
        checks.append((route.startswith("/"), f"{name} must start with '/', got '{route}'"))
    checks.append((service.route.rstrip("/") != settings.page.route.rstrip("/"),
                   "serve.scoring.route and serve.page.route must differ"))
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)


def free_port(host: str) -> int:
    """A TCP port free on `host` right now (for serve.port=0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
