"""Canned Cypher queries: one per ``cypher/*.cypher`` file, declared by a header block.

A query file opens with ``//`` comment lines that declare it, then the Cypher body::

    // name: narrative-earliest
    // description: The earliest articles carrying a narrative, per platform.
    // question: Where did this narrative first appear on each platform, and who put it there?
    // param narrative (string, required, e.g. "nar:platform-attack"): id of the Narrative
    // param per_platform (integer, default 3): how many articles to list per platform
    // column platform: the platform
    // column published_at: when it was published (ISO-8601 UTC)
    MATCH (a:Article)-[:CARRIES]->(:Narrative {id: $narrative}) ...

Fields: ``name`` (must equal the file name without ``.cypher``), ``description`` (one line),
``question`` (the investigative question it answers), any number of ``param`` lines and at
least one ``column`` line.  A ``param`` is ``param NAME (TYPE, required, e.g. VALUE)`` or
``param NAME (TYPE, default VALUE[, e.g. VALUE])``; VALUE is JSON (``"text"``, ``3``,
``0.5``, ``true``, ``["a", "b"]``, ``null``).  Types: ``string``, ``integer``, ``float``,
``boolean`` and lists of those (``string[]`` ...).  A line starting ``//`` followed by three
or more spaces continues the field above it.

Loading checks each file and raises :class:`~graphtool.errors.QueryError` naming the file
and line when a header field is missing or malformed, when the body uses a ``$parameter``
the header does not declare, when a declared parameter is unused, or when the body names a
label, relationship type or property that :mod:`graphtool.model` does not declare.

Limits: a query that declares an integer parameter named ``limit`` uses it as
``LIMIT $limit``; ``--limit N`` sets it, so the store stops early.  For a query without one,
``--limit`` truncates the rows after they come back.

Run ``python -m graphtool.queries --docs`` to rewrite ``docs/queries.md`` from the headers
(``--check`` fails when it is stale).
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .errors import QueryError, ReadOnlyError, StoreError
from .resources import data_dir
from .values import MAX_INT, parse_time

QUERY_DIR = data_dir("cypher")  # the canned queries, shipped in the package
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "queries.md"  # in a checkout only

SCALARS = ("string", "integer", "float", "boolean", "datetime")
TYPES = SCALARS + tuple(f"{t}[]" for t in SCALARS)
ANY = "any"  # the type of an ad-hoc query's parameters: a JSON value, else the text itself
FIELDS = ("name", "description", "question", "param", "column")
REQUIRED_FIELDS = ("name", "description", "question", "column")
LIMIT_PARAM = "limit"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a date without a time

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_FIELD_RE = re.compile(r"^//\s?(\w+)(?:\s+(" + _IDENT + r"))?\s*(?:\((.*?)\))?\s*:\s?(.*)$")
_PARAM_SPEC_RE = re.compile(
    r"^\s*(?P<type>[a-z]+(?:\[\])?)\s*,\s*(?:(?P<required>required)|default\s+(?P<default>.+?))"
    r"\s*(?:,\s*e\.g\.\s+(?P<example>.+?))?\s*$")


@dataclass(frozen=True)
class Param:
    """A declared parameter: its type, default (when optional), example and meaning."""

    name: str
    type: str
    doc: str
    line: int
    required: bool = True
    default: object = None
    example: object = None
    example_text: str = ""  # the example as written in the header (a datetime's example is stored as epoch seconds)

    def parse(self, text: str, where: str = "") -> object:
        """The typed value of a ``-p name=text`` string (see :func:`parse_value`)."""
        return parse_value(self.type, text, f"{where}parameter {self.name}")

    @property
    def sample(self) -> object:
        """The value documentation shows: a required parameter's example, else the default."""
        return self.example if self.required else self.default


@dataclass(frozen=True)
class Column:
    name: str
    doc: str
    line: int


