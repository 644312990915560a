"""Engine utilisation: the streaming pipeline vs the reference's sequential flow.

Both flows run the demo sweep's prompts (2 models x 6 tasks, synthetic data) on the
`simulated` engine, which sleeps a fixed time per prompt and per token and a fixed time to
"load" (standing in for a GPU). The reference flow does what its per-task scripts do: for each
task, load the model, generate every prompt, then score, with the engine idle while loading and
scoring. The pipeline loads each model once and scores while the engine generates.

    .venv/bin/python bench/utilization.py [--load-s 5] [--per-token-ms 2]

Last line: utilization: pipeline=<busy fraction> sequential=<busy fraction> loads_per_model=<n>
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from clue_ray.config import RunCommand, compose
from clue_ray.engines.base import PromptRow
from clue_ray.engines.simulated import SimulatedEngine
from clue_ray.metrics.scoring import ScoreItem, TaskScorer
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.control.run import run_sweep
from clue_ray.pipeline.stages.prompt_rows import build_rows
from clue_ray.results.summary import load_rows


def simulated_command(args: argparse.Namespace, output_dir: Path) -> RunCommand:
    """The demo experiment on the simulated engine."""
    return compose("run", [
        "experiment=demo", "engine=simulated", f"output_dir={output_dir}",
        f"engine.simulated.load_s={args.load_s}",
        f"engine.simulated.latency_per_prompt_s={args.per_prompt_ms / 1000}",
        f"engine.simulated.latency_per_output_token_s={args.per_token_ms / 1000}",
        "engine.simulated.answer='The correct answer is A: a b c d e f g h i j k l m n o p'",
    ], RunCommand)


def pipeline_flow(cmd: RunCommand) -> tuple[float, float, int]:
    """Busy fraction (engine busy over the wall of the models that have an engine, prompt
    building and load included; the baseline has none), wall time, engine loads per model."""
    started = time.perf_counter()
    result = run_sweep(cmd)
    wall = time.perf_counter() - started
    rows = load_rows(result["run_dir"])
    loads = int(rows.groupby("model")["engine_actor"].nunique().max())
    return result["engine_utilisation"], wall, loads


def sequential_flow(cmd: RunCommand) -> tuple[float, float, int]:
    """The reference's order: per task, load, generate everything, then score."""
    plan = make_plan(cmd)
    busy = wall = 0.0
    loads = 0
    scorer = TaskScorer(plan.cmd.scoring, plan.tasks.pick(plan.cmd.tasks))
    for model in [m for m in plan.models if m.kind != "baseline"]:  # the baseline has no engine
        for task, refs in plan.references.items():
            started = time.perf_counter()  # its wall includes building the prompts
            rows = build_rows(plan.run_id, model, task, Path(plan.cmd.data_dir),
                              plan.task_options, [(r.sample_id, -1) for r in refs])
            engine = SimulatedEngine(plan.cmd.engine.simulated)  # a load per task
            loads += 1
            generated = []
            batch = plan.cmd.engine.simulated.batch_size
            for start in range(0, len(rows), batch):
                chunk = [PromptRow(r["sample_id"], task, r["prompt"], r["prompt_tokens"],
                                   r["max_tokens"], -1, r["context_overflow"])
                         for r in rows[start : start + batch]]
                t0 = time.perf_counter()
                generated += engine.generate(chunk)
                busy += time.perf_counter() - t0
            scorer.score(task, [ScoreItem(r["sample_id"], task, r["subtask"], r["reference"],
                                          g.prediction or "") for r, g in zip(rows, generated,
                                                                                strict=True)])
            wall += time.perf_counter() - started
    return busy / wall, wall, loads // len([m for m in plan.models if m.kind != "baseline"])


def main() -> None:
    """Run both flows and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-s", type=float, default=5.0)
    parser.add_argument("--per-prompt-ms", type=float, default=5.0)
    parser.add_argument("--per-token-ms", type=float, default=2.0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = simulated_command(args, Path(tmp))
        seq_busy, seq_wall, seq_loads = sequential_flow(cmd)
        pipe_busy, pipe_wall, pipe_loads = pipeline_flow(cmd)
    print()
    print(f"{'flow':<12}{'engine busy':>12}{'wall s':>10}{'loads/model':>13}")
    print(f"{'pipeline':<12}{pipe_busy:>12.3f}{pipe_wall:>10.1f}{pipe_loads:>13}")
    print(f"{'sequential':<12}{seq_busy:>12.3f}{seq_wall:>10.1f}{seq_loads:>13}")
    print(f"utilization: pipeline={pipe_busy:.3f} sequential={seq_busy:.3f} "
          f"loads_per_model={pipe_loads}")


if __name__ == "__main__":
    main()
