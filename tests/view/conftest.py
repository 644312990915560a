"""One `clue-ray view` of the shared simulated sweep (three models, all six tasks, real
shards), with the sweep's own data for the prompts, for every test of the view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from viewed import View, start_view

PAGE_ROWS = 20


@pytest.fixture(scope="session")
def viewed(simulated_sweep, conf_with_test_models) -> Iterator[View]:
    view = start_view([f"results={simulated_sweep.output_dir}",
                       f"data_dir={simulated_sweep.data_dir}", f"page_rows={PAGE_ROWS}"],
                      conf_with_test_models)
    assert view.url  # the folder is read and the server listens
    yield view
    assert view.stop() == 0