@dataclass(frozen=True)
class Query:
    """One canned query: header fields plus the Cypher body (or an ad-hoc query: no header, see :func:`adhoc_query`)."""

    name: str
    description: str
    question: str
    params: tuple[Param, ...]
    columns: tuple[Column, ...]
    text: str
    path: Path | None
    body_line: int  # line of the file on which the body starts
    adhoc: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def has_limit(self) -> bool:
        limit = self.param(LIMIT_PARAM)
        return limit is not None and limit.type == "integer"

    def bind(self, given: dict[str, object] | None = None, *, from_text: bool = True,
             limit: int | None = None) -> dict[str, object]:
        """The full parameter map: given values (typed from text when ``from_text``), defaults, limit.

        Raises :class:`QueryError` for an unknown name, a value of the wrong type or a missing
        required parameter.
        """
        given = dict(given or {})
        unknown = sorted(set(given) - {p.name for p in self.params})
        if unknown:
            declared = ", ".join(p.name for p in self.params) or "none"
            raise QueryError(f"query {self.name} has no parameter {unknown[0]!r} (declared: {declared})")
        if limit is not None and self.has_limit:
            given[LIMIT_PARAM] = str(limit) if from_text else limit
        bound = {}
        for p in self.params:
            if p.name in given:
                value = given[p.name]
                bound[p.name] = p.parse(value) if from_text and isinstance(value, str) else check_value(
                    p.type, value, f"parameter {p.name}")
            elif p.required:
                raise QueryError(f"query {self.name} needs parameter {p.name} ({p.type}): -p {p.name}=VALUE")
            else:
                bound[p.name] = p.default
        if self.has_limit and (bound[LIMIT_PARAM] is None or bound[LIMIT_PARAM] < 0):
            raise QueryError(f"query {self.name}: {LIMIT_PARAM} must be 0 or more")
        self._window(given, bound)
        return bound

    def _window(self, given: dict, bound: dict) -> None:
        """Datetime ``since``/``until`` as people write them: ``until=2021-09-20`` includes that day (the
        query's exclusive end becomes the next midnight); ``since`` after ``until`` is an error."""
        if not all((p := self.param(n)) is not None and p.type == "datetime" for n in ("since", "until")):
            return
        if bound["since"] is not None and bound["until"] is not None and bound["since"] > bound["until"]:
            raise QueryError(f"query {self.name}: since {given.get('since')} is after until "
                             f"{given.get('until')}: nothing can be in that window")
        text = given.get("until")
        if isinstance(text, str) and _DATE_ONLY.fullmatch(text.strip()) and bound["until"] is not None:
            bound["until"] += 86400


# --- typed values -------------------------------------------------------------------------------

_TRUE = ("true", "yes", "y", "1", "t", "on")
_FALSE = ("false", "no", "n", "0", "f", "off")


def parse_value(type_: str, text: str, what: str = "value") -> object:
    """Parse a command-line string as a value of a declared type.

    Strings are taken verbatim (any characters but NUL); integers and floats in decimal;
    booleans as true/false, yes/no, 1/0; datetimes as ISO-8601 (``2021-09-08T02:40:00Z``, a
    date alone is midnight UTC) or epoch seconds, passed to the query as epoch seconds to
    compare with the model's ``*_ts`` properties; lists as a JSON array (``["a", "b"]``) or as
    comma-separated items (``a,b``; an empty string is the empty list).  ``null`` (any case)
    gives no value for any type but string.

    Raises
    ------
    QueryError
        When the text is not a value of the type.
    """
    if type_ == ANY:
        return _any_value(text, what)
    if type_ != "string" and text.strip().lower() == "null":
        return None
    if type_.endswith("[]"):
        item_type = type_[:-2]
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                items = json.loads(stripped)
            except ValueError:
                raise QueryError(f"{what}: {_short(text)} is not a JSON list") from None
            if not isinstance(items, list):
                raise QueryError(f"{what}: {_short(text)} is not a list")
            return [check_value(item_type, v, f"{what}[{i}]") for i, v in enumerate(items)]
        items = [] if stripped == "" else [v.strip() if item_type != "string" else v for v in text.split(",")]
        return [parse_value(item_type, v, f"{what}[{i}]") for i, v in enumerate(items)]
    if type_ in ("string", "datetime"):
        return check_value(type_, text, what)
    value = text.strip()
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise QueryError(f"{what}: expected an integer, got {_short(text)}")
        return check_value("integer", int(value), what)
    if type_ == "float":
        try:
            number = float(value)
        except ValueError:
            raise QueryError(f"{what}: expected a number, got {_short(text)}") from None
        return check_value("float", number, what)
    if type_ == "boolean":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise QueryError(f"{what}: expected true or false, got {_short(text)}")
    raise QueryError(f"{what}: unknown type {type_!r}")


