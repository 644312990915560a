"""`clue-ray plan`: per model and task, the prompts, the prompt tokens (measured with the
model's tokenizer), the maximum output tokens, and the projected GPU-hours and cost of a sweep,
from the throughput table of conf/plan.yaml (optionally recalibrated from a finished run)."""

from __future__ import annotations

import csv
from pathlib import Path

from clue_ray.config import RunCommand, compose
from clue_ray.engines.registry import engine_for
from clue_ray.errors import ConfigError
from clue_ray.pipeline.control.plan import make_plan
from clue_ray.planning.measure import measure_model, stand_in_tokenizer
from clue_ray.planning.projection import HOUR_S, calibrate, gpu_seconds
from clue_ray.planning.settings import PlanSettings
from clue_ray.results.text_table import format_table

PREFIX = "plan."
HEADER = ("model", "task", "prompts", "prompt_tokens", "max_output_tokens", "overflow",
          "gpu_hours", "cost_usd")
PlanRow = tuple[str, str, int, float, float, float, float, float]  # the columns of HEADER


def run_plan(overrides: list[str]) -> int:
    """`plan.*` overrides go to conf/plan.yaml, the others compose the run as `clue-ray run`
    would."""
    plan_args, run_args = [], []
    for override in overrides:
        sign = override[: len(override) - len(override.lstrip("+~"))]
        if override[len(sign):].startswith(PREFIX):
            plan_args.append(sign + override[len(sign) + len(PREFIX):])
        else:
            run_args.append(override)
    cmd = compose("run", run_args, RunCommand)
    settings = compose("plan", plan_args, PlanSettings, prefix=PREFIX.rstrip("."))
    return print_projection(cmd, settings)


def print_projection(cmd: RunCommand, settings: PlanSettings) -> int:
    """Print (and optionally write) the projection of this sweep."""
    plan = make_plan(cmd)
    gpu = cmd.cluster.accelerator_type
    calibration = calibrate(Path(settings.calibrate), gpu, settings) if settings.calibrate \
        else None
    factor = calibration.factor if calibration else 1.0
    table: list[PlanRow] = []
    notes: list[str] = []
    sources: dict[str, str] = {}
    for model in plan.models:
        if not engine_for(model, cmd.engine).capabilities.runs_a_model:
            notes.append(f"{model.name}: the parameterless baseline, no engine and no GPU time")
            continue
        rate = settings.rate(gpu, model.params_b)
        try:
            tokens = measure_model(plan, model, settings)
        except ConfigError as err:
            notes.append(f"{model.name}: LEFT OUT of the totals, its prompts could not be "
                         f"measured here: {err} (give it a tokenizer folder and a context "
                         "length: plan.tokenizers and plan.max_context)")
            continue
        stand_in = stand_in_tokenizer(model.name, settings)
        if stand_in:
            notes.append(f"{model.name}: tokens counted with {stand_in}")
        sources[f"{rate.gpu} <= {rate.max_params_b:g}B"] = rate.source
        for t in tokens:
            hours = gpu_seconds(t.prompt_tokens, t.max_output_tokens, rate) * factor / HOUR_S
            table.append((model.name, t.task, t.prompts, t.prompt_tokens, t.max_output_tokens,
                          t.overflow, hours, hours * settings.gpu_hour_usd))
    if not table:
        raise ConfigError("no model of this sweep could be measured; see the notes: "
                          + "; ".join(notes))
    print(format_table(HEADER, [_text(row) for row in table]))
    _print_totals(table, settings, gpu)
    if calibration:
        print(f"calibrated x{calibration.factor:.3f} from {calibration.run_dir} (measured "
              f"{calibration.measured_gpu_s:.0f} engine GPU-s against "
              f"{calibration.projected_gpu_s:.0f} projected)")
    print("output tokens are each prompt's max_tokens: an upper bound of the decode time; "
          f"prompt tokens from up to {settings.sample} prompts built per model and task")
    for note in notes:
        print(f"note: {note}")
    for bucket, source in sources.items():
        print(f"rates {bucket}: {source}")
    print(f"price: ${settings.gpu_hour_usd:g} per GPU-hour ({settings.gpu_hour_source})")
    if settings.out:
        _write_csv(Path(settings.out), table)
    return 0


def _text(row: PlanRow) -> list[str]:
    model, task, prompts, prompt, output, overflow, hours, cost = row
    return [str(model), str(task), f"{prompts:,}", f"{prompt:,.0f}", f"{output:,.0f}",
            f"{overflow:,.0f}", f"{hours:,.2f}", f"{cost:,.2f}"]


def _print_totals(table: list[PlanRow], settings: PlanSettings, gpu: str | None) -> None:
    hours = sum(row[6] for row in table)
    prompts = sum(row[2] for row in table)
    tokens = sum(row[3] for row in table)
    models = len({row[0] for row in table})
    print(f"\ntotal: {models} model(s), {prompts:,} prompts, {tokens:,.0f} prompt tokens, "
          f"{hours:,.1f} {gpu} GPU-hours, ${hours * settings.gpu_hour_usd:,.0f}")


def _write_csv(path: Path, table: list[PlanRow]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(table)
    print(f"wrote {path}")
