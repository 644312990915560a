"""What a sweep shows while it runs: the display (live, or progress lines), where Ray's and
vLLM's own output goes (`<run folder>/logs/` unless `console.worker_output=console`), a
line per model that ends with its headline scores, and the count of framework warnings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import TracebackType

from clue_ray.console import WorkerOutput
from clue_ray.pipeline.control.display import SweepDisplay, live_wanted, shown
from clue_ray.pipeline.control.plan import Plan
from clue_ray.pipeline.control.worker_logs import (
    LOGS,
    WorkerLogs,
    driver_stderr_to,
    worker_lines_to,
)
from clue_ray.results.summary import load_rows, summarise


class SweepConsole:
    """Enter before Ray starts (the driver's standard error goes to a file from then on),
    call `ray_started()` once it is up, and show the display with `live()`."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        settings = plan.cmd.console
        self.display = SweepDisplay([m.name for m in plan.models], plan.cmd.progress_interval_s,
                                    live_wanted(settings.display))
        self.logs = (WorkerLogs(plan.run_dir / LOGS, say=print)
                     if settings.worker_output == WorkerOutput.logs else None)
        self.display.footer = self.logs.summary if self.logs else None
        self._stack = ExitStack()

    def __enter__(self) -> SweepConsole:
        if self.logs is not None:
            self._stack.enter_context(driver_stderr_to(self.logs))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stack.close()
        summary = self.logs.summary() if self.logs is not None else None
        if summary:
            print(summary)

    def ray_started(self) -> None:
        """From now on Ray's workers' output goes to the logs folder too."""
        if self.logs is not None:
            self._stack.enter_context(worker_lines_to(self.logs))

    @contextmanager
    def live(self) -> Iterator[SweepDisplay]:
        """The display, drawn live while inside when it is live."""
        with shown(self.display) as display:
            yield display

    def model_done(self, model: str) -> None:
        """Show a model's headline score per task (a line when not live)."""
        headlines = model_headlines(self.plan, model)
        self.display.finished(model, headlines)
        if not self.display.live and headlines:
            print(f"{model}: done: " + ", ".join(f"{t} {h}" for t, h in headlines.items()))

    def model_stopped(self, model: str, why: str) -> None:
        """A model's pass stopped; the sweep goes on."""
        self.display.stop(model, why)
        print(f"{model}: stopped, the sweep goes on with the other models: {why}")


def model_headlines(plan: Plan, model: str) -> dict[str, str]:
    """`{task: "accuracy 52.0"}`: each task's headline score over the model's stored rows
    (a task without a score yet is left out)."""
    summary = summarise(load_rows(plan.run_dir, plan.scoring_id, model), plan.tasks).get(model)
    if summary is None:
        return {}
    shown_scores = {}
    for task, group in summary.tasks.items():
        metric = plan.tasks[task].headline_metric
        value = group.scores.get(metric)
        if value is not None:
            shown_scores[task] = f"{metric} {value:.1f}"
    return shown_scores