def check_value(type_: str, value: object, what: str = "value") -> object:
    """Check an already-typed value (from JSON or Python) against a declared type."""
    if value is None:
        return None
    if type_ == ANY:
        return _check_any(value, what)
    if type_.endswith("[]"):
        if not isinstance(value, (list, tuple)):
            raise QueryError(f"{what}: expected a list of {type_[:-2]}, got {_short(value)}")
        return [check_value(type_[:-2], v, f"{what}[{i}]") for i, v in enumerate(value)]
    if type_ == "string":
        if not isinstance(value, str):
            raise QueryError(f"{what}: expected text, got {_short(value)}")
        if "\x00" in value:  # FalkorDB's parameter text ends at a NUL; the loader refuses them too
            raise QueryError(f"{what}: contains a NUL byte")
        return value
    if type_ == "boolean":
        if not isinstance(value, bool):
            raise QueryError(f"{what}: expected true or false, got {_short(value)}")
        return value
    if type_ == "datetime":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise QueryError(f"{what}: expected an ISO-8601 time, got {_short(value)}")
        try:
            return parse_time(value)
        except (ValueError, OverflowError) as exc:
            raise QueryError(f"{what}: {_short(value)} is not a time ({exc})") from None
    if type_ == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QueryError(f"{what}: expected an integer, got {_short(value)}")
        if abs(value) > MAX_INT:
            raise QueryError(f"{what}: {value} is out of range (beyond 2^53: JSON and 64-bit integers disagree)")
        return value
    if type_ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise QueryError(f"{what}: expected a number, got {_short(value)}")
        if not math.isfinite(value):
            raise QueryError(f"{what}: {value} is not a finite number")
        return float(value)
    raise QueryError(f"{what}: unknown type {type_!r}")


def _any_value(text: str, what: str) -> object:
    """An ad-hoc parameter: ``3``, ``0.5``, ``true``, ``null``, ``["a", "b"]`` or ``"quoted text"`` as JSON,
    anything else as the text itself (``-p id=wechat:abc``)."""
    try:
        value = json.loads(text)
    except ValueError:
        return check_value("string", text, what)
    return _check_any(value, what)


def _check_any(value: object, what: str) -> object:
    if isinstance(value, (list, tuple)):
        return [_check_any(v, f"{what}[{i}]") for i, v in enumerate(value)]
    for type_, kinds in (("boolean", bool), ("integer", int), ("float", float), ("string", str)):
        if isinstance(value, kinds):
            return check_value(type_, value, what)
    if value is None:
        return None
    raise QueryError(f"{what}: {_short(value)} is not a string, number, boolean or list")


