"""docs/formats.md documents every import format that ``--format`` accepts, and no other.

A format is documented by a heading that names it (``## QUT ... (`--format qut`)``, several
as ``(`--format a | b`)``) and by a row of the list at the top of the page.
"""
from __future__ import annotations

import re
from pathlib import Path

from graphtool.load import FORMATS, _load_adapters

DOC = Path(__file__).resolve().parent.parent / "docs" / "formats.md"
HEADING_FORMATS = re.compile(r"`--format ([^`]+)`")


def registered() -> set[str]:
    _load_adapters()
    return set(FORMATS)


def sections(text: str) -> set[str]:
    """Format names the headings of ``text`` give a section."""
    names = set()
    for line in text.splitlines():
        if line.startswith("#"):
            for group in HEADING_FORMATS.findall(line):
                names.update(name.strip() for name in group.split("|"))
    return names


def listed(text: str) -> set[str]:
    """Format names in the first column of the table before the first section."""
    top = text.split("\n## ", 1)[0]
    rows = [line for line in top.splitlines() if line.startswith("| `") and not line.startswith("| `--format`")]
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_every_registered_format_has_a_section_and_is_listed():
    text = DOC.read_text(encoding="utf-8")
    formats = registered()
    assert {"canonical", "twitter_io", "ftm", "mapped", "warc", "qut", "coortweet"} <= formats
    assert formats - sections(text) == set(), "formats without a section in docs/formats.md"
    assert formats - listed(text) == set(), "formats missing from the list at the top of docs/formats.md"


def test_no_section_or_list_entry_names_a_format_that_does_not_exist():
    text = DOC.read_text(encoding="utf-8")
    formats = registered()
    assert sections(text) - formats == set()
    assert listed(text) - formats == set()


def test_a_missing_section_is_noticed():
    text = DOC.read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if "`--format twitter_io`" in line and line.startswith("#"))
    without = text.replace(heading, "## An archive")
    assert "twitter_io" in registered() - sections(without)
    assert "twitter_io" in sections(text)
