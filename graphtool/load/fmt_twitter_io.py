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

Releases run to millions of rows, so the records of a row are built directly when every value is
one the model's rules take unchanged, and value by value through ``node_record`` / ``rel_record``
otherwise (``read(..., fast=False)`` does that for every row; tests/test_parse_fast.py holds the two
paths to the same records and rejects).
"""
from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .identity import Seen
from .records import (MAX_FIELD_BYTES, FieldError, NodeRecord, Origin, Reject, RelRecord, coerce, iso, node_record,
                      plain_id, rel_record, text_problem)
from .. import model
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
# The columns a tweets row's records are made of, in the order _tweet unpacks them.
TWEET_COLUMNS = ("tweetid", "userid", "user_screen_name", "tweet_text", "tweet_time", "tweet_language", "is_retweet",
                 "retweet_userid", "retweet_tweetid", "quoted_tweet_tweetid", "in_reply_to_userid",
                 "in_reply_to_tweetid", "like_count", "retweet_count", "hashtags", "urls", "user_mentions")

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


@lru_cache(maxsize=1 << 14)  # list columns repeat ("[]", the same hashtag): each text is read once
def _list(value, field) -> tuple[str, ...]:
    return tuple(literal_list(value, field))


@lru_cache(maxsize=1 << 14)
def _hashtags(value) -> tuple[str, ...]:
    return tuple(h.lstrip("#") for h in _list(value, "hashtags"))


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


class _Records:
    """The records of a row, each value checked by the model's rules (``node_record`` / ``rel_record``).

    This is the general path every adapter takes; :class:`_FastRecords` gives the same records
    faster.  Each record cites the file's ``sources``.
    """

    def __init__(self, header: list[str], sources: list[str] | None):
        self.header = header
        self.sources = list(sources) if sources else None

    def _sourced(self, record):
        if self.sources and not record.props.get("sources"):
            record.props["sources"] = list(self.sources)
        return record

    def account(self, fields: list, origin: Origin, at: int | None = None) -> NodeRecord:
        return self._sourced(_account(dict(zip(self.header, fields)), origin, at))

    def stub_account(self, userid: str, origin: Origin) -> NodeRecord:
        record = node_record("Account", {"id": account_id(userid), "platform": PLATFORM, "handle": userid,
                                         "user_id": userid}, origin)
        record.stub = True
        return self._sourced(record)

    def stub_article(self, tweetid: str, origin: Origin) -> NodeRecord:
        record = node_record("Article", {"id": article_id(tweetid), "platform": PLATFORM}, origin)
        record.stub = True
        return self._sourced(record)

    def article(self, tweetid: str, text, lang: str | None, at: int, likes, shares, hashtags: tuple, urls: tuple,
                mentions: tuple, origin: Origin) -> NodeRecord:
        return self._sourced(node_record("Article", {
            "id": article_id(tweetid), "platform": PLATFORM, "url": f"https://twitter.com/i/web/status/{tweetid}",
            "text": text, "lang": lang, "published_at": at, "likes": likes, "shares": shares,
            "hashtags": list(hashtags) or None, "urls": list(urls) or None, "mentions": list(mentions) or None,
        }, origin))

    def link(self, type_: str, src: str, dst: str, origin: Origin) -> RelRecord:
        """PUBLISHED (from an account), CITES or MENTIONS: a relationship with no properties of its own."""
        row = {"src": src, "dst": dst}
        if type_ == "PUBLISHED":
            row["src_label"] = "Account"
        return self._sourced(rel_record(type_, row, origin))

    def shared(self, src: str, dst: str, tweetid: str, at: int, kind: str, origin: Origin) -> RelRecord:
        return self._sourced(rel_record("SHARED", {"src": src, "dst": dst, "id": tweetid, "at": at, "kind": kind},
                                        origin))


ARTICLE = model.node("Article")
_LINK_ENDS = {type_: (model.rel(type_).sources[0] if type_ != "PUBLISHED" else "Account", model.rel(type_).targets[0])
              for type_ in ("PUBLISHED", "CITES", "MENTIONS")}


@lru_cache(maxsize=1 << 14)  # counts repeat: each text is checked once, by the model's rule itself
def _stored(name: str, value):
    stored = coerce(ARTICLE.prop(name), list(value) if isinstance(value, tuple) else value).get(name)
    return tuple(stored) if isinstance(stored, list) else stored


class _FastRecords(_Records):
    """The same records as :class:`_Records`, built directly when every value is one the rules take unchanged.

    An id made of :func:`~graphtool.load.records.plain_id` text passes ``check_id`` and the
    string rule as it is; counts and list columns are checked by the model's own ``coerce``,
    once per distinct text; text fields by the same ``text_problem`` rule.  Anything else goes
    the general way, which gives the same record or the same error.  (Text read from a file
    decoded as strict UTF-8 never holds a lone surrogate, but ``text_problem`` checks anyway.)
    """

    def stub_account(self, userid, origin):
        if not plain_id(userid):
            return super().stub_account(userid, origin)
        props = {"platform": PLATFORM, "handle": userid, "user_id": userid}
        if self.sources:
            props["sources"] = self.sources.copy()
        return NodeRecord("Account", account_id(userid), props, origin, True, [Seen(PLATFORM, "user_id", userid)])

    def stub_article(self, tweetid, origin):
        if not plain_id(tweetid):
            return super().stub_article(tweetid, origin)
        props = {"platform": PLATFORM}
        if self.sources:
            props["sources"] = self.sources.copy()
        return NodeRecord("Article", article_id(tweetid), props, origin, True)

    def article(self, tweetid, text, lang, at, likes, shares, hashtags, urls, mentions, origin):
        general = lambda: super(_FastRecords, self).article(tweetid, text, lang, at, likes, shares, hashtags, urls,
                                                            mentions, origin)
        if not plain_id(tweetid) or (text and text_problem(text)) or (lang and text_problem(lang)):
            return general()  # it says what is wrong
        props = {"platform": PLATFORM, "url": f"https://twitter.com/i/web/status/{tweetid}"}
        if text:
            props["text"] = text
        if lang:
            props["lang"] = lang
        props["published_at"] = iso(at)
        props["published_ts"] = at
        try:
            if likes and (stored := _stored("likes", likes)) is not None:
                props["likes"] = stored
            if shares and (stored := _stored("shares", shares)) is not None:
                props["shares"] = stored
            if hashtags:
                props["hashtags"] = list(_stored("hashtags", hashtags))
            if urls:
                props["urls"] = list(_stored("urls", urls))
            if mentions:
                props["mentions"] = list(_stored("mentions", mentions))
        except FieldError:
            return general()
        if text:
            props["content_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if self.sources:
            props["sources"] = self.sources.copy()
        return NodeRecord("Article", article_id(tweetid), props, origin)

    def link(self, type_, src, dst, origin):
        if not (plain_id(src) and plain_id(dst)):
            return super().link(type_, src, dst, origin)
        src_label, dst_label = _LINK_ENDS[type_]
        return RelRecord(type_, src, dst, {"sources": self.sources.copy()} if self.sources else {}, src_label,
                         dst_label, origin)

    def shared(self, src, dst, tweetid, at, kind, origin):
        if not (plain_id(src) and plain_id(dst) and plain_id(tweetid)):
            return super().shared(src, dst, tweetid, at, kind, origin)
        props = {"id": tweetid, "at": iso(at), "at_ts": at, "kind": kind}
        if self.sources:
            props["sources"] = self.sources.copy()
        return RelRecord("SHARED", src, dst, props, "Account", "Article", origin)


class _Recent(OrderedDict):
    """The last ``size`` keys added: a set with a bound, oldest forgotten first (``in`` is the dict's own)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def add(self, key: str) -> None:
        self[key] = None
        if len(self) > self.size:
            self.popitem(last=False)


# Tweets written in full from this file that a later retweet, quote or reply needs no stub for
# (archives are mostly in time order, so the original is usually close before them).
RECENT_TWEETS = 200_000


_TRUTH = {"True": True, "False": False}  # as the releases write is_retweet; other spellings go through boolean()


def _stub_author(out: list, other, tweet_target: str, origin: Origin, seen: set, build: _Records) -> None:
    """The author of a tweet known only by id: a stub account, unless written in full, and its PUBLISHED."""
    other = (other or "").strip()
    if other:
        if account_id(other) not in seen:
            out.append(build.stub_account(other, origin))
        out.append(build.link("PUBLISHED", account_id(other), tweet_target, origin))


def _tweet(values: tuple, fields: list, origin: Origin, seen: set, written: _Recent, build: _Records) -> list:
    """The records of one tweets row (all or none: a bad value rejects the row); ``values`` as TWEET_COLUMNS."""
    (tweetid, userid, handle, text, when, lang, is_retweet, retweet_userid, retweet_tweetid, quoted, reply_userid,
     replied, likes, shares, hashtags, urls, mentions) = values
    tweetid = (tweetid or "").strip()
    userid = (userid or "").strip()
    if not tweetid:
        raise FieldError("tweetid", "required but missing")
    if not userid:
        raise FieldError("userid", "required but missing")
    at = _time(when, "tweet_time")
    if at is None:
        raise FieldError("tweet_time", "required but missing")
    author = account_id(userid)
    out: list = []
    if (author, (handle or "").strip()) not in seen:  # once per screen name: a rename is kept as history
        out.append(build.account(fields, origin, at))
    retweet = _TRUTH.get(is_retweet)
    if retweet is None:
        retweet = boolean(is_retweet, "is_retweet")
    if retweet:
        original = (retweet_tweetid or "").strip()
        if not original:
            raise FieldError("retweet_tweetid", "is_retweet is True but the retweeted tweet id is missing")
        target = article_id(original)
        if target not in written:
            out.append(build.stub_article(original, origin))
            _stub_author(out, retweet_userid, target, origin, seen, build)
        out.append(build.shared(author, target, tweetid, at, "repost", origin))
        return out

    lang = (lang or "").strip()
    me = article_id(tweetid)
    mentioned_ids = _list(mentions, "user_mentions")
    out.append(build.article(tweetid, text, None if lang in NO_LANGUAGE else lang, at, _count(likes), _count(shares),
                             _hashtags(hashtags), _list(urls, "urls"), mentioned_ids, origin))
    out.append(build.link("PUBLISHED", author, me, origin))
    for mentioned in dict.fromkeys(mentioned_ids):
        if account_id(mentioned) not in seen and account_id(mentioned) != author:
            out.append(build.stub_account(mentioned, origin))
        out.append(build.link("MENTIONS", me, account_id(mentioned), origin))  # a mention, never a share
    quoted = (quoted or "").strip()
    if quoted:
        if article_id(quoted) not in written:
            out.append(build.stub_article(quoted, origin))
        out.append(build.shared(author, article_id(quoted), tweetid, at, "quote", origin))
        out.append(build.link("CITES", me, article_id(quoted), origin))
    replied = (replied or "").strip()
    if replied:
        if article_id(replied) not in written:
            out.append(build.stub_article(replied, origin))
            _stub_author(out, reply_userid, article_id(replied), origin, seen, build)
        out.append(build.shared(author, article_id(replied), tweetid, at, "reply", origin))
    return out


def _picker(header: list[str]):
    """fields -> the TWEET_COLUMNS values (None for a column the file lacks)."""
    where = {name: i for i, name in enumerate(header)}  # a repeated column name: the last one, as in a dict
    if all(c in where for c in TWEET_COLUMNS):
        return itemgetter(*(where[c] for c in TWEET_COLUMNS))
    positions = [where.get(c) for c in TWEET_COLUMNS]
    return lambda fields: tuple(None if i is None else fields[i] for i in positions)


def read(path: Path, default_sources: list[str] | None = None, fast: bool = True) -> Iterator:
    """Validated records and rejects from one tweets or users file.

    ``fast=False`` builds every record the general way (value by value through the model):
    the same records and rejects, slower; the tests hold the two to each other.
    """
    path = Path(path)
    rows = read_csv(path, lists=True)
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
            build = (_FastRecords if fast else _Records)(rows.header, default_sources)
            pick = _picker(rows.header)
            repeated = len(set(rows.header)) < len(rows.header)  # then the raw row is the dict's, as it was
            name = str(path)
        fields = item.values
        origin = Origin(name, item.line, dict(zip(rows.header, fields)) if repeated else fields)
        try:
            if kind == "tweets":
                records = _tweet(pick(fields), fields, origin, seen, written, build)
            else:
                records = [build.account(fields, origin)]
        except FieldError as exc:
            yield Reject(name, item.line, exc.field, exc.reason, raw_of(origin.row))
            continue
        for record in records:
            if record.__class__ is NodeRecord and not record.stub:
                if record.label == "Account":
                    seen.add(record.id)
                    seen.add((record.id, record.props.get("handle")))
                else:
                    written.add(record.id)
        yield from records


register("twitter_io", sys.modules[__name__])
