"""`clue-ray serve model=NAME` refuses what it cannot serve safely, before Ray starts: beyond
loopback only with a bearer token (the scoring service's rule and messages)."""

from __future__ import annotations

import pytest

from clue_ray.cli import main
from clue_ray.errors import ConfigError
from clue_ray.serve.model_app import serve_settings

UNSAFE = ("host=0.0.0.0 is reachable from other machines: set a bearer token in the "
          "environment variable CLUE_RAY_SERVE_TOKEN (or token=...), or serve on host=127.0.0.1")


@pytest.mark.parametrize(("overrides", "message"), [
    (["model=demo-general", "host=0.0.0.0"], UNSAFE),
    (["model=demo-general", "route_prefix=model"], "route_prefix must start with '/'"),
    (["model=baseline"], "the rule-based baseline: nothing to serve"),
    (["model=nope"], "nope"),
    (["model=demo-general", "target_ongoing_requests=0"],
     "target_ongoing_requests must be 1 or more, got 0"),
    (["model=demo-general", "port=0"], "port must be 1 to 65535, got 0"),
    (["model=demo-general", "max_ongoing_requests=8", "target_ongoing_requests=9"],
     "target_ongoing_requests must be 1-8 (max_ongoing_requests), got 9"),
])
def test_serve_model_refuses_in_one_line(overrides, message, capsys, monkeypatch):
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    assert main(["serve", *overrides]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_token_from_config_or_environment_opens_other_hosts(monkeypatch):
    monkeypatch.delenv("CLUE_RAY_SERVE_TOKEN", raising=False)
    assert serve_settings(["model=demo-general"]).token is None  # loopback: no token needed
    given = serve_settings(["model=demo-general", "host=0.0.0.0", "token=from-config"])
    assert given.token == "from-config" and given.base_url == "http://127.0.0.1:8000/v1"
    digits = serve_settings(["model=demo-general", "host=0.0.0.0", "token=123"])
    assert digits.token == "123"  # Hydra reads token=123 as an int; the token is its text
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "from-env")
    settings = serve_settings(["model=demo-general", "host=0.0.0.0", "route_prefix=/model"])
    assert settings.token == "from-env"
    assert settings.base_url == "http://127.0.0.1:8000/model/v1"
    monkeypatch.setenv("MY_TOKEN", "mine")
    assert serve_settings(["model=demo-general", "token_env=MY_TOKEN"]).token == "mine"
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "")
    with pytest.raises(ConfigError, match="host=10.0.0.5 is reachable"):
        serve_settings(["model=demo-general", "host=10.0.0.5"])
    monkeypatch.setenv("CLUE_RAY_SERVE_TOKEN", "  ")
    with pytest.raises(ConfigError, match="token is blank"):
        serve_settings(["model=demo-general"])
