"""A tiny UMLS stand-in: a spaCy pipeline that marks the vocabulary's concept mentions as
entities (the role en_core_sci_sm's NER plays) and a scispaCy-format knowledge base with the
TF-IDF vectorizer, vectors and nmslib index laid out as scispaCy's `LinkerPaths` expects,
built directly (scispaCy's own index builder refuses on current scipy)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clue_ray.demo.vocabulary import CONCEPTS, Concept

# Mentions the NER finds but the knowledge base does not know (no candidate: no entity).
UNKNOWN_MENTIONS = ("zorbic syndrome", "glimmer fever")


@dataclass(frozen=True)
class UmlsKbPaths:
    """Where the pipeline and the knowledge base were written."""

    spacy_model: Path
    kb_dir: Path


def build_spacy_model(out_dir: Path, concepts: Sequence[Concept]) -> Path:
    """Blank English + an entity ruler over the aliases (case-insensitive), saved to disk."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    phrases = [a for c in concepts for a in (c.canonical_name, *c.aliases)]
    ruler.add_patterns([{"label": "ENTITY", "pattern": p} for p in (*phrases,
                                                                     *UNKNOWN_MENTIONS)])
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    return Path(out_dir)


def build_kb(out_dir: Path, concepts: Sequence[Concept]) -> Path:
    """kb.jsonl plus nmslib_index.bin, tfidf_vectorizer.joblib, tfidf_vectors_sparse.npz and
    concept_aliases.json (char 3-gram TF-IDF over every alias, as scispaCy builds them)."""
    import joblib
    import nmslib
    import numpy
    import scipy.sparse
    from scispacy.linking_utils import KnowledgeBase
    from sklearn.feature_extraction.text import TfidfVectorizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "kb.jsonl", "w", encoding="utf-8") as handle:
        for c in concepts:
            handle.write(json.dumps({
                "concept_id": c.cui, "canonical_name": c.canonical_name,
                "aliases": list(c.aliases), "types": ["T047"],
                "definition": f"{c.canonical_name} (invented definition for tests).",
            }) + "\n")
    aliases = list(KnowledgeBase(str(out_dir / "kb.jsonl")).alias_to_cuis)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1,
                                 dtype=numpy.float32)
    vectors = vectorizer.fit_transform(aliases).astype(numpy.float32)
    joblib.dump(vectorizer, out_dir / "tfidf_vectorizer.joblib")
    scipy.sparse.save_npz(out_dir / "tfidf_vectors_sparse.npz", vectors)
    (out_dir / "concept_aliases.json").write_text(json.dumps(aliases), encoding="utf-8")
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse",
                        data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex({"M": 16, "efConstruction": 200, "post": 0}, print_progress=False)
    index.saveIndex(str(out_dir / "nmslib_index.bin"))
    return out_dir


def build_umls_kb(out_dir: Path, concepts: Sequence[Concept] = CONCEPTS) -> UmlsKbPaths:
    """The pipeline under `spacy_model/`, the knowledge base under `kb/`."""
    out_dir = Path(out_dir)
    return UmlsKbPaths(spacy_model=build_spacy_model(out_dir / "spacy_model", concepts),
                       kb_dir=build_kb(out_dir / "kb", concepts))
