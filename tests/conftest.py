"""Shared test setup: offline Hugging Face, explicit Ray auth, locally built artefacts."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Session-scoped builders of local artefacts, one plugin module per family.
pytest_plugins = ["fixtures_demo", "fixtures_metrics", "fixtures_run", "fixtures_vllm"]
