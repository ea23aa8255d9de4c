"""Validated records, rejects, and turning raw rows into them by the graph model.

Every format adapter ends here: it yields raw rows (``dict`` of column -> value, with the
file and line they came from) and :func:`node_record` / :func:`rel_record` check each
value against the model, so every format gets the same rules and the same messages.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from .. import model
from ..values import MAX_INT, FieldError, check_id, iso, parse_integer, parse_time  # noqa: F401 (re-exported)

MAX_RAW = 64 * 1024  # how much of a rejected row the rejects file keeps
MAX_FIELD_BYTES = 8 * 1024 * 1024  # an article may be long; a 10 MB field is not an article
LIST_SEPARATOR = "|"


@dataclass(slots=True)  # one or more per row of every import: slots build faster
class Origin:
    file: str
    line: int
    row: object = None  # the raw row (dict or text), so a later reject can keep it

    def raw(self) -> str:
        """The raw row as the rejects file keeps it."""
        if self.row is None:
            return ""
        if isinstance(self.row, (dict, list)):  # a CSV row by column, or its fields in order
            values = self.row.values() if isinstance(self.row, dict) else self.row
            return ",".join(str(v) for v in values)[:MAX_RAW]
        return str(self.row)[:MAX_RAW]


@dataclass(slots=True)
class NodeRecord:
    label: str
    id: str
    props: dict
    origin: Origin | None = None
    # A placeholder for a node that a relationship names (the retweeted tweet, its author):
    # it creates the node when absent and never overwrites stored properties; sources still unite.
    stub: bool = False
    # What the record saw as the account's identifiers (identity.Seen), for identity resolution.
    identifiers: list = field(default_factory=list)


@dataclass(slots=True)
class RelRecord:
    type: str
    src: str
    dst: str
    props: dict
    src_label: str | None = None
    dst_label: str | None = None
    origin: Origin | None = None

    @property
    def key(self):
        spec = model.rel(self.type)
        return self.props.get(spec.key) if spec.key else None


@dataclass
class Reject:
    file: str
    line: int
    field: str
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


class Notice(Reject):
    """A row that loads but that the user should look at; it goes to the rejects file as a warning."""


def with_sources(records, default_sources: list[str] | None):
    """The records, each citing ``default_sources`` (the imported file) when it cites nothing itself."""
    for record in records:
        if default_sources and not record.props.get("sources"):
            record.props["sources"] = list(default_sources)
        yield record


def _integer(value, field_name: str) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise FieldError(field_name, f"{value!r} is not an integer")
        return int(value)
    return parse_integer(str(value), field_name)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: the one rule for every string property."""
    if "\x00" in value:
        return "contains a NUL byte"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): no store can hold it
            return "contains a lone UTF-16 surrogate, which is not text"
    if len(value) > MAX_FIELD_BYTES // 4 and len(value.encode("utf-8")) > MAX_FIELD_BYTES:
        return f"longer than {MAX_FIELD_BYTES // (1024 * 1024)} MiB"
    return None


def plain_id(value: str) -> bool:
    """Whether ``value``, and ``value`` after a short printable prefix (``x:``), is an id that every rule takes
    as it is: printable ASCII, no space at either end, far below the length cap.  ``check_id`` and the
    string rule return such a value unchanged, so a fast path may skip them (a sufficient test)."""
    return (value.isascii() and value.isprintable() and 0 < len(value) <= 510
            and value[0] != " " and value[-1] != " ")


def _scalar(prop: model.Prop, kind: str, value, field_name: str):
    if kind == "string":
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise FieldError(field_name, f"expected text, got {type(value).__name__}")
        problem = text_problem(value)
        if problem:
            raise FieldError(field_name, problem)
        if prop.choices and value not in prop.choices:
            raise FieldError(field_name, f"{value[:40]!r} is not one of {', '.join(prop.choices)}")
        return value
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "y", "t"):
            return True
        if text in ("false", "0", "no", "n", "f"):
            return False
        raise FieldError(field_name, f"{str(value)[:40]!r} is not true or false")
    if kind in ("integer", "float"):
        if isinstance(value, bool):
            raise FieldError(field_name, f"expected a number, got {value!r}")
        if kind == "integer":
            number = value if isinstance(value, int) else _integer(value, field_name)
        else:
            try:
                number = float(value)
            except (TypeError, ValueError, OverflowError):
                raise FieldError(field_name, f"{str(value)[:40]!r} is not a number") from None
        if kind == "float" and not math.isfinite(number):
            raise FieldError(field_name, f"{value!r} is not a finite number")
        if abs(number) > MAX_INT:
            raise FieldError(field_name, f"{value} is out of range")
        if prop.minimum is not None and number < prop.minimum:
            raise FieldError(field_name, f"{value} is below the minimum {prop.minimum:g}")
        if prop.maximum is not None and number > prop.maximum:
            raise FieldError(field_name, f"{value} is above the maximum {prop.maximum:g}")
        return number
    raise AssertionError(kind)