def _short(value: object, n: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return repr(text[:n] + ("..." if len(text) > n else ""))


# --- parsing a file -----------------------------------------------------------------------------

def _blank_out(body: str) -> str:
    """The body with string literals, backticked names and comments replaced by spaces.

    Newlines stay where they were, so offsets still map to lines; what remains is code only.
    """
    out = list(body)
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c in "'\"`":
            j = i + 1
            while j < n and body[j] != c:
                j += 2 if body[j] == "\\" and c != "`" else 1
            end = min(j + 1, n)
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
        elif body.startswith("//", i):
            j = body.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif body.startswith("/*", i):
            j = body.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


def _model_names() -> tuple[set[str], set[str], set[str]]:
    labels = {n.label for n in model.NODES}
    types = {r.type for r in model.RELATIONSHIPS}
    props = {name for spec in (*model.NODES, *model.RELATIONSHIPS) for p in spec.props
             for name in model.stored_names(p)}
    return labels, types, props


_PARAM_USE = re.compile(r"\$(" + _IDENT + r")")
_NODE_LABEL = re.compile(r"\(\s*(?:" + _IDENT + r")?\s*((?::\s*" + _IDENT + r"\s*)+)")
_WHERE_LABEL = re.compile(r"\b(?:WHERE|AND|OR|NOT|XOR)\s+" + _IDENT + r"\s*((?::\s*" + _IDENT + r"\s*)+)",
                          re.IGNORECASE)
_REL_TYPE = re.compile(r"\[\s*(?:" + _IDENT + r")?\s*:\s*(" + _IDENT + r"(?:\s*\|\s*:?\s*" + _IDENT + r")*)")
_PROPERTY = re.compile(r"(?<![\w$.])" + _IDENT + r"\s*\.\s*(" + _IDENT + r")")
_PROJECTION = re.compile(r"[{,]\s*\.(" + _IDENT + r")")


_UNWOUND_PARAM = re.compile(r"\bUNWIND\s+\$" + _IDENT + r"\s+AS\s+(" + _IDENT + r")", re.IGNORECASE)
_PATTERN_MAP = re.compile(r"(?<!\w)[(\[]\s*(?=[A-Za-z_:])(?:" + _IDENT + r")?\s*(?::\s*" + _IDENT + r"\s*)*\{([^{}]*)\}")
_MAP_KEY = re.compile(r"(?:^|,)\s*(" + _IDENT + r")\s*:")


def check_cypher(where: str, body: str, first_line: int, params: dict[str, int]) -> None:
    """Check a Cypher text against its declared parameters and the model, naming ``where:line``.

    The one checker of every query graphtool sends: the canned queries (``cypher/*.cypher``,
    :func:`parse_query`) and the internal ones (:mod:`graphtool.internal_queries`, each slot
    variant).  ``params`` maps each declared parameter to the line that declares it.  Raises
    :class:`QueryError` when the body uses an undeclared ``$parameter``, leaves a declared one
    unused, or names a label, relationship type or property (``x.name``, ``{.name}`` or a key of
    a node or relationship pattern's map) that :mod:`graphtool.model` does not declare.  Keys of
    a row unwound from a parameter (``UNWIND $rows AS row ... row.props``) are the code's own,
    not the store's, and are not looked up.

    Queries generated from the model (the loader's ``UNWIND ... MERGE`` per label and type,
    ``Store.counts``) are checked by construction: they spell only names read from the model's
    declarations; tests/test_internal_queries.py runs this checker on them for every declared
    label and type as well.
    """
    code = _blank_out(body)

    def line_of(offset: int) -> int:
        return first_line + code.count("\n", 0, offset)

    used: dict[str, int] = {}
    for m in _PARAM_USE.finditer(code):
        used.setdefault(m.group(1), line_of(m.start()))
    for name, line in used.items():
        if name not in params:
            raise QueryError(f"{where}:{line}: parameter ${name} is used but not declared")
    for name, line in params.items():
        if name not in used:
            raise QueryError(f"{where}:{line}: parameter {name} is declared but not used in the query")

    labels, types, props = _model_names()
    rows = set(_UNWOUND_PARAM.findall(code))
    checks = [(_NODE_LABEL, labels, "label"), (_WHERE_LABEL, labels, "label"),
              (_REL_TYPE, types, "relationship type"), (_PROPERTY, props, "property"),
              (_PROJECTION, props, "property")]
    for regex, known, what in checks:
        for m in regex.finditer(code):
            if regex is _PROPERTY and re.match(r"\s*(" + _IDENT + r")", m.group(0)).group(1) in rows:
                continue
            for name in re.split(r"[\s:|]+", m.group(1)):
                if name and name not in known:
                    raise QueryError(f"{where}:{line_of(m.start(1))}: {what} {name!r} is not declared in "
                                     "graphtool/model.py")
    for m in _PATTERN_MAP.finditer(code):
        for key in _MAP_KEY.finditer(m.group(1)):
            if key.group(1) not in props:
                raise QueryError(f"{where}:{line_of(m.start(1) + key.start(1))}: property {key.group(1)!r} is "
                                 "not declared in graphtool/model.py")


def _parse_param(path: Path, line: int, name: str, spec: str, doc: str) -> Param:
    m = _PARAM_SPEC_RE.match(spec or "")
    if not m:
        raise QueryError(f"{path}:{line}: param {name}: expected '(TYPE, required, e.g. VALUE)' or "
                         "'(TYPE, default VALUE)'")
    type_ = m.group("type")
    if type_ not in TYPES:
        raise QueryError(f"{path}:{line}: param {name}: unknown type {type_!r} (use {', '.join(TYPES)})")

    def literal(text: str, what: str):
        try:
            value = json.loads(text)
        except ValueError:
            raise QueryError(f"{path}:{line}: param {name}: {what} {text!r} is not a JSON value "
                             '(quote strings: "text")') from None
        try:
            return check_value(type_, value, f"param {name} {what}")
        except QueryError as exc:
            raise QueryError(f"{path}:{line}: {exc}") from None

    required = m.group("required") is not None
    default = None if required else literal(m.group("default"), "default")
    example = literal(m.group("example"), "example") if m.group("example") else None
    if required and example is None:
        raise QueryError(f"{path}:{line}: param {name}: a required parameter needs an example "
                         "(e.g. VALUE) for the documentation")
    if not doc.strip():
        raise QueryError(f"{path}:{line}: param {name}: say what it means after the colon")
    return Param(name, type_, doc.strip(), line, required, default, example, m.group("example") or "")


def adhoc_query(text: str, name: str = "ad-hoc", path: Path | None = None) -> Query:
    """A query without a header: typed with ``--cypher`` or a personal ``.cypher`` file.

    Every ``$parameter`` it uses is required and typed from its text (``-p n=3`` is a number,
    ``-p id=wechat:abc`` text; see :func:`parse_value` with type ``any``); its columns are what
    it returns.  It runs under the same read-only rules as a canned query.
    """
    body = text.strip()
    where = str(path) if path else "--cypher"
    if not _blank_out(body).strip():
        raise QueryError(f"{where}: the query is empty")
    used = dict.fromkeys(_PARAM_USE.findall(_blank_out(body)))  # in order of first use
    params = tuple(Param(p, ANY, "an ad-hoc parameter", 0, example_text="") for p in used)
    return Query(name, "ad-hoc query", "", params, (), body + "\n", path, 1, adhoc=True)


def _has_header(lines: list[str]) -> bool:
    """Whether a file opens with a header block: a ``// name:`` line among its leading comments."""
    for raw in lines:
        if not raw.startswith("//"):
            return False
        m = _FIELD_RE.match(raw)
        if m and m.group(1) == "name":
            return True
    return False


def parse_query(path: str | os.PathLike, text: str | None = None, *, header: bool = True) -> Query:
    """Parse and check one query file (see the module docstring for the format).

    ``header=False`` (an analyst's own file): a file without a header block is an ad-hoc query
    (:func:`adhoc_query`); one with a header is checked as a canned query.
    """
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{path}: cannot read: {exc}") from None
    lines = text.splitlines()
    if not header and not _has_header(lines):
        return adhoc_query(text, path.stem, path)
    header: list[tuple[int, str, str | None, str | None, str]] = []  # (line, field, name, spec, value)
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        raw, number = lines[i], i + 1
        i += 1
        if raw.strip() == "//":
            continue
        if re.match(r"^//\s{3,}\S", raw) and header:  # continuation of the field above
            line, fld, name, spec, value = header[-1]
            header[-1] = (line, fld, name, spec, f"{value} {raw[2:].strip()}")
            continue
        m = _FIELD_RE.match(raw)
        if not m or m.group(1) not in FIELDS:
            raise QueryError(f"{path}:{number}: expected a header field ({', '.join(FIELDS)}), got {raw[:60]!r}")
        fld, name, spec, value = m.groups()
        if fld in ("param", "column") and not name:
            raise QueryError(f"{path}:{number}: {fld} needs a name: '// {fld} NAME ...: meaning'")
        if fld not in ("param", "column") and (name or spec):
            raise QueryError(f"{path}:{number}: expected '// {fld}: text'")
        if fld == "column" and spec:
            raise QueryError(f"{path}:{number}: expected '// column NAME: meaning'")
        header.append((number, fld, name, spec, value.strip()))
    while i < len(lines) and not lines[i].strip():  # the body starts at its first non-blank line
        i += 1
    body_line = i + 1
    body = "\n".join(lines[i:]).rstrip()

    fields: dict[str, tuple[int, str]] = {}
    params: dict[str, Param] = {}
    columns: dict[str, Column] = {}
    for line, fld, name, spec, value in header:
        if fld == "param":
            if name in params:
                raise QueryError(f"{path}:{line}: param {name} is declared twice")
            params[name] = _parse_param(path, line, name, spec, value)
        elif fld == "column":
            if name in columns:
                raise QueryError(f"{path}:{line}: column {name} is declared twice")
            if not value:
                raise QueryError(f"{path}:{line}: column {name}: say what it holds after the colon")
            columns[name] = Column(name, value, line)
        else:
            if fld in fields:
                raise QueryError(f"{path}:{line}: {fld} is given twice")
            if not value:
                raise QueryError(f"{path}:{line}: {fld} is empty")
            fields[fld] = (line, value)
    end = header[-1][0] + 1 if header else 1
    for fld in REQUIRED_FIELDS:
        if fld not in fields and not (fld == "column" and columns):
            raise QueryError(f"{path}:{end}: header field {fld!r} is missing")
    name_line, name = fields["name"]
    if name != path.stem:
        raise QueryError(f"{path}:{name_line}: name {name!r} must equal the file name {path.stem!r}")
    if not body.strip():
        raise QueryError(f"{path}:{body_line}: the query body is empty")
    if LIMIT_PARAM in params and params[LIMIT_PARAM].type != "integer":
        raise QueryError(f"{path}:{params[LIMIT_PARAM].line}: param {LIMIT_PARAM} must be an integer")
    check_cypher(str(path), body, body_line, {name: p.line for name, p in params.items()})
    return Query(name, fields["description"][1], fields["question"][1], tuple(params.values()),
                 tuple(columns.values()), body.strip() + "\n", path, body_line)


def query_dirs() -> list[Path]:
    """Where queries are found: ``cypher/`` plus any folders in ``GRAPHTOOL_QUERIES`` (os.pathsep-separated)."""
    extra = [Path(p) for p in os.environ.get("GRAPHTOOL_QUERIES", "").split(os.pathsep) if p]
    return [QUERY_DIR, *extra]


def load_queries(dirs: list[Path] | None = None) -> dict[str, Query]:
    """Every query by name, each checked; a later folder may not redefine a name."""
    found: dict[str, Query] = {}
    dirs = dirs or query_dirs()
    for directory in dirs:
        for path in sorted(Path(directory).glob("*.cypher")):
            q = parse_query(path)
            if q.name in found:
                raise QueryError(f"{path}:1: query {q.name} is also defined in {found[q.name].path}")
            found[q.name] = q
    if not found:  # a broken installation or a wrong GRAPHTOOL_QUERIES: never an empty list
        raise QueryError(f"no canned queries found in {', '.join(str(d) for d in dirs)}: reinstall graphtool")
    return found


def get_query(name: str, dirs: list[Path] | None = None) -> Query:
    """A query by name, or from a ``.cypher`` file path (an analyst's own query: a header is optional)."""
    if name.endswith(".cypher"):
        path = Path(name)
        if not path.is_file():
            raise QueryError(f"{path}: no such query file")
        return parse_query(path, header=False)
    queries = load_queries(dirs)
    if name not in queries:
        close = [n for n in queries if name in n or n in name]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else "; see `graphtool query list`"
        raise QueryError(f"no query named {name!r}{hint}")
    return queries[name]


# --- running ------------------------------------------------------------------------------------

@dataclass
class QueryResult:
    query: Query
    params: dict
    columns: list[str]
    rows: list[dict] = field(default_factory=list)
    truncated: bool = False


# Procedures a user's query may CALL: read-only introspection that reads no file and touches no other session.
ALLOWED_PROCEDURES = ("db.labels", "db.relationshipTypes", "db.propertyKeys", "db.indexes", "db.constraints",
                      "db.schema.nodeTypeProperties", "db.schema.relTypeProperties", "db.schema.visualization")
# Administration commands (users, roles, databases, transactions, servers, settings) and USE (another database).
_ADMIN = re.compile(r"(?<![\w.$:])(SHOW|TERMINATE|GRANT|DENY|REVOKE|ALTER|RENAME|USE|START|STOP|ENABLE|DEALLOCATE"
                    r"|REALLOCATE|DRYRUN)\s+[A-Za-z]", re.IGNORECASE)
_ADMIN_CREATE = re.compile(r"(?<![\w.$:])(CREATE|DROP)\s+(OR\s+REPLACE\s+)?(USER|ROLE|DATABASE|COMPOSITE|ALIAS|SERVER)\b",
                           re.IGNORECASE)
_LOAD_CSV = re.compile(r"(?<![\w.$:])LOAD\s+CSV\b", re.IGNORECASE)
_CALL = re.compile(r"(?<![\w.$:])CALL\b", re.IGNORECASE)
_PROCEDURE_NAME = re.compile(r"`?([A-Za-z_][\w.]*)`?(?:\s*\.\s*`?[A-Za-z_][\w]*`?)*")


def check_harmless(query: Query) -> None:
    """Refuse what a read-only transaction still allows: ``LOAD CSV`` (reads files and URLs),
    administration commands (``TERMINATE TRANSACTIONS``, ``SHOW USERS``, ...), ``USE`` and any
    procedure outside :data:`ALLOWED_PROCEDURES`.  Strings and comments are not looked at.

    Raises :class:`~graphtool.errors.ReadOnlyError` naming what was refused.
    """
    code = _blank_out(query.text)
    where = f"query {query.name}"
    if m := _LOAD_CSV.search(code):
        raise ReadOnlyError(f"{where}: LOAD CSV is refused (it reads files and URLs); import data with graphtool import")
    if m := (_ADMIN.search(code) or _ADMIN_CREATE.search(code)):
        raise ReadOnlyError(f"{where}: {m.group(1).upper()} is refused: administration commands and USE do not run "
                            "through graphtool")
    for m in _CALL.finditer(code):
        start = len(query.text) - len(query.text[m.end():].lstrip())  # the original text: names may be backticked
        if query.text[start:start + 1] in ("{", "("):
            continue  # a subquery, CALL { ... } or CALL (x) { ... }
        name = _PROCEDURE_NAME.match(query.text, start)
        called = re.sub(r"[`\s]", "", name.group(0)) if name else ""
        if called.lower() not in {p.lower() for p in ALLOWED_PROCEDURES}:
            raise ReadOnlyError(f"{where}: procedure {called or '?'} is refused (allowed: "
                                f"{', '.join(ALLOWED_PROCEDURES)})")


TIMEOUT_GRACE_S = 0.25  # the store's own timeout usually fires first; past this, graphtool stops waiting


def _read_within(store, text: str, params: dict, timeout: float | None) -> list[dict]:
    """``store.read``, given up after ``timeout`` seconds even when the store checks its timeout late.

    FalkorDB looks at its per-query TIMEOUT only between records (one long aggregate ran 14.7 s
    under a 0.2 s timeout), so the read runs in a daemon thread that the caller stops waiting for.
    """
    if timeout is None:
        return store.read(text, params)
    outcome: dict = {}

    def read() -> None:
        try:
            outcome["rows"] = store.read(text, params, timeout=timeout)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=read, daemon=True, name="graphtool-query")
    worker.start()
    worker.join(timeout + TIMEOUT_GRACE_S)
    if worker.is_alive():
        raise StoreError("timed out")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["rows"]


