"""CooRTweet's input (``object_id, account_id, content_id, timestamp_share``).

Recognised by its header; an optional ``platform`` column (default ``x``).  Each row is
one share: ``content_id`` (the share's own id) by ``account_id`` of ``object_id`` at
``timestamp_share`` (epoch s or ms, or ISO-8601).  An ``object_id`` that is a URL makes the
share a message carrying that link (its ``Article``'s ``urls``, as a QUT message with a
URL); any other object id (a reposted tweet, a hashtag) a repost of the ``Article``
``platform:object_id``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

from . import register
from .records import Reject
from .rows import read_csv, require_columns
from .shares import MessageRows, header_matches, is_url

COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")


def sniff(path: Path) -> bool:
    return header_matches(path, COLUMNS)


def read(path: Path, default_sources: list[str] | None = None, platform: str | None = None) -> Iterator:
    """Validated records and rejects from one CooRTweet CSV file."""
    path = Path(path)
    rows = read_csv(path)
    messages = MessageRows(path, default_sources, columns={"message_id": "content_id", "user_id": "account_id",
                                                           "timestamp": "timestamp_share", "urls": "object_id"})
    checked = False
    for row in rows:
        if isinstance(row, Reject):
            yield row
            continue
        if not checked:
            require_columns(path, rows.header, COLUMNS, "CooRTweet format")
            checked = True
        v = row.values
        obj = (v.get("object_id") or "").strip()
        if not obj:
            yield messages.reject(row.line, "object_id", "required but missing", v)
            continue
        link = is_url(obj)
        yield from messages.records(
            row.line, v, message_id=v.get("content_id"), user_id=v.get("account_id"),
            timestamp=v.get("timestamp_share"), platform=v.get("platform") or platform,
            repost_of=None if link else obj, urls=[obj] if link else None)


register("coortweet", sys.modules[__name__])
