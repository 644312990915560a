"""Session fixtures for the metrics tests: a tiny local BERT, a tiny UMLS stand-in, and
ScoringSettings pointing at both (loaded as a pytest plugin by tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from clue_ray.demo.bert import build_tiny_bert
from clue_ray.demo.umls_kb import UmlsKbPaths, build_umls_kb
from clue_ray.demo.vocabulary import CONCEPTS, FINDINGS, MEDICATIONS
from clue_ray.metrics.settings import (
    BertScoreSettings,
    RepetitionSettings,
    ScispacySettings,
    ScoringSettings,
)

LOCAL_LINKER = "clue_local_umls"
SCORING_DEFAULTS = Path(__file__).resolve().parents[1] / "conf" / "scoring" / "default.yaml"
TEST_LINKER = LOCAL_LINKER  # older name, kept for importers

GENERAL_ENGLISH = (
    "The quick brown fox jumps over the lazy dog.",
    "She went to the market in the morning and bought bread, milk and apples.",
    "It was raining, so they stayed at home and read a book together.",
    "Please call me tomorrow if you have any questions about the plan.",
    "The results of the study were published last year in a small journal.",
)


def bert_training_texts() -> list[str]:
    """Clinical sentences built from the invented vocabulary plus some general English."""
    texts = list(GENERAL_ENGLISH)
    for i, concept in enumerate(CONCEPTS):
        finding = FINDINGS[i % len(FINDINGS)]
        med = MEDICATIONS[i % len(MEDICATIONS)]
        for alias in (concept.canonical_name, *concept.aliases):
            texts.append(f"The patient was admitted with {alias} and {finding}.")
            texts.append(f"History of {alias}, treated with {med}; discharged home stable.")
        texts.append(f"Diagnosis code {concept.icd10} was assigned for {concept.canonical_name}.")
    return texts


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded tiny BERT (9 layers, hidden 32), WordPiece vocab, no declared max length."""
    return build_tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert", bert_training_texts(),
                           seed=0)


@pytest.fixture(scope="session")
def umls_kb(tmp_path_factory: pytest.TempPathFactory) -> UmlsKbPaths:
    """The entity pipeline and the scispaCy-format knowledge base over CONCEPTS."""
    return build_umls_kb(tmp_path_factory.mktemp("umls"))


@pytest.fixture(scope="session")
def scoring_settings(tiny_bert_dir: Path, umls_kb: UmlsKbPaths) -> ScoringSettings:
    """ScoringSettings over the local artefacts, every metric enabled."""
    return ScoringSettings(
        bertscore=BertScoreSettings(model=str(tiny_bert_dir), num_layers=8, batch_size=8,
                                    max_length=512),
        umls="enabled",
        scispacy=ScispacySettings(spacy_model=str(umls_kb.spacy_model), linker_name=LOCAL_LINKER,
                                  kb_dir=str(umls_kb.kb_dir), batch_size=32),
        repetition=default_repetition(),
    )


def default_repetition() -> RepetitionSettings:
    """The repetition-loop settings of conf/scoring/default.yaml (defined only there)."""
    return RepetitionSettings(**OmegaConf.to_container(OmegaConf.load(SCORING_DEFAULTS).repetition))
