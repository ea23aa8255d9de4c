"""Any CSV / JSON export of a social-listening tool, read through a mapping file.

A mapping is TOML (``imports/mappings/listening-example.toml`` is the documented example)::

    [input]
    platform = "weibo"                 # when no column gives the platform
    timestamp_format = ["%d/%m/%Y %H:%M", "iso"]   # strptime patterns, "iso", "epoch", "epoch_ms"
    timezone = "+08:00"                # for times the export writes without a zone
    list_separator = ","               # inside list cells (hashtags)

    [columns]                          # column -> Label.property (Article and Account)
    "Post ID" = "Article.id"
    "Content" = "Article.text"
    "Author"  = "Account.handle"

    [values.platform]                  # the tool's spelling -> graphtool's
    "Sina Weibo" = "weibo"

Each row gives an ``Article`` (id ``<platform>:<Article.id>``, or ``<platform>:<url>``),
the ``Account`` that posted it (``<platform>:<handle>``) and ``PUBLISHED`` between them.
JSON columns may be dotted paths into nested objects (``author.name``).  The mapping is
passed by the scheduler (``mapping = ...`` in a manifest) or found beside the data as
``<file>.mapping.toml`` or ``mapping.toml``.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .. import model
from ..errors import ConfigError, InputError
from ..resources import read_toml
from . import register
from .records import FieldError, Origin, Reject, node_record, rel_record
from ..values import NAMED_FORMATS, parse_offset, parse_when
from .rows import MAX_RAW, Row, raw_of, read_csv, read_jsonl

LABELS = ("Article", "Account")
MAX_JSON_BYTES = 512 * 1024 * 1024  # a JSON array is parsed whole; bigger exports should be JSON lines


@dataclass
class Mapping:
    """A parsed, checked mapping file."""

    path: Path
    columns: dict[str, tuple[str, str]]  # column -> (label, property)
    platform: str | None = None
    formats: tuple[str, ...] = ("iso",)
    tz: object = None
    list_separator: str = ","
    kind: str | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def column_for(self, label: str, prop: str) -> str | None:
        return next((c for c, target in self.columns.items() if target == (label, prop)), None)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file against the model; a bad one is a :class:`ConfigError`."""
    path = Path(path)
    data = read_toml(path, "mapping")
    source = data.get("input", {})
    columns = {}
    for column, target in (data.get("columns") or {}).items():
        label, _, prop = str(target).partition(".")
        if label not in LABELS or not prop:
            raise ConfigError(f"{path}: columns.{column!r} = {target!r}: map to Article.<property> or "
                              "Account.<property>")
        if model.node(label).prop(prop) is None:
            declared = ", ".join(p.name for p in model.node(label).props if p.name != "sources")
            raise ConfigError(f"{path}: columns.{column!r}: {label} has no property {prop!r} ({declared})")
        columns[column] = (label, prop)
    if not any(label == "Article" for label, _ in columns.values()):
        raise ConfigError(f"{path}: [columns] maps no column to an Article property")
    formats = source.get("timestamp_format", "iso")
    formats = tuple([formats] if isinstance(formats, str) else formats)
    for fmt in formats:
        if fmt not in NAMED_FORMATS and "%" not in fmt:
            raise ConfigError(f"{path}: timestamp_format {fmt!r} is neither a strptime pattern nor one of "
                              f"{', '.join(NAMED_FORMATS)}")
    try:
        tz = parse_offset(source.get("timezone"))
    except ValueError as exc:
        raise ConfigError(f"{path}: timezone: {exc}") from None
    mapping = Mapping(path, columns, platform=source.get("platform"), formats=formats, tz=tz,
                      list_separator=source.get("list_separator", ","), kind=source.get("kind"),
                      values={k: {str(a): str(b) for a, b in v.items()} for k, v in (data.get("values") or {}).items()})
    if mapping.platform is None and not (mapping.column_for("Article", "platform")
                                         or mapping.column_for("Account", "platform")):
        raise ConfigError(f"{path}: say the platform: [input] platform = \"...\" or map a column to Article.platform")
    if not (mapping.column_for("Article", "id") or mapping.column_for("Article", "url")):
        raise ConfigError(f"{path}: map a column to Article.id or Article.url (an article needs an identity)")
    return mapping


def sidecar(path: Path) -> Path | None:
    """The mapping that lies beside a data file, if any."""
    path = Path(path)
    for candidate in (path.with_name(path.name + ".mapping.toml"), path.with_name("mapping.toml")):
        if candidate.is_file():
            return candidate
    return None


