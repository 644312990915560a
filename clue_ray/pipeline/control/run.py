"""The sweep: per model, stored predictions without scores are scored, then one Ray Dataset
of all selected tasks' missing rows streams through engine and scoring into Parquet shards;
one writer per run folder, resumable, with progress, manifest, a final table and the rows
that failed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clue_ray.config import RunCommand
from clue_ray.engines.registry import engine_for
from clue_ray.errors import ConfigError, Interrupted
from clue_ray.metrics.scoring import TaskScorer
from clue_ray.models import ModelSettings
from clue_ray.pipeline.control.capacity import check_capacity
from clue_ray.pipeline.control.engine_time import sweep_utilisation
from clue_ray.pipeline.control.manifest import write_manifest
from clue_ray.pipeline.control.model_pass import run_model
from clue_ray.pipeline.control.model_queue import run_models
from clue_ray.pipeline.control.plan import Plan, make_plan
from clue_ray.pipeline.control.ray_session import ensure_ray
from clue_ray.pipeline.control.resume import prepare_model
from clue_ray.pipeline.control.sweep_console import SweepConsole
from clue_ray.pipeline.stages.prompt_cache import cache_folder
from clue_ray.results.summary import failed_rows, headline_table, load_rows, summarise
from clue_ray.storage.run_lock import run_lock
from clue_ray.units import GIB

ERROR_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit): ")


def run_sweep(cmd: RunCommand, engines: bool = True) -> dict[str, Any]:
    """Validate, run every model, write the manifest, print the table and the failed rows;
    returns the summary (`failed`: lines of rows that ended in an engine or scorer error).
    `engines=False` only scores stored predictions (`clue-ray rescore`; `unrun`: rows left
    without a prediction). The plan holds the run's tasks, `user_tasks` included."""
    plan = make_plan(cmd)  # all checks happen before Ray starts or any model loads
    TaskScorer(plan.cmd.scoring, plan.tasks.pick(plan.cmd.tasks)).check_available()
    free = check_output_dir(Path(cmd.output_dir))
    print(f"run {plan.run_id}: {len(plan.models)} model(s) x {len(cmd.tasks)} task(s) "
          f"-> {plan.run_dir} ({free / GIB:.1f} GiB free), scoring {plan.scoring_id}")
    with run_lock(plan.folder):
        return _locked_sweep(plan, engines)


def _locked_sweep(plan: Plan, engines: bool) -> dict[str, Any]:
    started, wall = _now(), time.perf_counter()
    plan.folder.clean_partial_files()
    work = {model.name: prepare_model(plan, model) for model in plan.models}
    unrun = 0
    if not engines:
        for model_work in work.values():
            unrun += sum(len(keys) for keys in model_work.missing.values())
            model_work.missing = {}
    pending = [model for model in plan.models if work[model.name].pending]
    outcomes: dict[str, Any] = {}
    broken: dict[str, str] = {}  # model -> why its pass stopped (the sweep went on)
    status = "failed"
    console = SweepConsole(plan)
    try:
        def run_one(model: ModelSettings) -> None:
            try:
                outcome = run_model(plan, model, work[model.name], console.display)
                outcomes[model.name] = outcome.__dict__
                console.model_done(model.name)
            except Exception as err:
                if not _from_workers(err):
                    raise  # a full disk or a setting stops every model alike
                broken[model.name] = root_cause(err)
                outcomes[model.name] = {"error": broken[model.name]}
                console.model_stopped(model.name, broken[model.name])

        with console:
            if pending:  # a finished run starts no Ray and loads no model
                _start_ray(plan.cmd, [m for m in pending if any(work[m.name].missing.values())])
                console.ray_started()
            # after Ray starts: its core worker installs its own SIGTERM handler
            with _sigterm_as_interrupt(), console.live():
                run_models(plan.models, run_one, plan.cmd.cluster.models_at_once)
        status = "finished"
        shutil.rmtree(cache_folder(plan.cmd.prompt_cache_dir, plan.run_dir), ignore_errors=True)
    except KeyboardInterrupt:
        status = "interrupted"
        raise Interrupted(f"interrupted: {_stored(plan)} rows stored in {plan.run_dir}, "
                          "rerun the same command to resume") from None
    finally:
        rows = load_rows(plan.run_dir, plan.scoring_id)
        summaries = summarise(rows, plan.tasks)
        counts = {model: {"tasks": {task: {"rows": g.rows, "flags": g.flags,
                                           "scores": g.scores} for task, g in s.tasks.items()},
                          "levels": s.levels} for model, s in summaries.items()}
        attempt = {"started": started, "finished": _now(), "status": status,
                   "pid": os.getpid(), "wall_s": time.perf_counter() - wall,
                   "scoring_id": plan.scoring_id, "models": outcomes,
                   "engine_utilisation": _sweep_utilisation(plan, outcomes)}
        write_manifest(plan.folder, plan, attempt, counts)
    print()
    print(headline_table(summaries, plan.cmd.tasks, plan.tasks))
    failures = failed_rows(rows) + [f"  {name}: the model's pass stopped: {why}"
                                     for name, why in broken.items()]
    if failures:
        print("\nrows that failed (left out of the scores; a rerun retries them):")
        print("\n".join(failures))
    return {"run_id": plan.run_id, "run_dir": str(plan.run_dir), "outcomes": outcomes,
            "engine_utilisation": _sweep_utilisation(plan, outcomes),
            "summaries": summaries, "failed": len(failures), "unrun": unrun}


