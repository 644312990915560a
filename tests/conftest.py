"""Shared test setup: offline Hugging Face, explicit Ray auth, locally built artefacts."""

from __future__ import annotations

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Session-scoped builders of local artefacts, one plugin module per family.
pytest_plugins = ["fixtures_demo", "fixtures_metrics", "fixtures_run", "fixtures_vllm"]


# Session fixtures that each run a whole sweep: under xdist (`make test` runs
# `pytest -n 2 --dist loadgroup`) the tests that read one share a worker, so it runs once.
SHARED_SWEEPS = ("vllm_killed_run", "simulated_sweep")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need no Ray running when they start (`ray_shutdown`: they start their own,
    or check that none was started) run first, before any test starts the shared 2-CPU Ray;
    otherwise each of them stops it and the next in-process sweep pays its start again
    (about 6 s of two busy cores a time). The order is otherwise kept. Each test reading a
    shared sweep joins that sweep's xdist group."""
    items.sort(key=lambda item: "ray_shutdown" not in getattr(item, "fixturenames", ()))
    for item in items:
        shared = [name for name in SHARED_SWEEPS if name in getattr(item, "fixturenames", ())]
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))
