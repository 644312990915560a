"""The stream at the study's sizes: how soon the engine starts, how busy it stays, what the
driver holds.

Synthetic data at the real sizes (MedNLI 1,422, MeQSum 1,000, Problem Summary 237, LongHealth
20 patients x 20 questions = 6,000 rows, MeDiSumQA 453, MeDiSumCode 500; `--scale` shrinks
every count), LongHealth documents of real length, the real Llama-3 and Llama-2 tokenizers
from ../shared/tokenizers/ (two models share Llama-3, one has Llama-2), `max_context` 32,768,
on the simulated engine with a latency per prompt token and per output token. One
`clue-ray run` per flow, in a subprocess; with `--before DIR` (a checkout of an earlier
commit) the same sweep runs with that code too, for comparison.

    .venv/bin/python bench/stream.py [--scale 0.25] [--before /tmp/before]

Per model and flow: time from the run's start to its first engine batch, engine busy share
of the model's wall (prompt building and load included), prompt-building CPU-seconds (the
CPU time of the processes that built prompts), and per flow the driver's peak RSS, the peak
of /dev/shm in use (Ray's object store lives there) and the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil

from clue_ray.demo.datasets import DatasetSizes, write_datasets
from clue_ray.pipeline.control.engine_time import busy_time
from clue_ray.results.summary import load_rows
from clue_ray.units import GIB

REPO = Path(__file__).resolve().parents[1]
TOKENIZERS = REPO.parent / "shared" / "tokenizers"
REAL = DatasetSizes(mednli=1422, meqsum=1000, problem_summary=237, medisumqa=453,
                    medisumcode=500, longhealth_patients=20, longhealth_questions=20,
                    longhealth_texts=6, longhealth_sentences=110)
# name -> (tokenizer folder, registry chat template)
MODELS = {"bench-llama3-a": ("llama3", None), "bench-llama3-b": ("llama3", None),
          "bench-llama2": ("llama2", "llama2")}
BUILDERS = ("PromptStage", "build_rows")  # process titles of prompt building, now and before

TINY_BERT = REPO / "artifacts" / "demo" / "tiny-bert"  # built by `make demo`


@dataclass
class Watch:
    """Samples the driver's RSS, /dev/shm in use and the CPU time of prompt builders."""

    pid: int
    rss_peak: int = 0
    shm_peak: int = 0
    builder_cpu: dict[int, tuple[float, float]] = field(default_factory=dict)  # pid -> seen, cpu
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        shm_base = shutil.disk_usage("/dev/shm").used
        while not self.stop.wait(0.5):
            with contextlib.suppress(psutil.Error):
                self.rss_peak = max(self.rss_peak, psutil.Process(self.pid).memory_info().rss)
            self.shm_peak = max(self.shm_peak, shutil.disk_usage("/dev/shm").used - shm_base)
            for process in psutil.process_iter(["cmdline"]):
                line = " ".join(process.info["cmdline"] or [])
                if any(b in line for b in BUILDERS):
                    try:
                        cpu = sum(process.cpu_times()[:2])
                    except psutil.Error:
                        continue
                    seen = self.builder_cpu.get(process.pid, (time.time(), 0.0))[0]
                    self.builder_cpu[process.pid] = (seen, cpu)


def make_models(folder: Path, context: int) -> Path:
    """The three bench models: config.json + the shared tokenizer files."""
    for name, (tokenizer, _) in MODELS.items():
        model_dir = folder / name
        model_dir.mkdir(parents=True)
        for file in (TOKENIZERS / tokenizer).iterdir():
            (model_dir / file.name).symlink_to(file)
        (model_dir / "config.json").write_text(json.dumps(
            {"model_type": "llama", "max_position_embeddings": context}))
    return folder


def make_conf(folder: Path, code: Path, models: Path, context: int) -> Path:
    """A copy of the conf/ of the code under `code`, with the bench models registered."""
    conf = folder / "conf"
    shutil.copytree(code / "conf", conf)
    for name, (_, template) in MODELS.items():
        model_dir = models / name
        (conf / "model" / f"{name}.yaml").write_text(
            f"name: {name}\nhf_id: bench/{name}\nrevision: main\nkind: general\n"
            "base_model: null\nparams_b: 8\ntensor_parallel_size: 1\n"
            "instruction_tuned: true\nsystem_role: true\n"
            f"chat_template: {template or 'null'}\nmax_context: {context}\npath: {model_dir}\n")
    return conf


