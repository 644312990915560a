"""vLLM bare vs vLLM in the pipeline: the same prompts, the same engine settings.

The demo model `demo-general` (tiny float32 Llama, built by `clue-ray demo` when missing) and
the demo data, all six tasks. "bare" is vLLM's offline `LLM.generate` in this process, given
the pipeline's own token ids and sampling parameters; "pipeline" is `clue-ray run
engine=vllm` (Ray start, prompt building, the ray.data.llm engine actor, scoring, shards).
Both count prompt tokens from our prompts and output tokens from the engine's answers.

    .venv/bin/python bench/vllm_engine.py [--tasks mednli,meqsum,...]

Both engines get the CPUs of one pipeline replica (`cluster.cpus_per_engine`). On CPU the
absolute numbers mean little; the ratio shows what the pipeline costs around the engine
(Ray, prompt building, batching, and scoring that shares the machine). The engine-busy share
is the union of the engine's request intervals over the whole pipeline wall, from the run's
start (Ray, prompt building and model load are idle time).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sweep_timing import timed_sweep

from clue_ray.config import RunCommand, compose, load_model
from clue_ray.demo.build import ensure_bert, ensure_data, ensure_models
from clue_ray.engines.context import context_length
from clue_ray.engines.stop_tokens import model_stop_ids
from clue_ray.engines.vllm_engine import declared_dtype, engine_kwargs
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.pipeline.stages.prompt_rows import build_rows

MODEL = "demo-general"


def command(tasks: str, output_dir: Path) -> RunCommand:
    """The demo experiment on one model through vLLM."""
    return compose("run", ["experiment=demo", "engine=vllm", f"models=[{MODEL}]",
                           f"tasks=[{tasks}]", f"output_dir={output_dir}"], RunCommand)


def prompt_rows(cmd: RunCommand) -> list[dict]:
    """The pipeline's rows (token ids, max_tokens) for every sample of the selected tasks."""
    plan = make_plan(cmd)
    model = plan.models[0]
    rows = []
    for task, refs in plan.references.items():
        rows += build_rows(plan.run_id, model, task, Path(plan.cmd.data_dir),
                           plan.task_options, [(r.sample_id, -1) for r in refs])
    return [r for r in rows if not r["context_overflow"]]


def bare_vllm(cmd: RunCommand, rows: list[dict]) -> dict[str, float]:
    """vLLM's offline engine in this process with the pipeline's engine arguments and the
    CPUs one pipeline replica gets (Ray sets OMP_NUM_THREADS to an actor's CPUs)."""
    os.environ.update({"VLLM_CPU_OMP_THREADS_BIND": "nobind",
                       "VLLM_ENABLE_V1_MULTIPROCESSING": "0"})
    import torch
    from transformers import AutoTokenizer
    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt

    model = load_model(MODEL)
    kwargs = engine_kwargs(model, cmd.engine, cmd.cluster, context_length(model, None),
                           declared_dtype(model))
    stops = list(model_stop_ids(model, AutoTokenizer.from_pretrained(model.source)))
    torch.set_num_threads(max(1, int(cmd.cluster.cpus_per_engine)))
    started = time.perf_counter()
    llm = LLM(model=model.source, **kwargs)
    loaded = time.perf_counter()
    outputs = llm.generate(
        [TokensPrompt(prompt_token_ids=r["prompt_token_ids"]) for r in rows],
        [SamplingParams(max_tokens=r["max_tokens"], temperature=0.0, stop_token_ids=stops)
         for r in rows],
        use_tqdm=False,
    )
    finished = time.perf_counter()
    return {"wall_s": finished - started, "load_s": loaded - started,
            "gen_s": finished - loaded,
            "prompt_tokens": sum(len(r["prompt_token_ids"]) for r in rows),
            "output_tokens": sum(len(o.outputs[0].token_ids) for o in outputs)}


def main() -> None:
    """Build what is missing, run both paths, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="mednli,meqsum,problem_summary,longhealth,"
                                           "medisumqa,medisumcode")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = command(args.tasks, Path(tmp))
        ensure_models([load_model(MODEL)])
        ensure_bert(Path(cmd.scoring.bertscore.model))
        ensure_data(Path(cmd.data_dir))
        rows = prompt_rows(cmd)
        bare = bare_vllm(cmd, rows)
        piped, _ = timed_sweep(cmd)
    print()
    print(f"{len(rows)} prompts of {MODEL}, tasks {args.tasks}; the engine gets "
          f"{cmd.cluster.cpus_per_engine:g} CPU(s) in both paths")
    print(f"{'path':<10}{'wall s':>8}{'load s':>8}{'gen s':>8}{'prompt tok':>12}"
          f"{'output tok':>12}{'tok/s wall':>12}{'tok/s gen':>11}")
    for name, m in (("bare", bare), ("pipeline", piped)):
        total = m["prompt_tokens"] + m["output_tokens"]
        print(f"{name:<10}{m['wall_s']:>8.1f}{m['load_s']:>8.1f}{m['gen_s']:>8.1f}"
              f"{m['prompt_tokens']:>12}{m['output_tokens']:>12}{total / m['wall_s']:>12.0f}"
              f"{total / m['gen_s']:>11.0f}")
    ratio = (piped["prompt_tokens"] + piped["output_tokens"]) / piped["wall_s"] / (
        (bare["prompt_tokens"] + bare["output_tokens"]) / bare["wall_s"])
    print(f"pipeline/bare tokens per second over the whole wall: {ratio:.2f}; "
          f"pipeline engine busy share of its wall: {piped['busy_share']:.2f}")
    print("(pipeline load s: run start to the first request, i.e. Ray, prompt building and "
          "model load; bare load s: the LLM constructor)")


if __name__ == "__main__":
    main()
