"""Raw values that export formats spell their own way: dates, Python-style lists, booleans.

Adapters turn them into what :func:`~graphtool.load.records.node_record` accepts (epoch
seconds, lists, ``True``/``False``) and raise :class:`~graphtool.load.records.FieldError`
naming the column when a value cannot be read, so the row becomes a reject with a reason.
"""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone

from .records import FieldError, parse_time
from .rows import MAX_RAW

MAX_LIST_CHARS = 256 * 1024  # a list column longer than this is damage, not data

# Named timestamp formats a mapping file may use besides strptime patterns.
NAMED_FORMATS = ("iso", "epoch", "epoch_ms")


def parse_offset(text: str | None) -> timezone:
    """``+08:00`` / ``-0500`` / ``UTC`` / ``Z`` / ``None`` -> a fixed-offset timezone."""
    if not text or text.strip().upper() in ("UTC", "Z", "+00:00"):
        return timezone.utc
    text = text.strip()
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-").replace(":", "")
    if len(digits) != 4 or not digits.isdigit():
        raise ValueError(f"{text!r} is not a UTC offset like +08:00")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_when(value, field: str, formats: tuple[str, ...] = ("iso",), tz: timezone = timezone.utc) -> int | None:
    """Epoch seconds of ``value`` read with the first of ``formats`` that fits; None when empty.

    ``iso`` is ISO-8601 (``2019-07-02 14:30``, ``...T14:30:00Z``, a date alone) or epoch
    seconds/milliseconds; ``epoch`` / ``epoch_ms`` are numbers only; anything else is a
    :func:`~datetime.datetime.strptime` pattern.  Times without a zone are taken in ``tz``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    for fmt in formats:
        try:
            if fmt == "iso":
                if tz is not timezone.utc and _naive_iso(text):
                    return _checked(datetime.fromisoformat(text.replace(" ", "T", 1)).replace(tzinfo=tz))
                return parse_time(text)
            if fmt in ("epoch", "epoch_ms"):
                number = float(text)
                return parse_time(number / 1000.0 if fmt == "epoch_ms" else number)
            dt = datetime.strptime(text, fmt)
            return _checked(dt if dt.tzinfo else dt.replace(tzinfo=tz))
        except (ValueError, OverflowError):
            continue
    raise FieldError(field, f"{text[:40]!r} is not a time in any of the formats {', '.join(formats)}")


def _naive_iso(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1)).tzinfo is None
    except ValueError:
        return False


def _checked(dt: datetime) -> int:
    return parse_time(dt.timestamp())


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


def raw_of(values: dict) -> str:
    """A row's values as one line for the rejects file."""
    return ",".join(str(v) for v in values.values())[:MAX_RAW]
