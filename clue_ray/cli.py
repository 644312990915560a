"""The `clue-ray` command: `clue-ray <subcommand> key=value ...` (Hydra overrides)."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Sequence

from clue_ray.errors import ClueError, Interrupted

DISK_FULL = 4

USAGE = """usage: clue-ray <command> [key=value ...]

commands:
  prompts  task=T data_dir=D out=F.jsonl [tokenizer=DIR] [max_context=N]
           write every evaluated prompt of a task as JSON lines
  score    task=T data_dir=D predictions=P.jsonl out=F.json [scoring.umls=disabled ...]
           score predictions ({sample_id, prediction} lines) against the task's references

  run      experiment=NAME [models=[..]] [tasks=[..]] [engine=E] [cluster=C] [output_dir=DIR]
           the sweep on Ray: every model x task into Parquet shards (resumable); exits 3
           when rows ended in an engine or scorer error (the rest is stored)
  rescore  experiment=NAME [the run's overrides] [scoring.*=...]
           score the run's stored predictions under these scoring settings (no engine)
  plan     experiment=NAME [the run's overrides] [plan.sample=N] [plan.calibrate=RUN_DIR]
           prompts, prompt tokens (measured with each model's tokenizer), GPU-hours and
           cost of a sweep before it runs, from the throughput table in conf/plan.yaml
  report   results=DIR out=DIR [examples=N] [bootstrap.resamples=N]
           leaderboard.csv, deltas.csv (biomedical vs base, paired bootstrap), failures.csv,
           PNG figures and a self-contained report.html, from the result shards alone
  view     results=DIR [data_dir=DIR] [host=H] [port=N] [page_rows=N]
           browse the samples in a local web app: filters, a sample with its rebuilt prompt,
           a model against its base on the same samples; 127.0.0.1 unless a token is set
  serve    experiment=NAME [the run's overrides] [serve.host=H] [serve.port=N] [serve.results=DIR]
           the scoring service (POST /v1/score) for the experiment's data and the live results
           page (GET /) on Ray Serve, until Ctrl-C; settings in conf/serve/
  serve    model=NAME [cluster=C] [port=N] [host=H]
           a registry model behind an OpenAI-compatible API (Ray Serve LLM) on 127.0.0.1 (another
           host needs a bearer token in CLUE_RAY_SERVE_TOKEN), until Ctrl-C; `run engine=openai
           engine.openai.base_url=URL [engine.openai.api_key_env=CLUE_RAY_SERVE_TOKEN]` evaluates it
  demo     build the offline demo (tiny models, synthetic data) and run experiment=demo

Settings and their defaults live in conf/; any of them can be overridden as key=value.
"""


def _prompts(overrides: list[str]) -> int:
    from clue_ray.commands.prompts import run_prompts
    from clue_ray.config import PromptsCommand, compose

    return run_prompts(compose("prompts", overrides, PromptsCommand))


def _score(overrides: list[str]) -> int:
    from clue_ray.commands.score import run_score
    from clue_ray.config import ScoreCommand, compose

    return run_score(compose("score", overrides, ScoreCommand))


def _run(overrides: list[str]) -> int:
    from clue_ray.commands.run import run_run
    from clue_ray.config import RunCommand, compose

    return run_run(compose("run", overrides, RunCommand))


def _rescore(overrides: list[str]) -> int:
    from clue_ray.commands.rescore import run_rescore
    from clue_ray.config import RunCommand, compose

    return run_rescore(compose("run", overrides, RunCommand))


def _report(overrides: list[str]) -> int:
    from clue_ray.commands.report import run_report
    from clue_ray.config import ReportCommand, compose

    return run_report(compose("report", overrides, ReportCommand))


def _view(overrides: list[str]) -> int:
    from clue_ray.commands.view import run_view
    from clue_ray.config import ViewCommand, compose

    return run_view(compose("view", overrides, ViewCommand))


def _plan(overrides: list[str]) -> int:
    from clue_ray.commands.plan import run_plan

    return run_plan(overrides)


def _serve(overrides: list[str]) -> int:
    if any(o.startswith("model=") for o in overrides):  # a model, not the scoring service
        from clue_ray.commands.serve_model import run_serve_model

        return run_serve_model(overrides)
    from clue_ray.commands.serve import run_serve
    from clue_ray.config import ServeCommand, compose

    return run_serve(compose("serve_command", overrides, ServeCommand))


def _demo(overrides: list[str]) -> int:
    from clue_ray.commands.demo import run_demo

    return run_demo(overrides)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "prompts": _prompts, "score": _score, "run": _run, "rescore": _rescore, "report": _report,
    "plan": _plan, "view": _view, "serve": _serve, "demo": _demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; user errors print one line and exit 2, without a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    command, overrides = args[0], args[1:]
    if command not in COMMANDS:
        print(f"clue-ray: error: unknown command '{command}' (known: {', '.join(COMMANDS)})",
              file=sys.stderr)
        return 2
    try:
        return COMMANDS[command](overrides)
    except ClueError as err:
        print(f"clue-ray: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("clue-ray: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"clue-ray: error: no space left while writing {err.filename or 'a file'}: "
              "free some space (a rerun resumes where this stopped)", file=sys.stderr)
        return DISK_FULL


if __name__ == "__main__":
    sys.exit(main())
