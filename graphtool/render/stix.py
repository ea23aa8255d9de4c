"""A STIX 2.1 bundle of the report's findings, written with the ``stix2`` library.

What goes in (docs/report.md says why each mapping):

- Outlets and Organizations -> ``identity`` (organization); Persons on an ownership chain -> ``identity``
  (individual);
- Accounts -> ``user-account`` observables (standard STIX 2.1, imported by OpenCTI and MISP as they are);
- Articles in a finding -> ``url`` observables (their URL);
- Narratives -> ``grouping`` of the articles carrying them;
- ownership (OWNED_BY, OPERATED_BY, REGISTERED_TO), copying (COPIES) and coordination (COORDINATED_WITH) ->
  ``relationship`` objects, with the graphtool type, confidence and basis in the description;
- every numbered finding -> a ``note`` citing its Source records as external references (hash, capture
  time); every account with unclear or indirect ownership -> an ``opinion`` (``neutral``: a lead, not a claim);
- the DISARM techniques a finding shows -> the framework's own ``attack-pattern`` objects
  (``graphtool/render/static/disarm-techniques.json``, CC BY-SA 4.0), referenced by the note and the report;
- one ``report`` referencing everything.

Deterministic: ids are uuid5 of graphtool ids, every timestamp is the latest time in the data,
objects are sorted by id and keys sorted, so two runs on the same store give the same bytes.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from .. import __version__, model
from .. import internal_queries as Q
from ..analyze.state_media import NOT_ANALYSED, stored_state
from ..store import Store
from .maps import STATIC
from .report import ReportData, build_report

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "graphtool:stix")  # fixed: the same ids on every machine
PERSON = model.L.Person
OWNERSHIP = (model.R.OWNED_BY, model.R.OPERATED_BY, model.R.REGISTERED_TO)


@lru_cache(maxsize=1)
def disarm() -> dict:
    """The DISARM techniques graphtool uses, with the framework's licence and version."""
    return json.loads((STATIC / "disarm-techniques.json").read_text(encoding="utf-8"))


