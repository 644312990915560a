"""The model registry entry (conf/model/<name>.yaml) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ModelKind(StrEnum):
    """What a model is in the study: the report pairs each biomedical model with its base."""

    general = "general"
    biomedical = "biomedical"
    baseline = "baseline"


@dataclass
class ModelSettings:
    """One model of the study (or of the demo).

    hf_id: Hugging Face id (the real loading path); path: a local directory used instead.
    chat_template: a template name under conf/chat_templates/ for models without their own.
    max_context: overrides the context length read from the model's own config at run time.
    """

    name: str
    hf_id: str
    revision: str
    kind: ModelKind
    base_model: str | None
    params_b: float
    tensor_parallel_size: int
    instruction_tuned: bool
    system_role: bool
    chat_template: str | None
    max_context: int | None
    path: str | None = None

    @property
    def source(self) -> str:
        """Where weights and tokenizer load from: the local path, else the hub id."""
        return self.path or self.hf_id
