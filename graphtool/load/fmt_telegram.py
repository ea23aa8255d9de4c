"""Telegram Desktop exports (``result.json``, ``--format telegram``): channels, groups, their messages.

Telegram Desktop's "Export chat history" (one chat) and "Export Telegram data" (all chats,
``chats.list``) write JSON, one message object per block, and name senders as ``from_id``
(``channel<id>``, ``user<id>``, ``chat<id>``).  How a message becomes records:

- the chat and every sender: ``Account telegram:<from_id>`` (the chat itself: ``channel<id>`` for
  channels and supergroups, ``chat<id>`` for small groups), ``display_name`` = the name shown;
- a message: ``Article telegram:<chat>/<message id>`` with its text (a string, or a list of text
  parts: both are read), time, links (``link`` and ``text_link`` parts), hashtags, mentions and
  ``media_ids`` (``sha256:<hex>`` of the photo or file when the export holds it), ``PUBLISHED`` by
  its sender; ``reply_to_message_id`` adds ``SHARED {kind: reply}`` to the answered message;
- a forward (``forwarded_from``): ``SHARED {kind: repost, at: forward time}`` from the forwarding
  account to the original, which is credited: its channel is ``forwarded_from_id`` when the export
  writes it, else the chat of that name in the same export.  The original is that channel's
  message with the same text when the export holds it, else ``Article telegram:<channel>/fwd-<hash
  of the text>`` (the same node for every forward of that text).  Telegram Desktop writes no
  original time, so "B forwarded A 40 minutes later" needs A's own message in some export.
- a message that repeats another's text without the forward header is an ordinary message: copy
  detection (``graphtool copies``) finds it.

The file is read block by block (Telegram Desktop writes each message on its own lines), so a
large export streams; a damaged message, or a file cut off in the middle, is rejected with its
line number and the other messages load.  Service messages (joins, pins) are skipped.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .fmt_zeeschuimer import Who, account_record
from .records import FieldError, Origin, Reject, node_record, rel_record
from .rows import MAX_RAW

PLATFORM = "telegram"
CHAT_FIELD = re.compile(r'^\s*"(name|type|id)": (.*?),?\s*$')
MESSAGES_START = re.compile(r'^\s*"messages": \[\s*(\]?)\s*,?\s*$')
MAX_WHOLE_FILE = 512 * 1024 * 1024  # an export not laid out by Telegram Desktop is parsed whole
LINK_TYPES = ("link", "text_link")


@dataclass
class Chat:
    name: str | None = None
    type: str | None = None
    id: str | None = None

    @property
    def key(self) -> str:
        if self.type in ("private_group",):
            return f"chat{self.id}"
        if self.type in ("personal_chat", "bot_chat", "saved_messages"):
            return f"user{self.id}"
        return f"channel{self.id}"


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith("{") and (
        ('"messages"' in head and '"type"' in head) or ('"about"' in head and '"chats"' in head)
        or ('"personal_information"' in head))


def _blocks(path: Path) -> Iterator[tuple[Chat, int, str] | Reject]:
    """(chat, first line, text) of each message block, in file order; broken blocks as rejects."""
    chat = Chat()
    indent: str | None = None  # the indentation of the message being read
    start, lines = 0, []
    in_messages = seen_messages = False
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):
                if not in_messages:
                    found = MESSAGES_START.match(line)
                    if found:
                        in_messages = not found.group(1)  # "messages": [] is an empty chat
                        seen_messages = True
                        continue
                    if line.strip() in ("{", ",{"):  # an object starts: a chat's name, type and id follow
                        chat = Chat()
                        continue
                    field = CHAT_FIELD.match(line)
                    if field and line[: len(line) - len(line.lstrip())].count(" ") <= 4:
                        try:
                            setattr(chat, field.group(1), str(json.loads(field.group(2))))
                        except ValueError:
                            pass
                    continue
                stripped = line.strip()
                if indent is None:
                    if stripped.startswith("]"):
                        in_messages = False
                        chat = Chat()
                        continue
                    if stripped in ("{", ",{"):
                        indent = line[: len(line) - len(line.lstrip())]
                        start, lines = number, [line]
                    elif stripped.startswith("{") and stripped.rstrip(",").endswith("}"):
                        yield chat, number, stripped.rstrip(",")  # a message on one line
                    elif stripped and stripped != ",":
                        yield Reject(str(path), number, "", "not a message of the messages list", line[:MAX_RAW])
                    continue
                lines.append(line)
                if line.rstrip("\r\n").rstrip(",") == indent + "}":
                    yield chat, start, "".join(lines).rstrip().rstrip(",")
                    indent, lines = None, []
        except UnicodeDecodeError as exc:
            yield Reject(str(path), number + 1, "", f"not UTF-8 (byte {exc.start} of the block); reading stopped")
            return
    if not chat.id and not seen_messages:
        raise InputError(f"{path}: no \"messages\" list: not a Telegram Desktop export (result.json)")
    if indent is not None:
        yield Reject(str(path), start, "", "the file ends inside this message (a truncated export)",
                     "".join(lines)[:MAX_RAW])
    elif in_messages:
        yield Reject(str(path), number, "", "the file ends inside the messages list (a truncated export)")


def _whole(path: Path) -> Iterator[tuple[Chat, int, str] | Reject]:
    """Exports that are not laid out line by line (re-saved by another tool): parsed whole."""
    if path.stat().st_size > MAX_WHOLE_FILE:
        raise InputError(f"{path}: over {MAX_WHOLE_FILE >> 20} MiB and not laid out as Telegram Desktop writes it")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a Telegram export ({exc})") from None
    chats = data.get("chats", {}).get("list", []) if "chats" in data else [data]
    for raw in chats:
        chat = Chat(raw.get("name"), raw.get("type"), str(raw.get("id")))
        for index, message in enumerate(raw.get("messages") or [], start=1):
            yield chat, index, json.dumps(message, ensure_ascii=False)


def _messages(path: Path) -> Iterator[tuple[Chat, int, dict] | Reject]:
    with path.open("rb") as handle:
        laid_out = handle.read(64 * 1024).count(b"\n") > 2
    for item in (_blocks(path) if laid_out else _whole(path)):
        if isinstance(item, Reject):
            yield item
            continue
        chat, line, text = item
        try:
            message = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Reject(str(path), line + exc.lineno - 1, "", f"not valid JSON ({exc.msg.removesuffix(' at')}, column {exc.colno})",
                         text[:MAX_RAW])
            continue
        if not isinstance(message, dict):
            yield Reject(str(path), line, "", "a message must be an object", text[:MAX_RAW])
            continue
        yield chat, line, message


def _parts(message: dict) -> list:
    entities = message.get("text_entities")
    if isinstance(entities, list):
        return entities
    text = message.get("text")
    return text if isinstance(text, list) else [text or ""]


def plain_text(message: dict) -> str:
    """The message's text: ``text`` is a string, or a list of strings and ``{type, text}`` parts."""
    text = message.get("text")
    parts = text if isinstance(text, list) else [text or ""]
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts
                   if isinstance(p, (str, dict)))


