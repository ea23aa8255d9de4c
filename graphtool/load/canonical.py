"""The canonical format: one CSV or JSON Lines file per node label or relationship type.

The file's name says what it holds: ``Account.csv``, ``SHARED.jsonl``, ``Article.part-2.csv``
(the part of the name before the first dot or dash).  Columns are the model's property
names; relationship files add ``src``, ``dst`` and optionally ``src_label`` / ``dst_label``.
See ``docs/formats.md``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from .. import model
from ..errors import InputError
from .records import FieldError, Notice, Origin, Reject, node_record, rel_record
from .rows import Row, read_rows, require_columns

EXTENSIONS = (".csv", ".jsonl", ".ndjson")


def kind_of(path: Path) -> tuple[str, str] | None:
    """("node", label) or ("rel", type) for a canonical file name, else None."""
    head = re.split(r"[.\-]", Path(path).name, maxsplit=1)[0]
    for spec in model.NODES:
        if head.lower() == spec.label.lower():
            return "node", spec.label
    for spec in model.RELATIONSHIPS:
        if head.upper() == spec.type:
            return "rel", spec.type
    return None


def sniff(path: Path) -> bool:
    return Path(path).suffix.lower() in EXTENSIONS and kind_of(path) is not None


def order(path: Path) -> int:
    """Nodes first (Sources first of all), then relationships, in model order."""
    kind, name = kind_of(path) or ("rel", "")
    names = [n.label for n in model.NODES] + [r.type for r in model.RELATIONSHIPS]
    return names.index(name) if name in names else len(names)


def _required_columns(kind: str, name: str) -> list[str]:
    if kind == "node":
        spec = model.node(name)
        cols = [p.name for p in spec.props if p.required]
        if name == "Account":  # id may be derived from platform and handle
            cols = [c for c in cols if c != "id"]
        return cols
    spec = model.rel(name)
    return ["src", "dst"] + [p.name for p in spec.props if p.required]


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one canonical file."""
    path = Path(path)
    found = kind_of(path)
    if found is None:
        raise InputError(f"{path}: unknown format: the name must start with a label or relationship type")
    kind, name = found
    make = node_record if kind == "node" else rel_record
    rows = read_rows(path)
    checked = False
    warned: set[str] = set()
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if not checked and path.suffix.lower() == ".csv":
            require_columns(path, rows.header, _required_columns(kind, name))
            checked = True
        yield from _forged(path, kind, name, item, warned)
        yield _record(make, name, item, path, default_sources)


# Labels graphtool writes for itself: importing them forges its bookkeeping.
BOOKKEEPING = ("ImportRun",)


def _forged(path: Path, kind: str, name: str, row: Row, warned: set[str]) -> Iterator[Notice]:
    """Warnings, once per file and column, for values graphtool derives or keeps for itself."""
    spec = model.node(name) if kind == "node" else model.rel(name)
    if (name in BOOKKEEPING or getattr(spec, "derived", False)) and name not in warned:
        warned.add(name)
        what = "bookkeeping of scheduled runs" if name in BOOKKEEPING else "derived by graphtool's analyses"
        yield Notice(str(path), row.line, "", f"warning: {name} records are {what}; this file sets them "
                                             "itself, which can forge that history or those results")
    for column in row.values:
        prop = spec.prop(column)
        if prop is not None and prop.derived and column not in warned and row.values[column] not in (None, ""):
            warned.add(column)
            yield Notice(str(path), row.line, column, f"warning: {column} is derived by graphtool (analyze); the "
                                                      "value imported here is overwritten by the next analysis run")


def _record(make, name: str, row: Row, path: Path, default_sources):
    try:
        record = make(name, row.values, Origin(str(path), row.line, row.values))
    except FieldError as exc:
        raw = ",".join(str(v)[:200] for v in row.values.values())
        return Reject(str(path), row.line, exc.field, exc.reason, raw)
    if default_sources and not record.props.get("sources"):
        record.props["sources"] = list(default_sources)
    return record
