"""Messages of social-media exports as graph records: who posted, reposted, replied, linked.

The peer tools' formats (QUT, CooRTweet) describe *messages*: one account, one time, and
what the message reposts, answers, says and links.  :class:`MessageRows` turns each
into records by the model:

* the account: ``Account {id: platform:user_id, handle: user_id, display_name: username}``;
* a repost: ``SHARED {id: message id, at, kind: "repost"}`` to the reposted ``Article``
  (the repost's own text and links are the original's: nothing else is recorded);
* any other message: its own ``Article {id: platform:message_id, text, published_at,
  urls}`` ``PUBLISHED`` by the account, ``urls`` holding its distinct normalised links (or link ids: anonymised data names a URL by a number); a
  reply adds ``SHARED {kind: "reply"}`` to the answered ``Article``.

A message id seen again with different content is rejected (the first occurrence is
kept, as QUT keeps it); the same message twice is loaded once.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Iterator

from .. import model
from ..values import normalize_url
from .records import (FieldError, NodeRecord, Origin, Reject, RelRecord, iso, node_record, parse_time, plain_id,
                      rel_record)

DEFAULT_PLATFORM = "x"
ACCOUNTS_REMEMBERED = 1 << 16  # checked account records kept per file (forgotten all at once when full)
_SHARED = model.rel(model.R.SHARED)
_SHARED_AT_TS = _SHARED.prop("at").ts_name  # where a share's epoch seconds are stored
_ACCOUNT, _ARTICLE = _SHARED.sources[0], _SHARED.targets[0]  # a share's ends, as the fast path writes them


def parse_urls(value) -> list[str]:
    """The URLs of a message's ``urls`` field: space-separated (QUT), or a JSON / Python list.

    >>> parse_urls("a.com/1 https://b.org/2")
    ['a.com/1', 'https://b.org/2']
    >>> parse_urls("['http://example.com/4', 'http://example.com/6']")
    ['http://example.com/4', 'http://example.com/6']
    >>> parse_urls("[]")
    []
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(parsed, (list, tuple)):
                return [str(v).strip() for v in parsed if v is not None and str(v).strip()]
    return [u for u in text.split() if u]


def is_url(text: str | None) -> bool:
    """Whether ``text`` normalises to an http(s) URL (and not, say, a hashtag or an id)."""
    norm = normalize_url(text)
    return bool(norm) and norm.startswith(("http://", "https://"))


