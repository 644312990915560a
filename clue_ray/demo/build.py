"""Build every local artefact the demo experiment points at (skipping what exists)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from clue_ray.demo.bert import build_tiny_bert
from clue_ray.demo.corpus import tokenizer_training_text
from clue_ray.demo.datasets import (
    DatasetSizes,
    dataset_paths,
    synthetic_records,
    write_datasets,
)
from clue_ray.demo.models import build_causal_lm, derive_model
from clue_ray.demo.tokenizer import build_tokenizer
from clue_ray.demo.training import teach_answer_formats
from clue_ray.demo.umls_kb import build_kb, build_spacy_model
from clue_ray.demo.vocabulary import CONCEPTS
from clue_ray.engines.baseline import answered_by_rule
from clue_ray.models import ModelSettings

DEMO_HUB_PREFIX = "clue-ray/"  # hf_id of models that exist only as locally built artefacts
REVISION_STAMP = "clue_ray_revision.txt"  # the registry revision a demo model was built as
DATA_STAMP = ".records-sha256"  # digest of the synthetic records a data folder holds


def _say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


def ensure_models(models: Sequence[ModelSettings]) -> None:
    """Build the demo models (general first, then those derived from it). A model folder is
    current when its stamp names the registry's `revision`: bump the revision in
    conf/model/demo-*.yaml when the recipe here changes, and the models are rebuilt (and,
    since the run id covers the revision, the demo runs again)."""
    by_name = {m.name: m for m in models}
    local = [m for m in models
             if not answered_by_rule(m) and m.hf_id.startswith(DEMO_HUB_PREFIX) and m.path]
    for model in sorted(local, key=lambda m: m.base_model is not None):
        target = Path(model.path or "")
        if _built_revision(target) == model.revision:
            continue
        base = by_name.get(model.base_model or "")
        if base is not None and base.path:
            _say(f"deriving {model.name} from {base.name} -> {target}")
            shutil.rmtree(target, ignore_errors=True)
            derive_model(Path(base.path), target, seed=len(model.name))
        else:
            _build_general(model, target)
        (target / REVISION_STAMP).write_text(model.revision + "\n", encoding="utf-8")


def _built_revision(target: Path) -> str | None:
    stamp = target / REVISION_STAMP
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None


def _build_general(model: ModelSettings, target: Path) -> None:
    """Tokenizer, random weights, then the answer-format fine-tune; moved into place last."""
    _say(f"building {model.name} (tokenizer trained on fixture text) -> {target}")
    with tempfile.TemporaryDirectory() as tmp:
        build_tokenizer(Path(tmp) / "tokenizer")
        build_causal_lm(Path(tmp) / "model", Path(tmp) / "tokenizer", seed=0)
        teach_answer_formats(Path(tmp) / "model")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(Path(tmp) / "model", target)


def ensure_bert(path: Path) -> None:
    """The tiny BERT for BERTScore."""
    if not (path / "config.json").is_file():
        _say(f"building the tiny BERT -> {path}")
        build_tiny_bert(path, tokenizer_training_text())


def ensure_umls(spacy_model: Path, kb_dir: Path) -> None:
    """The entity pipeline and the tiny UMLS knowledge base."""
    if not (spacy_model / "config.cfg").is_file():
        _say(f"building the entity pipeline -> {spacy_model}")
        build_spacy_model(spacy_model, CONCEPTS)
    if not (kb_dir / "nmslib_index.bin").is_file():
        _say(f"building the UMLS knowledge base -> {kb_dir}")
        build_kb(kb_dir, CONCEPTS)


def ensure_data(data_dir: Path) -> None:
    """Synthetic data in the six official formats, rewritten when the generator's records
    differ from those the folder was written from (an older checkout's data is not kept)."""
    digest = records_digest()
    stamp = data_dir / DATA_STAMP
    if (all(p.is_file() for p in dataset_paths(data_dir).values()) and stamp.is_file()
            and stamp.read_text(encoding="utf-8").strip() == digest):
        return
    _say(f"writing synthetic data in the official formats -> {data_dir}")
    with tempfile.TemporaryDirectory(dir=data_dir.parent if data_dir.parent.exists() else None
                                     ) as tmp:
        write_datasets(Path(tmp), DatasetSizes.demo())
        data_dir.mkdir(parents=True, exist_ok=True)
        for path in Path(tmp).iterdir():
            os.replace(path, data_dir / path.name)
    stamp.write_text(digest + "\n", encoding="utf-8")


def records_digest() -> str:
    """SHA-256 of the demo's synthetic records (deterministic in the generator and seed)."""
    text = json.dumps(synthetic_records(DatasetSizes.demo()), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
