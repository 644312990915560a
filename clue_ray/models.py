"""The model registry entry (conf/model/<name>.yaml) as a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from clue_ray.setting import Setting


class ModelKind(StrEnum):
    """What a model is in the study: the report pairs each biomedical model with its base."""

    general = "general"
    biomedical = "biomedical"
    baseline = "baseline"


@dataclass
class ModelSettings:
    """One model of the study (or of the demo): conf/model/<name>.yaml."""

    name: Annotated[str, Setting("the entry's name, that of its file")]
    hf_id: Annotated[str, Setting("Hugging Face id (the real loading path)")]
    revision: Annotated[str, Setting("the hub revision (commit) loaded")]
    kind: Annotated[ModelKind, Setting("general, biomedical or baseline")]
    base_model: Annotated[str | None, Setting(
        "the general model a biomedical one was trained from (the report pairs them)")]
    params_b: Annotated[float, Setting("total parameters, billions (0: the baseline)", ge=0)]
    tensor_parallel_size: Annotated[int, Setting("GPUs (or workers) one replica spans", ge=1)]
    instruction_tuned: Annotated[bool, Setting(
        "whether it was instruction-tuned (a fact of the study's table)")]
    system_role: Annotated[bool, Setting(
        "its chat template takes a system turn (false: folded into the first user turn)")]
    chat_template: Annotated[str | None, Setting(
        "a conf/chat_templates/ name, for models without their own template")]
    max_context: Annotated[int | None, Setting(
        "context length, overriding the one read from the model's config", ge=1)]
    path: Annotated[str | None, Setting("a local folder loaded instead of hf_id")] = None

    @property
    def source(self) -> str:
        """Where weights and tokenizer load from: the local path, else the hub id."""
        return self.path or self.hf_id