def run_flow(code: Path, conf: Path, data: Path, out: Path, args: argparse.Namespace,
             extra: list[str]) -> dict:
    """One sweep with the code under `code` (and these overrides); its measurements."""
    overrides = [*extra,
        "experiment=demo", "engine=simulated", f"models=[{','.join(MODELS)}]",
        f"data_dir={data}", f"output_dir={out}", "scoring.umls=disabled",
        f"scoring.bertscore.model={TINY_BERT}", "progress_interval_s=30",
        f"engine.simulated.latency_per_prompt_token_s={args.prompt_token_us / 1e6}",
        f"engine.simulated.latency_per_output_token_s={args.output_token_ms / 1000}",
        "engine.simulated.batch_size=16",
    ]
    env = {**os.environ, "CLUE_RAY_CONF": str(conf), "PYTHONPATH": str(code),
           "HF_HUB_OFFLINE": "1", "RAY_AUTH_MODE": os.environ.get("RAY_AUTH_MODE", "disabled")}
    log = out.parent / f"{out.name}.log"
    started = time.time()
    with open(log, "w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "clue_ray.cli", "run", *overrides],
                                   env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=code)
        watch = Watch(process.pid)
        thread = threading.Thread(target=watch.run, daemon=True)
        thread.start()
        code_ = process.wait()
        watch.stop.set()
        thread.join()
    wall = time.time() - started
    if code_ != 0:
        sys.exit(f"the run under {code} failed (exit {code_}); see {log}")
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    rows = load_rows(run_dir)
    return {"wall": wall, "rss": watch.rss_peak, "shm": watch.shm_peak, "started": started,
            "rows": rows, "builders": watch.builder_cpu}


def model_table(flow: dict) -> list[tuple[str, float, float, float]]:
    """(model, first batch after run start s, busy share of the model's wall, prompt CPU-s)."""
    rows, out, start = flow["rows"], [], flow["started"]
    order = list(MODELS)
    spans = {m: rows[rows.model == m] for m in order}
    for index, model in enumerate(order):
        group = spans[model]
        # a model's wall: from the previous model's last row (or the run's start) to its own
        begin = start if index == 0 else spans[order[index - 1]]["engine_finished_at"].max()
        end = group["engine_finished_at"].max()
        intervals = group[["engine_started_at", "engine_finished_at"]].drop_duplicates()
        busy = busy_time(list(intervals.itertuples(index=False, name=None)))
        cpu = sum(c for seen, c in flow["builders"].values() if begin - 5 <= seen <= end)
        out.append((model, group["engine_started_at"].min() - begin, busy / (end - begin), cpu))
    return out


def main() -> None:
    """Build the data, run the flow(s), print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--context", type=int, default=32768)
    parser.add_argument("--prompt-token-us", type=float, default=20.0,
                        help="simulated prefill cost per prompt token, microseconds")
    parser.add_argument("--output-token-ms", type=float, default=1.0)
    parser.add_argument("--before", type=Path, help="checkout of an earlier commit to compare")
    args = parser.parse_args()
    if not TOKENIZERS.is_dir():
        sys.exit(f"needs the real tokenizers in {TOKENIZERS}")
    if not TINY_BERT.is_dir():
        sys.exit(f"needs the demo's tiny BERT in {TINY_BERT}: run make demo first")
    sizes = replace(REAL, **{k: max(2, round(getattr(REAL, k) * args.scale)) for k in (
        "mednli", "meqsum", "problem_summary", "medisumqa", "medisumcode",
        "longhealth_patients")})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_datasets(folder / "data", sizes)
        models = make_models(folder / "models", args.context)
        flows = {}
        for name, code in [("stream", REPO), ("before", args.before)]:
            if code is not None:
                conf = make_conf(folder / f"conf-{name}", code, models, args.context)
                # the simulated engine needs no CPU: a second prompt builder can have one
                extra = ["cluster.prompt_builders=[1,2]"] if name == "stream" else []
                flows[name] = run_flow(code, conf, folder / "data", folder / name, args, extra)
    print(f"\nsizes: {sizes}; context {args.context}; simulated engine "
          f"{args.prompt_token_us} us/prompt token, {args.output_token_ms} ms/output token")
    print(f"{'flow':<8}{'model':<16}{'rows':>7}{'first batch s':>15}{'busy share':>12}"
          f"{'prompt CPU-s':>14}")
    for name, flow in flows.items():
        for model, first, share, cpu in model_table(flow):
            count = int((flow["rows"].model == model).sum())
            print(f"{name:<8}{model:<16}{count:>7}{first:>15.1f}{share:>12.2f}{cpu:>14.0f}")
    print(f"\n{'flow':<8}{'wall s':>8}{'driver peak RSS GiB':>21}{'/dev/shm peak GiB':>19}")
    for name, flow in flows.items():
        print(f"{name:<8}{flow['wall']:>8.0f}{flow['rss'] / GIB:>21.2f}"
              f"{flow['shm'] / GIB:>19.2f}")


if __name__ == "__main__":
    main()
