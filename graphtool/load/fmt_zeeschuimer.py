"""Zeeschuimer captures (the NDJSON that 4CAT imports): Douyin, TikTok, X, Instagram, Weibo, Bilibili.

Zeeschuimer (the browser extension of the Digital Methods Initiative) keeps every item a platform
sends the browser and exports one JSON object per line::

    {"nav_index": "1:2:0", "item_id": "7301...", "timestamp_collected": 1694000000000,
     "source_platform": "douyin.com", "source_platform_url": "https://www.douyin.com/search/...",
     "source_url": "https://www.douyin.com/aweme/v1/web/...", "user_agent": "...", "data": {...}}

``data`` is the platform's own item JSON.  Each item becomes a :class:`Post` (the platform parsers
below), and each post becomes records by the model (:func:`post_records`):

- its author: ``Account`` (:func:`account_record`, the one place that turns identifiers into ids);
- an original post, quote or reply: ``Article platform:<post id>`` with text, time, metrics,
  hashtags, mentions, links, ``music_id`` and ``media_ids``, ``PUBLISHED`` by the author;
- a repost: ``SHARED {kind: repost}`` to the reposted post (which the item carries in full);
  a quote: ``SHARED {kind: quote}`` and ``CITES``; a reply: ``SHARED {kind: reply}``;
- the capture: a ``Source {kind: capture}`` per captured page (``source_platform_url``, capture
  time), citing the imported file; every record cites both.

A line that is not JSON, or an item of a shape this module does not know, is rejected with its
line number and the rest of the file loads.  ``docs/formats.md`` lists the fields read.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from .. import model
from ..errors import InputError
from . import register
from .records import FieldError, NodeRecord, Origin, Reject, node_record, parse_time, rel_record
from .rows import MAX_RAW, read_jsonl

# Zeeschuimer's module ids (``source_platform``) -> graphtool's platform names.
PLATFORMS = {"douyin.com": "douyin", "tiktok.com": "tiktok", "twitter.com": "x", "x.com": "x",
             "instagram.com": "instagram", "weibo.com": "weibo", "m.weibo.cn": "weibo", "weibo.cn": "weibo",
             "bilibili.com": "bilibili"}
ENVELOPE = ("source_platform", "data")
NO_LANGUAGE = ("", "und", "zxx", "qme", "qht", "qam")
HASHTAG = re.compile(r"#(\w+)")
WEIBO_TOPIC = re.compile(r"#([^#\s][^#]*?)#")  # Weibo writes topics between two hashes
MENTION = re.compile(r"@([\w.\-]+)")
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"  # X and Weibo: "Wed Sep 08 13:00:00 +0000 2021"


@dataclass
class Who:
    """The identifiers a capture shows for one account."""

    platform: str
    user_id: str | None = None  # the platform's numeric / opaque id
    handle: str | None = None  # the handle (Douyin: the 抖音号, else sec_uid; Weibo: the personal domain, else uid)
    name: str | None = None
    url: str | None = None
    followers: int | None = None


@dataclass
class Post:
    platform: str
    id: str
    author: Who | None = None
    at: int | None = None  # epoch seconds
    text: str | None = None
    title: str | None = None
    url: str | None = None
    lang: str | None = None
    views: int | None = None
    likes: int | None = None
    shares: int | None = None
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    music_id: str | None = None
    media_ids: list[str] = field(default_factory=list)
    repost_of: Post | None = None
    quote_of: Post | None = None
    reply_to: Post | None = None
    mentioned: list[Who] | None = None  # the mentioned accounts' identifiers, when the item has more than a handle

    @property
    def known_only_by_id(self) -> bool:
        return self.author is None and self.text is None and self.at is None


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def account_record(who: Who, origin: Origin | None, stub: bool = False) -> NodeRecord:
    """The ``Account`` for the identifiers a capture, export or CSV row shows: the one identity hook
    of these adapters.  It hands every identifier it has (user id, handle, profile URL) to the model's
    identity rules (:func:`~graphtool.load.records.node_record`, ``load/identity.py``), which pick the
    node id; where the model declares no ``user_id`` the id is ``platform:handle`` as elsewhere."""
    handle = _text(who.handle) or _text(who.user_id)
    if not handle:
        raise FieldError("author", "the account has neither a handle nor an id")
    row = {"platform": who.platform, "handle": handle, "display_name": _text(who.name), "url": _text(who.url),
           "followers": who.followers}
    if _text(who.user_id) and _keyed_by_user_id(who.platform):
        row["user_id"] = _text(who.user_id)
    else:
        row["id"] = f"{who.platform}:{handle}"
    key = tuple(row.items())
    checked = _ACCOUNTS.get(key)
    if checked is None:  # an account is on many rows: validate its identifiers once
        checked = _ACCOUNTS[key] = node_record("Account", row, origin)
        if len(_ACCOUNTS) > MAX_CACHED_ACCOUNTS:
            _ACCOUNTS.pop(next(iter(_ACCOUNTS)))
    return dataclasses.replace(checked, props=dict(checked.props), origin=origin, stub=stub)


def _keyed_by_user_id(platform: str) -> bool:
    """Whether the model's identity rules key this platform's accounts by a user id."""
    rules = getattr(model, "platform", None)
    return model.node("Account").prop("user_id") is not None and bool(rules and rules(platform).user_id)


_ACCOUNTS: dict[tuple, NodeRecord] = {}
MAX_CACHED_ACCOUNTS = 100_000


def article_id(platform: str, post_id) -> str:
    return f"{platform}:{post_id}"


def _article(post: Post, origin: Origin | None) -> NodeRecord:
    """The post's Article; one known only in part (no time: a quoted or reposted post as another row shows
    it) is a stub, which creates the node but never overwrites what the post's own row says."""
    if post.known_only_by_id:
        record = node_record("Article", {"id": article_id(post.platform, post.id), "platform": post.platform,
                                         "url": post.url}, origin)
        record.stub = True
        return record
    record = node_record("Article", {
        "id": article_id(post.platform, post.id), "platform": post.platform, "url": post.url,
        "title": _text(post.title), "text": post.text or None,
        "lang": None if (post.lang or "") in NO_LANGUAGE else post.lang,
        "published_at": post.at, "views": post.views, "likes": post.likes, "shares": post.shares,
        "hashtags": _distinct(post.hashtags), "mentions": _distinct(post.mentions), "urls": _distinct(post.urls),
        "music_id": _text(post.music_id), "media_ids": _distinct(post.media_ids),
    }, origin)
    record.stub = post.at is None
    return record


