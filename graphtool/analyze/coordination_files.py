"""Coordination straight from the peer tools' CSV files, without a store (``graphtool coordination FILE``).

For users of the QUT coordination-network-toolkit and CooRTweet: the same input file in, the same
network out, by :func:`~graphtool.analyze.coordination.co_actions`.

* **QUT** (``message_id, user_id, username, repost_id, reply_id, message, timestamp, urls``): the
  actions of each kind by QUT's rules (:func:`~graphtool.analyze.coordination.action_columns`):
  a message id counts once, the first row wins (QUT's ``insert or ignore``); reposts take part in
  ``co-share`` only.  ``urls`` is space-separated or a JSON / Python list; any entry is a link,
  a URL or an id standing for one (anonymised releases).
* **CooRTweet** (``object_id, account_id, content_id, timestamp_share``): every row is one share of
  ``object_id``, which is the item of whatever kind is asked for (a tweet for ``co-share``, a URL
  or CooRTweet's anonymised ``url_id`` for ``co-link``, a text for ``co-text``).

Times: epoch seconds (fractions kept, as QUT keeps them), epoch milliseconds, or ISO-8601.  A row
that cannot be used is a :class:`~graphtool.load.records.Reject` naming file, line and field; the
other rows are used.
"""
from __future__ import annotations

import csv
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..load.records import Reject
from ..load.shares import parse_urls
from ..values import MAX_TS, MIN_TS, parse_time
import numpy as np

from .coordination import KINDS, ActionColumns, Coded, normalize_text, normalize_url

QUT_COLUMNS = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")
QUT_REQUIRED = ("message_id", "user_id", "timestamp")
COORTWEET_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
FORMATS = ("qut", "coortweet")


@dataclass
class FileActions:
    """The actions of one kind read from files, with what was left out and why."""

    columns: ActionColumns
    rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    duplicates: int = 0  # rows whose message id came earlier (QUT ignores them)


def file_format(path: Path, header: list[str]) -> str:
    """``qut`` or ``coortweet`` from a file's header, or an :class:`InputError` naming the file."""
    names = {h.strip().lower() for h in header}
    if set(COORTWEET_COLUMNS) <= names:
        return "coortweet"
    if set(QUT_REQUIRED) <= names:
        return "qut"
    raise InputError(f"{path}: line 1: neither QUT ({', '.join(QUT_REQUIRED)}, ...) nor CooRTweet "
                     f"({', '.join(COORTWEET_COLUMNS)}) columns in the header")


def epoch(text: str) -> float:
    """Epoch seconds of a time field, fractions kept; ``ValueError`` when it is not a time."""
    try:
        ts = float(text)
    except ValueError:
        return float(parse_time(text))  # ISO-8601
    parse_time(ts)  # the checks: finite, 1970..2100 (whole seconds: it drops the fraction we keep)
    return ts / 1000.0 if ts > MAX_TS * 100 else ts  # milliseconds, as parse_time reads them


def read_file_actions(paths: Iterable[Path], kind: str, fmt: str | None = None) -> FileActions:
    """The ``kind`` actions of QUT or CooRTweet CSV files (format from each header unless ``fmt``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown coordination kind {kind!r}; known: {', '.join(KINDS)}")
    # Encoded as read: each account and item string kept once, message ids as the ordinal of
    # the messages that have an action (the engine needs only which rows are one message), times as doubles.
    accounts: dict[str, int] = {}
    items: dict[str, int] = {}
    account, item, message, ts = array("q"), array("q"), array("q"), array("d")
    rejects: list[Reject] = []
    seen: set[str] = set()
    rows = duplicates = used = 0  # used: messages with an action, numbered 0, 1, ... as they come
    share, reply, link = kind == "co-share", kind == "co-reply", kind == "co-link"
    clean = normalize_url if link else normalize_text if kind in ("co-text", "co-similar-text") else None

    def add(acc: str, it: str, t: float, number: int) -> None:
        a = accounts.setdefault(acc, len(accounts))
        account.append(a), item.append(items.setdefault(it, len(items))), ts.append(t), message.append(number)

    for path in map(Path, paths):
        try:
            handle = path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        with handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file, no header")
            this = fmt or file_format(path, header)
            col = {h.strip().lower(): k for k, h in enumerate(header)}
            wanted = COORTWEET_COLUMNS if this == "coortweet" else QUT_REQUIRED
            missing = [c for c in wanted if c not in col]
            if missing:
                raise InputError(f"{path}: line 1: {this} format needs column(s) {', '.join(missing)}")
            coortweet = this == "coortweet"
            names = (("content_id", "account_id", "timestamp_share") if coortweet
                     else ("message_id", "user_id", "timestamp"))
            k_msg, k_acc, k_time = (col[n] for n in names)
            # the item's column: CooRTweet's object; QUT's by kind (reposts are read for co-share only)
            k_rep = col.get("object_id" if coortweet else "repost_id")
            k_item = k_rep if coortweet or share else col.get(
                "reply_id" if reply else "urls" if link else "message")
            last = max(k for k in (k_msg, k_acc, k_time, k_rep, k_item) if k is not None)
            for row in reader:
                rows += 1
                try:
                    mid, acc, when = row[k_msg].strip(), row[k_acc].strip(), row[k_time].strip()
                    value = row[k_item].strip() if k_item is not None else ""
                    repost = row[k_rep].strip() if k_rep is not None and not coortweet else ""
                except IndexError:
                    if not any(row):
                        rows -= 1  # a blank line
                        continue
                    rejects.append(Reject(str(path), reader.line_num, header[min(len(row), last)].strip(),
                                          f"the row has {len(row)} fields, the header {len(header)}",
                                          ",".join(row)[:400]))
                    continue
                problem = None
                if not mid:
                    problem = names[0], "required but missing"
                elif not acc:
                    problem = names[1], "required but missing"
                elif not when:
                    problem = names[2], "required but missing: a message without a time cannot be matched"
                else:
                    try:
                        t = float(when)
                        if not MIN_TS <= t <= MAX_TS:
                            t = epoch(when)  # milliseconds, or out of range: the full check
                    except ValueError:
                        try:
                            t = epoch(when)
                        except (ValueError, OverflowError) as exc:
                            problem = names[2], f"{when[:40]!r} is not a time ({exc})"
                if problem is None and coortweet and not value:
                    problem = "object_id", "required but missing"
                if problem is not None:
                    rejects.append(Reject(str(path), reader.line_num, *problem, ",".join(row)[:400]))
                    continue
                if mid in seen:
                    duplicates += 1
                    continue
                seen.add(mid)
                if not coortweet and (share != bool(repost)):
                    continue  # co-share reads reposts, the other kinds everything else
                if link and not coortweet:
                    urls = dict.fromkeys(filter(None, map(normalize_url, parse_urls(value))))
                    for url in urls:
                        add(acc, url, t, used)
                    used += bool(urls)
                    continue
                if clean is not None:
                    value = clean(value)
                if value:
                    add(acc, value, t, used)
                    used += 1
    # message codes are already dense: the engine takes them as they are (no sort, no list of 10^7 ints)
    columns = ActionColumns(Coded(accounts, account), Coded(items, item), np.frombuffer(ts, dtype=np.float64),
                            Coded(range(used), np.frombuffer(message, dtype=np.int64)))
    out = FileActions(columns, rows, rejects, duplicates)
    return out
