"""Session-scoped, locally built demo artefacts: tiny tokenizers, a tiny Llama model and the
synthetic datasets in the official formats (loaded as a pytest plugin by conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clue_ray.demo.datasets import write_datasets
from clue_ray.demo.models import build_causal_lm
from clue_ray.demo.tokenizer import build_tokenizer


@pytest.fixture(scope="session")
def tiny_tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Llama-3-like chat template, one BOS from encode, 16,384-token limit."""
    return build_tokenizer(tmp_path_factory.mktemp("tok") / "llama3", style="llama3")


@pytest.fixture(scope="session")
def nosystem_tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same vocabulary; a Mistral-like template that raises on the system role."""
    return build_tokenizer(tmp_path_factory.mktemp("tok") / "nosystem", style="nosystem")


@pytest.fixture(scope="session")
def notemplate_tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same vocabulary; no chat template at all."""
    return build_tokenizer(tmp_path_factory.mktemp("tok") / "none", style="none")


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory: pytest.TempPathFactory, tiny_tokenizer_dir: Path) -> Path:
    """A tiny random-weight LlamaForCausalLM (seed 0) saved with the llama3 tokenizer."""
    return build_causal_lm(tmp_path_factory.mktemp("lm") / "general", tiny_tokenizer_dir, seed=0)


@pytest.fixture(scope="session")
def synthetic_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six official files at the default (small) sizes, seed 0; returns the directory."""
    directory = tmp_path_factory.mktemp("data")
    write_datasets(directory)
    return directory
