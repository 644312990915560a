"""Typed scoring settings. Values come from conf/scoring/ (no defaults live here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from clue_ray.setting import Setting

# Raised whenever scoring code (not settings) changes a score or a flag, so that scores made
# before and after never share a scoring id. 2: UMLS without the abbreviation detector.
SCORER_REVISION = 2


class UmlsMode(StrEnum):
    """Whether the UMLS metrics are computed ("disabled": they are absent, not zero)."""

    enabled = "enabled"
    disabled = "disabled"


@dataclass
class BertScoreSettings:
    """BERTScore (conf/scoring/, `scoring.bertscore`)."""

    model: Annotated[str, Setting("model name or local folder (the reference: SciBERT)")]
    num_layers: Annotated[int, Setting("the layer whose embeddings are compared", ge=1)]
    batch_size: Annotated[int, Setting("sentence pairs per model call", ge=1)]
    max_length: Annotated[int, Setting(
        "tokens per side, [CLS] and [SEP] included; longer texts are cut", ge=2)]


@dataclass
class ScispacySettings:
    """The scispaCy pipeline and UMLS linker used for the UMLS metrics."""

    spacy_model: Annotated[str, Setting(
        "a package name (en_core_sci_sm) or a local pipeline folder")]
    linker_name: Annotated[str, Setting("the scispaCy knowledge base name (umls)")]
    kb_dir: Annotated[str | None, Setting(
        "a local knowledge base folder (kb.jsonl and its index) registered as linker_name")]
    batch_size: Annotated[int, Setting("texts per spaCy pipe batch", ge=1)]


@dataclass
class RepetitionSettings:
    """The `repetition_loop` failure flag: an n-gram of words (n <= max_ngram) repeated back
    to back at least `min_repeats` times over at least `min_run_words` words."""

    max_ngram: Annotated[int, Setting("longest repeated n-gram looked for, in words", ge=1)]
    min_repeats: Annotated[int, Setting("back-to-back repeats that make a loop", ge=2)]
    min_run_words: Annotated[int, Setting("words the repeats cover, at least", ge=1)]


@dataclass
class ScoringSettings:
    """All scoring settings."""

    bertscore: Annotated[BertScoreSettings, Setting("BERTScore")]
    umls: Annotated[UmlsMode, Setting(
        "enabled, or disabled: the UMLS metrics are then absent (not zero)")]
    scispacy: Annotated[ScispacySettings, Setting("the scispaCy pipeline of the UMLS metrics")]
    repetition: Annotated[RepetitionSettings, Setting(
        "the repetition_loop failure flag (not a metric)")]