def sniff(path: Path) -> bool:
    path = Path(path)
    return path.suffix.lower() in (".csv", ".json", ".jsonl", ".ndjson") and sidecar(path) is not None


def _lookup(values: dict, column: str):
    if column in values:
        return values[column]
    node = values
    for part in column.split("."):  # a dotted path into nested JSON
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _rows(path: Path, kind: str) -> Iterator[Row | Reject]:
    if kind == "csv":
        return read_csv(path)
    if kind == "jsonl":
        return read_jsonl(path)
    return _json_array(path)


def _json_array(path: Path) -> Iterator[Row | Reject]:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(f"{path}: a JSON array over {MAX_JSON_BYTES >> 20} MiB; export JSON lines instead")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict):  # {"posts": [...]} / {"data": [...]}: the one list inside
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON array of objects")
    for number, item in enumerate(data, start=1):
        if isinstance(item, dict):
            yield Row(number, item)
        else:
            yield Reject(str(path), number, "", "an array item must be an object", json.dumps(item)[:MAX_RAW])


def _value(mapping: Mapping, column: str, prop: model.Prop, raw):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if prop.name in mapping.values:
        raw = mapping.values[prop.name].get(str(raw).strip(), raw)
    if prop.type == "datetime":
        return parse_when(raw, column, mapping.formats, mapping.tz)
    if prop.type.endswith("[]") and isinstance(raw, str):
        items = [part.strip() for part in raw.split(mapping.list_separator)]
        return [item.lstrip("#") if prop.name == "hashtags" else item for item in items if item]
    return raw


def _records(mapping: Mapping, values: dict, origin: Origin) -> list:
    rows = {label: {} for label in LABELS}
    for column, (label, prop_name) in mapping.columns.items():
        value = _value(mapping, column, model.node(label).prop(prop_name), _lookup(values, column))
        if value is not None:
            rows[label][prop_name] = value
    article, account = rows["Article"], rows["Account"]
    platform = article.get("platform") or account.get("platform") or mapping.platform
    if not platform:
        raise FieldError("platform", "required but missing")
    article.setdefault("platform", platform)
    key = article.get("id") or article.get("url")
    if not key:
        raise FieldError(mapping.column_for("Article", "id") or mapping.column_for("Article", "url"),
                         "the article has no id or url")
    article["id"] = f"{platform}:{key}"
    out = [_checked(mapping, "Article", article, origin)]
    if account.get("handle") or account.get("id"):
        account.setdefault("platform", platform)
        record = _checked(mapping, "Account", account, origin)
        out += [record, rel_record("PUBLISHED", {"src": record.id, "dst": article["id"], "src_label": "Account"},
                                   origin)]
    return out


def _checked(mapping: Mapping, label: str, row: dict, origin: Origin):
    try:
        return node_record(label, row, origin)
    except FieldError as exc:  # name the export's column, not the model's property
        raise FieldError(mapping.column_for(label, exc.field) or exc.field, exc.reason) from None


def read(path: Path, default_sources: list[str] | None = None, mapping: str | Path | Mapping | None = None) -> Iterator:
    """Validated records and rejects from one export file, through ``mapping``."""
    path = Path(path)
    if mapping is None:
        mapping = sidecar(path)
        if mapping is None:
            raise ConfigError(f"{path}: no mapping file (pass one, or put {path.name}.mapping.toml beside it)")
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    kind = mapping.kind or {".csv": "csv", ".json": "json"}.get(path.suffix.lower(), "jsonl")
    rows = _rows(path, kind)
    checked = kind != "csv"
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if not checked:
            missing = [c for c in mapping.columns if c not in rows.header]
            if missing:
                raise InputError(f"{path}:1: the header lacks column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(repr(c) for c in missing)} that {mapping.path.name} maps")
            checked = True
        origin = Origin(str(path), item.line, item.values)
        try:
            records = _records(mapping, item.values, origin)
        except FieldError as exc:
            raw = raw_of(item.values) if kind == "csv" else json.dumps(item.values, ensure_ascii=False)[:MAX_RAW]
            yield Reject(str(path), item.line, exc.field, exc.reason, raw)
            continue
        for record in records:
            if default_sources and not record.props.get("sources"):
                record.props["sources"] = list(default_sources)
            yield record


register("mapped", sys.modules[__name__])
