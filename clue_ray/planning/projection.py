"""GPU-hours and cost from token counts and the throughput table, and the table's
recalibration from a finished run (its measured engine time over its projected time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clue_ray.engines.baseline import answered_by_rule
from clue_ray.errors import ConfigError
from clue_ray.models import ModelSettings
from clue_ray.planning.settings import PlanSettings, ThroughputRow
from clue_ray.results.summary import load_rows
from clue_ray.storage.run_folder import RunFolder

HOUR_S = 3600.0


def gpu_seconds(prompt_tokens: float, output_tokens: float, rate: ThroughputRow) -> float:
    """GPU-seconds to prefill and decode these tokens at the table's per-GPU rates (a model
    on N GPUs runs N times as fast and costs the same GPU-seconds)."""
    return prompt_tokens / rate.prefill_tok_s + output_tokens / rate.decode_tok_s


@dataclass(frozen=True)
class Calibration:
    """measured engine GPU-seconds / projected GPU-seconds of a finished run."""

    factor: float
    run_dir: str
    measured_gpu_s: float
    projected_gpu_s: float


def calibrate(run_dir: Path, gpu: str | None, settings: PlanSettings) -> Calibration:
    """The factor of a finished run on the same GPU type: its engines' busy time (times the
    GPUs of each engine) over what the table projects for the tokens it sent and generated."""
    folder = RunFolder(run_dir)
    if not folder.manifest_file.is_file():
        raise ConfigError(f"plan.calibrate={run_dir}: no {folder.manifest_file.name} "
                          "(give a run folder)")
    manifest = folder.load_manifest()
    ran_on = manifest["config"]["cluster"]["accelerator_type"]
    if ran_on != gpu:
        raise ConfigError(f"plan.calibrate={run_dir}: that run used accelerator_type={ran_on}, "
                          f"this plan projects {gpu}: calibrate from a run on the same GPUs")
    models = {m["name"]: ModelSettings(**m) for m in manifest["models"]}
    busy: dict[str, float] = {}
    for attempt in manifest["attempts"]:
        for name, outcome in attempt.get("models", {}).items():
            busy[name] = busy.get(name, 0.0) + float(outcome.get("engine_busy_s") or 0.0)
    rows = load_rows(run_dir)
    measured = projected = 0.0
    for name, model_rows in rows.groupby("model"):
        model = models.get(str(name))
        if model is None or answered_by_rule(model) or not busy.get(str(name)):
            continue  # the baseline has no engine: it is left out
        sent = model_rows[~model_rows["context_overflow"] & model_rows["engine_error"].isna()]
        rate = settings.rate(gpu, model.params_b)
        projected += gpu_seconds(float(sent["prompt_tokens"].sum()),
                                 float(sent["output_tokens"].sum()), rate)
        measured += busy[str(name)] * model.tensor_parallel_size
    if projected <= 0 or measured <= 0:
        raise ConfigError(f"plan.calibrate={run_dir}: no engine time or tokens to calibrate "
                          "from (a run of models with an engine is needed)")
    return Calibration(measured / projected, str(run_dir), measured, projected)
