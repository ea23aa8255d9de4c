"""The QUT coordination-network-toolkit's CSV input, so results can be compared with it.

Columns (header row required, recognised by it): ``message_id, user_id, username,
repost_id, reply_id, message, timestamp, urls``; an optional ``platform`` column (default
``x``).  ``timestamp`` is epoch seconds, epoch milliseconds or ISO-8601; ``urls`` is
space-separated as QUT documents it, or a JSON / Python list as QUT's own example file
has it.  Records as :mod:`graphtool.load.shares` describes.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

from . import register
from .rows import read_csv, require_columns
from .records import Reject
from .shares import MessageRows, header_matches

COLUMNS = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")
REQUIRED = ("message_id", "user_id", "timestamp")


def sniff(path: Path) -> bool:
    return header_matches(path, COLUMNS)


def read(path: Path, default_sources: list[str] | None = None, platform: str | None = None,
         fast: bool = True) -> Iterator:
    """Validated records and rejects from one QUT CSV file (``fast=False``: each value through the model)."""
    path = Path(path)
    rows = read_csv(path)
    messages = MessageRows(path, default_sources, fast=fast)
    checked = False
    for row in rows:
        if isinstance(row, Reject):
            yield row
            continue
        if not checked:
            require_columns(path, rows.header, REQUIRED, "QUT format")
            checked = True
        v = row.values
        yield from messages.records(
            row.line, v, message_id=v.get("message_id"), user_id=v.get("user_id"), username=v.get("username"),
            timestamp=v.get("timestamp"), platform=v.get("platform") or platform, repost_of=v.get("repost_id"),
            reply_to=v.get("reply_id"), text=v.get("message"), urls=v.get("urls"))


register("qut", sys.modules[__name__])