# What a mention names on each platform: a handle, or (Douyin) the sec_uid.  Weibo and Bilibili
# mentions are display names in the text, which name no account reliably: kept in ``mentions`` only.
MENTION_KIND = {"x": "handle", "tiktok": "handle", "instagram": "handle", "telegram": "handle", "douyin": "user_id"}


def _mentioned(post: Post) -> list[Who]:
    if post.mentioned is not None:
        return post.mentioned
    kind = MENTION_KIND.get(post.platform)
    if kind is None:
        return []
    return [Who(post.platform, handle=m, user_id=m if kind == "user_id" else None)
            for m in dict.fromkeys(str(m).strip() for m in post.mentions if m and str(m).strip())]


def _distinct(values) -> list[str] | None:
    out = list(dict.fromkeys(str(v).strip() for v in values if v is not None and str(v).strip()))
    return out or None


def post_records(post: Post, origin: Origin | None) -> list:
    """The records of one post (all or none: a bad value raises :class:`FieldError`)."""
    out: list = []
    author = None
    if post.author:  # the author of a post known only in part is known only in part too: a stub
        out.append(account_record(post.author, origin, stub=post.at is None))
        author = out[-1].id

    def share(target: Post, kind: str):
        if post.at is None:
            raise FieldError("time", f"a {kind} without a time cannot be placed in a cascade")
        out.extend(post_records(target, origin))
        out.append(rel_record("SHARED", {"src": author, "dst": article_id(target.platform, target.id),
                                         "id": f"{post.platform}:{post.id}", "at": post.at, "kind": kind}, origin))

    if post.repost_of is not None:  # a repost's text is the original's: no article of its own
        if author is None:
            raise FieldError("author", "a repost without its account")
        share(post.repost_of, "repost")
        return out
    me = article_id(post.platform, post.id)
    out.append(_article(post, origin))
    if author:
        out.append(rel_record("PUBLISHED", {"src": author, "dst": me, "src_label": "Account"}, origin))
    mentioned = {author}
    for who in _mentioned(post):
        account = account_record(who, origin, stub=True)
        if account.id not in mentioned:  # a mention, never a share
            mentioned.add(account.id)
            out += [account, rel_record("MENTIONS", {"src": me, "dst": account.id}, origin)]
    for target, kind in ((post.quote_of, "quote"), (post.reply_to, "reply")):
        if target is not None and author:
            share(target, kind)
            if kind == "quote":
                out.append(rel_record("CITES", {"src": me, "dst": article_id(target.platform, target.id)}, origin))
    return out


