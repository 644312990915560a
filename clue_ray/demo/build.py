"""Build every local artefact the demo experiment points at (skipping what exists)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from clue_ray.demo.bert import build_tiny_bert
from clue_ray.demo.corpus import tokenizer_training_text
from clue_ray.demo.datasets import DatasetSizes, dataset_paths, write_datasets
from clue_ray.demo.models import build_causal_lm, derive_model
from clue_ray.demo.tokenizer import build_tokenizer
from clue_ray.demo.training import teach_answer_formats
from clue_ray.demo.umls_kb import build_kb, build_spacy_model
from clue_ray.demo.vocabulary import CONCEPTS
from clue_ray.models import ModelSettings

DEMO_HUB_PREFIX = "clue-ray/"  # hf_id of models that exist only as locally built artefacts


def _say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


def ensure_models(models: Sequence[ModelSettings]) -> None:
    """Build the demo models (general first, then those derived from it)."""
    by_name = {m.name: m for m in models}
    local = [m for m in models if m.hf_id.startswith(DEMO_HUB_PREFIX) and m.path]
    for model in sorted(local, key=lambda m: m.base_model is not None):
        target = Path(model.path or "")
        if (target / "config.json").is_file():
            continue
        base = by_name.get(model.base_model or "")
        if base is not None and base.path:
            _say(f"deriving {model.name} from {base.name} -> {target}")
            derive_model(Path(base.path), target, seed=len(model.name))
            continue
        _say(f"building {model.name} (tokenizer trained on fixture text) -> {target}")
        with tempfile.TemporaryDirectory() as tmp:
            build_tokenizer(Path(tmp) / "tokenizer")
            build_causal_lm(Path(tmp) / "model", Path(tmp) / "tokenizer", seed=0)
            teach_answer_formats(Path(tmp) / "model")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)  # a partial folder has no config.json
            shutil.move(Path(tmp) / "model", target)  # in place only once trained


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
    """Synthetic data in the six official formats."""
    if all(p.is_file() for p in dataset_paths(data_dir).values()):
        return
    _say(f"writing synthetic data in the official formats -> {data_dir}")
    with tempfile.TemporaryDirectory(dir=data_dir.parent if data_dir.parent.exists() else None
                                     ) as tmp:
        write_datasets(Path(tmp), DatasetSizes.demo())
        data_dir.mkdir(parents=True, exist_ok=True)
        for path in Path(tmp).iterdir():
            shutil.move(str(path), data_dir / path.name)
