"""The view in a headless Chromium, as a user works it: choose filters and submit, open a
sample from the list, go to the paired view from the sample and choose another model.
With CLUE_RAY_VIEW_SCREENSHOTS=DIR the sample and the paired view are saved there as
view-sample.png and view-paired.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser
from serve.served import CHROMIUM, call

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary on PATH (chromium, chromium-browser, "
    "google-chrome, headless_shell); tests download nothing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser(str(CHROMIUM))
    yield opened
    opened.close()


def screenshot(browser: Browser, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CLUE_RAY_VIEW_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(folder / name)
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_filter_open_a_sample_then_the_paired_view(viewed, browser, tmp_path):
    browser.open(f"{viewed.url}/")
    assert "samples match" in browser.text("#total")
    browser.act("document.getElementById('model').value = 'test-biomedical';"
                "document.getElementById('task').value = 'mednli';"
                "document.getElementById('submit').click()",
                then="document.querySelector('#samples tbody tr')")
    assert "model=test-biomedical" in browser.location()
    listed = browser.evaluate(
        "[...document.querySelectorAll('#samples tbody tr')].map(r => "
        "[r.cells[0].innerText, r.cells[1].innerText])")
    assert listed and all(cells == ["test-biomedical", "mednli"] for cells in listed)
    total = call(f"{viewed.url}/api/samples?model=test-biomedical&task=mednli").json()["total"]
    assert browser.text("#total") == f"{total:,} samples match"

    first_id = browser.evaluate("document.querySelector('#samples a.sample').innerText")
    browser.act("document.querySelector('#samples a.sample').click()",
                then="document.getElementById('prompt-status')")
    assert "/sample?" in browser.location()
    assert first_id in browser.text("h1")
    assert browser.evaluate("document.getElementById('prompt-status').className") == "same"
    assert browser.text("#prediction") and browser.text("#reference")
    assert "accuracy (headline)" in browser.text("#metrics")
    assert "finish reason" in browser.text("#engine")
    assert browser.text("#prompt")
    screenshot(browser, "view-sample.png", tmp_path)

    browser.act("document.querySelector('#compare a').click()",
                then="document.getElementById('counts')")
    assert "test-biomedical against test-general" in browser.text("h2")
    browser.act("document.getElementById('model').value = 'test-general';"
                "document.getElementById('base').value = 'test-baseline';"
                "document.getElementById('task').value = '';"
                "document.getElementById('submit').click()",
                then="document.querySelector('#pairs tbody tr')")
    assert "test-general against test-baseline" in browser.text("h2")
    counted = browser.evaluate("[...document.querySelectorAll('#counts tbody tr')].map(r => "
                               "r.cells[0].innerText)")
    view = call(f"{viewed.url}/api/paired?model=test-general&base=test-baseline").json()
    assert counted == [c["task"] for c in view["counts"]]
    differences = browser.evaluate("[...document.querySelectorAll('#pairs tbody tr')].map(r => "
                                   "parseFloat(r.cells[5].innerText))")
    assert differences == sorted(differences) and differences[0] < 0
    screenshot(browser, "view-paired.png", tmp_path)
