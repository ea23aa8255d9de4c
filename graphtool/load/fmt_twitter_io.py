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
  create the node when it is absent and never overwrite what its own row says; given once per
  tweet and author (while remembered: ``STUBS_REMEMBERED``), not with every retweet of it.

Times are ISO (``2019-07-02 14:30``) or, in some releases, US style (``07/02/2019 14:30``).

Releases run to millions of rows, so the records of a tweets row are built directly
(:func:`_fast_tweets`) when every value is one the model's rules take unchanged, and the whole row
value by value through ``node_record`` / ``rel_record`` otherwise, which also says what is wrong
(``read(..., fast=False)`` does that for every row; tests/test_parse_fast.py holds the two paths to
the same records and rejects).
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
from .records import (MAX_FIELD_BYTES, FieldError, NodeRecord, Origin, Reject, RelRecord, coerce, node_record,
                      plain_id, rel_record)
from .. import model
from ..values import boolean, iso, literal_list, parse_when, utc_minute
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

    This is the general path every adapter takes; :func:`_fast_tweets` gives the same records
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
_MENTIONS_ENDS = (model.rel("MENTIONS").sources[0], model.rel("MENTIONS").targets[0])
_SHARED = model.rel(model.R.SHARED)
_ACCOUNT, _ARTICLE = _SHARED.sources[0], _SHARED.targets[0]  # the fast path's labels, from the model


@lru_cache(maxsize=1 << 14)  # counts repeat: each text is checked once, by the model's rule itself
def _stored(name: str, value):
    stored = coerce(ARTICLE.prop(name), list(value) if isinstance(value, tuple) else value).get(name)
    return tuple(stored) if isinstance(stored, list) else stored


_OTHER = object()  # a cached value the fast path leaves to the general one, which says what is wrong
_CACHE_SIZE = 1 << 16  # distinct texts kept per column (counts vary; minutes and lists repeat)


def _count_value(name: str):
    def value(text):
        try:
            return _stored(name, text)
        except FieldError:
            return _OTHER
    return value


def _list_value(name: str, read):
    def value(text):
        try:
            return _stored(name, read(text)) or None
        except FieldError:
            return _OTHER
    return value


def _mentions_value(text):
    """(the stored list or None, the ids once each in order) of a user_mentions text; _OTHER when the
    general path must read it (a bad list, or an id with a space at an end or beyond plain ASCII)."""
    try:
        ids = _list(text, "user_mentions")
        stored = _stored("mentions", ids) or None
    except FieldError:
        return _OTHER
    if not all(map(plain_id, ids)):
        return _OTHER
    return stored, tuple(dict.fromkeys(ids))


def _time_value(text):
    """(epoch seconds, ISO text) of a tweet_time as the general path reads it; _OTHER when it is no time."""
    try:
        at = _time(text, "tweet_time")
    except FieldError:
        return _OTHER
    return _OTHER if at is None else (at, iso(at))


def _lang_value(text):
    lang = text.strip()
    if lang in NO_LANGUAGE:
        return None
    try:
        return _stored("lang", lang)
    except FieldError:
        return _OTHER


