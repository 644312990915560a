"""UMLS entity P/R/F1 with scispaCy: `en_core_sci_sm` + `scispacy_linker` (UMLS,
resolve_abbreviations, default threshold), as the reference does. Like the reference, no
abbreviation detector runs, so `resolve_abbreviations` has no effect: an abbreviation is
linked by its own text, never through a long form defined in the text.

A local knowledge base (`kb_dir`: kb.jsonl plus the TF-IDF vectorizer, vectors and nmslib
index that scispaCy's `LinkerPaths` expects) is registered under `linker_name` in scispaCy's
own tables (`DEFAULT_PATHS`, `DEFAULT_KNOWLEDGE_BASES`), so the real linker factory loads it
from disk without any download.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clue_ray.errors import ConfigError
from clue_ray.metrics.prf import set_prf
from clue_ray.metrics.settings import ScispacySettings

KB_FILE = "kb.jsonl"
INDEX_FILES = ("nmslib_index.bin", "tfidf_vectorizer.joblib", "tfidf_vectors_sparse.npz",
               "concept_aliases.json")
SCISPACY_MODEL_URL = (
    "https://s3-us-west-2.amazonaws.com/ai2-s2-scispacy/releases/v0.5.4/en_core_sci_sm-0.5.4.tar.gz"
)
MODEL_HINT = (
    f"install en_core_sci_sm from the scispaCy releases (pip install {SCISPACY_MODEL_URL}), "
    "or set scoring.scispacy.spacy_model=DIR to a local pipeline, or scoring.umls=disabled"
)
KB_HINT = "set scoring.scispacy.kb_dir=DIR to a local knowledge base, or scoring.umls=disabled"


def check_kb_dir(kb_dir: Path) -> None:
    """A local knowledge base folder holds every file the linker reads."""
    if not kb_dir.is_dir():
        raise ConfigError(f"UMLS knowledge base dir {kb_dir} does not exist ({KB_HINT})")
    missing = [f for f in (KB_FILE, *INDEX_FILES) if not (kb_dir / f).is_file()]
    if missing:
        raise ConfigError(
            f"UMLS knowledge base dir {kb_dir} lacks {', '.join(missing)} ({KB_HINT})"
        )


def check_pipeline(spacy_model: str) -> None:
    """The spaCy pipeline exists: a local pipeline folder, or an installed package."""
    import importlib.util

    local = Path(spacy_model)
    if local.is_dir() and (local / "config.cfg").is_file():
        return
    if not local.exists() and importlib.util.find_spec(spacy_model.replace("-", "_")):
        return
    raise ConfigError(f"scoring.scispacy.spacy_model={spacy_model} is neither a spaCy pipeline "
                      f"folder nor an installed package: {MODEL_HINT}")


def register_local_kb(name: str, kb_dir: Path) -> None:
    """Make `linker_name=name` resolve to a local knowledge base directory."""
    from scispacy import candidate_generation
    from scispacy.linking_utils import KnowledgeBase

    check_kb_dir(kb_dir)
    candidate_generation.DEFAULT_PATHS[name] = candidate_generation.LinkerPaths.from_directory(
        str(kb_dir)
    )
    candidate_generation.DEFAULT_KNOWLEDGE_BASES[name] = functools.partial(
        KnowledgeBase, file_path=str(kb_dir / KB_FILE)
    )


def load_pipeline(settings: ScispacySettings) -> Any:
    """spaCy pipeline with the UMLS linker (no abbreviation detector, as the reference)."""
    import scispacy.linking  # noqa: F401  registers "scispacy_linker"
    import spacy

    if settings.kb_dir is not None:
        register_local_kb(settings.linker_name, Path(settings.kb_dir))
    try:
        nlp = spacy.load(settings.spacy_model)
    except OSError:
        raise ConfigError(
            f"cannot load the scispaCy pipeline '{settings.spacy_model}': {MODEL_HINT}"
        ) from None
    try:
        nlp.add_pipe("scispacy_linker", config={"resolve_abbreviations": True,
                                                "linker_name": settings.linker_name})
    except (OSError, ConnectionError) as err:
        raise ConfigError(
            f"cannot load the '{settings.linker_name}' linker data ({type(err).__name__}; "
            f"scispaCy downloads it unless a local copy is given): {KB_HINT}"
        ) from None
    return nlp


def set_scores(predicted: set[str], reference: set[str]) -> dict[str, float]:
    """P = |pred & ref| / |pred|, R = |pred & ref| / |ref| (0 for an empty set), F1."""
    precision, recall, f1 = set_prf(predicted, reference)
    return {"umls_p": precision, "umls_r": recall, "umls_f1": f1}


class UmlsScorer:
    """Holds one scispaCy pipeline; scores batches with `nlp.pipe`."""

    def __init__(self, settings: ScispacySettings) -> None:
        self.settings = settings
        self.nlp = load_pipeline(settings)
        self.kb = self.nlp.get_pipe("scispacy_linker").kb

    def entity_sets(self, texts: Sequence[str]) -> list[set[str]]:
        """Per text: canonical names of the top candidate of every entity with a candidate."""
        return [
            {self.kb.cui_to_entity[ent._.kb_ents[0][0]].canonical_name
             for ent in doc.ents if ent._.kb_ents}
            for doc in self.nlp.pipe(texts, batch_size=self.settings.batch_size)
        ]

    def score(self, predictions: Sequence[str], references: Sequence[str]
              ) -> list[dict[str, float]]:
        """Per-sample `umls_p`, `umls_r`, `umls_f1` (one `nlp.pipe` over both sides)."""
        if len(predictions) != len(references):
            raise ValueError("predictions and references differ in length")
        sets = self.entity_sets([*predictions, *references])
        n = len(predictions)
        return [set_scores(sets[i], sets[n + i]) for i in range(n)]
