"""Assembling the Serve applications from a `ServeCommand`: checks before anything starts,
the scoring and results page applications with their options from conf/serve/, and the
builders `serve deploy` imports (jobs/serve.yaml):

    import_path: clue_ray.serve.app:scoring_app   args: {overrides: [experiment=..., ...]}
    import_path: clue_ray.serve.app:results_app   args: {overrides: [...]}
    import_path: clue_ray.serve.app:model_app     args: {overrides: [model=NAME, ...]}

The overrides are those of `clue-ray serve` (of `clue-ray serve model=NAME` for model_app),
composed from the same conf/, so a value lives in one place whether the apps are started by
the command or deployed on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ray.serve import Application, Deployment

from clue_ray.config import ServeCommand, compose
from clue_ray.errors import ClueError, ConfigError, DatasetError
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.pipeline.control.plan import absolute_paths, make_plan
from clue_ray.pipeline.stages.stream import shippable
from clue_ray.serve.auth import resolve_token
from clue_ray.serve.batch_scoring import reference_index
from clue_ray.serve.expected import Expected, expected_rows
from clue_ray.serve.model_app import build_model_app, serve_settings
from clue_ray.serve.results_app import ResultsPage
from clue_ray.serve.scoring_app import ScoringService
from clue_ray.serve.settings import check_settings
from clue_ray.tasks.registry import TaskSet
from clue_ray.tasks.user_tasks import task_set


@dataclass(frozen=True)
class ServeApp:
    """One Serve application: its name, what to run, and where it is mounted."""

    name: str
    app: Application
    route_prefix: str


def prepare(cmd: ServeCommand) -> tuple[ServeCommand, str | None]:
    """Check the settings and the token before anything starts; returns the command with
    absolute paths, and the bearer token (None: no token)."""
    check_settings(cmd.serve)
    served_tasks(cmd).pick(cmd.tasks)  # a task neither CLUE's nor among user_tasks stops here
    token = resolve_token(cmd.serve.token, cmd.serve.token_env, cmd.serve.host)
    resolved, _ = absolute_paths(cmd, ())
    results = Path(cmd.serve.results or resolved.output_dir).resolve()
    return replace(resolved, serve=replace(cmd.serve, results=str(results))), token


def served_tasks(cmd: ServeCommand) -> TaskSet:
    """CLUE's tasks and the command's `user_tasks`, ready to travel to the replicas."""
    return shippable(task_set(cmd.user_tasks))


def check_scoring(cmd: ServeCommand) -> None:
    """The scorers the served tasks need can load, and every served task's data reads."""
    tasks = served_tasks(cmd)
    TaskScorer(cmd.scoring, tasks.pick(cmd.tasks)).check_available()
    try:
        reference_index(cmd.tasks, Path(cmd.data_dir), tasks)
    except DatasetError as err:
        raise DatasetError(err.path, f"{str(err).split(': ', 1)[1]} [override: data_dir=DIR]"
                           ) from None


def planned_rows(cmd: ServeCommand) -> dict[str, Expected]:
    """Rows per model and task that `clue-ray run` with these settings stores, under its run
    id (empty when the settings do not make a valid run: then only manifests tell)."""
    try:
        plan = make_plan(cmd)
    except ClueError:
        return {}
    samples = {task: len(refs) for task, refs in plan.references.items()}
    return {plan.run_id: expected_rows([m.name for m in plan.models], samples, None,
                                       len(plan.seeds))}


def scoring_application(cmd: ServeCommand, token: str | None) -> ServeApp:
    """The scoring service (replicas, batching and autoscaling from conf/serve/)."""
    service = cmd.serve.scoring
    scaling = service.autoscaling
    deployment = _deployment(ScoringService).options(
        ray_actor_options={"num_cpus": service.replica_cpus, "num_gpus": 0,
                           "resources": dict(service.resources)},
        max_ongoing_requests=service.max_ongoing_requests,
        autoscaling_config={"min_replicas": scaling.min_replicas,
                            "initial_replicas": scaling.min_replicas,
                            "max_replicas": scaling.max_replicas,
                            "target_ongoing_requests": scaling.target_ongoing_requests},
    )
    app = deployment.bind(list(cmd.tasks), cmd.data_dir, cmd.scoring, service,
                          cmd.serve.max_body_bytes, token, served_tasks(cmd))
    return ServeApp("scoring", app, service.route)


def results_application(cmd: ServeCommand, token: str | None,
                        planned: dict[str, Expected]) -> ServeApp:
    """The live results page of `serve.results`."""
    page = cmd.serve.page
    options = {"num_cpus": page.replica_cpus, "num_gpus": 0, "resources": dict(page.resources)}
    app = _deployment(ResultsPage).options(ray_actor_options=options).bind(
        str(cmd.serve.results), cmd.bootstrap, cmd.serve.intervals, planned, page.route,
        cmd.serve.refresh_s, token, served_tasks(cmd))
    return ServeApp("results", app, page.route)


def _deployment(decorated: object) -> Deployment:
    """A class under `@serve.deployment`, which made it a Deployment (to mypy, a decorated
    class keeps its own type)."""
    if not isinstance(decorated, Deployment):
        raise TypeError(f"{decorated!r} is not a Serve deployment")
    return decorated


def applications(cmd: ServeCommand, token: str | None) -> list[ServeApp]:
    """Every application `clue-ray serve` runs (a prepared command)."""
    return [scoring_application(cmd, token), results_application(cmd, token, planned_rows(cmd))]


def _overrides(args: dict[str, Any]) -> list[str]:
    overrides = args.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError("the app's args must be {overrides: [key=value, ...]}")
    return overrides


def _command(args: dict[str, Any]) -> tuple[ServeCommand, str | None]:
    return prepare(compose("serve_command", _overrides(args), ServeCommand))


def scoring_app(args: dict[str, Any]) -> Application:
    """Builder for `serve deploy`: the scoring service of `clue-ray serve <overrides>`."""
    cmd, token = _command(args)
    check_scoring(cmd)
    return scoring_application(cmd, token).app


def results_app(args: dict[str, Any]) -> Application:
    """Builder for `serve deploy`: the live results page of `clue-ray serve <overrides>`."""
    cmd, token = _command(args)
    return results_application(cmd, token, planned_rows(cmd)).app


def model_app(args: dict[str, Any]) -> Application:
    """Builder for `serve deploy`: the served model of `clue-ray serve model=NAME <overrides>`
    (its OpenAI API, token-checked; refused beyond loopback without a token)."""
    return build_model_app(serve_settings(_overrides(args)))