class _Cache(dict):
    """text -> value(text), each text computed once; forgotten all at once when full (values repeat in runs)."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def __missing__(self, text):
        if len(self) >= _CACHE_SIZE:
            self.clear()
        result = self[text] = self.value(text)
        return result


def _fast_tweets(seen: set, written: "_Recent", stubbed: "_Recent", sources: list | None):
    """``(values, origin) -> records`` for a tweets row whose every value the model's rules take unchanged,
    built directly; None for any other row, which goes the general way (:func:`_tweet` with
    :class:`_Records`), so that it gives the same records or the same reject.

    What it checks: ids are ``records.plain_id`` (``check_id`` and the string rule return them as they
    are, with or without ``x:``); a time in the common UTC shape is a cached minute plus its seconds (as
    ``parse_when`` reads it), any other is read by ``_time`` once per distinct text; counts, list columns
    and languages go through the model's own ``coerce``, once per distinct text; the text by the
    ``text_problem`` rules.  An account's first row (or a new screen name) goes the general way, which
    writes the account.  A stub (and its author's) already given for the same tweet and author is not given
    again (``stubbed``, as :func:`_tweet` does).
    """
    minutes = _Cache(lambda text: utc_minute(text) or _OTHER)
    times = _Cache(_time_value)
    langs = _Cache(_lang_value)
    likes_of, shares_of = _Cache(_count_value("likes")), _Cache(_count_value("shares"))
    hashtags_of = _Cache(_list_value("hashtags", _hashtags))
    urls_of = _Cache(_list_value("urls", lambda text: _list(text, "urls")))
    mentions_of = _Cache(_mentions_value)
    copy = sources.copy if sources else None

    def stub_article(tweetid, origin):
        return NodeRecord(_ARTICLE, tweetid, {"platform": PLATFORM, "sources": copy()} if copy else
                          {"platform": PLATFORM}, origin, True)

    def stub_account(userid, origin):
        props = {"platform": PLATFORM, "handle": userid, "user_id": userid}
        if copy:
            props["sources"] = copy()
        return NodeRecord(_ACCOUNT, account_id(userid), props, origin, True, [Seen(PLATFORM, "user_id", userid)])

    def link(type_, src, dst, src_label, dst_label, origin):
        return RelRecord(type_, src, dst, {"sources": copy()} if copy else {}, src_label, dst_label, origin)

    def shared(author, target, tweetid, at_text, at, kind, origin):
        props = {"id": tweetid, "at": at_text, "at_ts": at, "kind": kind}
        if copy:
            props["sources"] = copy()
        return RelRecord(_SHARED.type, author, target, props, _ACCOUNT, _ARTICLE, origin)

    def shared_tweet(out, tweetid, userid, origin, marks: list) -> str | None:
        """``x:<tweetid>`` of the tweet a row shares (``tweetid`` stripped, not empty), after its stub and its
        author's (``userid``, a column's text; None: no author column), as :func:`_tweet` writes them when
        the tweet is not written and not stubbed with this author (the stub's key goes to ``marks``, for the
        caller to note once the row is sure); None when an id is not plain."""
        if not plain_id(tweetid):
            return None
        target = "x:" + tweetid
        if target not in written:
            other = userid.strip() if userid is not None else ""
            if (target, other) in stubbed:
                return target
            out.append(stub_article(target, origin))
            if other:  # as _stub_author
                if not plain_id(other):
                    return None
                if account_id(other) not in seen:
                    out.append(stub_account(other, origin))
                out.append(link("PUBLISHED", account_id(other), target, "Account", "Article", origin))
            marks.append((target, other))
        return target

    def records(values: tuple, origin: Origin) -> list | None:
        (tweetid, userid, handle, text, when, lang, is_retweet, retweet_userid, retweet_tweetid, quoted, reply_userid,
         replied, likes, shares, hashtags, urls, mentions) = values
        tweetid = tweetid.strip()
        author = "x:" + userid.strip()
        # An account written in full from this file has an id the rules took unchanged: so has ``author``.
        if not (tweetid and tweetid.isascii() and tweetid.isprintable() and len(tweetid) <= 510  # plain_id, stripped
                and (author, handle) in seen):
            return None
        retweet = _TRUTH.get(is_retweet)
        if retweet is None:
            return None
        size, second = len(when), None
        if size == 19 or (size == 20 and when[19] == "Z"):  # the UTC shape _utc_seconds reads
            if when[16] == ":" and when[17:19].isascii() and when[17:19].isdigit() and when[17:19] < "60":
                second = when[17:19]
        elif size == 16 or (size == 17 and when[16] == "Z"):
            second = "00"
        minute = minutes[when[:16]] if second is not None else _OTHER
        if minute is not _OTHER:
            at, at_text = minute[0] + int(second), f"{minute[1]}:{second}Z"
        else:  # another shape (US style, an offset): as _time reads it, once per distinct text
            at_text = times[when]
            if at_text is _OTHER:
                return None
            at, at_text = at_text
        out: list = []
        if retweet:
            original = retweet_tweetid.strip()
            target = "x:" + original
            if target not in written:  # (a written tweet's id is one the rules took unchanged)
                marks = []
                target = original and shared_tweet(out, original, retweet_userid, origin, marks)
                if not target:
                    return None
                for key in marks:
                    stubbed.add(key)
            props = {"id": tweetid, "at": at_text, "at_ts": at, "kind": "repost"}
            if copy:
                props["sources"] = copy()
            out.append(RelRecord(_SHARED.type, author, target, props, _ACCOUNT, _ARTICLE, origin))
            return out

        language = langs[lang]
        likes = likes_of[likes] if likes else None
        shares = shares_of[shares] if shares else None
        hashtags = hashtags_of[hashtags] if hashtags != "[]" else None
        urls = urls_of[urls] if urls != "[]" else None
        mentioned = mentions_of[mentions] if mentions != "[]" else (None, ())
        if _OTHER in (language, likes, shares, hashtags, urls, mentioned):
            return None
        mentioned, mentioned_ids = mentioned
        props = {"platform": PLATFORM, "url": f"https://twitter.com/i/web/status/{tweetid}"}
        if text:
            if "\x00" in text:
                return None
            try:
                data = text.encode("utf-8")  # a lone surrogate cannot be encoded (it cannot come from a file)
            except UnicodeEncodeError:
                return None
            if len(data) > MAX_FIELD_BYTES:
                return None
            props["text"] = text
        if language:
            props["lang"] = language
        props["published_at"] = at_text
        props["published_ts"] = at
        if likes is not None:
            props["likes"] = likes
        if shares is not None:
            props["shares"] = shares
        if hashtags:
            props["hashtags"] = list(hashtags)
        if urls:
            props["urls"] = list(urls)
        if mentioned:
            props["mentions"] = list(mentioned)
        if text:
            props["content_sha256"] = hashlib.sha256(data).hexdigest()
        if copy:
            props["sources"] = copy()
        me = "x:" + tweetid
        out.append(NodeRecord(_ARTICLE, me, props, origin))
        out.append(link("PUBLISHED", author, me, "Account", "Article", origin))
        for other in mentioned_ids:
            other_id = "x:" + other
            if other_id not in seen:  # (the author is: this path takes only rows whose account is written)
                out.append(stub_account(other, origin))
            out.append(link("MENTIONS", me, other_id, *_MENTIONS_ENDS, origin))  # a mention, never a share
        marks = []
        for other_tweet, other_author, kind in ((quoted, None, "quote"), (replied, reply_userid, "reply")) \
                if quoted or replied else ():
            other_tweet = other_tweet.strip()
            if other_tweet:
                target = shared_tweet(out, other_tweet, other_author, origin, marks)
                if target is None:
                    return None
                out.append(shared(author, target, tweetid, at_text, at, kind, origin))
                if kind == "quote":
                    out.append(link("CITES", me, target, "Article", "Article", origin))
        for key in marks:
            stubbed.add(key)
        written.add(me)
        return out

    return records


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
# (archives are mostly in time order, so the original is usually close before them); and as many
# (stubbed tweet, its author) pairs given already, which a later row need not give again: the writer
# would send them once anyway (writer.py, stubs and links sent), and a quarter of a real-shaped
# increment's records were these repeats.
RECENT_TWEETS = 200_000
STUBS_REMEMBERED = 200_000


_TRUTH = {"True": True, "False": False}  # as the releases write is_retweet; other spellings go through boolean()


def _stub(out: list, tweetid: str, other, origin: Origin, seen: set, stubbed: _Recent, build: _Records, marks: list):
    """The stub of a tweet known only by id and, with ``other`` (its author's id, or None), the author's
    stub account, unless written in full, and its PUBLISHED; nothing when given already for this author."""
    other = (other or "").strip()
    target = article_id(tweetid)
    if (target, other) in stubbed:
        return
    out.append(build.stub_article(tweetid, origin))
    if other:
        if account_id(other) not in seen:
            out.append(build.stub_account(other, origin))
        out.append(build.link("PUBLISHED", account_id(other), target, origin))
    marks.append((target, other))


def _tweet(values: tuple, fields: list, origin: Origin, seen: set, written: _Recent, stubbed: _Recent,
           build: _Records) -> list:
    """The records of one tweets row (all or none: a bad value rejects the row); ``values`` as TWEET_COLUMNS.
    The stubs it gives are noted in ``stubbed`` once the row is sure."""
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
        marks: list = []
        if target not in written:
            _stub(out, original, retweet_userid, origin, seen, stubbed, build, marks)
        out.append(build.shared(author, target, tweetid, at, "repost", origin))
        for key in marks:
            stubbed.add(key)
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
    marks = []
    quoted = (quoted or "").strip()
    if quoted:
        if article_id(quoted) not in written:
            _stub(out, quoted, None, origin, seen, stubbed, build, marks)
        out.append(build.shared(author, article_id(quoted), tweetid, at, "quote", origin))
        out.append(build.link("CITES", me, article_id(quoted), origin))
    replied = (replied or "").strip()
    if replied:
        if article_id(replied) not in written:
            _stub(out, replied, reply_userid, origin, seen, stubbed, build, marks)
        out.append(build.shared(author, article_id(replied), tweetid, at, "reply", origin))
    for key in marks:
        stubbed.add(key)
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
    stubbed = _Recent(STUBS_REMEMBERED)  # (tweet, author) stubs given already
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
            build = _Records(rows.header, default_sources)
            pick = _picker(rows.header)
            fast_records = None  # the fast path reads rows with every column it names
            if fast and kind == "tweets" and set(TWEET_COLUMNS) <= set(rows.header):
                fast_records = _fast_tweets(seen, written, stubbed, build.sources)
            repeated = len(set(rows.header)) < len(rows.header)  # then the raw row is the dict's, as it was
            name = str(path)
        fields = item.values
        origin = Origin(name, item.line, dict(zip(rows.header, fields)) if repeated else fields)
        if fast_records is not None:
            records = fast_records(pick(fields), origin)
            if records is not None:  # (it notes the row's tweet as written itself)
                yield from records
                continue
        try:
            if kind == "tweets":
                records = _tweet(pick(fields), fields, origin, seen, written, stubbed, build)
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
