"""The docs hold together: every relative link and `#anchor` in README.md and docs/*.md leads
somewhere (anchors as GitHub makes them from headings), the README stays a front page, and the
configuration reference is the one `make docs` generates from the settings' declarations."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from test_settings_declared import settings_types

from clue_ray.config_reference import render
from clue_ray.setting import declared

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
README_MAX_LINES = 260
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text: str) -> str:
    """The text without fenced code blocks (headings and links there are not Markdown)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: markup dropped, lower case, punctuation but `-`
    and `_` removed, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a page; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for _, text in HEADING.findall(prose(page.read_text(encoding="utf-8"))):
        base = slug(text)
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


def broken_links(page: Path) -> list[str]:
    """Each link of a page whose file or anchor does not exist, as 'page: target (why)'."""
    broken = []
    for target in LINK.findall(CODE_SPAN.sub("", prose(page.read_text(encoding="utf-8")))):
        if EXTERNAL.match(target):
            continue
        path_part, _, fragment = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        name = page.relative_to(REPO) if page.is_relative_to(REPO) else page
        if not path.exists():
            broken.append(f"{name}: {target} (no such file)")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{name}: {target} (no heading makes #{fragment})")
    return broken


def test_every_relative_link_and_anchor_resolves():
    assert len(PAGES) > 5
    broken = [line for page in PAGES for line in broken_links(page)]
    assert broken == []


def test_the_check_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Its `second` part, (really)\n")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n## A part\n\n[ok](other.md#its-second-part-really) [ok](#a-part)\n"
                    "[gone](missing.md) [no anchor](other.md#nowhere) [web](https://x.org/a)\n"
                    "```\n[in code](missing-too.md)\n```\n`[span](missing-three.md)`\n")
    assert broken_links(page) == [f"{page}: missing.md (no such file)",
                                  f"{page}: other.md#nowhere (no heading makes #nowhere)"]


def test_a_repeated_heading_gets_a_numbered_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Notes\n\n## Setup\n\n## Setup\n\n```\n# not a heading\n```\n")
    assert anchors(page) == {"notes", "setup", "setup-1"}


def test_the_readme_is_a_front_page():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    text = "\n".join(lines)
    assert "make demo" in text and "make test" in text


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
