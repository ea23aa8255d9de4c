"""Follower / following lists: a two-column edge list, one follow per row, recognised by its header.

The header names the two sides: ``follower`` and ``following`` (or ``followed``, ``followee``);
``_id`` columns (``follower_id,following_id``) hold platform user ids, the others handles
(``@`` optional) or profile URLs.  Optional columns: ``platform`` (default ``x``) and
``observed_at`` (when the follow was seen).  Each row becomes ``FOLLOWS`` from the follower to
the followed account; accounts known only from the list are stubs, which identity resolution
puts on the account's node however another source named it.  A follow is never a share.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .identity import from_url
from .records import FieldError, Origin, Reject, node_record, rel_record, with_sources
from .rows import raw_of, read_csv, read_header

FOLLOWERS = ("follower", "follower_id")
FOLLOWED = ("following", "followed", "followee", "following_id", "followed_id", "followee_id")
DEFAULT_PLATFORM = "x"


def _columns(header: list[str]) -> tuple[str, str] | None:
    names = [h.strip().lower() for h in header]
    follower = next((h for h in names if h in FOLLOWERS), None)
    followed = next((h for h in names if h in FOLLOWED), None)
    if follower is None or followed is None or not set(names) <= {follower, followed, "platform", "observed_at"}:
        return None
    return follower, followed


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return False
    try:
        return _columns(read_header(path)) is not None
    except (InputError, OSError):
        return False


def _account(column: str, value: str, platform: str, origin: Origin):
    value = (value or "").strip()
    if not value:
        raise FieldError(column, "required but missing")
    row = {"platform": platform}
    by_url = from_url(value) if "/" in value else None
    if by_url is not None:
        platform, kind, value = by_url.platform, by_url.kind, by_url.value
        row["platform"] = platform
    else:
        kind = "user_id" if column.endswith("_id") else "handle"
        value = value.lstrip("@")
    row.update({"handle": value, "user_id": value} if kind == "user_id" else {"handle": value})
    try:
        record = node_record("Account", row, origin)
    except FieldError as exc:
        raise FieldError(column, exc.reason) from None
    record.stub = True
    return record


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """FOLLOWS records (and stub accounts) from one edge-list file."""
    path = Path(path)
    rows = read_csv(path)
    columns = None
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if columns is None:
            columns = _columns(rows.header)
            if columns is None:
                raise InputError(f"{path}:1: not a follower/following list: the header needs a follower column "
                                 f"({', '.join(FOLLOWERS)}) and a followed one ({', '.join(FOLLOWED)})")
        values = {k.strip().lower(): v for k, v in item.values.items()}
        origin = Origin(str(path), item.line, item.values)
        platform = (values.get("platform") or "").strip().lower() or DEFAULT_PLATFORM
        try:
            follower = _account(columns[0], values[columns[0]], platform, origin)
            followed = _account(columns[1], values[columns[1]], platform, origin)
            follows = rel_record("FOLLOWS", {"src": follower.id, "dst": followed.id,
                                             "observed_at": values.get("observed_at")}, origin)
        except FieldError as exc:
            yield Reject(str(path), item.line, exc.field, exc.reason, raw_of(item.values))
            continue
        yield from with_sources((follower, followed, follows), default_sources)


register("follows", sys.modules[__name__])
