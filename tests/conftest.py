"""Shared test setup: offline Hugging Face, explicit Ray auth, locally built artefacts."""

from __future__ import annotations

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Session-scoped builders of local artefacts, one plugin module per family.
pytest_plugins = ["fixtures_demo", "fixtures_metrics", "fixtures_run", "fixtures_vllm"]


# Session fixtures that each run a whole sweep, heaviest first.
SHARED_SWEEPS = ("vllm_killed_run", "simulated_sweep")


def shared_sweep(item: pytest.Item) -> str | None:
    """The shared sweep a test reads, if any."""
    names = getattr(item, "fixturenames", ())
    return next((name for name in SHARED_SWEEPS if name in names), None)


def pytest_itemcollected(item: pytest.Item) -> None:
    """The test's xdist group (`make test` runs `pytest -n 2 --dist loadgroup`), one worker's
    unit of work: the shared sweep it reads, so that sweep runs once, else its module, so a
    module-scoped fixture (a server, a Ray head) starts once. Marked as the test is
    collected: xdist reads the groups in its own pytest_collection_modifyitems."""
    group = shared_sweep(item) or item.nodeid.split("::")[0]
    item.add_marker(pytest.mark.xdist_group(group))


def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Under `--dist loadgroup` the tests' groups must reach the scheduler (xdist appends
    them to the node ids); a pytest on which that silently fails (9.2 with xdist 3.8) would
    run every shared sweep once per worker. Checked on the controller, for each worker."""
    options = getattr(getattr(node, "config", None), "option", None)
    if getattr(options, "dist", None) == "loadgroup" and ids and "@" not in ids[0]:
        raise pytest.UsageError("pytest-xdist does not group tests on this pytest (pytest-xdist "
                                "issue 1386): install pytest<9.2 (requirements/constraints.txt)")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests reading a shared sweep first, heaviest sweep first (under xdist, with
    --no-loadscope-reorder, the longest units start first and the short ones fill in). Then
    the tests that need no Ray running when they start (`ray_shutdown`: they start their
    own, or check that none was started), before any other test starts the shared 2-CPU
    Ray; otherwise each of them stops it and the next in-process sweep pays its start again
    (about 6 s of two busy cores a time). The order is otherwise kept."""
    def rank(item: pytest.Item) -> int:
        sweep = shared_sweep(item)
        if sweep is not None:
            return SHARED_SWEEPS.index(sweep)
        return len(SHARED_SWEEPS) + ("ray_shutdown" not in getattr(item, "fixturenames", ()))

    items.sort(key=rank)
