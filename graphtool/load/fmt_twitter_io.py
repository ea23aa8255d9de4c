"""Twitter/X information-operations archives: the ``tweets`` and ``users`` CSV files.

The releases of state-linked account sets (``docs/formats.md`` names the columns) come as
one users file and one or more tweets files.  Accounts below 5,000 followers have hashed
ids and screen names.  How each row becomes records:

- an account (users file, or the author columns of a tweet): ``Account`` with id
  ``x:<userid>`` and ``user_id`` — keyed by user id because tweets name other accounts only
  by id; its screen name is recorded as a handle identifier dated by the tweet, so a rename
  is kept as history and a handle-keyed source (FtM) lands on the same node;
- ``user_mentions``: ``MENTIONS`` from the tweet to each mentioned account (never a share);
- an original tweet, quote or reply: ``Article`` ``x:<tweetid>`` with ``PUBLISHED`` from
  its author; list columns (``hashtags``, ``urls``, ``user_mentions``) are Python-style
  lists, read with :func:`ast.literal_eval`;
- a retweet: ``SHARED`` (kind ``repost``, id = the retweet's own tweet id, at = its time)
  from the retweeter to the retweeted tweet; a quote or reply adds ``SHARED`` of kind
  ``quote`` / ``reply`` to the tweet it quotes or answers, and a quote also ``CITES`` it;
- the retweeted / answered tweet and its author, when known only by id, are stubs: they
  create the node when it is absent and never overwrite what its own row says.

Times are ISO (``2019-07-02 14:30``) or, in some releases, US style (``07/02/2019 14:30``).
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .records import FieldError, NodeRecord, Origin, Reject, node_record, rel_record
from ..values import boolean, literal_list, parse_when
from .rows import raw_of, read_csv, read_header

TWEETS_HEADER = (
    "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,"
    "user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,"
    "tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
    "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,"
    "retweet_count,hashtags,urls,user_mentions,poll_choices").split(",")
USERS_HEADER = ("userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,"
                "user_profile_url,follower_count,following_count,account_creation_date,account_language").split(",")
# Without these a file is not usable; the other columns are optional (releases differ a little).
TWEETS_REQUIRED = ("tweetid", "userid", "user_screen_name", "tweet_text", "tweet_time", "is_retweet")
USERS_REQUIRED = ("userid", "user_screen_name")

PLATFORM = "x"
# ISO first; then the US style some releases use (month first: the releases are US-made).
TIME_FORMATS = ("iso", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%Y")
NO_LANGUAGE = ("", "und", "zxx", "qme", "qht", "qam")  # Twitter's codes for "no linguistic content"


def _kind(header: list[str]) -> str | None:
    names = set(header)
    if {"tweetid", "userid", "tweet_time"} <= names:
        return "tweets"
    if {"userid", "user_screen_name", "account_creation_date"} <= names:
        return "users"
    return None


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    try:
        return _kind(read_header(path)) is not None
    except (InputError, OSError):
        return False


def account_id(userid: str) -> str:
    return f"{PLATFORM}:{userid}"


def article_id(tweetid: str) -> str:
    return f"{PLATFORM}:{tweetid}"


def _time(value, field):
    return parse_when(value, field, TIME_FORMATS)


def _count(value):
    # Counts are often blank or "0.0" in the releases.
    return value if value not in (None, "") else None


def _account(v: dict, origin: Origin, at: int | None = None) -> NodeRecord:
    """The account of a users row or a tweet's author; ``at`` is when it bore this screen name."""
    userid = v["userid"].strip()
    record = node_record("Account", {
        "id": account_id(userid), "platform": PLATFORM, "user_id": userid,
        "handle": (v.get("user_screen_name") or "").strip() or userid,
        "display_name": v.get("user_display_name"),
        "description": v.get("user_profile_description"),
        "followers": _count(v.get("follower_count")),
        "created_at": _time(v.get("account_creation_date"), "account_creation_date"),
    }, origin)
    if at is not None:  # a tweet dates the screen name: renames become history
        record.identifiers = [replace(seen, ts=at) for seen in record.identifiers]
    return record


def _stub_account(userid: str, origin: Origin) -> NodeRecord:
    record = node_record("Account", {"id": account_id(userid), "platform": PLATFORM, "handle": userid,
                                     "user_id": userid}, origin)
    record.stub = True
    return record


def _stub_article(tweetid: str, origin: Origin) -> NodeRecord:
    record = node_record("Article", {"id": article_id(tweetid), "platform": PLATFORM}, origin)
    record.stub = True
    return record


def _rel(type_, src, dst, origin, src_label=None, **props):
    row = {"src": src, "dst": dst, **props}
    if src_label:
        row["src_label"] = src_label
    return rel_record(type_, row, origin)


class _Recent:
    """The last ``size`` keys added: a set with a bound, oldest forgotten first."""

    def __init__(self, size: int):
        self.size = size
        self.keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self.keys[key] = None
        if len(self.keys) > self.size:
            self.keys.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self.keys


