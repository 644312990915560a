"""The settings of `clue-ray plan` (conf/plan.yaml): sampling, stand-in tokenizers, and the
throughput table with its sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from clue_ray.errors import ConfigError
from clue_ray.setting import Setting


@dataclass
class ThroughputRow:
    """Tokens per second per GPU for models of up to `max_params_b` billion parameters."""

    gpu: Annotated[str, Setting("GPU type, as cluster.accelerator_type names it")]
    max_params_b: Annotated[float, Setting("largest model of the row, billions of parameters",
                                           gt=0)]
    prefill_tok_s: Annotated[float, Setting("prompt tokens per second per GPU", gt=0)]
    decode_tok_s: Annotated[float, Setting("output tokens per second per GPU", gt=0)]
    source: Annotated[str, Setting("where the numbers come from")]


@dataclass
class PlanSettings:
    """conf/plan.yaml."""

    sample: Annotated[int, Setting(
        "prompts built per model and task to measure prompt tokens (all, if fewer)", ge=1)]
    calibrate: Annotated[str | None, Setting(
        "a finished run folder on the same GPU type: its engine time rescales the projection")]
    out: Annotated[str | None, Setting("also write the table as CSV here")]
    gpu_hour_usd: Annotated[float, Setting("price of one GPU-hour, US dollars", ge=0)]
    gpu_hour_source: Annotated[str, Setting("where the price comes from")]
    tokenizers: Annotated[dict[str, str], Setting(
        "model name (or glob) -> a stand-in tokenizer folder")] = field(default_factory=dict)
    max_context: Annotated[dict[str, int], Setting(
        "model name (or glob) -> context length, where the config is not readable")
    ] = field(default_factory=dict)
    chat_templates: Annotated[dict[str, str], Setting(
        "model name (or glob) -> a conf/chat_templates/ name, for a stand-in tokenizer")
    ] = field(default_factory=dict)
    throughput: Annotated[list[ThroughputRow], Setting(
        "tokens per second per GPU, by GPU type and model size")] = field(default_factory=list)

    def rate(self, gpu: str | None, params_b: float) -> ThroughputRow:
        """The table row of this GPU type for a model of `params_b` billion parameters."""
        rows = sorted((r for r in self.throughput if r.gpu == gpu), key=lambda r: r.max_params_b)
        for row in rows:
            if params_b <= row.max_params_b:
                return row
        known = sorted({r.gpu for r in self.throughput})
        if not rows:
            raise ConfigError(f"no throughput for GPU type '{gpu}' in conf/plan.yaml (known: "
                              f"{', '.join(known)}); plan with a cluster whose "
                              "accelerator_type has rows, e.g. cluster=a100")
        raise ConfigError(f"no throughput row of {gpu} holds a {params_b:g}B model (largest: "
                          f"{rows[-1].max_params_b:g}B); add one to conf/plan.yaml")
