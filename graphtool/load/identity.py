"""Identity resolution: one account node, however the sources name it.

Sources name an account by the platform's stable id (an archive's ``userid``), by handle
(FollowTheMoney's ``username``, listening exports), by profile URL (``https://x.com/Handle``,
``weibo.com/u/<uid>``) or by a graph id of their own.  The rules per platform are data in
:data:`graphtool.model.PLATFORMS`.  How it works:

- Every ``Account`` record carries what it saw (:attr:`NodeRecord.identifiers`); each becomes
  an ``Identifier`` node (``x:handle:cgtnofficial``, ``x:user_id:1115874631``,
  ``key:ftm:abc``) with ``IDENTIFIES`` to the account, carrying the spelling seen, when, and the
  sources.  Two handles on one account are its rename history.
- **Canonical id.** An account whose user id is known is ``platform:user_id``.  Otherwise it
  keeps the id it was given; when several such nodes turn out to be one account, the smallest
  id (code-point order) survives.  So the final graph does not depend on import order.
- A record whose identifiers meet existing nodes lands on the canonical one; any other nodes
  they meet are merged into it (:func:`merge_accounts`): relationships moved, properties united
  (the canonical node's values win, the others fill gaps), sources united.  A record that names
  the account only by a weaker identifier fills gaps and never overwrites.
- **Conflict.** A handle already identifying an account with another user id is never merged:
  the row is reported (a warning in the rejects file) and the handle is not attached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote
from typing import Callable, Iterable

from .. import internal_queries as Q
from .. import model
from ..store import Store
from ..values import FieldError, check_id, iso, normalize_url
from .records import NodeRecord, Notice

ACCOUNT = model.L.Account
IDENTIFIES = model.R.IDENTIFIES
CONFLICT = object()  # an identifier that names accounts with different user ids
_URL_PREFIX = re.compile(r"^https?://(?:www\.|m\.|mobile\.)?")


@dataclass(frozen=True)
class Seen:
    """One identifier as one record saw it."""

    platform: str
    kind: str  # user_id, handle or key
    value: str  # as the source spelled it
    ts: int | None = None  # when the source saw it (a tweet's time), if known

    @property
    def key(self) -> str:
        return identifier_id(self.platform, self.kind, self.value)


def identifier_id(platform: str, kind: str, value: str) -> str:
    """The ``Identifier`` node id: handles lower-cased where the platform ignores case.

    >>> identifier_id("x", "handle", "@CGTNOfficial"), identifier_id("wechat", "handle", "GT")
    ('x:handle:cgtnofficial', 'wechat:handle:GT')
    """
    if kind == "key":
        return f"key:{value}"
    value = value.strip()
    if kind == "handle":
        value = value.lstrip("@")
        if model.platform(platform).case_insensitive:
            value = value.lower()
    return f"{platform}:{kind}:{value}"


def from_url(url: str | None) -> Seen | None:
    """The identifier a profile URL carries, by the platforms' URL forms; None if none fits.

    >>> from_url("https://x.com/CGTNOfficial")
    Seen(platform='x', kind='handle', value='CGTNOfficial', ts=None)
    >>> from_url("https://weibo.com/u/1234567").kind
    'user_id'
    """
    norm = normalize_url(url)
    if not norm or not norm.startswith(("http://", "https://")):
        return None
    rest = _URL_PREFIX.sub("", norm, count=1)
    for platform in model.PLATFORMS:
        for form in platform.url_forms:
            match = re.match(form.pattern, rest)
            if match:
                return Seen(platform.name, form.kind, unquote(match.group(1)))
    return None


def seen_in(record: NodeRecord, ts: int | None = None) -> list[Seen]:
    """The identifiers an Account record shows: user id, handle, profile URL, and its own id."""
    props = record.props
    platform = props.get("platform") or record.id.partition(":")[0]
    seen = []
    if props.get("user_id"):
        seen.append(Seen(platform, "user_id", props["user_id"], ts))
    handle = props.get("handle")
    if handle and handle != props.get("user_id"):  # a stub known only by id has its id as handle
        seen.append(Seen(platform, "handle", handle, ts))
    by_url = from_url(props.get("url"))
    if by_url and by_url.platform == platform:
        seen.append(Seen(platform, by_url.kind, by_url.value, ts))
    if record.id not in (f"{platform}:{props.get('user_id')}", f"{platform}:{handle}"):
        seen.append(Seen(platform, "key", record.id, ts))
    return [s for s in seen if _usable(s.key)]


def _usable(key: str) -> bool:
    """Whether an Identifier id may reach the store (the same rule as every node id)."""
    try:
        return check_id(key) == key
    except FieldError:
        return False


def canonical_id(record: NodeRecord) -> str:
    """``platform:user_id`` when the record knows the user id, else the id it was given."""
    uid = record.props.get("user_id")
    return f"{record.props.get('platform')}:{uid}" if uid else record.id


@dataclass
class Plan:
    """What one batch of Account records does to the store, decided before writing it."""

    full: list  # records written as usual (they name the account by its canonical id)
    fill: list  # records that only fill gaps on the node they resolve to
    merges: list  # (survivor id, merged id)
    links: list  # rows for IDENTIFIES
    conflicts: list  # Notices: rows that loaded but need a look
    conflicted: list = field(default_factory=list)  # Identifier ids that name two accounts


class Resolver:
    """Resolves Account records of one import against the store and itself."""

    def __init__(self, store: Store, on_warning: Callable[[Reject], None]):
        self.store = store
        self.on_warning = on_warning
        self.owner: dict[str, str] = {}  # identifier id -> account id (this import, and what it read)
        self.user_id: dict[str, str | None] = {}  # account id -> its user id, as far as known
        self.redirect: dict[str, str] = {}  # a record's id -> the account it landed on

    def final(self, account_id: str) -> str:
        while account_id in self.redirect:
            account_id = self.redirect[account_id]
        return account_id

    def _read(self, keys: Iterable[str]) -> None:
        missing = [k for k in set(keys) if k not in self.owner]
        if not missing:
            return
        rows = Q.IDENTIFIER_OWNERS.read(self.store, {"keys": sorted(missing)})
        for row in rows:
            known = self.owner.get(row["k"])
            self.owner[row["k"]] = CONFLICT if row["conflict"] or known not in (None, row["a"]) else row["a"]
            self.user_id.setdefault(row["a"], row["uid"])

    def _exists(self, ids: list[str]) -> dict[str, str | None]:
        rows = Q.ACCOUNT_USER_IDS.read(self.store, {"ids": sorted(set(ids))})
        return {r["a"]: r["uid"] for r in rows}

    def plan(self, records: list[NodeRecord]) -> Plan:
        plan = Plan([], [], [], [], [])
        self._read(s.key for r in records for s in r.identifiers)
        stored = self._exists([canonical_id(r) for r in records] + [r.id for r in records])
        for ident, uid in stored.items():
            self.user_id.setdefault(ident, uid)
        for record in records:
            self._resolve(record, plan)
        return plan

    def _resolve(self, record: NodeRecord, plan: Plan) -> None:
        uid = record.props.get("user_id")
        own = canonical_id(record)
        start = self.final(own)
        nodes = {start}
        if record.id != own and record.id in self.user_id:
            nodes.add(self.final(record.id))
        claimed = uid or next((self.user_id[n] for n in sorted(nodes) if self.user_id.get(n)), None)
        attach = []
        for seen in record.identifiers:
            other = self.owner.get(seen.key)
            if other is CONFLICT:  # names two accounts already: attached, never used to merge
                attach.append(seen)
                continue
            other = self.final(other) if other else None
            other_uid = self.user_id.get(other) if other else None
            if other and claimed and other_uid and other_uid != claimed:
                where = record.origin
                plan.conflicts.append(Notice(
                    where.file if where else "", where.line if where else 0, seen.kind,
                    f"warning: identity conflict: {seen.kind} {seen.value[:80]!r} already names {other} "
                    f"(user id {other_uid}), and this row's account has user id {claimed}; not merged "
                    "(the identifier is marked as a conflict and names both)", where.raw() if where else ""))
                self.owner[seen.key] = CONFLICT
                plan.conflicted.append(seen.key)
                attach.append(seen)
                continue
            claimed = claimed or other_uid
            attach.append(seen)
            if other:
                nodes.add(other)
        with_uid = sorted(n for n in nodes if self.user_id.get(n) or (n == own and uid))
        survivor = with_uid[0] if with_uid else min(nodes)
        for node in sorted(nodes - {survivor}):
            if node in self.user_id:  # it exists: merge it into the survivor
                plan.merges.append((survivor, node))
            self.redirect[node] = survivor
            self.user_id.pop(node, None)
        if record.id != survivor:
            self.redirect[record.id] = survivor
        self.user_id[survivor] = self.user_id.get(survivor) or uid
        # The record that names the account by its canonical id writes as usual; others fill gaps.
        (plan.full if own == survivor and (uid or record.id == survivor) else plan.fill).append(record)
        record.id = survivor
        for seen in attach:
            if self.owner.get(seen.key) is not CONFLICT:
                self.owner[seen.key] = survivor
            plan.links.append({"id": seen.key, "platform": seen.platform, "kind": seen.kind,
                               "value": seen.key.split(":", 2)[-1] if seen.kind != "key" else seen.value,
                               "as_seen": seen.value, "ts": seen.ts, "account": survivor,
                               "sources": record.props.get("sources") or []})

    def lookup(self, ids: list[str]) -> dict[str, str]:
        """Account ids a relationship names that are not nodes, resolved through identifiers."""
        keys = {}
        for ident in ids:
            platform, _, value = ident.partition(":")
            candidates = [f"key:{ident}"]
            if value:
                candidates += [identifier_id(platform, "user_id", value), identifier_id(platform, "handle", value)]
            keys[ident] = candidates
        self._read(k for c in keys.values() for k in c)
        out = {}
        for ident, candidates in keys.items():
            found = [self.final(self.owner[k]) for k in candidates if k in self.owner]
            if found:
                out[ident] = found[0]
        return out


def mark_conflicts(store: Store, ids: list[str]) -> None:
    if ids:
        Q.MARK_CONFLICTS.run(store, {"ids": sorted(set(ids))})


def write_links(store: Store, rows: list[dict]) -> None:
    """IDENTIFIES for each row (deduplicated first: FalkorDB must not MERGE one pair twice in a batch)."""
    unique: dict[tuple, dict] = {}
    for row in rows:
        ident = (row["id"], row["account"])
        earlier = unique.get(ident)
        if earlier is None:
            unique[ident] = earlier = {**row, "first": row["ts"], "last": row["ts"]}
        else:
            earlier["sources"] = earlier["sources"] + [s for s in row["sources"] if s not in earlier["sources"]]
            earlier["as_seen"] = min(earlier["as_seen"], row["as_seen"])
        if row["ts"] is not None:
            earlier["first"] = row["ts"] if earlier["first"] is None else min(earlier["first"], row["ts"])
            earlier["last"] = row["ts"] if earlier["last"] is None else max(earlier["last"], row["ts"])
    batch = []
    for row in unique.values():
        row.pop("ts", None)
        row["first_at"] = iso(row["first"]) if row["first"] is not None else None
        row["last_at"] = iso(row["last"]) if row["last"] is not None else None
        batch.append(row)
    if batch:
        Q.LINK_IDENTIFIERS.run(store, {"rows": batch})


def fill_only(store: Store, records: list[NodeRecord]) -> list[NodeRecord]:
    """The records with only the properties their (existing) node lacks; sources always unite."""
    if not records:
        return []
    rows = Q.ACCOUNT_PROPERTIES.read(store, {"ids": sorted({r.id for r in records})})
    have = {r["id"]: r["p"] for r in rows}
    out = []
    for record in records:
        stored = have.get(record.id, {})
        props = {k: v for k, v in record.props.items() if k == "sources" or stored.get(k) is None}
        out.append(NodeRecord(record.label, record.id, props, record.origin))
    return out


def merge_accounts(store: Store, survivor: str, merged: str) -> None:
    """Merge account ``merged`` into ``survivor``: relationships moved, properties and sources united.

    The survivor's property values win; the merged node's fill the gaps.  Relationships
    between the two disappear (an account does not follow itself).
    """
    from .writer import rel_query

    both = {r["id"]: r["p"] for r in Q.ACCOUNT_PROPERTIES.read(store, {"ids": [survivor, merged]})}
    if merged not in both:
        return
    mine, theirs = both.get(survivor, {}), both[merged]
    props = {k: v for k, v in {**theirs, **mine}.items() if k != "id" and v is not None}
    sources = list(mine.get("sources") or [])
    props["sources"] = sources + [s for s in theirs.get("sources") or [] if s not in sources]
    Q.SET_ACCOUNT.run(store, {"id": survivor, "props": props})
    for spec in model.RELATIONSHIPS:
        for direction in ("out", "in"):
            if ACCOUNT not in (spec.sources if direction == "out" else spec.targets):
                continue
            related = Q.ACCOUNT_RELS_OUT if direction == "out" else Q.ACCOUNT_RELS_IN
            rows = related.read(store, {"id": merged}, type=spec.type)
            groups: dict[str, list] = {}
            if spec.type == IDENTIFIES:  # earliest/latest sighting and smallest spelling, as when loading
                write_links(store, [{"id": row["b"], "platform": None, "kind": None, "value": None, "account": survivor,
                                     "as_seen": row["p"].get("as_seen"), "ts": row["p"].get(f"{end}_seen_ts"),
                                     "sources": row["p"].get("sources") or []}
                                    for row in rows for end in ("first", "last")])
                continue
            for row in rows:
                if row["b"] in (survivor, merged) and ACCOUNT in row["labels"]:
                    continue
                p = dict(row["p"])
                src_sources = p.pop("sources", None) or []
                label = row["labels"][0]
                ends = {"src": survivor, "dst": row["b"]} if direction == "out" else {"src": row["b"], "dst": survivor}
                groups.setdefault(label, []).append({**ends, "key": p.get(spec.key) if spec.key else None,
                                                     "props": p, "sources": src_sources})
            for label, batch in groups.items():
                src_label, dst_label = (ACCOUNT, label) if direction == "out" else (label, ACCOUNT)
                store.run(rel_query(spec.type, src_label, dst_label), {"rows": batch})
    Q.DELETE_ACCOUNT.run(store, {"id": merged})


def identifiers_of(store: Store, account_id: str) -> list[dict]:
    """Which identifiers name an account, from which sources (for ``graphtool explain``).

    Each item: ``identifier`` (as a source spelled it), ``kind`` (user_id, handle, key),
    ``sources`` (Source ids), ``first_seen`` / ``last_seen`` (ISO, when known); handles in the
    order they were first seen, which is the account's rename history.
    """
    rows = Q.IDENTIFIERS_OF.read(store, {"id": account_id})
    order = {"user_id": 0, "handle": 1, "key": 2}
    rows.sort(key=lambda r: (order.get(r["kind"], 3), r["ts"] if r["ts"] is not None else 2**62, r["id"]))
    return [{"identifier": r["as_seen"] or r["id"], "kind": r["kind"], "sources": sorted(r["sources"] or []),
             "first_seen": r["first"], "last_seen": r["last"]} for r in rows]


def identifier_line(item: dict) -> str:
    """One item of :func:`identifiers_of` as text: ``handle CGTNOfficial (from file:..., seen 2019-07-02)``.

    >>> identifier_line({"kind": "handle", "identifier": "A", "sources": ["s"], "first_seen": None, "last_seen": None})
    'handle A (from s)'
    """
    when = f", seen {item['first_seen'][:10]}" if item["first_seen"] else ""
    if item["last_seen"] and item["first_seen"] and item["last_seen"][:10] != item["first_seen"][:10]:
        when += f"..{item['last_seen'][:10]}"
    return f"{item['kind']} {item['identifier']} (from {', '.join(item['sources']) or 'no source'}{when})"