def run_query(store, query: Query, params: dict | None = None, *, from_text: bool = True,
              limit: int | None = None, timeout: float | None = None) -> QueryResult:
    """Run a canned or ad-hoc query read-only with typed parameters.

    ``params`` are ``-p`` strings when ``from_text`` (the CLI) or typed values otherwise.
    ``limit`` sets the query's ``$limit`` when it declares one, else truncates the rows.
    A query that tries to write raises :class:`~graphtool.errors.ReadOnlyError`, and so does one
    that :func:`check_harmless` refuses.  The columns are the declared ones, then any other
    column the query returns (never dropped).
    """
    if limit is not None and limit < 0:
        raise QueryError("--limit must be 0 or more")
    if timeout is not None and timeout <= 0:
        raise QueryError("--timeout must be more than 0 seconds")
    bound = query.bind(params, from_text=from_text, limit=limit)
    check_harmless(query)
    try:
        rows = _read_within(store, query.text, bound, timeout)
    except StoreError as exc:
        message = str(exc)
        if timeout and any(word in message.lower() for word in ("timed out", "timeout", "terminated")):
            raise StoreError(f"query {query.name} did not finish within {timeout:g} s") from None
        raise
    truncated = False
    if limit is not None and not query.has_limit and len(rows) > limit:
        rows, truncated = rows[:limit], True
    columns = [c.name for c in query.columns]
    columns += [name for name in (rows[0] if rows else {}) if name not in columns]
    return QueryResult(query, bound, columns, rows, truncated)