def _from_workers(err: BaseException) -> bool:
    """Whether a failure came from the model's stream on the cluster (a model that cannot
    load, an engine that crashed), not from this process."""
    from ray.exceptions import RayError

    return isinstance(err, RayError) or type(err).__module__.startswith("ray.")


def root_cause(err: BaseException) -> str:
    """One line for a failure raised through Ray: the last error line of the worker's
    traceback that is not Ray's own wrapper (e.g. why a model could not load)."""
    lines = [line.strip() for line in str(err).splitlines()]
    errors = [line for line in lines if ERROR_LINE.match(line)
              and not line.startswith(("ray.", "UserCodeException", "RayTaskError"))]
    line = errors[-1] if errors else f"{type(err).__name__}: {lines[0] if lines else ''}"
    name, _, message = line.partition(": ")
    return f"{name.rsplit('.', 1)[-1]}: {message}"[:300]


def _sweep_utilisation(plan: Plan, outcomes: dict[str, Any]) -> float | None:
    """Engine busy over engine wall across the models that ran an engine (not the
    baseline, whose rule needs none)."""
    engines = [m.name for m in plan.models
               if engine_for(m, plan.cmd.engine).capabilities.runs_a_model
               and "engine_busy_s" in outcomes.get(m.name, {})]
    return sweep_utilisation([(outcomes[n]["engine_busy_s"], outcomes[n]["wall_s"],
                               outcomes[n]["engine_actors"]) for n in engines])


def check_output_dir(output_dir: Path) -> int:
    """Create the output folder and prove it writable, before anything runs; free bytes."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ConfigError(f"output_dir={output_dir} is not writable ({err.strerror}): choose "
                          "another output_dir") from None
    return shutil.disk_usage(output_dir).free


def _stored(plan: Plan) -> int:
    return len(load_rows(plan.run_dir, plan.scoring_id))


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a scheduler stopping the job) ends the run like Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _start_ray(cmd: RunCommand, models: list[ModelSettings]) -> None:
    """Start or join Ray; a local Ray that cannot host the stream of a model with rows to
    compute (`models`) stops the run here, before any model loads."""
    import psutil
    import ray

    for model in models:
        engine_for(model, cmd.engine).check_installed()
    if ensure_ray(cmd.cluster):
        check_capacity(cmd, models, ray.cluster_resources(), psutil.virtual_memory().available)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
