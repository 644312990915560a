"""`clue-ray serve model=NAME` refuses what it cannot serve safely, before Ray starts."""

from __future__ import annotations

import pytest

from clue_ray.cli import main


@pytest.mark.parametrize(("overrides", "message"), [
    (["model=demo-general", "host=0.0.0.0"], "host=0.0.0.0: a served model listens on loopback"),
    (["model=baseline"], "the rule-based baseline: nothing to serve"),
    (["model=nope"], "nope"),
])
def test_serve_model_refuses_in_one_line(overrides, message, capsys):
    assert main(["serve", *overrides]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
