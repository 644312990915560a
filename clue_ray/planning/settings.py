"""The settings of `clue-ray plan` (conf/plan.yaml): sampling, stand-in tokenizers, and the
throughput table with its sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from clue_ray.errors import ConfigError


@dataclass
class ThroughputRow:
    """Tokens per second per GPU for models of up to `max_params_b` billion parameters."""

    gpu: str
    max_params_b: float
    prefill_tok_s: float
    decode_tok_s: float
    source: str


@dataclass
class PlanSettings:
    """conf/plan.yaml."""

    sample: int
    calibrate: str | None
    out: str | None
    gpu_hour_usd: float
    gpu_hour_source: str
    tokenizers: dict[str, str] = field(default_factory=dict)
    max_context: dict[str, int] = field(default_factory=dict)
    chat_templates: dict[str, str] = field(default_factory=dict)
    throughput: list[ThroughputRow] = field(default_factory=list)

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