def _entities(message: dict, kind: str) -> list[str]:
    out = []
    for part in _parts(message):
        if not isinstance(part, dict) or part.get("type") != kind:
            continue
        out.append(str(part.get("href") if kind == "text_link" else part.get("text", "")))
    return out


def _text_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


class Export:
    """What the first pass learns: chats by name, and each channel's messages by text."""

    def __init__(self):
        self.names: dict[str, set[str]] = {}
        self.by_text: dict[tuple[str, str], tuple[str, int, int]] = {}  # (sender, text) -> chat, id, time
        self.forwards: dict[str, str] = {}  # a forward's own id -> the original it shares (a reply may answer it)

    def learn(self, chat: Chat, message: dict) -> None:
        if chat.name and chat.id:
            self.names.setdefault(chat.name, set()).add(chat.key)
        if message.get("type") != "message" or message.get("forwarded_from") is not None:
            return
        text = plain_text(message)
        author = message.get("from_id") or chat.key
        try:
            when, mid = int(message.get("date_unixtime") or 0), int(message["id"])
        except (KeyError, TypeError, ValueError):
            return
        key = (str(author), _text_key(text))
        if text.strip() and (key not in self.by_text or self.by_text[key][2] > when):
            self.by_text[key] = (chat.key, mid, when)

    def channel_named(self, name: str | None) -> str | None:
        keys = self.names.get(name or "", set())
        return next(iter(keys)) if len(keys) == 1 else None  # two chats of one name: not guessed


def _when(message: dict):
    value = message.get("date_unixtime") or message.get("date")
    if value in (None, ""):
        raise FieldError("date", "required but missing")
    return value


