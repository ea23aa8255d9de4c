"""The one values module: times, URLs, identifiers and scalar checks, used by load, queries and analyze.

Everything here is pure (text in, value out) and imports nothing else from graphtool, so any
layer may use it.  A value that cannot be read raises :class:`FieldError` naming the field,
so a loader turns it into a reject with file, line and field.

- Times: :func:`parse_time` (ISO-8601, epoch seconds or milliseconds -> epoch seconds),
  :func:`iso` (epoch seconds -> ``2019-07-02T14:30:00Z``), :func:`parse_when` (a list of
  formats, for mapping files and archives), :func:`parse_offset`.
- URLs: :func:`normalize_url` (the form two shares must agree on) and :func:`url_host`.
- Identifiers: :func:`check_id` (the normalise-or-reject rule for node ids, with the one
  length cap both stores accept).
- Scalars: :data:`MAX_INT` (the one integer limit), :func:`parse_integer`, :func:`boolean`,
  :func:`literal_list`.
"""
from __future__ import annotations

import ast
import math
import re
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_INT = 2**53  # beyond this, JSON, Python floats and both stores stop agreeing on integers
MIN_TS, MAX_TS = 0, 4102444800  # 1970-01-01 .. 2100-01-01
MAX_LIST_CHARS = 256 * 1024  # a list column longer than this is damage, not data
# FalkorDB crashes on indexed values of about 4 KB and Neo4j refuses to index ~8 KB: an id is
# a name, not content, so 1,024 bytes is generous for every real identifier and safe on both.
MAX_ID_BYTES = 1024

# Named timestamp formats a mapping file may use besides strptime patterns.
NAMED_FORMATS = ("iso", "epoch", "epoch_ms")


class FieldError(ValueError):
    """A value that does not fit its declared property."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- times ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_time(value) -> int:
    """Epoch seconds from ISO-8601 (``Z``, an offset, or naive = UTC), epoch s or epoch ms.

    >>> parse_time("2019-07-02T14:30:00Z"), parse_time("2019-07-02 14:30"), parse_time(1562077800000)
    (1562077800, 1562077800, 1562077800)
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, (int, float)):
        ts = float(value)
    else:
        text = str(value).strip()
        # An ISO date has a "-" at position 4; only other text is tried as a number (the common
        # case, an ISO string, never pays for a failed float()).
        if len(text) > 4 and text[4] == "-":
            ts = _iso_seconds(text)
        elif _NUMBER.fullmatch(text):
            ts = float(text)
        else:
            raise ValueError(f"{text[:40]!r} is neither ISO-8601 nor epoch seconds")
    if not math.isfinite(ts):
        raise ValueError("not a finite number")
    if ts > MAX_TS * 100:  # milliseconds since the epoch
        ts /= 1000.0
    if not MIN_TS <= ts <= MAX_TS:
        raise ValueError("outside 1970..2100")
    return int(ts)


# The shape nearly every export writes, in UTC: date, time to the minute (then ":SS" or not, "Z" or not).
_UTC_MINUTE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})")


def _utc_seconds(text: str) -> int | None:
    """Epoch seconds of text in the common UTC shape (the number fromisoformat gives, several times
    sooner: a cached minute plus the seconds); None for any other text."""
    size = len(text) - (text[-1:] == "Z")
    if size == 19 and text[16] == ":":
        minute, second = _minute_start(text[:16]), text[17:19]
        if minute is not None and second.isascii() and second.isdigit() and second < "60":
            return minute + int(second)
    elif size == 16:
        return _minute_start(text[:16])
    return None


@lru_cache(maxsize=1 << 16)
def _minute_start(text: str) -> int | None:
    """Epoch seconds of ``YYYY-MM-DD HH:MM`` (or with ``T``) in UTC; None for any other text."""
    match = _UTC_MINUTE.fullmatch(text)
    if match:
        day = _day_start(match[1])
        hour, minute = int(match[2]), int(match[3])
        if day is not None and hour < 24 and minute < 60:
            return day + hour * 3600 + minute * 60
    return None