class MessageRows:
    """Turns message rows of one file into records; remembers message ids for duplicates."""

    def __init__(self, path: Path, default_sources: list[str] | None, columns: dict[str, str] | None = None,
                 fast: bool = True):
        self.path = str(path)
        self.fast = fast  # False: every record value by value through the model (tests compare the two)
        self.sources = list(default_sources or [])
        # message id -> (its first line, a 64-bit hash of its content): the content itself held ~250 bytes per
        # message more (the adapter at 10^6: 587 -> 336 MiB); two contents with one hash are 2**-64 likely
        self.seen: dict[str, tuple[int, int]] = {}
        # An account's record as the model's rules made it, by (id, display name): its later rows
        # reuse it instead of checking every field again (a repost file names each account many times).
        self.accounts: dict[tuple, NodeRecord] = {}
        # the file's own names for message_id, user_id, timestamp, urls, in messages
        self.columns = {"message_id": "message_id", "user_id": "user_id", "timestamp": "timestamp",
                        "urls": "urls", **(columns or {})}

    def reject(self, line: int, field: str, reason: str, raw: dict | str = "") -> Reject:
        field = self.columns.get(field, field)
        text = raw if isinstance(raw, str) else ",".join(str(v)[:200] for v in raw.values())
        return Reject(self.path, line, field, reason, text)

    def records(self, line: int, raw: dict, *, message_id, user_id, timestamp, platform=None, username=None,
                repost_of=None, reply_to=None, text=None, urls=None) -> Iterator:
        """Records and rejects for one message."""
        origin = Origin(self.path, line)
        platform = (platform or "").strip() or DEFAULT_PLATFORM
        message_id = (message_id or "").strip()
        user_id = (user_id or "").strip()
        if not message_id:
            yield self.reject(line, "message_id", "required but missing", raw)
            return
        if not user_id:
            yield self.reject(line, "user_id", "required but missing", raw)
            return
        if timestamp is None or str(timestamp).strip() == "":
            yield self.reject(line, "timestamp", "required but missing: a message without a time cannot be "
                                                 "matched in a window", raw)
            return
        try:
            ts = parse_time(timestamp)
        except (ValueError, OverflowError) as exc:
            yield self.reject(line, "timestamp", f"{str(timestamp)[:40]!r} is not a time ({exc})", raw)
            return
        repost_of = (repost_of or "").strip() or None
        reply_to = (reply_to or "").strip() or None
        # A repost's links are the original's (QUT ignores them too).  Anything else in the field is
        # a link: a URL, or an id standing for one (anonymised releases, CooRTweet's url_id 23678).
        links = [] if repost_of else parse_urls(urls)
        content = hash((user_id, ts, repost_of, reply_to, text or "", tuple(links)))
        first = self.seen.get(message_id)
        if first is not None:
            if first[1] != content:
                yield self.reject(line, "message_id", f"duplicate message id {message_id[:80]!r} with different "
                                                      f"content; the first, at line {first[0]}, is kept", raw)
            return
        self.seen[message_id] = (line, content)
        try:
            yield from self._records(origin, platform, message_id, user_id, username, ts, repost_of, reply_to,
                                     text, dict.fromkeys(normalize_url(u) for u in links))
        except FieldError as exc:
            yield self.reject(line, exc.field, exc.reason, raw)

    def _account(self, account: str, platform: str, user_id: str, username, origin) -> NodeRecord:
        name = (username or "").strip()
        name = name if name and name != user_id else None  # a display name only when it says more than the id
        first = self.accounts.get((account, name)) if self.fast else None
        if first is None:
            row = {"id": account, "platform": platform, "handle": user_id}
            if name is not None:
                row["display_name"] = name
            first = node_record("Account", row, origin)  # raises FieldError for a bad value: not remembered
            if self.fast:
                if len(self.accounts) >= ACCOUNTS_REMEMBERED:
                    self.accounts.clear()
                self.accounts[(account, name)] = first
        return NodeRecord(_ACCOUNT, first.id, dict(first.props), origin, False, list(first.identifiers))

    def _records(self, origin, platform, message_id, user_id, username, ts, repost_of, reply_to, text, links):
        out = []
        account = f"{platform}:{user_id}"
        out.append(self._account(account, platform, user_id, username, origin))
        at = iso(ts)
        target = f"{platform}:{repost_of}"
        if self.fast and repost_of and plain_id(account) and plain_id(message_id) and plain_id(target):
            # A repost whose ids every rule takes as they are: its records built directly, as the rules
            # would make them (tests/test_parse_fast.py compares the two ways).
            out.append(NodeRecord(_ARTICLE, target, {"platform": platform}, origin))
            props = {"id": message_id, "at": at, _SHARED_AT_TS: ts, "kind": "repost"}  # the model's order
            out.append(RelRecord(_SHARED.type, account, target, props, _ACCOUNT, _ARTICLE, origin))
            return self._sourced(out)

        def share(target: str, kind: str, **article):
            out.append(node_record("Article", {"id": target, **article}, origin))
            out.append(rel_record("SHARED", {"src": account, "dst": target, "id": message_id, "at": at,
                                             "kind": kind}, origin))

        if repost_of:
            share(f"{platform}:{repost_of}", "repost", platform=platform)
        else:
            article = f"{platform}:{message_id}"
            out.append(node_record("Article", {"id": article, "platform": platform, "text": text or None,
                                               "published_at": at, "urls": list(links) or None}, origin))
            out.append(rel_record("PUBLISHED", {"src": account, "dst": article, "src_label": "Account"}, origin))
            if reply_to:
                share(f"{platform}:{reply_to}", "reply", platform=platform)
        return self._sourced(out)

    def _sourced(self, out: list) -> list:
        for record in out:
            if self.sources and not record.props.get("sources"):
                record.props["sources"] = list(self.sources)
        return out


def header_matches(path: Path, columns: tuple[str, ...]) -> bool:
    """Whether a CSV file's header holds ``columns`` (in any order, extra columns allowed)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt"):
        return False
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            first = handle.readline(64 * 1024)
    except OSError:
        return False
    import csv

    header = next(csv.reader([first]), [])
    names = {h.strip().lower() for h in header}
    return set(columns) <= names
