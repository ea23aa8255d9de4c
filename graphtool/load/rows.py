"""Raw rows out of CSV and JSON Lines files, with line numbers, surviving damaged files.

A broken row never takes its neighbours with it: a line that is not UTF-8, a quote that
never closes, a field over the size limit or a JSON line that does not parse becomes a
:class:`~graphtool.load.records.Reject` and reading goes on at the next line.
"""
from __future__ import annotations

import csv
import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from .records import MAX_FIELD_BYTES, MAX_RAW, Reject

csv.field_size_limit(MAX_FIELD_BYTES + 1)


@dataclass(slots=True)
class Row:
    line: int
    values: dict | list  # column -> value; or, from ``read_csv(path, lists=True)``, the fields in header order


def _decoded_lines(path: Path, rejects: list[Reject], header: bool = False) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line; undecodable lines become rejects.

    With ``header``, an undecodable first line makes the whole file unusable: without its
    column names no row can be read.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                if header and number == 1:
                    raise InputError(f"{path}:1: the header line is not UTF-8 (byte {exc.start}); "
                                     "save the file as UTF-8") from None
                rejects.append(Reject(str(path), number, "", f"not UTF-8 (byte {exc.start})",
                                      raw[:MAX_RAW].decode("utf-8", "replace")))
                continue
            yield number, text


def read_header(path: Path) -> list[str]:
    """The header row of a CSV file (for format sniffing)."""
    rows = read_csv(path)
    try:
        next(rows)
    except StopIteration:
        pass
    return rows.header  # type: ignore[attr-defined]


class read_csv:
    """Iterate a CSV file as :class:`Row` and :class:`Reject` items.

    ``header`` is available after the first item.  A record whose quoting runs away is
    re-read from the line after its start, so one bad quote loses one row.  With ``lists``
    each row's values are its fields as a list (in header order), which spares an adapter
    that reads columns by position a dict per row.
    """

    def __init__(self, path: Path, lists: bool = False):
        self.path = Path(path)
        self.header: list[str] = []
        self.lists = lists
        self._iter = self._rows()

    def __iter__(self):
        return self._iter  # the generator itself: no Python call per row

    def __next__(self):
        return next(self._iter)

    def _rows(self):
        # The hot loop of every CSV import: per line one decode and one append, per record one
        # dict; the raw text of a record is joined only when it is rejected.
        rejects: list[Reject] = []
        lines = _decoded_lines(self.path, rejects, header=True)
        lists = self.lists
        pending: list[tuple[int, str]] = []  # lines read for the record being parsed
        replay: deque[tuple[int, str]] = deque()  # lines to read again after a broken record
        rejects_out: list[Reject] = []

        def feed():
            while True:
                if rejects:
                    rejects_out.extend(rejects)
                    rejects.clear()
                if replay:
                    item = replay.popleft()
                else:
                    item = next(lines, None)
                    if item is None:
                        rejects_out.extend(rejects)  # an undecodable last line is still reported
                        rejects.clear()
                        return
                pending.append(item)
                yield item[1]

        header_done = False
        while True:
            reader = csv.reader(feed(), strict=True)
            try:
                for fields in reader:
                    if rejects_out:
                        yield from self._drain(rejects_out)
                    if not header_done:
                        pending.clear()
                        self.header = header = [h.strip() for h in fields]
                        header_done = True
                        if not any(self.header):
                            raise InputError(f"{self.path}:1: empty header row")
                        width = len(header)
                        continue
                    if not (fields and fields[0].strip()) and not any(map(str.strip, fields)):
                        pending.clear()
                        continue
                    if len(fields) != width:
                        start = pending[0][0]
                        raw = "".join(text for _, text in pending)
                        yield Reject(str(self.path), start, "",
                                     f"{len(fields)} fields where the header has {width}",
                                     raw.partition("\n")[0][:MAX_RAW] if len(pending) > 1 else raw[:MAX_RAW])
                        # A stray quote may have swallowed the lines after it: read them again.
                        replay.extendleft(reversed(pending[1:]))
                        pending.clear()
                        continue
                    start = pending[0][0]
                    pending.clear()
                    yield Row(start, fields if lists else dict(zip(header, fields)))
                yield from self._drain(rejects_out)
                if not header_done:
                    raise InputError(f"{self.path}: empty file, no header row")
                return
            except csv.Error as exc:
                yield from self._drain(rejects_out)
                bad = pending[0] if pending else (0, "")
                reason = f"broken CSV quoting ({exc})"
                if "field larger than field limit" in str(exc):  # not a quoting problem: say what it is
                    reason = f"a field is longer than {MAX_FIELD_BYTES // (1024 * 1024)} MiB"
                elif "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    reason = "broken CSV quoting (a quoted field is never closed)"
                yield Reject(str(self.path), bad[0], "", reason, bad[1][:MAX_RAW])
                # Re-read everything after the broken record's first line.
                replay.extendleft(reversed(pending[1:]))
                pending.clear()
                if not header_done:
                    raise InputError(f"{self.path}:1: the header row cannot be parsed ({reason})")

    @staticmethod
    def _drain(rejects: list[Reject]):
        while rejects:
            yield rejects.pop(0)


def _json_field(text: str, exc: ValueError) -> str:
    """The key whose value made ``json.loads`` fail, where the text shows it (else "")."""
    import re

    for match in re.finditer(r'"([^"\\]{1,80})"\s*:\s*-?\d{1000}', text):
        return match.group(1)
    return ""


def read_jsonl(path: Path) -> Iterator[Row | Reject]:
    """Iterate a JSON Lines file: one object per line."""
    rejects: list[Reject] = []
    for number, text in _decoded_lines(Path(path), rejects):
        yield from rejects
        rejects.clear()
        if not text.strip():
            continue
        if len(text) > MAX_FIELD_BYTES * 2:
            yield Reject(str(path), number, "", "line longer than the size limit", text[:MAX_RAW])
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Reject(str(path), number, "", f"not valid JSON ({exc.msg} at column {exc.colno})", text[:MAX_RAW])
            continue
        except RecursionError:  # nesting deeper than Python's parser goes, wherever it is
            yield Reject(str(path), number, "", "JSON nested too deeply to read", text[:MAX_RAW])
            continue
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            yield Reject(str(path), number, _json_field(text, exc), f"not a usable JSON value ({exc})"[:200],
                         text[:MAX_RAW])
            continue
        if not isinstance(value, dict):
            yield Reject(str(path), number, "", "a JSON line must be an object", text[:MAX_RAW])
            continue
        yield Row(number, value)
    yield from rejects


def raw_of(values: dict | list) -> str:
    """A row's values as one line for the rejects file."""
    return ",".join(str(v) for v in (values.values() if isinstance(values, dict) else values))[:MAX_RAW]


def require_columns(path: Path, header: list[str], required, what: str = "") -> None:
    """Raise :class:`InputError` naming the file when the header lacks required columns."""
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing required column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}" + (f" ({what})" if what else ""))


def read_rows(path: Path) -> Iterator[Row | Reject]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    raise InputError(f"{path}: unknown format (expected .csv or .jsonl)")
