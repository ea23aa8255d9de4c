"""FollowTheMoney (FtM) entities as JSON lines, into the ownership part of the model.

One entity per line: ``{"id", "schema", "properties": {name: [values]}, "datasets", ...}``
(the format of OpenSanctions, Aleph and ``ftm`` exports).  What is read:

========================  ===============================================================
FtM schema                graphtool
========================  ===============================================================
Person                    ``Person`` ``ftm:<id>`` (name, nationality or country)
Company, Organization,    ``Organization`` ``ftm:<id>`` (kind company / organization /
LegalEntity, PublicBody   agency; ``state_affiliated`` "true" when a topic is ``gov`` or
                          ``gov.*`` — ``gov.soe``, ``gov.national``... — or a PublicBody;
                          kind ``party`` with topic ``pol.party``)
UserAccount               ``Account`` ``<platform>:<username>``; ``username`` (or a profile
                          URL in it) and the entity id (``ftm:<id>``) are recorded as its
                          identifiers, so it meets the same account imported from elsewhere
                          by user id or handle in any case; its ``owner`` -> ``OWNED_BY``
Ownership                 asset ``OWNED_BY`` owner
Directorship              organization ``OPERATED_BY`` director
UnknownLink               the account/organization side ``OWNED_BY`` the other side, with
                          basis ``indirect`` and a low confidence (the nature is unknown)
========================  ===============================================================

Provenance is kept as ``Source`` nodes that every record cites: one per dataset
(``ftm-dataset:<name>``) and one per ``sourceUrl`` (with ``publisher`` as title and
``retrievedAt`` as capture time).  Other schemas are rejected with the reason.

Links may come before the entities they name, so the file is read twice: entities first,
links second; memory holds only the map of UserAccount ids to account ids.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Iterator

from . import register
from .identity import Seen, from_url
from .records import FieldError, NodeRecord, Origin, Reject, node_record, rel_record
from .rows import MAX_RAW, read_jsonl

EXTENSIONS = (".json", ".jsonl", ".ndjson", ".ftm", ".ijson")
ORGANIZATIONS = {"Company": "company", "Organization": "organization", "LegalEntity": "organization",
                 "PublicBody": "agency"}
LINKS = ("Ownership", "Directorship", "UnknownLink")
ENTITIES = ("Person", *ORGANIZATIONS, "UserAccount")

# FtM makes statements without a confidence: a published statement not yet checked by the
# analyst gets DECLARED; a link of unknown nature gets INDIRECT.
DECLARED = {"confidence": 0.9, "basis": "declared"}
INDIRECT = {"confidence": 0.3, "basis": "indirect"}

# FtM ``service`` values -> graphtool platforms (the model's Account.platform values).
SERVICES = {"twitter": "x", "x": "x", "x.com": "x", "twitter.com": "x", "wechat": "wechat", "weixin": "wechat",
            "微信": "wechat", "weibo": "weibo", "sina weibo": "weibo", "微博": "weibo", "douyin": "douyin",
            "抖音": "douyin", "facebook": "facebook", "bilibili": "bilibili", "xigua": "xigua",
            "西瓜视频": "xigua", "youtube": "youtube", "telegram": "telegram", "tiktok": "tiktok"}

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


def sniff(path: Path) -> bool:
    path = Path(path)
    if not path.name.lower().endswith(EXTENSIONS):
        return False
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    value = json.loads(raw)
                    return isinstance(value, dict) and "schema" in value and "properties" in value
    except (OSError, ValueError):
        return False
    return False


def is_state(topics: list[str]) -> bool:
    """FtM topics ``gov`` and ``gov.*`` (``gov.soe``, ``gov.national``...) mark the state."""
    return any(t == "gov" or t.startswith("gov.") for t in topics)


def platform_of(service: str) -> str:
    key = service.strip().lower()
    return SERVICES.get(key, re.sub(r"\s+", "", key))


def _first(props: dict, *names: str) -> str | None:
    for name in names:
        for value in props.get(name) or []:
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _ftm_date(value: str | None):
    """FtM dates may be partial (``2021``, ``2021-03``): the first moment they name."""
    if not value:
        return None
    if _PARTIAL_DATE.match(value):
        value = (value + "-01-01")[:10]
    return value  # node_record checks it and names the field when it is not a time


class _Entity:
    """One parsed line: the FtM entity, checked for shape."""

    def __init__(self, value: dict, path: Path, line: int):
        self.raw = json.dumps(value, ensure_ascii=False)[:MAX_RAW]
        self.origin = Origin(str(path), line, self.raw)  # a later reject (a dangling link) keeps the entity
        self.id = value.get("id")
        self.schema = value.get("schema")
        if not isinstance(self.id, str) or not self.id.strip():
            raise FieldError("id", "required but missing")
        if not isinstance(self.schema, str) or not self.schema:
            raise FieldError("schema", "required but missing")
        props = value.get("properties")
        if not isinstance(props, dict) or not all(isinstance(v, list) for v in props.values()):
            raise FieldError("properties", "must be an object of lists")
        self.props = props
        self.datasets = [d for d in value.get("datasets") or [] if isinstance(d, str) and d]


def _entities(path: Path, report: bool) -> Iterator[_Entity | Reject]:
    for item in read_jsonl(path):
        if isinstance(item, Reject):
            if report:
                yield item
            continue
        try:
            yield _Entity(item.values, path, item.line)
        except FieldError as exc:
            if report:
                yield Reject(str(path), item.line, exc.field, exc.reason, json.dumps(item.values)[:MAX_RAW])


def _provenance(entity: _Entity, default_sources: list[str]) -> tuple[list[NodeRecord], list[str]]:
    """Source nodes for the entity's datasets and source URL, and the ids it cites."""
    sources = list(default_sources)
    nodes = []
    for dataset in entity.datasets:
        nodes.append(node_record("Source", {"id": f"ftm-dataset:{dataset}", "kind": "dataset", "title": dataset,
                                            "collector": "FollowTheMoney"}, entity.origin))
    url = _first(entity.props, "sourceUrl")
    if url:
        try:
            nodes.append(node_record("Source", {
                "id": "url:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16], "kind": "report", "url": url,
                "title": _first(entity.props, "publisher") or url,
                "captured_at": _ftm_date(_first(entity.props, "retrievedAt")),
            }, entity.origin))
        except FieldError as exc:  # name FtM's property, not ours
            raise FieldError({"captured_at": "retrievedAt", "url": "sourceUrl"}.get(exc.field, exc.field),
                             exc.reason) from None
    for node in nodes:
        if node.id not in sources:
            sources.append(node.id)
    return nodes, sources


