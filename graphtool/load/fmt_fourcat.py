"""4CAT's own CSV exports of captured TikTok, Douyin, X and Instagram datasets (``--format fourcat``).

4CAT writes one row per item with the columns its data source's ``map_item()`` returns; every
data source has ``id``, ``body`` and ``timestamp`` (``YYYY-MM-DD HH:MM:SS``) and most have
``unix_timestamp``, which is read first (4CAT writes some ``timestamp`` columns in the server's own
zone).  The data source is recognised by the columns only it has (:data:`KINDS`); each row
becomes a :class:`~graphtool.load.fmt_zeeschuimer.Post` and then the same records as a
Zeeschuimer capture of that platform, so a post captured both ways is one node.

What 4CAT's columns cannot say: an X retweet's original tweet id (4CAT keeps ``RT @user: text``
and ``retweeted_user``), so the retweet is a ``SHARED`` to ``x:<user>/text-<sha256 of the text>``,
the same node for every retweet of that text; a reply's parent (4CAT keeps the thread id), so a
reply is a ``SHARED {kind: reply}`` to the thread's first post.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .fmt_zeeschuimer import Post, Who, post_records, records_by_row
from .records import FieldError, Origin
from .rows import raw_of, read_csv, read_header, require_columns
from ..values import parse_when

COMMON = ("id", "body")
# data source -> (columns that recognise it, platform)
KINDS = {
    "tiktok": (("tiktok_url", "music_id", "author"), "tiktok"),
    "douyin": (("author_profile_url", "digg_count", "post_url"), "douyin"),
    "x": (("is_retweet", "quote_tweet_id", "author_id"), "x"),
    "instagram": (("num_likes", "media_type", "author"), "instagram"),
}


def kind_of(header: list[str]) -> str | None:
    names = set(header)
    if not set(COMMON) <= names or not ({"timestamp", "unix_timestamp"} & names):
        return None
    return next((kind for kind, (columns, _) in KINDS.items() if set(columns) <= names), None)


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    try:
        return kind_of(read_header(path)) is not None
    except (InputError, OSError):
        return False


def _list(value) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _when(v: dict) -> int | None:
    if (v.get("unix_timestamp") or "").strip():
        return parse_when(v["unix_timestamp"], "unix_timestamp", ("epoch",))
    return parse_when(v.get("timestamp"), "timestamp", ("%Y-%m-%d %H:%M:%S", "iso"))


def _count(value):
    text = (value or "").strip()
    return int(float(text)) if text.replace(".", "", 1).isdigit() else None


def _yes(value) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1")


def _tail(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] if url and "/" in url else None


def _tiktok(v: dict, at: int | None) -> Post:
    return Post("tiktok", v["id"], Who("tiktok", handle=v.get("author"), name=v.get("author_full"),
                                       followers=_count(v.get("author_followers"))), at,
                text=v.get("body"), url=v.get("tiktok_url"), views=_count(v.get("plays")),
                likes=_count(v.get("likes")), shares=_count(v.get("shares")), hashtags=_list(v.get("hashtags")),
                music_id=v.get("music_id") or None)


def _douyin(v: dict, at: int | None) -> Post:
    sec_uid = _tail(v.get("author_profile_url"))
    return Post("douyin", v["id"], Who("douyin", user_id=sec_uid, handle=sec_uid,
                                       name=v.get("author_nickname"), url=v.get("author_profile_url")), at,
                text=v.get("body"), url=v.get("post_url"), views=_count(v.get("play_count")),
                likes=_count(v.get("digg_count")), shares=_count(v.get("share_count")),
                hashtags=_list(v.get("hashtags")), mentions=[_tail(u) for u in _list(v.get("mentions"))])


def _x(v: dict, at: int | None) -> Post:
    post = Post("x", v["id"], Who("x", user_id=v.get("author_id"), handle=v.get("author"),
                                  name=v.get("author_fullname")), at,
                text=v.get("body"), url=v.get("link"), lang=v.get("language_guess"),
                views=_count(v.get("impression_count")), likes=_count(v.get("like_count")),
                shares=_count(v.get("retweet_count")), hashtags=_list(v.get("hashtags")),
                mentions=_list(v.get("mentions")), urls=_list(v.get("urls")))
    if _yes(v.get("is_retweet")):
        user = (v.get("retweeted_user") or "").strip()
        if not user:
            raise FieldError("retweeted_user", "a retweet without the retweeted account")
        text = (v.get("body") or "").removeprefix(f"RT @{user}:").removeprefix(f"RT @{user}").strip()
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        post.repost_of = Post("x", f"{user}/text-{digest}", Who("x", handle=user), None, text=text)
    elif _yes(v.get("is_quote_tweet")) and (v.get("quote_tweet_id") or "").strip():
        quoted = v["quote_tweet_id"].strip()
        author = (v.get("quote_author") or "").strip()
        post.quote_of = Post("x", quoted, Who("x", handle=author) if author else None, None,
                             text=v.get("quote_body") or None)
    if _yes(v.get("is_reply")) and (v.get("thread_id") or "").strip() not in ("", v["id"]):
        post.reply_to = Post("x", v["thread_id"].strip())
    return post


def _instagram(v: dict, at: int | None) -> Post:
    return Post("instagram", v["id"], Who("instagram", user_id=v.get("author_id"), handle=v.get("author"),
                                          name=v.get("author_fullname")), at,
                text=v.get("body"), url=v.get("url"), views=_count(v.get("play_count")),
                likes=_count(v.get("num_likes")), hashtags=_list(v.get("hashtags")),
                mentions=_list(v.get("usertags")))


PARSERS = {"tiktok": _tiktok, "douyin": _douyin, "x": _x, "instagram": _instagram}


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one 4CAT CSV export."""
    path = Path(path)
    rows = read_csv(path)
    state: dict = {}

    def to_records(values: dict, origin: Origin) -> list:
        if "kind" not in state:
            state["kind"] = kind_of(rows.header)
            if state["kind"] is None:
                raise InputError(f"{path}:1: not a 4CAT export of TikTok, Douyin, X or Instagram: the header has "
                                 f"none of the column sets {', '.join('/'.join(c) for c, _ in KINDS.values())}")
            require_columns(path, rows.header, COMMON, "4CAT export")
        if not (values.get("id") or "").strip():
            raise FieldError("id", "required but missing")
        values = {k: (val.strip() if isinstance(val, str) else val) for k, val in values.items()}
        return post_records(PARSERS[state["kind"]](values, _when(values)), origin)

    return records_by_row(path, rows, to_records, default_sources, raw_of)


register("fourcat", sys.modules[__name__])