def coerce(prop: model.Prop, value) -> dict:
    """The stored properties for one declared property's raw value (empty when absent)."""
    if value is None or (isinstance(value, str) and value.strip() == "" and prop.type != "string"):
        return {}
    if isinstance(value, str) and value == "":
        return {}
    if prop.type == "datetime":
        try:
            ts = parse_time(value)
        except (ValueError, OverflowError) as exc:
            raise FieldError(prop.name, f"{str(value)[:40]!r} is not a time ({exc})") from None
        return {prop.name: iso(ts), prop.ts_name: ts}
    if prop.type.endswith("[]"):
        items = value if isinstance(value, list) else [v for v in str(value).split(LIST_SEPARATOR) if v != ""]
        return {prop.name: [_scalar(prop, prop.type[:-2], v, prop.name) for v in items]}
    return {prop.name: _scalar(prop, prop.type, value, prop.name)}


_ID_PROPS = {name: model.Prop(name) for name in ("id", "src", "dst")}


def _props(spec, row: dict, skip: tuple[str, ...]) -> dict:
    props: dict = {}
    for prop in spec.props:
        name = prop.name
        if name in skip:
            continue
        value = row.get(name)
        if value is None:  # what coerce makes of it, without the call: most of a spec's props are absent
            if prop.required:
                raise FieldError(name, "required but missing")
            continue
        stored = coerce(prop, value)
        if prop.required and not stored:
            raise FieldError(name, "required but missing")
        props.update(stored)
    return props


def node_record(label: str, row: dict, origin: Origin | None = None) -> NodeRecord:
    """Validate one raw row as a node of ``label``; raises :class:`FieldError`."""
    spec = model.node(label)
    row = dict(row)
    if label == "Account" and not row.get("id") and row.get("platform"):
        # The canonical id: the platform's user id when known, else the handle (see identity.py).
        name = str(row.get("user_id") or "").strip() or str(row.get("handle") or "").strip()
        if name:
            row["id"] = f"{row['platform']}:{name}"
    node_id = coerce(_ID_PROPS["id"], row.get("id")).get("id")
    if not node_id:
        raise FieldError("id", "required but missing")
    node_id = check_id(node_id, "id")
    props = _props(spec, row, skip=("id",))
    if label == "Article" and "text" in props and "content_sha256" not in props:
        props["content_sha256"] = hashlib.sha256(props["text"].encode("utf-8")).hexdigest()
    record = NodeRecord(label, node_id, props, origin)
    if label == "Account":
        from .identity import seen_in  # identity builds on records

        record.identifiers = seen_in(record)
    return record


def _endpoint_label(row: dict, column: str, allowed: tuple[str, ...]) -> str | None:
    label = row.get(column) or None
    if label is None:
        return allowed[0] if len(allowed) == 1 else None
    if label not in allowed:
        raise FieldError(column, f"{label[:40]!r} is not one of {', '.join(allowed)}")
    return label


def rel_record(type_: str, row: dict, origin: Origin | None = None) -> RelRecord:
    """Validate one raw row as a relationship of ``type_``; raises :class:`FieldError`."""
    spec = model.rel(type_)
    ends = {}
    for column in ("src", "dst"):
        ends[column] = coerce(_ID_PROPS[column], row.get(column)).get(column)
        if not ends[column]:
            raise FieldError(column, "required but missing")
        ends[column] = check_id(ends[column], column)
    src_label = _endpoint_label(row, "src_label", spec.sources)
    dst_label = _endpoint_label(row, "dst_label", spec.targets)
    props = _props(spec, row, skip=())
    return RelRecord(type_, ends["src"], ends["dst"], props, src_label, dst_label, origin)