def utc_minute(text: str) -> tuple[int, str] | None:
    """(epoch seconds, the text :func:`iso` writes for it up to the minute) of ``YYYY-MM-DD HH:MM``
    (or with ``T``) in UTC, when all of that minute lies in 1970..2100; else None.  For an adapter
    that reads a time as a cached minute plus its seconds: what :func:`parse_when` and :func:`iso` give.
    """
    start = _minute_start(text)
    if start is None or start < MIN_TS or start + 59 > MAX_TS:
        return None
    return start, _minute_text(start // 60)


@lru_cache(maxsize=1 << 16)  # archives repeat times (whole minutes): most rows parse nothing
def _iso_seconds(text: str) -> float:
    seconds = _utc_seconds(text)
    if seconds is not None:
        return float(seconds)
    dt = datetime.fromisoformat(text)  # Python 3.11 reads "Z", " " and offsets itself
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


@lru_cache(maxsize=1 << 12)
def _day_start(day: str) -> int | None:
    """Epoch seconds of a ``YYYY-MM-DD`` day's midnight UTC; None when there is no such day."""
    try:
        return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        return None


def iso(ts: int) -> str:
    """Epoch seconds as ISO-8601 UTC with ``Z``.

    >>> iso(1562077800)
    '2019-07-02T14:30:00Z'
    """
    if type(ts) is int:  # the minute's text from a cache plus the seconds: what strftime writes, sooner
        minute, second = divmod(ts, 60)
        return f"{_minute_text(minute)}:{second:02d}Z"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1 << 16)  # every record's times are written back as text: archives repeat their minutes
def _minute_text(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, timezone.utc).strftime("%Y-%m-%dT%H:%M")


def parse_offset(text: str | None) -> timezone:
    """``+08:00`` / ``-0500`` / ``UTC`` / ``Z`` / ``None`` -> a fixed-offset timezone."""
    if not text or text.strip().upper() in ("UTC", "Z", "+00:00"):
        return timezone.utc
    text = text.strip()
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-").replace(":", "")
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{text!r} is not a UTC offset like +08:00")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_when(value, field: str, formats: tuple[str, ...] = ("iso",), tz: timezone = timezone.utc) -> int | None:
    """Epoch seconds of ``value`` read with the first of ``formats`` that fits; None when empty.

    ``iso`` is ISO-8601 (``2019-07-02 14:30``, ``...T14:30:00Z``, a date alone) or epoch
    seconds/milliseconds; ``epoch`` / ``epoch_ms`` are numbers only; anything else is a
    :func:`~datetime.datetime.strptime` pattern.  Times without a zone are taken in ``tz``.
    """
    if type(value) is str and formats and formats[0] == "iso" and tz is timezone.utc:
        seconds = _utc_seconds(value)  # what parse_time(value) gives for the common shape, sooner
        if seconds is not None and MIN_TS <= seconds <= MAX_TS:
            return seconds
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _when(str(value).strip(), field, tuple(formats), tz)


@lru_cache(maxsize=1 << 14)  # other shapes repeat too (a US-style date per row): each text is read once
def _when(text: str, field: str, formats: tuple[str, ...], tz: timezone) -> int:
    for fmt in formats:
        try:
            if fmt == "iso":
                if tz is not timezone.utc and _naive_iso(text):
                    return _checked(datetime.fromisoformat(text).replace(tzinfo=tz))
                return parse_time(text)
            if fmt in ("epoch", "epoch_ms"):
                if not _NUMBER.fullmatch(text):
                    continue
                number = float(text)
                return parse_time(number / 1000.0 if fmt == "epoch_ms" else number)
            dt = datetime.strptime(text, fmt)
            return _checked(dt if dt.tzinfo else dt.replace(tzinfo=tz))
        except (ValueError, OverflowError):
            continue
    raise FieldError(field, f"{text[:40]!r} is not a time in any of the formats {', '.join(formats)}")


def _naive_iso(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False


def _checked(dt: datetime) -> int:
    return parse_time(dt.timestamp())


# --- URLs ----------------------------------------------------------------------------------------

# Parameters that only say where a click came from; they never change what a URL points to.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "ref_src", "ref_url", "spm", "share_token", "chksm", "scene", "sessionid", "clicktime",
    "enterid", "isappinstalled", "from_source", "xmt", "si",
})
TRACKING_PREFIXES = ("utm_",)
_HOSTLIKE = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/|$)", re.UNICODE)