# Tweets written in full from this file that a later retweet, quote or reply needs no stub for
# (archives are mostly in time order, so the original is usually close before them).
RECENT_TWEETS = 200_000


def _tweet(v: dict, origin: Origin, seen: set[str], written: _Recent) -> list:
    """The records of one tweets row (all or none: a bad value rejects the row)."""
    tweetid = (v.get("tweetid") or "").strip()
    userid = (v.get("userid") or "").strip()
    if not tweetid:
        raise FieldError("tweetid", "required but missing")
    if not userid:
        raise FieldError("userid", "required but missing")
    at = _time(v.get("tweet_time"), "tweet_time")
    if at is None:
        raise FieldError("tweet_time", "required but missing")
    author = account_id(userid)
    out: list = []
    handle = (v.get("user_screen_name") or "").strip()
    if (author, handle) not in seen:  # once per screen name: a rename is kept as history
        out.append(_account(v, origin, at))

    def stub_author(user_field: str, tweet_target: str):
        other = (v.get(user_field) or "").strip()
        if other:
            if account_id(other) not in seen:
                out.append(_stub_account(other, origin))
            out.append(_rel("PUBLISHED", account_id(other), tweet_target, origin, src_label="Account"))

    if boolean(v.get("is_retweet"), "is_retweet"):
        original = (v.get("retweet_tweetid") or "").strip()
        if not original:
            raise FieldError("retweet_tweetid", "is_retweet is True but the retweeted tweet id is missing")
        target = article_id(original)
        if target not in written:
            out.append(_stub_article(original, origin))
            stub_author("retweet_userid", target)
        out.append(_rel("SHARED", author, target, origin, id=tweetid, at=at, kind="repost"))
        return out

    lang = (v.get("tweet_language") or "").strip()
    me = article_id(tweetid)
    out.append(node_record("Article", {
        "id": me, "platform": PLATFORM, "url": f"https://twitter.com/i/web/status/{tweetid}",
        "text": v.get("tweet_text"), "lang": None if lang in NO_LANGUAGE else lang, "published_at": at,
        "likes": _count(v.get("like_count")), "shares": _count(v.get("retweet_count")),
        "hashtags": [h.lstrip("#") for h in literal_list(v.get("hashtags"), "hashtags")] or None,
        "urls": literal_list(v.get("urls"), "urls") or None,
        "mentions": literal_list(v.get("user_mentions"), "user_mentions") or None,
    }, origin))
    out.append(_rel("PUBLISHED", author, me, origin, src_label="Account"))
    for mentioned in dict.fromkeys(literal_list(v.get("user_mentions"), "user_mentions")):
        if account_id(mentioned) not in seen and account_id(mentioned) != author:
            out.append(_stub_account(mentioned, origin))
        out.append(_rel("MENTIONS", me, account_id(mentioned), origin))  # a mention, never a share
    quoted = (v.get("quoted_tweet_tweetid") or "").strip()
    if quoted:
        if article_id(quoted) not in written:
            out.append(_stub_article(quoted, origin))
        out.append(_rel("SHARED", author, article_id(quoted), origin, id=tweetid, at=at, kind="quote"))
        out.append(_rel("CITES", me, article_id(quoted), origin))
    replied = (v.get("in_reply_to_tweetid") or "").strip()
    if replied:
        if article_id(replied) not in written:
            out.append(_stub_article(replied, origin))
            stub_author("in_reply_to_userid", article_id(replied))
        out.append(_rel("SHARED", author, article_id(replied), origin, id=tweetid, at=at, kind="reply"))
    return out


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one tweets or users file."""
    path = Path(path)
    rows = read_csv(path)
    seen: set[str] = set()  # accounts already written in full from this file (bounded by #accounts)
    written = _Recent(RECENT_TWEETS)
    kind = None
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if kind is None:
            kind = _kind(rows.header)
            if kind is None:
                raise InputError(f"{path}:1: not a tweets or users file of an information-operations archive: the "
                                 "header has neither tweetid, userid, tweet_time nor userid, user_screen_name, "
                                 "account_creation_date")
            missing = [c for c in (TWEETS_REQUIRED if kind == "tweets" else USERS_REQUIRED) if c not in rows.header]
            if missing:
                raise InputError(f"{path}:1: the {kind} file lacks column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(missing)}")
        origin = Origin(str(path), item.line, item.values)
        try:
            if kind == "tweets":
                records = _tweet(item.values, origin, seen, written)
            else:
                records = [_account(item.values, origin)]
        except FieldError as exc:
            yield Reject(str(path), item.line, exc.field, exc.reason, raw_of(item.values))
            continue
        for record in records:
            if isinstance(record, NodeRecord) and not record.stub:
                if record.label == "Account":
                    seen.add(record.id)
                    seen.add((record.id, record.props.get("handle")))
                else:
                    written.add(record.id)
            if default_sources and not record.props.get("sources"):
                record.props["sources"] = list(default_sources)
            yield record


register("twitter_io", sys.modules[__name__])