def stix_id(kind: str, graphtool_id: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{graphtool_id}')}"


def _confidence(value) -> int | None:
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return None


def _latest_time(store: Store) -> datetime:
    """The latest time in the data (publication, share or capture): every object's timestamp."""
    rows = Q.LATEST_PUBLISHED.read(store)
    caps = Q.LATEST_CAPTURED.read(store)
    stamps = [r["t"] for r in rows + caps if r["t"]]
    text = max(stamps) if stamps else "1970-01-01T00:00:00Z"
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _refs(data: ReportData, ids) -> list:
    import stix2

    out = []
    for sid in sorted(set(ids)):
        s = data.sources.get(sid) or {"title": None}
        ref = {"source_name": sid, "description": "; ".join(
            x for x in (s.get("title"), f"{s.get('kind')}" if s.get("kind") else None,
                        f"captured {s['captured_at']}" if s.get("captured_at") else None,
                        f"collector {s['collector']}" if s.get("collector") else None) if x) or sid}
        if s.get("url"):
            ref["url"] = s["url"]
        if s.get("sha256"):
            ref["hashes"] = {"SHA-256": s["sha256"]}
        out.append(stix2.ExternalReference(**ref))
    return out


def build_bundle(store: Store, narrative: str | None = None, account: str | None = None,
                 data: ReportData | None = None):
    """The ``stix2.Bundle`` of the findings in scope (``data``: a report already built)."""
    import stix2

    data = data or build_report(store, narrative, account, figures=False)
    when = _latest_time(store)
    common = {"created": when, "modified": when}
    objects: dict[str, object] = {}

    def add(obj):
        objects[obj.id] = obj
        return obj.id

    me = add(stix2.Identity(id=stix_id("identity", "graphtool"), name="graphtool", identity_class="system",
                            description=f"graphtool {__version__}: influence-network analysis", **common))
    by = {"created_by_ref": me, **common}

    # actors
    accounts = set()
    for c in data.copies:
        accounts.update(x for x in (c["copier"], c["original_publisher"]) if x)
    for g in data.groups:
        accounts.update(g["members"])
    accounts.update(u["id"] for u in data.leads)
    for n in data.narratives:
        if n["first"] is not None and n["first"].publisher:
            accounts.add(n["first"].publisher)
    owners = Q.OUTLETS_AND_ORGANIZATIONS.read(store)
    actor_ids: dict[str, str] = {}
    for o in owners:
        desc = f"graphtool {o['label']} {o['id']}; {_state_words(o)}"
        actor_ids[o["id"]] = add(stix2.Identity(id=stix_id("identity", o["id"]), name=o["name"] or o["id"],
                                                identity_class="organization", description=desc, **by))
    links = Q.LINKS_OF_TYPES.read(store, {"ids": sorted(accounts | set(actor_ids)), "types": list(OWNERSHIP)})
    rows = Q.ACCOUNT_NAMES.read(store, {"ids": sorted(accounts)})
    for a in rows:
        actor_ids[a["id"]] = add(stix2.UserAccount(account_type=a["platform"], user_id=a["uid"] or a["id"],
                                                   account_login=a["handle"], display_name=a["name"] or a["handle"]))
    for link in links:
        if link["dst"] not in actor_ids and link["label"] == PERSON:
            actor_ids[link["dst"]] = add(stix2.Identity(id=stix_id("identity", link["dst"]),
                                                        name=link["name"] or link["dst"], identity_class="individual",
                                                        description=f"graphtool Person {link['dst']}", **by))
        if link["src"] in actor_ids and link["dst"] in actor_ids:
            conf = _confidence(link["confidence"])
            add(stix2.Relationship(
                id=stix_id("relationship", f"{link['src']}|{link['type']}|{link['dst']}"), relationship_type="related-to",
                source_ref=actor_ids[link["src"]], target_ref=actor_ids[link["dst"]],
                description=f"{link['type']} (basis: {link['basis'] or 'not stated'}, confidence "
                            f"{link['confidence'] if link['confidence'] is not None else 'not stated'})",
                external_references=_refs(data, link["sources"] or []) or None,
                **({"confidence": conf} if conf is not None else {}), **by))

    # articles, copies
    article_ids: dict[str, str] = {}

    def article(art: dict) -> str | None:
        if art.get("id") in article_ids:
            return article_ids[art["id"]]
        if not art.get("url"):
            return None
        article_ids[art["id"]] = add(stix2.URL(value=art["url"]))
        return article_ids[art["id"]]

    copy_rel: dict[str, str] = {}
    for c in data.copies:
        src, dst = article(c["copy_article"]), article(c["original_article"])
        if src and dst:
            copy_rel[c["copy"]] = add(stix2.Relationship(
                id=stix_id("relationship", f"{c['copy']}|COPIES|{c['original']}"), relationship_type="related-to",
                source_ref=src, target_ref=dst,
                description=f"COPIES without credit: {c['copy']} copies {c['original']} (similarity "
                            f"{c['similarity']:.3f}, containment {c['containment']:.3f}, lag {c['lag_s']} s; "
                            f"method {c['method']})", external_references=_refs(data, c["sources"]) or None, **by))

    # coordination
    for g in data.groups:
        for p in g["pairs"]:
            a, b = actor_ids.get(p["account_1"]), actor_ids.get(p["account_2"])
            if a and b:
                pv = "not tested" if p["p_value"] is None else f"{p['p_value']:.4f}"
                add(stix2.Relationship(
                    id=stix_id("relationship", f"{p['account_1']}|COORDINATED_WITH|{p['kind']}|{p['account_2']}"),
                    relationship_type="related-to", source_ref=a, target_ref=b,
                    description=f"COORDINATED_WITH {p['kind']} within {p['window_s']} s: weight {p['weight']:g} "
                                f"({p['weight_12']} / {p['weight_21']}), p-value {pv}; group {g['group']}", **by))

    # narratives: a grouping of the articles of its largest cascade
    for n in data.narratives:
        tree = n["tree"]
        arts = [tree.origin, *(h.article for h in tree.hops)] if tree else []
        refs = sorted({r for r in (article({"id": x.id, "url": x.url}) for x in arts) if r})
        if refs:
            add(stix2.Grouping(id=stix_id("grouping", n["id"]), name=n["name"], context="suspicious-activity",
                               description=f"graphtool Narrative {n['id']}: the articles of its largest cascade",
                               object_refs=refs, **by))

    # DISARM techniques
    techniques = {t["id"]: t for t in disarm()["techniques"]}
    marking = stix2.MarkingDefinition(id=stix_id("marking-definition", "disarm"), created=when,
                                      definition_type="statement",
                                      definition={"statement": f"DISARM techniques: {disarm()['licence']}; "
                                                               f"{disarm()['attribution']}"})
    add(marking)
    used = sorted({t for f in data.findings for t in f.techniques})
    for t in used:
        tech = techniques[t]
        add(stix2.AttackPattern(
            id=tech["stix_id"], name=tech["name"], description=tech["summary"],
            kill_chain_phases=[stix2.KillChainPhase(kill_chain_name="disarm", phase_name=tech["tactic"])],
            external_references=[stix2.ExternalReference(
                source_name="DISARM", external_id=t,
                url=f"https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages/techniques/{t}.md")],
            object_marking_refs=[marking.id], **common))

    # findings -> notes; leads -> opinions
    for number, f in enumerate(data.findings, start=1):
        refs = sorted({techniques[t]["stix_id"] for t in f.techniques}
                      | {actor_ids[x] for x in actor_ids if x in f.text}
                      | {copy_rel[x] for x in copy_rel if x in f.text}) or [me]
        add(stix2.Note(id=stix_id("note", f"{data.scope}|finding|{number}"), abstract=f"Finding {number}",
                       content=f.text, object_refs=refs, external_references=_refs(data, f.sources) or None, **by))
    for u in data.leads:
        if u["id"] in actor_ids:
            conf = _confidence(u["affiliation_score"])
            add(stix2.Opinion(id=stix_id("opinion", u["id"]), opinion="neutral",
                              explanation=f"{u['label']}: {u['sentence']} Reasons: " + " | ".join(u["reasons"] or []),
                              object_refs=[actor_ids[u["id"]]], external_references=_refs(data, u["sources"]) or None,
                              **({"confidence": conf} if conf is not None else {}), **by))

    report = stix2.Report(id=stix_id("report", data.scope), name=data.title, published=when,
                          report_types=["threat-report"], description="; ".join(f.text for f in data.findings[:3]),
                          object_refs=sorted(k for k in objects if not k.startswith("marking-definition--")), **by)
    add(report)
    return stix2.Bundle(objects=[objects[k] for k in sorted(objects)], id=stix_id("bundle", data.scope),
                        allow_custom=False)


def _state_words(node: dict) -> str:
    """What ``graphtool analyze`` stored about a node being the state (one definition, docs/scores.md)."""
    state = stored_state(node)
    if state is None:
        return NOT_ANALYSED
    return "the state or state media (graphtool analyze)" if state else "not the state (graphtool analyze)"


def bundle_json(bundle) -> str:
    """The bundle as text: keys sorted, objects sorted by id (stable bytes)."""
    value = json.loads(bundle.serialize())
    value["objects"] = sorted(value["objects"], key=lambda o: o["id"])
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_stix(store: Store, out: str | Path, narrative: str | None = None, account: str | None = None,
               data: ReportData | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(bundle_json(build_bundle(store, narrative, account, data)), encoding="utf-8")
    return out


__all__ = ["build_bundle", "bundle_json", "write_stix", "disarm", "stix_id"]