class MediaHashes:
    """sha256 of the media files an export holds (cached: a forwarded photo is often the same file)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.cache: dict[str, str | None] = {}

    def of(self, relative) -> str | None:
        if not isinstance(relative, str) or not relative or relative.startswith("("):  # "(File not included...)"
            return None
        if relative not in self.cache:
            path = (self.folder / relative).resolve()
            digest = None
            if path.is_file() and self.folder.resolve() in path.parents:
                with path.open("rb") as handle:
                    digest = "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
            self.cache[relative] = digest
        return self.cache[relative]


def _records(chat: Chat, message: dict, origin: Origin, export: Export, media: MediaHashes) -> list:
    if "id" not in message:
        raise FieldError("id", "required but missing")
    chat_id = chat.key
    author = str(message.get("from_id") or chat_id)
    out = [account_record(Who(PLATFORM, user_id=chat_id, handle=chat_id, name=chat.name), origin)]
    if author != chat_id:
        out.append(account_record(Who(PLATFORM, user_id=author, handle=author, name=message.get("from")), origin))
    account = out[-1].id
    me = f"{PLATFORM}:{chat_id}/{message['id']}"
    when = _when(message)
    text = plain_text(message)

    forwarded = message.get("forwarded_from")
    if forwarded is not None or message.get("forwarded_from_id"):
        source = str(message.get("forwarded_from_id") or export.channel_named(forwarded) or f"name:{forwarded}")
        credited = account_record(Who(PLATFORM, user_id=None if source.startswith("name:") else source, handle=source,
                                      name=forwarded), origin, stub=True)
        out.append(credited)
        found = export.by_text.get((source, _text_key(text)))
        if found:
            original = f"{PLATFORM}:{found[0]}/{found[1]}"
            record = node_record("Article", {"id": original, "platform": PLATFORM}, origin)
        else:
            original = f"{PLATFORM}:{source}/fwd-{_text_key(text)}"
            record = node_record("Article", {"id": original, "platform": PLATFORM, "text": text or None}, origin)
        record.stub = True
        out.append(record)
        out.append(rel_record("PUBLISHED", {"src": credited.id, "dst": original, "src_label": "Account"}, origin))
        out.append(rel_record("SHARED", {"src": account, "dst": original, "id": me, "at": when, "kind": "repost"},
                              origin))
        export.forwards[me] = original
        return out

    hashes = [media.of(message.get(key)) for key in ("photo", "file")]
    out.append(node_record("Article", {
        "id": me, "platform": PLATFORM, "text": text or None, "published_at": when,
        "url": f"https://t.me/c/{chat.id}/{message['id']}" if chat_id.startswith("channel") else None,
        "urls": list(dict.fromkeys(_entities(message, "link") + _entities(message, "text_link"))) or None,
        "hashtags": [h.lstrip("#") for h in _entities(message, "hashtag")] or None,
        "mentions": [m.lstrip("@") for m in _entities(message, "mention")] or None,
        "media_ids": [h for h in hashes if h] or None,
    }, origin))
    out.append(rel_record("PUBLISHED", {"src": account, "dst": me, "src_label": "Account"}, origin))
    for handle in dict.fromkeys(m.lstrip("@") for m in _entities(message, "mention") if m.lstrip("@")):
        mentioned = account_record(Who(PLATFORM, handle=handle), origin, stub=True)
        out += [mentioned, rel_record("MENTIONS", {"src": me, "dst": mentioned.id}, origin)]  # never a share
    reply = message.get("reply_to_message_id")
    if reply is not None:
        peer = str(message.get("reply_to_peer_id") or chat_id)
        target = f"{PLATFORM}:{peer}/{reply}"
        target = export.forwards.get(target, target)  # a reply to a forward answers the forwarded post
        stub = node_record("Article", {"id": target, "platform": PLATFORM}, origin)
        stub.stub = True
        out += [stub, rel_record("SHARED", {"src": account, "dst": target, "id": me, "at": when, "kind": "reply"},
                                 origin)]
    return out


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one Telegram Desktop ``result.json``."""
    path = Path(path)
    export = Export()
    for item in _messages(path):  # first pass: chat names, and each channel's texts for forwards
        if not isinstance(item, Reject):
            export.learn(item[0], item[2])
    media = MediaHashes(path.parent)
    sources = list(default_sources or [])
    for item in _messages(path):
        if isinstance(item, Reject):
            yield item
            continue
        chat, line, message = item
        if message.get("type", "message") != "message":
            continue  # service messages: joins, pins, title changes
        origin = Origin(str(path), line, message)
        try:
            records = _records(chat, message, origin, export, media)
        except FieldError as exc:
            yield Reject(str(path), line, exc.field, exc.reason, json.dumps(message, ensure_ascii=False)[:MAX_RAW])
            continue
        for record in records:
            if sources and not record.props.get("sources"):
                record.props["sources"] = list(sources)
            yield record


register("telegram", sys.modules[__name__])