# ----------------------------------------------------------------------------- platform items

def _get(node, *path):
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _int(value) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None  # "1.2万" and other display strings are not counts


def _twitter_time(value, field_name: str) -> int | None:
    if not value:
        return None
    try:
        return parse_time(datetime.strptime(str(value), TWITTER_TIME).timestamp())
    except ValueError:
        raise FieldError(field_name, f"{str(value)[:40]!r} is not a time like 'Wed Sep 08 13:00:00 +0000 2021'") \
            from None


def _epoch(value, field_name: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return parse_time(value)
    except (ValueError, OverflowError) as exc:
        raise FieldError(field_name, f"{str(value)[:40]!r} is not a time ({exc})") from None


def _id(value) -> str | None:
    text = _text(value)
    return None if text in (None, "0", "$undefined") else text


def x_tweet(t: dict) -> Post:
    """An X tweet as the web app's GraphQL API sends it (``rest_id``, ``legacy``, ``core``)."""
    while isinstance(t, dict) and "legacy" not in t and isinstance(t.get("tweet"), dict):
        t = t["tweet"]  # TweetWithVisibilityResults wraps the tweet one level down
    legacy = t["legacy"]
    user = _get(t, "core", "user_results", "result") or {}
    handle = _get(user, "core", "screen_name") or _get(user, "legacy", "screen_name")
    who = Who("x", user_id=_id(legacy.get("user_id_str") or user.get("rest_id")), handle=handle,
              name=_get(user, "core", "name") or _get(user, "legacy", "name"),
              followers=_int(_get(user, "legacy", "followers_count")))
    tweet_id = _id(t.get("rest_id") or legacy.get("id_str"))
    if not tweet_id:
        raise FieldError("rest_id", "required but missing")
    entities = legacy.get("entities") or {}
    media = (legacy.get("extended_entities") or {}).get("media") or entities.get("media") or []
    post = Post("x", tweet_id, who, _twitter_time(legacy.get("created_at"), "legacy.created_at"),
                text=legacy.get("full_text"), lang=legacy.get("lang"),
                url=f"https://x.com/{handle or 'i/web'}/status/{tweet_id}",
                views=_int(_get(t, "views", "count")), likes=_int(legacy.get("favorite_count")),
                shares=_int(legacy.get("retweet_count")),
                hashtags=[h.get("text") for h in entities.get("hashtags") or []],
                mentions=[m.get("screen_name") for m in entities.get("user_mentions") or []],
                mentioned=[Who("x", user_id=_id(m.get("id_str")), handle=m.get("screen_name"))
                           for m in entities.get("user_mentions") or [] if m.get("screen_name")],
                urls=[u.get("expanded_url") or u.get("url") for u in entities.get("urls") or []],
                media_ids=[f"{m.get('type', 'media')}:{m.get('media_key') or m.get('id_str')}" for m in media
                           if m.get("media_key") or m.get("id_str")])
    retweeted = _get(legacy, "retweeted_status_result", "result")
    if retweeted:
        post.repost_of = x_tweet(retweeted)
    quoted = _get(t, "quoted_status_result", "result")
    if quoted and "tombstone" not in quoted and (quoted.get("legacy") or quoted.get("tweet")):
        post.quote_of = x_tweet(quoted)
    elif _id(legacy.get("quoted_status_id_str")):
        post.quote_of = Post("x", _id(legacy["quoted_status_id_str"]))
    if _id(legacy.get("in_reply_to_status_id_str")):
        replied = Who("x", user_id=_id(legacy.get("in_reply_to_user_id_str")), handle=legacy.get("in_reply_to_screen_name"))
        post.reply_to = Post("x", _id(legacy["in_reply_to_status_id_str"]),
                             replied if replied.handle or replied.user_id else None)
    return post


def tiktok_item(d: dict) -> Post:
    """A TikTok video item (``id``, ``desc``, ``createTime``, ``author``, ``stats``, ``music``)."""
    author = d.get("author")
    if isinstance(author, dict):
        who = Who("tiktok", user_id=_id(author.get("id")), handle=author.get("uniqueId"), name=author.get("nickname"),
                  followers=_int(_get(d, "authorStats", "followerCount")))
    else:  # the item embedded in a page names its author by handle only
        who = Who("tiktok", handle=author, name=d.get("nickname"))
    extras = d.get("textExtra") or []
    stats = d.get("stats") or {}
    video_id = _id(_get(d, "video", "id"))
    post = Post("tiktok", str(d["id"]), who, _epoch(d.get("createTime"), "createTime"), text=d.get("desc"),
                url=f"https://www.tiktok.com/@{who.handle}/video/{d['id']}",
                views=_int(stats.get("playCount")), likes=_int(stats.get("diggCount")),
                shares=_int(stats.get("shareCount")),
                hashtags=[e.get("hashtagName") for e in extras], mentions=[e.get("userUniqueId") for e in extras],
                music_id=_id(_get(d, "music", "id")),
                media_ids=[f"video:{video_id}"] if video_id and video_id != str(d["id"]) else [])
    duet_of = _id(_get(d, "duetInfo", "duetFromId"))
    if duet_of:
        post.quote_of = Post("tiktok", duet_of)  # a duet shows the other video beside its own
    return post


def douyin_item(d: dict) -> Post:
    """A Douyin aweme: the web API's snake_case item, or camelCase when Zeeschuimer took it from the page."""
    if d.get("ZS_collected_from_embed"):
        a, stats, extras = d.get("authorInfo") or {}, d.get("stats") or {}, d.get("textExtra") or []
        who = Who("douyin", user_id=a.get("secUid"), handle=a.get("uniqueId") or a.get("secUid"),
                  name=a.get("nickname"), followers=_int(a.get("followerCount")))
        post_id, at = d["awemeId"], _epoch(d.get("createTime"), "createTime")
        likes, shares, views = stats.get("diggCount"), stats.get("shareCount"), stats.get("playCount")
        hashtags, mentions = [e.get("hashtagName") for e in extras], [e.get("secUid") for e in extras]
        video = _get(d, "video", "uri")
        images = [i.get("uri") for i in d.get("images") or [] if isinstance(i, dict)]
    else:
        a, stats, extras = d.get("author") or {}, d.get("statistics") or {}, d.get("text_extra") or []
        who = Who("douyin", user_id=a.get("sec_uid"), handle=a.get("unique_id") or a.get("sec_uid"),
                  name=a.get("nickname"), followers=_int(a.get("follower_count")))
        post_id, at = d["aweme_id"], _epoch(d.get("create_time"), "create_time")
        likes, shares, views = stats.get("digg_count"), stats.get("share_count"), stats.get("play_count")
        hashtags, mentions = [e.get("hashtag_name") for e in extras], [e.get("sec_uid") for e in extras]
        video = _get(d, "video", "play_addr", "uri")
        images = [i.get("uri") for i in d.get("images") or [] if isinstance(i, dict)]
    if who.user_id:
        who.url = f"https://www.douyin.com/user/{who.user_id}"
    music = d.get("music") if isinstance(d.get("music"), dict) else {}
    return Post("douyin", str(post_id), who, at, text=d.get("desc"), url=f"https://www.douyin.com/video/{post_id}",
                views=_int(views), likes=_int(likes), shares=_int(shares), hashtags=hashtags, mentions=mentions,
                music_id=_id(music.get("id_str") or music.get("idStr") or music.get("id")),
                media_ids=([f"video:{video}"] if _id(video) else []) + [f"image:{i}" for i in images if _id(i)])


def instagram_item(d: dict) -> Post:
    """An Instagram post: the API's item list (``code``, ``taken_at``, ``user``) or the older graph shape."""
    user = d.get("user") or d.get("owner") or {}
    code = d.get("code") or d.get("shortcode")
    if not code:
        raise FieldError("code", "required but missing")
    caption = _get(d, "caption", "text")
    if caption is None:
        edges = _get(d, "edge_media_to_caption", "edges") or []
        caption = _get(edges[0], "node", "text") if edges else None
    tagged = [_get(t, "user", "username") for t in _get(d, "usertags", "in") or []]
    music = (_get(d, "clips_metadata", "music_info", "music_asset_info", "audio_asset_id")
             or _get(d, "clips_metadata", "original_sound_info", "audio_asset_id"))
    return Post("instagram", code,
                Who("instagram", user_id=_id(user.get("pk") or user.get("id")), handle=user.get("username"),
                    name=user.get("full_name"), followers=_int(user.get("follower_count"))),
                _epoch(d.get("taken_at") or d.get("taken_at_timestamp"), "taken_at"), text=caption,
                url=f"https://www.instagram.com/p/{code}",
                views=_int(d.get("play_count") or d.get("view_count")),
                likes=_int(d.get("like_count") or _get(d, "edge_media_preview_like", "count")),
                hashtags=HASHTAG.findall(caption or ""), mentions=MENTION.findall(caption or "") + tagged,
                music_id=_id(music))


def _strip_html(text: str | None) -> str | None:
    return re.sub(r"<[^>]+>", "", text) if text else text


def weibo_status(d: dict) -> Post:
    """A Weibo status (``mblog``) as weibo.com and m.weibo.cn send it."""
    d = d.get("mblog") if isinstance(d.get("mblog"), dict) else d
    user = d.get("user") or {}
    uid = _id(user.get("idstr") or user.get("id"))
    who = Who("weibo", user_id=uid, handle=user.get("domain") or uid, name=user.get("screen_name"),
              followers=_int(user.get("followers_count")), url=f"https://weibo.com/u/{uid}" if uid else None)
    post_id = _id(d.get("idstr") or d.get("mid") or d.get("id"))
    if not post_id:
        raise FieldError("idstr", "required but missing")
    text = d.get("text_raw") or _strip_html(d.get("text"))
    video = _get(d, "page_info", "object_id") if _get(d, "page_info", "type") in ("video", 11, "11") else None
    post = Post("weibo", post_id, who, _twitter_time(d.get("created_at"), "created_at"), text=text,
                url=f"https://weibo.com/{uid}/{d.get('mblogid') or post_id}" if uid else None,
                likes=_int(d.get("attitudes_count")), shares=_int(d.get("reposts_count")),
                views=_int(d.get("reads_count")),
                hashtags=WEIBO_TOPIC.findall(text or ""), mentions=MENTION.findall(text or ""),
                media_ids=[f"image:{p}" for p in d.get("pic_ids") or []] + ([f"video:{video}"] if video else []))
    original = d.get("retweeted_status")
    if isinstance(original, dict):
        own = (text or "").strip()
        if own in ("", "转发微博", "Repost", "轉發微博"):
            post.repost_of = weibo_status(original)
        else:  # a repost with its own words: a quote with credit
            post.quote_of = weibo_status(original)
    return post


def bilibili_item(d: dict) -> Post:
    """A Bilibili video (``bvid``, ``owner``, ``stat``, ``pubdate``) or a dynamic (``id_str``, ``modules``)."""
    if isinstance(d.get("modules"), dict):
        modules = d["modules"]
        author = modules.get("module_author") or {}
        archive = _get(modules, "module_dynamic", "major", "archive") or {}
        text = _get(modules, "module_dynamic", "desc", "text")
        post = Post("bilibili", str(d["id_str"]),
                    Who("bilibili", user_id=_id(author.get("mid")), handle=author.get("name"), name=author.get("name"),
                        url=f"https://space.bilibili.com/{author.get('mid')}" if author.get("mid") else None),
                    _epoch(author.get("pub_ts"), "modules.module_author.pub_ts"), text=text,
                    title=archive.get("title"), url=f"https://t.bilibili.com/{d['id_str']}",
                    likes=_int(_get(modules, "module_stat", "like", "count")),
                    shares=_int(_get(modules, "module_stat", "forward", "count")),
                    hashtags=WEIBO_TOPIC.findall(text or ""), mentions=MENTION.findall(text or ""),
                    media_ids=[f"video:{archive['bvid']}"] if archive.get("bvid") else [])
        if isinstance(d.get("orig"), dict):
            if (text or "").strip() in ("", "转发动态"):
                post.repost_of = bilibili_item(d["orig"])
            else:
                post.quote_of = bilibili_item(d["orig"])
        return post
    owner, stat = d.get("owner") or {}, d.get("stat") or {}
    bvid = d.get("bvid") or (f"av{d['aid']}" if d.get("aid") else None)
    if not bvid:
        raise FieldError("bvid", "required but missing")
    return Post("bilibili", bvid,
                Who("bilibili", user_id=_id(owner.get("mid")), handle=owner.get("name"), name=owner.get("name"),
                    url=f"https://space.bilibili.com/{owner.get('mid')}" if owner.get("mid") else None),
                _epoch(d.get("pubdate") or d.get("ctime"), "pubdate"), text=d.get("desc"), title=d.get("title"),
                url=f"https://www.bilibili.com/video/{bvid}", views=_int(stat.get("view")),
                likes=_int(stat.get("like")), shares=_int(stat.get("share")),
                hashtags=[t.get("tag_name") for t in d.get("tags") or [] if isinstance(t, dict)],
                media_ids=[f"video:{bvid}"])


PARSERS: dict[str, Callable[[dict], Post]] = {
    "x": x_tweet, "tiktok": tiktok_item, "douyin": douyin_item, "instagram": instagram_item,
    "weibo": weibo_status, "bilibili": bilibili_item,
}


# ----------------------------------------------------------------------------- the envelope

def _first_object(path: Path) -> dict | None:
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    value = json.loads(raw.decode("utf-8-sig"))
                    return value if isinstance(value, dict) else None
    except (OSError, ValueError):
        return None
    return None


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() not in (".ndjson", ".jsonl", ".json"):
        return False
    first = _first_object(path)
    return bool(first) and all(k in first for k in ENVELOPE) and ("item_id" in first or "nav_index" in first)


def platform_of(envelope: dict) -> str:
    name = str(envelope.get("source_platform") or "").strip().lower().removeprefix("www.")
    if name not in PLATFORMS:
        raise FieldError("source_platform", f"{name[:40]!r} is not a platform this adapter reads "
                                            f"({', '.join(sorted(set(PLATFORMS)))})")
    return PLATFORMS[name]


def _shape_error(exc: Exception, platform: str) -> tuple[str, str]:
    if isinstance(exc, KeyError):
        return f"data.{exc.args[0]}", f"required but missing in this {platform} item"
    return "data", f"not a {platform} item of a shape this adapter knows ({type(exc).__name__}: {str(exc)[:80]})"


class CaptureSources:
    """One ``Source {kind: capture}`` per captured page, citing the imported file."""

    def __init__(self, file_sources: list[str], collector: str):
        self.file_sources = file_sources
        self.collector = collector  # the tool that captured
        self.seen: set[str] = set()

    def source(self, envelope: dict, origin: Origin) -> tuple[str, NodeRecord | None]:
        page = _text(envelope.get("source_platform_url")) or _text(envelope.get("source_url")) or ""
        key = hashlib.sha256(f"{page}\n{envelope.get('nav_index', '')}".encode("utf-8")).hexdigest()[:16]
        source_id = f"capture:{key}"
        if source_id in self.seen:
            return source_id, None
        self.seen.add(source_id)
        when = _epoch(envelope.get("timestamp_collected"), "timestamp_collected")
        record = node_record("Source", {"id": source_id, "kind": "capture", "url": page or None,
                                        "title": f"{self.collector} capture of {page}"[:500] if page else None,
                                        "captured_at": when, "collector": self.collector,
                                        "sources": list(self.file_sources)}, origin)
        return source_id, record


def records_by_row(path: Path, rows, to_records: Callable[[dict, Origin], list], default_sources: list[str] | None,
                   raw: Callable[[dict], str] | None = None) -> Iterator:
    """Records and rejects for rows that each make a few records, all or none (a bad value rejects the row)."""
    sources = list(default_sources or [])
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        try:
            records = to_records(item.values, Origin(str(path), item.line, item.values))
        except FieldError as exc:
            yield Reject(str(path), item.line, exc.field, exc.reason, (raw or _raw)(item.values))
            continue
        for record in records:
            if sources and not record.props.get("sources"):
                record.props["sources"] = list(sources)
            yield record


def _raw(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, default=str)[:MAX_RAW]


def _envelope_post(values: dict) -> Post:
    platform = platform_of(values)
    data = values.get("data")
    if not isinstance(data, dict):
        raise FieldError("data", "the captured item is missing (expected an object)")
    try:
        return PARSERS[platform](data)
    except FieldError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise FieldError(*_shape_error(exc, platform)) from None


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one Zeeschuimer NDJSON export."""
    path = Path(path)
    first = _first_object(path)
    if first is not None and not all(k in first for k in ENVELOPE):
        raise InputError(f"{path}:1: not a Zeeschuimer export: the first item has no {' / '.join(ENVELOPE)}")
    file_sources = list(default_sources or [])
    captures = CaptureSources(file_sources, "zeeschuimer")

    def to_records(envelope: dict, origin: Origin) -> list:
        records = post_records(_envelope_post(envelope), origin)
        source_id, source = captures.source(envelope, origin)
        for record in records:
            record.props["sources"] = [*file_sources, source_id]
        return ([source] if source else []) + records

    return records_by_row(path, read_jsonl(path), to_records, default_sources)


register("zeeschuimer", sys.modules[__name__])
