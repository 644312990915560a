"""A tiny UMLS stand-in: a spaCy pipeline that marks the vocabulary's concept mentions as
entities (the role en_core_sci_sm's NER plays) and a scispaCy-format knowledge base with the
TF-IDF vectorizer, vectors and nmslib index laid out as scispaCy's `LinkerPaths` expects.

The index is built directly, the way `scispacy.candidate_generation.create_tfidf_ann_index`
builds it (char_wb 3-gram TF-IDF, HNSW over cosine on sparse vectors), because that function
refuses to run on scipy >= 1.11. Differences: `min_df=1` (a dozen concepts cannot meet
scispaCy's 10) and float32 vectors on disk (scispaCy's loader casts to float32 anyway)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clue_ray.demo.vocabulary import CONCEPTS, Concept

# Mentions the NER finds but the knowledge base does not know (no candidate: no entity).
UNKNOWN_MENTIONS = ("zorbic syndrome", "glimmer fever")
# Abbreviations the NER finds that no alias resembles: they link nothing, even where the text
# defines them ("hypertension (HTN)"), since no abbreviation detector runs (as the reference).
ABBREVIATION_MENTIONS = ("HTN", "DM")
ENTITY_LABEL = "ENTITY"  # en_core_sci_sm's single entity label
SEMANTIC_TYPE = "T047"  # Disease or Syndrome
# nmslib HNSW parameters of scispaCy's own index builder (single thread: reproducible).
INDEX_PARAMS = {"M": 100, "indexThreadQty": 1, "efConstruction": 2000, "post": 0}


@dataclass(frozen=True)
class UmlsKbPaths:
    """Where the pipeline and the knowledge base were written."""

    spacy_model: Path
    kb_dir: Path


def build_spacy_model(out_dir: Path, concepts: Sequence[Concept] = CONCEPTS) -> Path:
    """Blank English + an entity ruler over the aliases (matched on LOWER), saved to disk."""
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    if not isinstance(ruler, EntityRuler):  # add_pipe is typed as any pipe
        raise TypeError(f"spaCy's entity_ruler is a {type(ruler).__name__}, not an EntityRuler")
    phrases = dict.fromkeys(a for c in concepts for a in (c.canonical_name, *c.aliases))
    phrases.update(dict.fromkeys((*UNKNOWN_MENTIONS, *ABBREVIATION_MENTIONS)))
    ruler.add_patterns([{"label": ENTITY_LABEL, "pattern": p} for p in phrases])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    return out_dir


def concept_aliases(concepts: Sequence[Concept]) -> list[str]:
    """Every alias string once, canonical names included, in concept order (scispaCy's
    `KnowledgeBase.alias_to_cuis` keys, but in a reproducible order)."""
    return list(dict.fromkeys(a for c in concepts for a in (c.canonical_name, *c.aliases)))


def write_kb_jsonl(path: Path, concepts: Sequence[Concept]) -> None:
    """One scispaCy `Entity` per line (every concept has a definition)."""
    with open(path, "w", encoding="utf-8") as handle:
        for c in concepts:
            handle.write(json.dumps({
                "concept_id": c.cui, "canonical_name": c.canonical_name,
                "aliases": list(c.aliases), "types": [SEMANTIC_TYPE],
                "definition": f"{c.canonical_name} (invented definition for tests).",
            }) + "\n")


def build_kb(out_dir: Path, concepts: Sequence[Concept] = CONCEPTS) -> Path:
    """kb.jsonl plus nmslib_index.bin, tfidf_vectorizer.joblib, tfidf_vectors_sparse.npz and
    concept_aliases.json (char 3-gram TF-IDF over every alias, as scispaCy builds them)."""
    import joblib
    import nmslib
    import numpy
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_kb_jsonl(out_dir / "kb.jsonl", concepts)
    aliases = concept_aliases(concepts)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1,
                                 dtype=numpy.float32)
    vectors = vectorizer.fit_transform(aliases).astype(numpy.float32)
    keep = numpy.asarray(vectors.sum(axis=1) != 0).reshape(-1)  # nmslib crashes on zeros
    aliases = [alias for alias, kept in zip(aliases, keep, strict=True) if kept]
    vectors = vectors[keep]
    joblib.dump(vectorizer, out_dir / "tfidf_vectorizer.joblib")
    scipy.sparse.save_npz(out_dir / "tfidf_vectors_sparse.npz", vectors)
    (out_dir / "concept_aliases.json").write_text(json.dumps(aliases), encoding="utf-8")
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse",
                        data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex(INDEX_PARAMS, print_progress=False)
    index.saveIndex(str(out_dir / "nmslib_index.bin"))
    return out_dir


def build_umls_kb(out_dir: Path, concepts: Sequence[Concept] = CONCEPTS) -> UmlsKbPaths:
    """The pipeline under `spacy_model/`, the knowledge base under `kb/`."""
    out_dir = Path(out_dir)
    return UmlsKbPaths(spacy_model=build_spacy_model(out_dir / "spacy_model", concepts),
                       kb_dir=build_kb(out_dir / "kb", concepts))
