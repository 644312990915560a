"""Typed scoring settings. Values come from conf/scoring/ (no defaults live here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Raised whenever scoring code (not settings) changes a score or a flag, so that scores made
# before and after never share a scoring id. 2: UMLS without the abbreviation detector.
SCORER_REVISION = 2


class UmlsMode(StrEnum):
    """Whether the UMLS metrics are computed ("disabled": they are absent, not zero)."""

    enabled = "enabled"
    disabled = "disabled"


@dataclass
class BertScoreSettings:
    """BERTScore: model name or local path, layer, batch size and the token cap."""

    model: str
    num_layers: int
    batch_size: int
    max_length: int


@dataclass
class ScispacySettings:
    """The scispaCy pipeline and UMLS linker used for the UMLS metrics.

    `spacy_model` is a package name (en_core_sci_sm) or a local pipeline directory.
    `linker_name` is a scispaCy knowledge base name ("umls"); `kb_dir`, when set, is a local
    knowledge base directory (kb.jsonl + TF-IDF/nmslib index) registered under `linker_name`.
    """

    spacy_model: str
    linker_name: str
    kb_dir: str | None
    batch_size: int


@dataclass
class RepetitionSettings:
    """The `repetition_loop` failure flag: an n-gram of words (n <= max_ngram) repeated back
    to back at least `min_repeats` times over at least `min_run_words` words."""

    max_ngram: int
    min_repeats: int
    min_run_words: int


@dataclass
class ScoringSettings:
    """All scoring settings."""

    bertscore: BertScoreSettings
    umls: UmlsMode
    scispacy: ScispacySettings
    repetition: RepetitionSettings
