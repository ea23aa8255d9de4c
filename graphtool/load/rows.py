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
_QUOTE, _NUL, _CR = b'"\x00\r'  # the bytes that make a line one for the csv module


@dataclass(slots=True)
class Row:
    line: int
    values: dict | list  # column -> value; or, from ``read_csv(path, lists=True)``, the fields in header order


def _decoded_lines(path: Path, rejects: list[Reject], header: bool = False, replay: deque | None = None,
                   plain: bool = False) -> Iterator[tuple]:
    """(line number, text) for each line; undecodable lines become rejects.

    With ``header``, an undecodable first line makes the whole file unusable: without its
    column names no row can be read.  Lines put in ``replay`` come next, before the next line is read.
    With ``plain``, (line number, text, whether the line has no quote, no NUL and no carriage return but
    its ending): looked for in the bytes, where it is a memchr, not a scan of the decoded text.
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
            if plain:  # (a byte as an int: ``b'"' in raw`` raises and catches a TypeError first)
                yield number, text, (_QUOTE not in raw and _NUL not in raw
                                     and (_CR not in raw or (raw.endswith(b"\r\n") and _CR not in raw[:-2])))
            else:
                yield number, text
            while replay:
                yield replay.popleft()


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

    def __init__(self, path: Path, lists: bool = False, careful: bool = False):
        self.path = Path(path)
        self.header: list[str] = []
        self.lists = lists
        self.careful = careful  # every line through the csv module: the tests hold the fast split to it
        self._iter = self._rows()

    def __iter__(self):
        return self._iter  # the generator itself: no Python call per row

    def __next__(self):
        return next(self._iter)

    @staticmethod
    def _replayed(replay: deque):
        while replay:
            yield replay.popleft()

    def _rows(self):
        # The hot loop of every CSV import.  A line without a quote, a NUL or a carriage return
        # but its ending is what the csv module reads as ``line.split(",")``, so it is split here at
        # half the cost; any other line starts a record that the csv module reads (it may run on over
        # several lines).  The raw text of a record is joined only when it is rejected.
        rejects: list[Reject] = []  # undecodable lines: reported before the next row
        replay: deque[tuple[int, str, bool]] = deque()  # lines to read again after a broken record
        source = _decoded_lines(self.path, rejects, header=True, replay=replay, plain=True)
        pending: list[tuple[int, str, bool]] = []  # the lines of the record the csv module reads
        handed: list[tuple[int, str, bool]] = []  # the line that starts it

        def feed():
            while True:
                if handed:
                    item = handed.pop()
                else:
                    item = next(source, None)
                    if item is None:
                        return
                pending.append(item)
                yield item[1]

        reader = None
        header: list[str] | None = None
        width = 0
        lists = self.lists
        split = False  # from the line after the header on, unless careful
        while True:
            for item in source:
                if rejects:
                    yield from self._drain(rejects)
                if split and item[2] and len(item[1]) <= MAX_FIELD_BYTES:
                    fields = item[1].rstrip("\r\n").split(",")
                    if len(fields) == width and fields[0].strip():
                        yield Row(item[0], fields if lists else dict(zip(header, fields)))
                    else:
                        yield from self._record(fields, [item], header, replay)
                    continue
                if reader is None:
                    reader = csv.reader(feed(), strict=True)
                handed.append(item)
                try:
                    fields = next(reader, None)
                except csv.Error as exc:
                    if rejects:
                        yield from self._drain(rejects)
                    reason = f"broken CSV quoting ({exc})"
                    if "field larger than field limit" in str(exc):  # not a quoting problem: say what it is
                        reason = f"a field is longer than {MAX_FIELD_BYTES // (1024 * 1024)} MiB"
                    elif "unexpected end of data" in str(exc) or "EOF" in str(exc):
                        reason = "broken CSV quoting (a quoted field is never closed)"
                    bad = pending[0]
                    yield Reject(str(self.path), bad[0], "", reason, bad[1][:MAX_RAW])
                    # Re-read everything after the broken record's first line, with a fresh reader.
                    replay.extendleft(reversed(pending[1:]))
                    pending.clear()
                    reader = None
                    if header is None:
                        raise InputError(f"{self.path}:1: the header row cannot be parsed ({reason})")
                    continue
                lines = pending.copy()
                pending.clear()
                if rejects:
                    yield from self._drain(rejects)
                if fields is None:
                    continue
                if header is None:
                    self.header = header = [h.strip() for h in fields]
                    if not any(header):
                        raise InputError(f"{self.path}:1: empty header row")
                    width = len(header)
                    split = not self.careful
                    continue
                if len(fields) == width and fields[0].strip():
                    yield Row(lines[0][0], fields if lists else dict(zip(header, fields)))
                else:
                    yield from self._record(fields, lines, header, replay)
            if not replay:
                break
            # The file ended inside a broken record: read its other lines again.
            source = self._replayed(replay)
        if rejects:
            yield from self._drain(rejects)
        if header is None:
            raise InputError(f"{self.path}: empty file, no header row")

    def _record(self, fields: list[str], lines: list[tuple], header: list[str], replay: deque):
        """The row, the reject or nothing (a blank row) for one record's fields read from ``lines``."""
        if not (fields and fields[0].strip()) and not any(map(str.strip, fields)):
            return
        if len(fields) != len(header):
            raw = "".join(line[1] for line in lines)
            yield Reject(str(self.path), lines[0][0], "", f"{len(fields)} fields where the header has {len(header)}",
                         raw.partition("\n")[0][:MAX_RAW] if len(lines) > 1 else raw[:MAX_RAW])
            # A stray quote may have swallowed the lines after it: read them again.
            replay.extendleft(reversed(lines[1:]))
            return
        yield Row(lines[0][0], fields if self.lists else dict(zip(header, fields)))

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
