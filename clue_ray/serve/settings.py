"""Typed serving settings. Values come from conf/serve/ (no defaults live here)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Annotated

from clue_ray.errors import ConfigError
from clue_ray.setting import Setting


@dataclass
class AutoscalingSettings:
    """Serve's autoscaling of a deployment: replica range and the load each should carry."""

    min_replicas: Annotated[int, Setting("replicas at least (and at start)", ge=1)]
    max_replicas: Annotated[int, Setting("replicas at most (at least min_replicas)", ge=1)]
    target_ongoing_requests: Annotated[float, Setting(
        "requests each replica should hold on average; more add a replica", gt=0)]


@dataclass
class ScoringServiceSettings:
    """The scoring deployment: its route, CPUs and custom Ray resources per replica (which
    nodes it may run on), batching and autoscaling."""

    route: Annotated[str, Setting("POST <route>/score, GET <route>/health", starts_with="/")]
    replica_cpus: Annotated[float, Setting("CPUs of each replica (no GPU)", ge=0)]
    resources: Annotated[dict[str, float], Setting(
        "custom Ray resources each replica needs (which nodes it may run on)")]
    max_batch_size: Annotated[int, Setting("requests scored together", ge=1)]
    batch_wait_timeout_s: Annotated[float, Setting(
        "seconds a batch waits to fill", ge=0)]
    max_ongoing_requests: Annotated[int, Setting(
        "requests per replica at once (at least max_batch_size)", ge=1)]
    autoscaling: Annotated[AutoscalingSettings, Setting("the replica range and target load")]


@dataclass
class PageSettings:
    """The results page deployment (one replica: it holds the shard cache; `resources` can
    pin it to the node that holds the results folder)."""

    route: Annotated[str, Setting("GET <route>, GET <route>api/leaderboard", starts_with="/")]
    replica_cpus: Annotated[float, Setting("CPUs of its replica", ge=0)]
    resources: Annotated[dict[str, float], Setting(
        "custom Ray resources its replica needs, e.g. the head's")]


@dataclass
class ServeSettings:
    """`serve.*`: where the server listens, its token, request limits, the page's results."""

    host: Annotated[str, Setting("address listened on; beyond loopback only with a token")]
    port: Annotated[int, Setting("TCP port; 0: a free port, chosen at start", ge=0, le=65535)]
    token: Annotated[str | None, Setting(
        "bearer token every route but health requires (null: read token_env)")]
    token_env: Annotated[str, Setting("environment variable holding the token")]
    max_body_bytes: Annotated[int, Setting("larger request bodies are refused (413)", gt=0)]
    results: Annotated[str | None, Setting(
        "the live page's results folder (a run or a folder of runs; null: output_dir)")]
    intervals: Annotated[bool, Setting("the page's leaderboard with bootstrap intervals")]
    refresh_s: Annotated[float, Setting("seconds between the page's polls for shards", gt=0)]
    scoring: Annotated[ScoringServiceSettings, Setting("the scoring deployment")]
    page: Annotated[PageSettings, Setting("the results page deployment")]


def check_settings(settings: ServeSettings) -> None:
    """Refuse settings that cannot work together, naming them (each setting's own range is
    declared above and checked when the config is composed)."""
    service = settings.scoring
    scaling = service.autoscaling
    checks = [
        (service.max_ongoing_requests >= service.max_batch_size,
         "serve.scoring.max_ongoing_requests must be at least serve.scoring.max_batch_size"),
        (scaling.min_replicas <= scaling.max_replicas,
         "serve.scoring.autoscaling needs min_replicas <= max_replicas"),
        (service.route.rstrip("/") != settings.page.route.rstrip("/"),
         "serve.scoring.route and serve.page.route must differ"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)


def free_port(host: str) -> int:
    """A TCP port free on `host` right now (for serve.port=0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
