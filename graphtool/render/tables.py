"""Rows of query results as a terminal table, CSV, JSON or Markdown.

Values may come from imported data, so nothing here interprets them: the terminal table
shows control characters escaped and never reads rich markup from a cell, Markdown escapes
pipes, newlines and angle brackets, CSV and JSON quote as their formats require.
"""
from __future__ import annotations

import csv
import io
import json
import re

FORMATS = ("table", "csv", "json", "md")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cell_text(value) -> str:
    """One value as text: lists joined with ``|``, maps and floats compact, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple)):
        return "|".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _escape_control(text: str) -> str:
    # Terminal escapes and bidi overrides in imported text must not act on the analyst's terminal.
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _plain(value):
    """JSON-safe plain data (OrderedDicts from FalkorDB become dicts)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return out.getvalue()


def to_json(columns: list[str], rows: list[dict]) -> str:
    return json.dumps([{c: _plain(row.get(c)) for c in columns} for row in rows],
                      ensure_ascii=False, indent=2) + "\n"


def _md_cell(value) -> str:
    text = cell_text(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return _escape_control(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip())


def to_markdown(columns: list[str], rows: list[dict]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rich_table(columns: list[str], rows: list[dict], title: str | None = None, max_width: int = 60):
    """A :class:`rich.table.Table`; cells are :class:`rich.text.Text`, so markup in data stays text."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold", max_width=max_width)
    for row in rows:
        table.add_row(*(Text(_escape_control(cell_text(row.get(c)))) for c in columns))
    return table


def render(columns: list[str], rows: list[dict], fmt: str) -> str:
    """Rows in one of :data:`FORMATS` as text (``table`` is rendered plain, without colour)."""
    if fmt == "csv":
        return to_csv(columns, rows)
    if fmt == "json":
        return to_json(columns, rows)
    if fmt == "md":
        return to_markdown(columns, rows)
    if fmt == "table":
        from rich.console import Console

        console = Console(file=io.StringIO(), width=200, color_system=None, force_terminal=False)
        console.print(rich_table(columns, rows))
        return console.file.getvalue()
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