# --- documentation ------------------------------------------------------------------------------

def cypher_literal(value: object) -> str:
    """A value written as a Cypher literal, for Neo4j Browser's ``:param`` lines."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise TypeError(f"no Cypher literal for {type(value).__name__}")


def param_lines(query: Query) -> list[str]:
    """``:param name => value`` lines that set every parameter in Neo4j Browser."""
    return [f":param {p.name} => {cypher_literal(p.sample)}" for p in query.params]


def docs_markdown(queries: dict[str, Query] | None = None) -> str:
    """``docs/queries.md``: every canned query with its parameters, columns and Browser-ready text."""
    queries = queries if queries is not None else load_queries([QUERY_DIR])
    out = ["# Canned queries", "",
           "Generated from the headers in `cypher/*.cypher` by `python -m graphtool.queries --docs`; "
           "do not edit by hand.", "",
           "Run one with `graphtool query run NAME -p key=value ... [--format table|csv|json|md] "
           "[--limit N] [--timeout S]`.",
           "Queries run read-only (a READ transaction on Neo4j, `GRAPH.RO_QUERY` on FalkorDB) and take "
           "values only as parameters.",
           "`--limit N` sets a query's `$limit` parameter where it declares one, so the store stops early; "
           "otherwise the rows are truncated after they come back.", "",
           "To use one in Neo4j Browser, paste its `:param` lines (one at a time or all together), "
           "then the query.",
           "A `datetime` parameter takes ISO-8601 (or epoch seconds) on the command line and reaches the query "
           "as epoch seconds, to compare with the model's `*_ts` properties; its `:param` line shows that number.",
           "An `until` given as a date alone (`-p until=2021-09-20`) includes that day; `since` after `until` is "
           "an error.",
           "`--timeout S` holds on both stores: graphtool stops waiting after S seconds even where FalkorDB checks "
           "its own per-query `TIMEOUT` late (the embedded server may finish the abandoned query in the background).",
           "",
           "## Your own queries", "",
           "`graphtool query run --cypher 'MATCH (a:Account {platform: $p}) RETURN a.id AS id' -p p=wechat` runs "
           "any read-only query on either store, and so does `graphtool query run my.cypher`: a personal "
           "`.cypher` file needs no header (with one, it is checked like the canned queries).",
           "Every `$parameter` such a query uses must be given with `-p`; a value is read as JSON where it is "
           "one (`3`, `0.5`, `true`, `null`, `[\"a\", \"b\"]`, `\"123\"` for text that looks like a number) "
           "and as text otherwise (`-p id=wechat:abc`).",
           "Every column a query returns is printed, declared in a header or not.", "",
           "## What read-only refuses", "",
           "Every query graphtool runs for you (canned, `--cypher` or a file) runs in a read-only transaction "
           "(`GRAPH.RO_QUERY` on FalkorDB) and is refused before it reaches the store when it holds:",
           "",
           "- `LOAD CSV` (it reads files and URLs: import data with `graphtool import`);",
           "- an administration command: `SHOW ...`, `TERMINATE TRANSACTIONS`, `CREATE`/`DROP`/`ALTER USER`, "
           "`ROLE`, `DATABASE`, `ALIAS` or `SERVER`, `GRANT`, `DENY`, `REVOKE`, `START`/`STOP DATABASE`, or "
           "`USE` (another database: choose one with `--database`);",
           "- a procedure other than " + ", ".join(f"`{p}`" for p in ALLOWED_PROCEDURES) + ".",
           "",
           "Strings and comments are not looked at, so `WHERE a.text CONTAINS 'LOAD CSV'` runs.",
           "On your own Neo4j server, confine file access as well (graphtool's test server runs so), in "
           "`neo4j.conf`:", "",
           "```",
           "server.directories.import=/var/lib/neo4j/import   # an empty folder only LOAD CSV may read",
           "dbms.security.allow_csv_import_from_file_urls=false",
           "```", "",
           "and give graphtool a user with the `reader` role where it only reads (Enterprise Edition), so "
           "that no query it runs can terminate other sessions' transactions.",
           "",
           "## The queries", "",
           "| query | question |", "|---|---|"]
    out += [f"| [`{q.name}`](#{q.name}) | {_md(q.question)} |" for q in queries.values()]
    out.append("")
    for q in queries.values():
        out += [f"## {q.name}", "", _md(q.description), "", f"*Question:* {_md(q.question)}", ""]
        if q.params:
            out += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            for p in q.params:
                default = (f"required, e.g. `{p.example_text}`" if p.required
                           else f"`{json.dumps(p.default, ensure_ascii=False)}`")
                out.append(f"| `{p.name}` | {p.type} | {default} | {_md(p.doc)} |")
            out.append("")
        out += ["| column | meaning |", "|---|---|"]
        out += [f"| `{c.name}` | {_md(c.doc)} |" for c in q.columns]
        out += ["", "```cypher", *param_lines(q), "", q.text.rstrip(), "```", ""]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    """``python -m graphtool.queries --docs [--check]``: regenerate or check docs/queries.md."""
    if "--docs" not in argv:
        print("usage: python -m graphtool.queries --docs [--check]", file=sys.stderr)
        return 2
    try:
        text = docs_markdown()
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if "--check" in argv:
        if not DOCS_PATH.exists() or DOCS_PATH.read_text(encoding="utf-8") != text:
            print(f"{DOCS_PATH} is stale: run python -m graphtool.queries --docs", file=sys.stderr)
            return 1
        return 0
    DOCS_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
