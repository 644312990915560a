"""The configuration reference is the one `make docs` generates from the settings'
declarations and conf/, and it lists every field of every settings type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_settings_declared import settings_types

from clue_ray.config_reference import render
from clue_ray.setting import declared

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference() -> str:
    return render()


def test_the_configuration_reference_is_current(reference):
    committed = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference, (
        "docs/configuration.md is not what the settings' declarations and conf/ generate: run "
        "`make docs` (python -m clue_ray.config_reference) and commit it")


def test_the_reference_lists_every_field_of_every_settings_type(reference):
    """Each settings type the declarations test walks has all its fields under one prefix of
    the reference's keys (a section field counts when keys go on below it)."""
    keys = set(re.findall(r"^\| `([^`]+)` \|", reference, re.MULTILINE))
    prefixes = {""} | {key[: i + 1] for key in keys for i, c in enumerate(key) if c == "."}

    def listed(key: str) -> bool:
        return key in keys or any(k.startswith((key + ".", key + "[")) for k in keys)

    missing = [owner.__qualname__ for owner in settings_types()
               if not any(all(listed(prefix + name) for name in declared(owner))
                          for prefix in prefixes)]
    assert len(settings_types()) > 10
    assert missing == []
