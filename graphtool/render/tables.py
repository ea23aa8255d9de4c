"""Rows of query results as a terminal table, CSV, JSON or Markdown.

Values may come from imported data, so nothing here interprets them: the terminal table
drops terminal escape sequences, shows other control characters escaped and never reads rich
markup from a cell (:func:`terminal_text`, for every name printed to a terminal), Markdown
escapes pipes, newlines and angle brackets, JSON quotes as its format requires, and CSV quotes,
keeps floats at full precision and neutralises spreadsheet formulas (:func:`csv_cell`).
"""
from __future__ import annotations

import io
import json
import re

from ..values import spreadsheet_safe

FORMATS = ("table", "csv", "json", "md")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# ECMA-48 sequences a terminal acts on: CSI (ESC [ or U+009B ... final byte), OSC / DCS / PM / APC / SOS
# strings (up to BEL or ST), and two-byte ESC sequences.
_ESCAPE_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
                              r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                              r"|\x1b[ -/]*[0-~]")


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


def terminal_text(value) -> str:
    """A value as text that cannot act on a terminal: escape sequences (colours, cursor moves, window
    titles, hyperlinks) removed, other control characters and bidi overrides shown escaped (``\\x07``)."""
    text = value if isinstance(value, str) else cell_text(value)
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), _ESCAPE_SEQUENCE.sub("", text))


_escape_control = terminal_text


def csv_cell(value) -> str:
    """One value for a CSV cell: floats at full precision (``repr``), text neutralised against
    spreadsheet formulas (a leading ``'`` before ``= + - @``, tab or CR, as OWASP advises)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, bool)) or value is None:
        return cell_text(value)
    if isinstance(value, (list, tuple)):
        return spreadsheet_safe("|".join(repr(v) if isinstance(v, float) else cell_text(v) for v in value))
    return spreadsheet_safe(cell_text(value))


def _quoted(cell: str) -> str:
    # csv.writer quotes only for the line terminator's characters, so a lone CR would end the row.
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


def csv_writer(handle):
    """A writer like :func:`csv.writer` (RFC 4180 quoting, ``\\n`` line ends) whose cells go through
    :func:`csv_cell`."""
    return _SafeWriter(handle)


class _SafeWriter:
    def __init__(self, handle):
        self._handle = handle

    def writerow(self, row) -> None:
        self._handle.write(",".join(_quoted(csv_cell(v)) for v in row) + "\n")

    def writerows(self, rows) -> None:
        # a network's rows name the same accounts again and again: each text's cell is made once
        cells: dict[str, str] = {}

        def cell(value) -> str:
            if type(value) is int:  # digits: nothing to quote or neutralise
                return str(value)
            if type(value) is not str:
                return _quoted(csv_cell(value))
            made = cells.get(value)
            if made is None:
                made = cells[value] = _quoted(csv_cell(value))
            return made

        write = self._handle.write
        for row in rows:
            write(",".join(map(cell, row)) + "\n")


def _plain(value):
    """JSON-safe plain data (OrderedDicts from FalkorDB become dicts)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c) for c in columns])
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


def terminal_width() -> int:
    """The width a table must fit: ``$COLUMNS`` when set, else the terminal's, else 200 (piped output)."""
    import os
    import shutil
    import sys

    given = os.environ.get("COLUMNS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else 200


def table_fits(columns: list[str], rows: list[dict], width: int) -> bool:
    """Whether the table of ``rows`` fits ``width`` columns without squeezing its cells."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=10_000, color_system=None, force_terminal=False)
    return console.measure(rich_table(columns, rows)).maximum <= width


def vertical(columns: list[str], rows: list[dict]) -> str:
    """Rows as records, one ``column  value`` line each (psql's expanded display), for narrow terminals.

    >>> print(vertical(["account", "score"], [{"account": "x:a", "score": 0.5}]), end="")
    -[ 1 ]-----
    account  x:a
    score    0.5
    """
    pad = max((len(c) for c in columns), default=0)
    lines = []
    for n, row in enumerate(rows, start=1):
        lines.append(f"-[ {n} ]" + "-" * max(0, pad - len(str(n)) - 1))
        for c in columns:
            value = _escape_control(cell_text(row.get(c))).replace("\n", "\n" + " " * (pad + 2))
            lines.append(f"{c:<{pad}}  {value}".rstrip())
    return "".join(line + "\n" for line in lines)


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