def normalize_url(url: str | None) -> str | None:
    """The form of a URL two shares must agree on, or ``None`` when there is no URL.

    Lower-cases scheme and host, drops default ports, the fragment, an empty query and
    tracking parameters (``utm_*``, ``fbclid``, ``gclid``, WeChat's ``chksm``/``scene``
    ...; see ``TRACKING_PARAMS``); keeps the order of the other parameters.  A scheme-less
    ``host.tld/path`` is read as ``http://``.  Text that is not a URL (a hashtag, an id)
    comes back stripped but otherwise unchanged.

    >>> normalize_url("HTTPS://Example.COM:443/a?utm_source=x&id=3&fbclid=y#top")
    'https://example.com/a?id=3'
    >>> normalize_url("  ") is None
    True
    """
    if url is None:
        return None
    text = str(url).strip()
    if not text:
        return None
    candidate = text if "://" in text else ("http://" + text if _HOSTLIKE.match(text) else None)
    if candidate is None:
        return text
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return text
    host = parts.hostname.lower().rstrip(".")
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def url_host(url: str | None) -> str | None:
    """The lower-cased host of a URL without ``www.`` (scheme optional), or None.

    >>> url_host("https://WWW.GlobalTimes.cn/page/1.html")
    'globaltimes.cn'
    """
    if not url:
        return None
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].lower().removeprefix("www.")
    return host or None


# --- identifiers and scalars ---------------------------------------------------------------------

_SURROUNDING_SPACE = re.compile(r"^\s|\s$")
_CONTROL = re.compile("[\x00-\x1f\x7f]")  # in C: a Python loop over every character was 23% of parsing


def check_id(value: str, field: str = "id") -> str:
    """The normalise-or-reject rule for a node id (and a relationship's ``src``/``dst``).

    Leading and trailing whitespace (space, tab, newline) is removed, because no real
    identifier has it and FalkorDB crashes on indexed values that do; an id that is then
    empty, holds a control character, or is longer than :data:`MAX_ID_BYTES` is refused.

    >>> check_id(" x:123\\t")
    'x:123'
    """
    text = value.strip() if _SURROUNDING_SPACE.search(value) else value
    if not text:
        raise FieldError(field, "required but missing (only whitespace)")
    if _CONTROL.search(text):
        raise FieldError(field, "contains a control character (tab, newline, ...)")
    if len(text) > MAX_ID_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        raise FieldError(field, f"longer than {MAX_ID_BYTES} bytes: an id names a record, it is not content")
    return text


_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_integer(text: str, field: str) -> int:
    """An integer written in ASCII digits (``1,000`` and ``3.0`` as exports write them).

    ``1_000`` and non-ASCII digits (``١٢``) are not integers, although Python's ``int()``
    reads them; nor is anything beyond :data:`MAX_INT`.
    """
    raw = text.strip().replace(",", "").removesuffix(".0")
    if len(raw) > 20 or not _ASCII_INTEGER.fullmatch(raw):
        raise FieldError(field, f"{text[:40]!r} is not an integer")
    number = int(raw)
    if abs(number) > MAX_INT:
        raise FieldError(field, f"{text[:40]} is out of range (more than 2^53)")
    return number


def literal_list(value, field: str) -> list[str]:
    """A Python-style list column (``"['a', 'b']"``, ``"[1, 2]"``, ``"[]"``, empty) as strings.

    Read with :func:`ast.literal_eval`, which evaluates literals only, never code; the size
    is capped first because deeply nested or huge literals exhaust the parser.
    """
    if value is None:
        return []
    if isinstance(value, list):
        items = value
    else:
        text = str(value).strip()
        if text in ("", "[]", "None", "nan"):
            return []
        if len(text) > MAX_LIST_CHARS:
            raise FieldError(field, f"list longer than {MAX_LIST_CHARS // 1024} KiB")
        if not (text.startswith("[") and text.endswith("]")):
            raise FieldError(field, f"{text[:40]!r} is not a Python-style list")
        try:
            items = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise FieldError(field, f"{text[:40]!r} is not a Python-style list") from None
        if not isinstance(items, (list, tuple)):
            raise FieldError(field, f"{text[:40]!r} is not a list")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise FieldError(field, f"list item {str(item)[:40]!r} is not text or a number")
        if str(item) != "":
            out.append(str(item))
    return out


def boolean(value, field: str) -> bool:
    """``True``/``False`` as the archives write them (and 1/0, yes/no); empty is False."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("true", "1", "yes", "t", "y"):
        return True
    if text in ("false", "0", "no", "f", "n", ""):
        return False
    raise FieldError(field, f"{text[:40]!r} is not True or False")


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` for a CSV cell: a leading ``'`` when a spreadsheet would run it as a formula.

    Only text is neutralised; a number that graphtool writes (``-0.5``) stays a number.

    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("-1+2"), spreadsheet_safe("plain")
    ('\\'=HYPERLINK("http://x")', "'-1+2", 'plain')
    """
    return "'" + text if text.startswith(FORMULA_START) else text