def _node(entity: _Entity, accounts: dict[str, str]) -> NodeRecord:
    props, schema = entity.props, entity.schema
    name = _first(props, "name")
    if schema == "Person":
        return node_record("Person", {"id": f"ftm:{entity.id}", "name": name,
                                      "country": _first(props, "nationality", "citizenship", "country")},
                           entity.origin)
    if schema in ORGANIZATIONS:
        topics = [t for t in props.get("topics") or [] if isinstance(t, str)]
        state = "true" if schema == "PublicBody" or is_state(topics) else None
        return node_record("Organization", {
            "id": f"ftm:{entity.id}", "name": name, "state_affiliated": state,
            # a party keeps its nature: whether a party's organ is the state is the state definition's call
            "kind": "party" if "pol.party" in topics else ORGANIZATIONS[schema],
            "country": _first(props, "jurisdiction", "country", "mainCountry")}, entity.origin)
    # UserAccount
    username, service = _first(props, "username"), _first(props, "service")
    if not username:
        raise FieldError("username", "required but missing")
    if not service:
        raise FieldError("service", "the platform of the account is missing")
    platform = platform_of(service)
    by_url = from_url(username)  # a profile URL given as the username names the handle or user id
    row = {"platform": platform, "handle": username.lstrip("@"), "display_name": name}
    if by_url and by_url.platform == platform:
        row.update({"handle": by_url.value} if by_url.kind == "handle" else {"user_id": by_url.value,
                                                                              "handle": by_url.value})
        row["url"] = username
    record = node_record("Account", row, entity.origin)
    # The FtM entity id names the account too: links in other FtM files reach it by ftm:<id>.
    record.identifiers.append(Seen(platform, "key", f"ftm:{entity.id}"))
    accounts[entity.id] = record.id
    return record


def _links(entity: _Entity, accounts: dict[str, str], account_ids: set[str]) -> list[tuple]:
    """(type, src, dst, strength) for each link the entity states."""
    def ref(name: str) -> str | None:
        value = _first(entity.props, name)
        return None if value is None else accounts.get(value, f"ftm:{value}")

    def both(a: str, b: str) -> tuple[str, str]:
        src, dst = ref(a), ref(b)
        for field, value in ((a, src), (b, dst)):
            if value is None:
                raise FieldError(field, "required but missing")
        return src, dst

    schema = entity.schema
    if schema == "UserAccount":
        owner = ref("owner")
        return [("OWNED_BY", accounts[entity.id], owner, DECLARED)] if owner else []
    if schema == "Ownership":
        owner, asset = both("owner", "asset")
        return [("OWNED_BY", asset, owner, DECLARED)]
    if schema == "Directorship":
        director, organization = both("director", "organization")
        return [("OPERATED_BY", organization, director, DECLARED)]
    subject, obj = both("subject", "object")
    # The account (or, failing that, the object) is the side that is owned.
    owned, owner = (subject, obj) if subject in account_ids and obj not in account_ids else (obj, subject)
    return [("OWNED_BY", owned, owner, INDIRECT)]


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Entities on a first pass over the file, links on a second."""
    path = Path(path)
    default_sources = list(default_sources or [])
    accounts: dict[str, str] = {}  # UserAccount id -> Account id
    for entity in _entities(path, report=True):
        if isinstance(entity, Reject):
            yield entity
            continue
        if entity.schema not in ENTITIES and entity.schema not in LINKS:
            yield Reject(str(path), entity.origin.line, "schema",
                         f"schema {entity.schema[:40]!r} is not imported (graphtool reads "
                         f"{', '.join(ENTITIES + LINKS)})", entity.raw)
            continue
        if entity.schema in LINKS:
            continue
        try:
            provenance, sources = _provenance(entity, default_sources)
            record = _node(entity, accounts)
        except FieldError as exc:
            yield Reject(str(path), entity.origin.line, exc.field, exc.reason, entity.raw)
            continue
        yield from provenance
        record.props["sources"] = sources
        yield record
    account_ids = set(accounts.values())
    for entity in _entities(path, report=False):
        if entity.schema not in LINKS and not (entity.schema == "UserAccount" and entity.id in accounts):
            continue
        try:
            provenance, sources = _provenance(entity, default_sources)
            links = [rel_record(type_, {"src": src, "dst": dst, **strength, "sources": sources}, entity.origin)
                     for type_, src, dst, strength in _links(entity, accounts, account_ids)]
        except FieldError as exc:
            yield Reject(str(path), entity.origin.line, exc.field, exc.reason, entity.raw)
            continue
        yield from provenance
        yield from links


register("ftm", sys.modules[__name__])
