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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..load.records import Reject
from ..load.shares import parse_urls
from ..values import MAX_TS, parse_time
from .coordination import KINDS, ActionColumns, normalize_text, normalize_url

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
    account: list = []
    item: list = []
    ts: list = []
    message: list = []
    out = FileActions(ActionColumns(account, item, ts, message))
    seen: set[str] = set()
    clean_url = normalize_url if kind == "co-link" else None
    clean_text = normalize_text if kind in ("co-text", "co-similar-text") else None

    def add(acc, it, t, mid):
        account.append(acc), item.append(it), ts.append(t), message.append(mid)

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
            if this == "coortweet":
                names = {"message": "content_id", "account": "account_id", "time": "timestamp_share"}
            else:
                names = {"message": "message_id", "account": "user_id", "time": "timestamp"}
            k_msg, k_acc, k_time = (col[names[n]] for n in ("message", "account", "time"))
            k_obj = col.get("object_id")
            k_rep, k_reply, k_text, k_urls = (col.get(c) for c in ("repost_id", "reply_id", "message", "urls"))
            width = len(header)

            def cell(row, k):
                return row[k].strip() if k is not None and k < len(row) else ""

            for row in reader:
                out.rows += 1
                line = reader.line_num
                if len(row) < width and not any(row):
                    continue  # a blank line

                def reject(name: str, reason: str):
                    out.rejects.append(Reject(str(path), line, name, reason, ",".join(row)[:400]))

                mid, acc, when = cell(row, k_msg), cell(row, k_acc), cell(row, k_time)
                if not mid:
                    reject(names["message"], "required but missing")
                    continue
                if not acc:
                    reject(names["account"], "required but missing")
                    continue
                if not when:
                    reject(names["time"], "required but missing: a message without a time cannot be matched")
                    continue
                try:
                    t = epoch(when)
                except (ValueError, OverflowError) as exc:
                    reject(names["time"], f"{when[:40]!r} is not a time ({exc})")
                    continue
                if mid in seen:
                    out.duplicates += 1
                    continue
                seen.add(mid)
                if this == "coortweet":
                    obj = cell(row, k_obj)
                    if not obj:
                        reject("object_id", "required but missing")
                        continue
                    obj = clean_url(obj) if clean_url else clean_text(obj) if clean_text else obj
                    if obj:
                        add(acc, obj, t, mid)
                    continue
                repost = cell(row, k_rep)
                if kind == "co-share":
                    if repost:
                        add(acc, repost, t, mid)
                elif repost:
                    continue
                elif kind == "co-reply":
                    target = cell(row, k_reply)
                    if target:
                        add(acc, target, t, mid)
                elif kind == "co-link":
                    for url in dict.fromkeys(filter(None, map(normalize_url, parse_urls(cell(row, k_urls))))):
                        add(acc, url, t, mid)
                else:
                    text = normalize_text(cell(row, k_text))
                    if text:
                        add(acc, text, t, mid)
    return out
