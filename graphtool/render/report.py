"""The investigation report: one self-contained HTML page (and its PDF) built from the store.

:func:`build_report` reads what the analyses stored (cascades, COPIES, the timeline, coordinated
groups, affiliation reasons, Source records) through the library and the canned queries;
:func:`render_html` turns it into a page; :func:`print_pdf` prints that page with headless
Chromium.  The page makes no network request (a strict Content-Security-Policy, no script, no
external URL: a Source's URL is shown as text) and every imported string is escaped.  Chinese,
Japanese and Korean text is drawn with an embedded WOFF2 subset of Noto Sans CJK
(:func:`graphtool.render.style.font_face_css`), so the PDF's text layer holds the real characters.

Wording follows the evidence class (:data:`CLASS_WORDING`): an account whose ownership is
``unclear`` is a lead to verify, never called state-run.
"""
from __future__ import annotations

import base64
import html
import platform as _platform
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from .. import __version__, model
from .. import internal_queries as Q
from ..analyze.affiliation import WEIGHTS
from ..analyze.cascades_store import trace_narrative
from ..analyze.copies import CopyParams
from ..analyze.copies.shingles import TABLE_SIZE, WORD, CHAR, char_classes, prepare, shingle_batch
from ..analyze.state_media import NOT_ANALYSED
from ..analyze.timeline_store import build_timeline
from ..errors import ConfigError, NotFoundError
from ..queries import get_query, run_query
from ..store import Store
from . import style
from .maps import content_security_policy
from .text import format_lag

ACCOUNT, OUTLET = model.L.Account, model.L.Outlet

MAX_HOPS_SHOWN = 40      # cascade rows per narrative
MAX_TEXT = 4000          # characters of each text shown side by side
NO_CHROMIUM = "no Chromium found (install Debian's `chromium`, or put chromium on PATH) to print the PDF"

# --- wording by evidence class -------------------------------------------------------------------

# Words a finding about an account may only use when its ownership to the state is on record.
CONCLUSIVE_WORDS = ("state-run", "state run", "state-controlled", "state controlled", "state-owned",
                    "state owned", "state-directed", "run by the state", "controlled by the state",
                    "government-run", "government-controlled", "is state media", "a state outlet")

# One row per ownership_clarity (docs/scores.md): the label, and the sentence a report may say.
CLASS_WORDING = {
    "declared": ("declared state affiliation",
                 "{name} is on record as state-affiliated: {path}."),
    "indirect": ("indirect link to verify",
                 "{name} has an indirect ownership path to a state-affiliated entity ({path}); the path rests on "
                 "inferred or analyst-noted links and should be verified before it is reported as ownership."),
    "unclear": ("lead to verify: ownership unclear",
                "Who runs {name} is not established by the data. Its behaviour resembles that of accounts linked to "
                "state media ({signals}); this is a lead to verify, not a finding about who controls it."),
    "none": ("no ownership link",
             "No ownership path and no strong behavioural signal for {name}."),
}


def class_sentence(clarity: str | None, **values) -> tuple[str, str]:
    """``(label, sentence)`` for an evidence class; refuses conclusive words where ownership is not on record."""
    label, template = CLASS_WORDING.get(clarity or "none", CLASS_WORDING["none"])
    sentence = template.format(**{k: values.get(k, "") for k in ("name", "path", "signals")})
    if clarity != "declared":
        template_words = [w for w in CONCLUSIVE_WORDS if w in (label + " " + template).lower()]
        if template_words:  # the table itself must never say it (the values are the data's own words)
            raise ValueError(f"wording for {clarity!r} uses {template_words}")
    return label, sentence


# --- shared passages (the copy detector's tokens and shingles) -----------------------------------

def _token_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each token of ``text``, as :func:`graphtool.analyze.copies.shingles.tokens` cuts them."""
    if not text:
        return []
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = char_classes().take(np.minimum(cps, np.uint32(TABLE_SIZE - 1)))
    word = cls == WORD
    prev = np.concatenate(([False], word[:-1]))
    nxt = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((cls == CHAR) | (word & ~prev)).tolist()
    ends = (np.flatnonzero((cls == CHAR) | (word & ~nxt)) + 1).tolist()
    return list(zip(starts, ends))


def _fold(token: str) -> str:
    return unicodedata.normalize("NFKC", token).casefold()


def shared_passages(a: str, lang_a: str | None, b: str, lang_b: str | None,
                    params: CopyParams | None = None) -> tuple[str, list, str, list]:
    """The two texts as compared (markup stripped) and the spans of each covered by shared shingles.

    Shingles are the copy detector's: ``k_char`` characters for Chinese/Japanese/Thai, else
    ``k_word`` words, chosen per text as :func:`~graphtool.analyze.copies.shingles.shingle_batch`
    chooses.  Adjacent covered tokens merge into one passage.

    >>> ta, sa, tb, sb = shared_passages("环球时报说保守党纲领对华强硬", "zh", "快讯：保守党纲领对华强硬！", "zh")
    >>> [ta[s:e] for s, e in sa], [tb[s:e] for s, e in sb]
    (['保守党纲领对华强硬'], ['保守党纲领对华强硬'])
    """
    params = params or CopyParams()
    a, b = prepare(a).strip(), prepare(b).strip()
    modes = shingle_batch([a, b], [lang_a, lang_b], params.k_char, params.k_word).char_mode.tolist()
    docs = []
    for text, char_mode in ((a, modes[0]), (b, modes[1])):
        spans = _token_spans(text)
        keys = [_fold(text[s:e]) for s, e in spans]
        k = params.k_char if char_mode else params.k_word
        docs.append((text, spans, [tuple(keys[i:i + k]) for i in range(len(keys) - k + 1)], k))
    common = set(docs[0][2]) & set(docs[1][2])
    out = []
    for text, spans, shingles, k in docs:
        covered = np.zeros(len(spans), dtype=bool)
        for i, sh in enumerate(shingles):
            if sh in common:
                covered[i:i + k] = True
        passages, start = [], None
        for i, on in enumerate(covered.tolist() + [False]):
            if on and start is None:
                start = i
            elif not on and start is not None:
                passages.append((spans[start][0], spans[i - 1][1]))
                start = None
        out += [text, passages]
    return out[0], out[1], out[2], out[3]


def highlighted(text: str, passages: list[tuple[int, int]], limit: int = MAX_TEXT) -> str:
    """Escaped HTML of ``text`` with the passages in ``<mark>`` (cut at ``limit`` characters)."""
    parts, pos = [], 0
    for s, e in passages:
        if s >= limit:
            break
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s:min(e, limit)])}</mark>")
        pos = min(e, limit)
    parts.append(html.escape(text[pos:limit]))
    if len(text) > limit:
        parts.append(f" <span class=\"note\">[… {len(text) - limit:,} more characters]</span>")
    return "".join(parts)


# --- evidence: Source records as numbered footnotes -----------------------------------------------

@dataclass
class Footnotes:
    """Source ids in order of first citation; ``cite`` gives their numbers."""

    sources: dict[str, dict] = field(default_factory=dict)   # every Source in the store
    order: list[str] = field(default_factory=list)

    def cite(self, ids) -> list[int]:
        numbers = []
        for sid in sorted({i for i in ids or () if i}):
            if sid not in self.order:
                self.order.append(sid)
            numbers.append(self.order.index(sid) + 1)
        return sorted(numbers)


_SOURCES_IN_REASON = re.compile(r"\[sources: ([^\]]+)\]")


def reason_sources(reason: str) -> list[str]:
    """Source ids a stored affiliation reason cites (``[sources: a, b]``)."""
    m = _SOURCES_IN_REASON.search(reason or "")
    return [s.strip() for s in m.group(1).split(",")] if m else []


# --- the report's data -------------------------------------------------------------------------

@dataclass
class Finding:
    text: str
    sources: list[str]
    techniques: list[str] = field(default_factory=list)  # DISARM ids (graphtool.render.stix)


@dataclass
class ReportData:
    title: str
    scope: str
    store: str
    findings: list[Finding]
    narratives: list[dict]
    copies: list[dict]
    groups: list[dict]
    leads: list[dict]
    sources: dict[str, dict]
    methods: dict
    limits: list[str]


def _q(store: Store, name: str, **params) -> list[dict]:
    return run_query(store, get_query(name), params, from_text=False).rows


def _names(store: Store, ids, labels=(ACCOUNT, OUTLET)) -> dict[str, str]:
    ids = sorted({i for i in ids if i})
    out = {}
    for label in labels:
        for r in Q.NODE_NAMES.read(store, {"ids": ids}, named=label):
            out[r["id"]] = r["name"] or r["id"]
    return out


def _route(store: Store, state_path: list[str] | None) -> str:
    """The stored strongest ownership path to the state, by name (``analyze`` wrote it as ids).

    Unlike the ownership-chain links, which only go forwards from the account, this is the route
    the score rests on: it may run backwards once through whoever directs a state entity.
    """
    if not state_path:
        return ""
    names = _names(store, state_path, labels=(ACCOUNT, OUTLET, model.L.Organization, model.L.Person))
    return " → ".join(names.get(i, i) for i in state_path)


def _articles(store: Store, ids) -> dict[str, dict]:
    rows = Q.REPORT_ARTICLES.read(store, {"ids": sorted(set(ids))})
    return {r["id"]: r for r in rows}


def _sources(store: Store) -> dict[str, dict]:
    rows = Q.SOURCES.read(store)
    spans = Q.SOURCE_ARTICLE_SPANS.read(store)
    shares = Q.SOURCE_SHARE_SPANS.read(store)
    for r in shares:
        spans.append({**r, "n": 0, "shares": r["n"]})
    by_id: dict[str, dict] = {}
    for r in spans:
        seen = by_id.setdefault(r["sid"], {"n": 0, "shares": 0, "first": None, "last": None})
        seen["n"] += r["n"]
        seen["shares"] += r.get("shares", 0)
        seen["first"] = min(x for x in (seen["first"], r["first"]) if x) if (seen["first"] or r["first"]) else None
        seen["last"] = max(x for x in (seen["last"], r["last"]) if x) if (seen["last"] or r["last"]) else None
    return {r["id"]: {**r, "articles": (by_id.get(r["id"]) or {}).get("n", 0),
                      "shares": (by_id.get(r["id"]) or {}).get("shares", 0),
                      "first": (by_id.get(r["id"]) or {}).get("first"),
                      "last": (by_id.get(r["id"]) or {}).get("last")} for r in rows}


def _share_sources(store: Store, members: list[str], items: list[str]) -> list[str]:
    rows = Q.SHARE_SOURCES.read(store, {"ids": members, "items": items})
    return sorted({s for r in rows for s in (r["s"] or [])})


def _ownership_links(store: Store, account: str) -> list[dict]:
    """Who registered, owns or operates ``account``, up to 3 hops (the ``ownership-chain`` query)."""
    return _q(store, "ownership-chain", id=account, max_hops=3)


def _scope(store: Store, narrative: str | None, account: str | None) -> tuple[str, list[str], set[str] | None]:
    """Title of the scope, narratives in it, accounts in it (None: every account)."""
    if narrative and account:
        raise ConfigError("give --narrative or --account, not both")
    if narrative:
        rows = Q.NARRATIVE_NAME.read(store, {"id": narrative})
        if not rows:
            raise NotFoundError(f"no Narrative with id {narrative!r}")
        return f"narrative {narrative} ({rows[0]['name']})", [narrative], None
    if account:
        if not Q.ACCOUNT_EXISTS.read(store, {"id": account}):
            raise NotFoundError(f"no Account with id {account!r}")
        rows = Q.ACCOUNT_NARRATIVES.read(store, {"id": account})
        return f"account {account}", [r["id"] for r in rows], {account}
    rows = Q.NARRATIVE_IDS.read(store)
    return "the whole store", [r["id"] for r in rows], None


def originals_only(rows: list[dict]) -> list[dict]:
    """Each copy against its original: where a copy has COPIES to articles that are themselves copies
    (a sibling, or a copy of a copy), only those to articles that copy nothing are kept."""
    copies = {r["copy"] for r in rows}
    by_copy: dict[str, list] = {}
    for r in rows:
        by_copy.setdefault(r["copy"], []).append(r)
    kept = []
    for group in by_copy.values():
        roots = [r for r in group if r["original"] not in copies]
        kept += roots or [max(group, key=lambda r: (r["containment"] or 0, r["similarity"] or 0))]
    return sorted(kept, key=lambda r: (r["original"] in copies, r["original"], r["copy"]))


def _timeline_png(tl) -> str:
    from .timeline import write_figure

    with tempfile.TemporaryDirectory() as tmp:
        path = write_figure(tl, Path(tmp) / "timeline.png", dpi=110)
        return base64.b64encode(path.read_bytes()).decode("ascii")


def build_report(store: Store, narrative: str | None = None, account: str | None = None,
                 figures: bool = True, params: CopyParams | None = None) -> ReportData:
    """Everything the report shows, read from ``store`` (run copies, coordination and analyze first)."""
    params = params or CopyParams()
    scope, narrative_ids, accounts = _scope(store, narrative, account)
    notes = Footnotes(_sources(store))
    findings: list[Finding] = []
    limits: list[str] = []

    # narratives: first appearance, cascades, timeline
    narratives, seen_origins, scope_articles = [], set(), set()
    for nid in narrative_ids:
        trace = trace_narrative(store, nid)
        tl = build_timeline(store, nid)
        for tree in trace.trees:
            scope_articles.add(tree.origin.id)
            scope_articles.update(h.article.id for h in tree.hops)
        cascades = [t for t in trace.trees if t.hops]
        tree = cascades[0] if cascades else None
        shared_with = tree is not None and tree.origin.id in seen_origins
        if tree is not None:
            seen_origins.add(tree.origin.id)
        narratives.append({"id": nid, "name": trace.narrative_name or nid, "first": trace.first, "tree": tree,
                           "same_cascade": shared_with, "timeline": tl,
                           "figure": _timeline_png(tl) if figures and tl.posts else None})
    arts = _articles(store, scope_articles)
    names = _names(store, [h.article.publisher for n in narratives if n["tree"] for h in n["tree"].hops]
                   + [n["first"].publisher for n in narratives if n["first"]])
    for n in narratives:
        f = n["first"]
        if f is None:
            continue
        platforms = ", ".join(f"{x['platform']} ({x['at'][:16].replace('T', ' ')})" for x in n["timeline"].first)
        findings.append(Finding(
            f"The narrative “{n['name']}” first appears in the data on {f.published_at[:16].replace('T', ' ')} UTC, "
            f"in “{f.title or f.id}” ({f.id}) published on {f.platform} by {names.get(f.publisher, f.publisher)} "
            f"({f.publisher}). It then reached, in order: {platforms}.",
            (arts.get(f.id) or {}).get("sources") or []))
        tree = n["tree"]
        if tree is not None and not n["same_cascade"]:
            stripped = [h for h in tree.hops if h.attribution_stripped]
            platforms = sorted({h.article.platform or "?" for h in tree.hops} - {tree.origin.platform})
            findings.append(Finding(
                f"The largest cascade from {tree.origin.id} ({tree.origin.publisher_name or tree.origin.publisher}) has "
                f"{len(tree.hops) + 1} articles; credit to the origin was stripped at {len(stripped)} of its "
                f"{len(tree.hops)} hops" + (f" (e.g. {', '.join(h.article.id for h in stripped[:3])})" if stripped else "")
                + (f", and it crossed to {', '.join(platforms)}" if platforms else "") + ".",
                sorted({s for h in [*stripped[:5]] for s in (arts.get(h.article.id) or {}).get("sources") or []}
                       | set((arts.get(tree.origin.id) or {}).get("sources") or [])),
                ["T0119.002"] if platforms else []))

    # uncredited copies, side by side
    rows = Q.UNCREDITED_COPIES.read(store)
    publishers = {r["id"]: r["pid"] for r in Q.COPY_PUBLISHERS.read(store)}
    rows = originals_only(rows)
    if narrative is not None:
        rows = [r for r in rows if r["copy"] in scope_articles or r["original"] in scope_articles]
    if accounts is not None:
        rows = [r for r in rows if publishers.get(r["copy"]) in accounts or publishers.get(r["original"]) in accounts]
    texts = _articles(store, [r["copy"] for r in rows] + [r["original"] for r in rows])
    names.update(_names(store, publishers.values()))
    copies = []
    for r in rows:
        c, o = texts.get(r["copy"]) or {}, texts.get(r["original"]) or {}
        ot, op, ct, cp = shared_passages(o.get("text") or o.get("title") or "", o.get("lang"),
                                         c.get("text") or c.get("title") or "", c.get("lang"), params)
        copies.append({**r, "copy_article": c, "original_article": o, "original_text": ot, "original_passages": op,
                       "copy_text": ct, "copy_passages": cp, "copier": publishers.get(r["copy"]),
                       "original_publisher": publishers.get(r["original"]),
                       "sources": sorted(set(c.get("sources") or []) | set(o.get("sources") or []))})
    if copies:
        by_original: dict[str, list] = {}
        for c in copies:
            by_original.setdefault(c["original"], []).append(c)
        for orig, group in by_original.items():
            pub = group[0]["original_publisher"]
            lags = sorted(c["lag_s"] for c in group if c["lag_s"] is not None)
            copiers = sorted({c["copier"] for c in group if c["copier"]})
            findings.append(Finding(
                f"{len(group)} article(s) copy the text of {orig} (“{group[0]['original_article'].get('title') or orig}”, "
                f"{names.get(pub, pub)}) without crediting it: {', '.join(c['copy'] for c in group)}, published by "
                f"{', '.join(names.get(a, a) + f' ({a})' for a in copiers)}"
                + (f", {format_lag(lags[0])} to {format_lag(lags[-1])} after the original" if lags else "") + ".",
                sorted({s for c in group for s in c["sources"]}), ["T0084", "T0084.002"]))
    elif not Q.ANY_COPY.read(store):
        limits.append("No COPIES in the store: `graphtool copies` was not run, so uncredited copies are not shown.")

    # coordinated groups
    group_rows = _q(store, "coordinated-groups", components=True, items=1000)
    pairs = _q(store, "coordinated-pairs", limit=100000)
    if accounts is not None:
        group_rows = [g for g in group_rows if accounts & set(g["members"])]
    elif narrative is not None:
        involved = {c["copier"] for c in copies} | {h.article.publisher for n in narratives if n["tree"]
                                                     for h in n["tree"].hops}
        group_rows = [g for g in group_rows if involved & set(g["members"])
                      or scope_articles & set(g["shared_items"])]
    groups = []
    for g in group_rows:
        members = set(g["members"])
        gp = [p for p in pairs if p["account_1"] in members and p["account_2"] in members]
        weights = [p["weight"] for p in gp if p["weight"] is not None]
        pvals = [p["p_value"] for p in gp if p["p_value"] is not None]
        windows = sorted({p["window_s"] for p in gp if p["window_s"] is not None})
        kinds = sorted({p["kind"] for p in gp})
        srcs = _share_sources(store, g["members"], g["shared_items"])
        groups.append({**g, "pairs": gp, "windows": windows, "kinds": kinds, "sources": srcs})
        findings.append(Finding(
            f"Coordinated group {g['group']}: {g['size']} accounts on {', '.join(g['platforms'])} "
            f"({', '.join(g['members'])}) shared {g['shared_count']} of the same items "
            f"({', '.join(kinds)} within {', '.join(f'{w:g} s' for w in windows)}) between "
            f"{(g['first_share_at'] or '?')[:10]} and {(g['last_share_at'] or '?')[:10]}; pair weights "
            f"{min(weights):g} to {max(weights):g}" + (f", every pair p ≤ {max(pvals):.2f} against shuffled timings"
                                                      if pvals and len(pvals) == len(gp) else "") + ". "
            "Acting together is shown; who directs it is not.", srcs, ["T0118"]) if weights else
            Finding(f"Coordinated group {g['group']}: {g['size']} accounts.", srcs, ["T0118"]))
    if not pairs:
        limits.append("No COORDINATED_WITH in the store: `graphtool coordination` was not run, so no groups are shown.")

    # accounts with unclear ownership: leads to verify
    leads = []
    for clarity in ("unclear", "indirect"):
        for u in _q(store, "unclear-ownership", clarity=clarity, limit=1000):
            if accounts is not None and u["id"] not in accounts:
                continue
            if narrative is not None and u["id"] not in names and u["id"] not in {c["copier"] for c in copies}:
                continue
            signals = ", ".join(f"{k} {u[k]:.2f}" for k in ("copying", "pickup", "country", "coordination")
                                if u.get(k))
            chain = _ownership_links(store, u["id"])
            route = _route(store, u.get("state_path"))
            path = route or "; ".join(" → ".join(c["path"]) + f" (confidence {c['confidence']:.2f})"
                                      for c in chain[:3])
            label, sentence = class_sentence(clarity, name=f"{u['display_name'] or u['id']} ({u['id']})",
                                             path=path or "no link on record", signals=signals or "none")
            srcs = sorted({s for r in u["reasons"] or [] for s in reason_sources(r)}
                          | {s for c in chain for ss in c["sources"] or [] for s in (ss or [])})
            leads.append({**u, "label": label, "sentence": sentence, "chain": chain, "route": route,
                          "sources": srcs})
    if not Q.ANALYSIS_RUNS.read(store):
        limits.append(f"{NOT_ANALYSED}: no account is classed by ownership, so no leads are shown.")
    unclear = [u for u in leads if u["ownership_clarity"] == "unclear"]
    if unclear:
        findings.append(Finding(
            f"{len(unclear)} account(s) behave like accounts linked to state media without any ownership path on "
            f"record: {', '.join(u['id'] for u in unclear)}. These are leads to verify (who registered and runs "
            "them), not findings about who controls them.", sorted({s for u in unclear for s in u["sources"]})))

    # events and bursts: one finding per narrative
    for n in narratives:
        parts, srcs = [], []
        for e in n["timeline"].alignment:
            if not (e["before"] or e["after"]):
                continue
            hot = next((b for b in e["bursts"] if b["accounts"]), None)
            parts.append(f"the {e['kind'] or 'event'} “{e['name']}” ({e['at'][:16].replace('T', ' ')} UTC): "
                         f"{e['before']} posts and shares in the day before, {e['after']} in the day after"
                         + (f", a burst from {hot['start'][:16].replace('T', ' ')} driven by "
                            f"{', '.join(a['account'] for a in hot['accounts'][:3])}" if hot else ""))
            srcs += _event_sources(store, e["event"])
        if parts:
            findings.append(Finding(f"Activity of “{n['name']}” around the events: " + "; ".join(parts) + ".", srcs))

    for f in findings:
        f.sources = sorted(set(f.sources))
    methods = _methods(store, params, narratives)
    limits += LIMITS
    return ReportData(f"Investigation report: {scope}", scope, store.describe(), findings, narratives, copies, groups,
                      leads, notes.sources, methods, limits)


def _event_sources(store: Store, event_id: str) -> list[str]:
    rows = Q.EVENT_SOURCES.read(store, {"id": event_id})
    return list(rows[0]["s"] or []) if rows else []


LIMITS = [
    "Only what was collected is seen: private WeChat groups, direct messages, Moments visible to friends only, "
    "deleted or never-archived posts, and content outside the listed captures and exports are invisible.",
    "Platform ranking and recommendation (why a post reached whom) are not observed; view and share counts are "
    "the platforms' own, as captured.",
    "Copy detection compares texts in one language: a translation of an article is not found as its copy. "
    "Videos count through their titles and descriptions only.",
    "Timestamps are as the sources recorded them; where they are whole minutes, coordination windows shorter "
    "than a minute mean 'the same minute' (docs/coordination.md).",
    "Ownership is what the records and analysts' notes say; an account's behaviour can raise a lead, never settle "
    "who runs it. Coordination shows accounts acting together, not who directs them.",
    "Scores and groups depend on the thresholds listed above; other settings give other edges.",
]


def _methods(store: Store, params: CopyParams, narratives: list[dict]) -> dict:
    import matplotlib
    import networkx
    import numpy

    copy_runs = Q.COPY_RUNS.read(store)
    coord = Q.COORDINATION_RUNS.read(store)
    weakest = Q.WEAKEST_COORDINATION.read(store)
    analysis = Q.ANALYSIS_RUNS.read(store)
    tl = next((n["timeline"] for n in narratives), None)
    return {
        "copy detection": [f"shingles of {params.k_char} characters (Chinese, Japanese, Thai) or {params.k_word} words",
                           f"a copy shares at least {params.min_containment:g} of the smaller text's shingles and at "
                           f"least {params.min_shared}; texts under {params.min_tokens} tokens are not compared",
                           f"MinHash {params.bins} bins, {params.bands} bands; anchors 1 in {params.anchor_rate}; "
                           f"seed {params.seed:#x}"]
        + [f"run {r['run']}: {r['method']}" for r in copy_runs],
        "coordination": [f"run {r['run']}: {r['kind']} within {r['window_s']} s" for r in coord]
        + ([f"weakest stored pair weight {weakest[0]['w']:g} (the run's minimum weight is at most this); "
            f"{weakest[0]['tested']} pair(s) carry a permutation p-value"] if weakest and weakest[0]["w"] is not None
           else []),
        "state affiliation": [f"run {r['run']}" for r in analysis]
        + [", ".join(f"{f.name} {getattr(WEIGHTS, f.name)}" for f in fields(WEIGHTS))],
        "timeline": ([f"bins of {tl.bin_s} s; bursts: z >= {tl.params['z']} over the median of the preceding "
                      f"{tl.params['baseline_bins']} bins, at least {tl.params['min_count']} items; event window "
                      f"{tl.params['window_s']} s before and after"] if tl else []),
        "software": [f"graphtool {__version__}", f"Python {_platform.python_version()}", f"numpy {numpy.__version__}",
                     f"networkx {networkx.__version__}", f"matplotlib {matplotlib.__version__}",
                     f"store: {store.describe()}"],
    }


# --- HTML ------------------------------------------------------------------------------------------

CSS = """
body{font-family:"graphtool-cjk",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:60em;
line-height:1.45;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;break-before:page;page-break-before:always}
#findings{break-before:auto;page-break-before:auto}h3{font-size:1.05em}table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .4em;text-align:left;vertical-align:top}th{background:#f4f4f4}
.note{color:#666;font-size:.85em}.stripped{background:#fde2e2}.lead{border-left:4px solid #f0ad4e;padding-left:.6em}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.pair>div{border:1px solid #ddd;padding:.5em;font-size:.85em;
white-space:pre-wrap;overflow-wrap:anywhere}mark{background:#ffe38a}sup a{text-decoration:none}
ol.findings li{margin-bottom:.5em}.fig{max-width:100%}section.copy{break-inside:avoid-page}
ol.sources li{font-size:.85em;overflow-wrap:anywhere}code{font-size:.9em}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _refs(notes: Footnotes, ids) -> str:
    nums = notes.cite(ids)
    return "".join(f'<sup><a href="#fn-{n}">[{n}]</a></sup>' for n in nums)


def _when(at: str | None) -> str:
    return _e((at or "?")[:16].replace("T", " "))


def render_html(data: ReportData) -> str:
    """The page: no script, no request, every imported string escaped."""
    notes = Footnotes(data.sources)
    out: list[str] = []
    w = out.append
    w(f"<h1>{_e(data.title)}</h1>")
    w(f"<p class=\"note\">Written by graphtool {_e(__version__)} from {_e(data.store)}. Every finding is numbered and "
      "footnoted to the Source records it rests on (captures with their hash and capture time, exports, reports).</p>")
    w("<h2 id=\"findings\">Findings</h2><ol class=\"findings\">")
    for f in data.findings:
        tech = f" <span class=\"note\">(DISARM {_e(', '.join(f.techniques))})</span>" if f.techniques else ""
        w(f"<li>{_e(f.text)}{_refs(notes, f.sources)}{tech}</li>")
    w("</ol>")

    w("<h2 id=\"spread\">First appearance and cascades</h2>")
    for n in data.narratives:
        w(f"<h3>{_e(n['name'])} <span class=\"note\">{_e(n['id'])}</span></h3>")
        w("<table><thead><tr><th>platform</th><th>first seen (UTC)</th><th>kind</th><th>article</th><th>account</th>"
          "</tr></thead><tbody>")
        for x in n["timeline"].first:
            w(f"<tr><td>{_e(x['platform'])}</td><td>{_when(x['at'])}</td><td>{_e(x['kind'])}</td>"
              f"<td>{_e(x['article'])}</td><td>{_e(x['account'])}</td></tr>")
        w("</tbody></table>")
        tree = n["tree"]
        if tree is None:
            w("<p class=\"note\">No copy or citation links: no cascade.</p>")
            continue
        if n["same_cascade"]:
            w(f"<p class=\"note\">Its largest cascade is the one shown above, from {_e(tree.origin.id)}.</p>")
            continue
        o = tree.origin
        w(f"<p>Cascade from <b>{_e(o.id)}</b> “{_e(o.title)}” ({_e(o.platform)}, {_e(o.publisher_name or o.publisher)}, "
          f"{_when(o.published_at)}). Rows in red: the hop where credit was stripped.</p>")
        w("<table><thead><tr><th>hop</th><th>article</th><th>platform</th><th>published by</th><th>at (UTC)</th>"
          "<th>after parent</th><th>similarity</th><th>credit</th></tr></thead><tbody>")
        for h in tree.hops[:MAX_HOPS_SHOWN]:
            credit = ("credited" if h.credited else "ATTRIBUTION STRIPPED" if h.attribution_stripped
                      else "no credit (already missing upstream)")
            cls = " class=\"stripped\"" if h.attribution_stripped else ""
            a = h.article
            sim = f"{h.similarity:.2f}" if h.similarity is not None else h.kind
            w(f"<tr{cls}><td>{'&nbsp;&nbsp;' * (h.depth - 1)}{h.depth}</td><td>{_e(a.id)}<br>{_e(a.title)}</td>"
              f"<td>{_e(a.platform)}</td><td>{_e(a.publisher_name or a.publisher)}</td><td>{_when(a.published_at)}</td>"
              f"<td>{_e(format_lag(h.lag_s))}</td><td>{_e(sim)}</td><td>{credit}</td></tr>")
        w("</tbody></table>")
        if len(tree.hops) > MAX_HOPS_SHOWN:
            w(f"<p class=\"note\">… {len(tree.hops) - MAX_HOPS_SHOWN} more hops (graphtool trace --narrative "
              f"{_e(n['id'])}).</p>")

    w("<h2 id=\"copies\">Uncredited copies, side by side</h2>")
    w("<p class=\"note\">Highlighted: passages made of shingles the two texts share (the copy detector's own shingles). "
      "Similarity is the Jaccard index of the two shingle sets; containment the share of the smaller text found in "
      "the other; lag the time from the original to the copy.</p>")
    if not data.copies:
        w("<p>No uncredited copies in scope.</p>")
    for c in data.copies:
        o, k = c["original_article"], c["copy_article"]
        w(f"<section class=\"copy\"><h3>{_e(c['copy'])} copies {_e(c['original'])} without credit"
          f"{_refs(notes, c['sources'])}</h3>")
        w(f"<p>similarity {c['similarity']:.2f}, containment {c['containment']:.2f}, lag {_e(format_lag(c['lag_s']))}; "
          f"<span class=\"note\">{_e(c['method'])}</span></p>")
        w("<div class=\"pair\">")
        for label, art, pub, text, passages in (("original", o, c["original_publisher"], c["original_text"],
                                                 c["original_passages"]),
                                                ("copy", k, c["copier"], c["copy_text"], c["copy_passages"])):
            w(f"<div><b>{label}: {_e(art.get('title'))}</b>\n<span class=\"note\">{_e(art.get('id'))} · "
              f"{_e(art.get('platform'))} · {_e(pub)} · {_when(art.get('at'))}</span>\n{highlighted(text, passages)}</div>")
        w("</div></section>")

    w("<h2 id=\"timeline\">Timeline across platforms</h2>")
    for n in data.narratives:
        tl = n["timeline"]
        w(f"<h3>{_e(n['name'])}</h3><p class=\"note\">{tl.posts} posts and {tl.shares} shares.</p>")
        if n["figure"]:
            w(f"<img class=\"fig\" alt=\"timeline of {_e(n['id'])}\" src=\"data:image/png;base64,{n['figure']}\">")
        if tl.alignment:
            w("<table><thead><tr><th>event</th><th>at (UTC)</th><th>day before</th><th>day after</th>"
              "<th>bursts (who drove them)</th></tr></thead><tbody>")
            for e in tl.alignment:
                bursts = "; ".join(f"{_when(b['start'])}: {b['count']} ("
                                   + ", ".join(f"{_e(a['account'])} {a['count']}" for a in b["accounts"]) + ")"
                                   for b in e["bursts"])
                w(f"<tr><td>{_e(e['kind'])}: {_e(e['name'])}</td><td>{_when(e['at'])}</td><td>{e['before']}</td>"
                  f"<td>{e['after']}</td><td>{bursts}</td></tr>")
            w("</tbody></table>")

    w("<h2 id=\"groups\">Coordinated groups</h2>")
    if not data.groups:
        w("<p>No coordinated groups in scope.</p>")
    for g in data.groups:
        w(f"<h3>Group {g['group']}: {g['size']} accounts ({_e(', '.join(g['platforms']))}){_refs(notes, g['sources'])}"
          "</h3>")
        w(f"<p>Shared items ({g['shared_count']}): {_e(', '.join(g['shared_items'][:30]))}"
          f"{' …' if len(g['shared_items']) > 30 else ''}. Window: {_e(', '.join(f'{x:g} s' for x in g['windows']))}; "
          f"shares from {_when(g['first_share_at'])} to {_when(g['last_share_at'])}.</p>")
        w("<table><thead><tr><th>account</th><th>account</th><th>kind</th><th>weight</th><th>directed</th>"
          "<th>p-value</th><th>co-shared</th></tr></thead><tbody>")
        for p in g["pairs"]:
            pv = "not tested" if p["p_value"] is None else f"{p['p_value']:.3f}"
            w(f"<tr><td>{_e(p['account_1'])}</td><td>{_e(p['account_2'])}</td><td>{_e(p['kind'])}</td>"
              f"<td>{p['weight']:g}</td><td>{p['weight_12']} / {p['weight_21']}</td><td>{pv}</td>"
              f"<td>{p['co_shared']}</td></tr>")
        w("</tbody></table>")

    w("<h2 id=\"leads\">Accounts with unclear ownership: leads to verify</h2>")
    w("<p class=\"note\">The wording follows the evidence class (docs/scores.md): an unclear account's behaviour is "
      "described, never who controls it.</p>")
    if not data.leads:
        w("<p>No accounts with unclear or indirect ownership in scope.</p>")
    for u in data.leads:
        w(f"<div class=\"lead\"><h3>{_e(u['display_name'])} <span class=\"note\">{_e(u['id'])} · {_e(u['label'])}</span>"
          f"{_refs(notes, u['sources'])}</h3><p>{_e(u['sentence'])}</p>")
        w("<p>What the data shows:</p><ul>" + "".join(f"<li>{_e(r)}</li>" for r in u["reasons"] or []) + "</ul>")
        if u["route"]:
            w(f"<p>Route to the state that the score rests on: {_e(u['route'])}</p>")
        if u["chain"]:
            w("<p>Known links (who registered, owns or operates it):</p><ul>")
            for c in u["chain"]:
                links = ", ".join(f"{_e(r)} ({_e(b)}, {_e(x)})" for r, b, x in
                                  zip(c["relationships"], c["bases"], c["confidences"]))
                w(f"<li>{_e(' → '.join(c['path']))}: {links}{_refs(notes, [s for ss in c['sources'] or [] for s in ss or []])}"
                  "</li>")
            w("</ul>")
        w("</div>")

    w("<h2 id=\"methods\">Methods and limits</h2><h3>Data sources</h3><table><thead><tr><th>source</th><th>kind</th>"
      "<th>title</th><th>articles</th><th>shares</th><th>from (UTC)</th><th>to</th></tr></thead><tbody>")
    for s in data.sources.values():
        w(f"<tr><td>{_e(s['id'])}</td><td>{_e(s['kind'])}</td><td>{_e(s['title'])}</td><td>{s['articles']}</td><td>{s['shares']}</td>"
          f"<td>{_when(s['first']) if s['first'] else ''}</td><td>{_when(s['last']) if s['last'] else ''}</td></tr>")
    w("</tbody></table>")
    for part, lines in data.methods.items():
        w(f"<h3>{_e(part)}</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>")
    w("<h3>What these methods cannot see</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in data.limits) + "</ul>")

    w("<h2 id=\"sources\">Evidence (footnotes)</h2><ol class=\"sources\">")
    for n, sid in enumerate(notes.order, start=1):
        s = data.sources.get(sid)
        if s is None:
            w(f"<li id=\"fn-{n}\"><code>{_e(sid)}</code>: not a Source record in the store</li>")
            continue
        w(f"<li id=\"fn-{n}\" data-source=\"{_e(sid)}\"><code>{_e(sid)}</code> ({_e(s['kind'])}): {_e(s['title'])}. "
          f"Captured {_e(s['captured_at'])} by {_e(s['collector'])}; sha256 <code>{_e(s['sha256'])}</code>"
          + (f"; digest {_e(s['digest'])}" if s.get("digest") else "")
          + (f"; at {_e(s['url'])}" if s.get("url") else "") + ".</li>")
    w("</ol>")
    body = "\n".join(out)
    css = style.font_face_css([re.sub(r"<[^>]+>", "", html.unescape(body))]) + CSS
    csp = content_security_policy([], [css]).replace("script-src ;", "script-src 'none';")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<meta name=\"generator\" content=\"graphtool {_e(__version__)}\">\n<title>{_e(data.title)}</title>\n"
            f"<style>{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


# --- files -----------------------------------------------------------------------------------------

def chromium() -> str | None:
    """The headless browser that prints PDFs: Debian's ``chromium``, else Chrome."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 120) -> Path:
    """Print a page to PDF with headless Chromium (no network: the page needs none)."""
    browser = chromium()
    if browser is None:
        raise ConfigError(NO_CHROMIUM)
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-sync", "--no-pdf-header-footer",
               f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf_path.is_file():
        raise ConfigError(f"chromium could not print {html_path}: {(done.stderr or '').strip()[-300:]}")
    return pdf_path


def write_report(store: Store, out: str | Path, narrative: str | None = None, account: str | None = None,
                 pdf: bool = False) -> list[Path]:
    """Write the HTML report (and ``--pdf``: the PDF beside it); the paths written."""
    out = Path(out)
    if out.suffix.lower() != ".html":
        raise ConfigError(f"{out}: the report is written as .html (with --pdf, the .pdf beside it)")
    if pdf and chromium() is None:
        raise ConfigError(NO_CHROMIUM)
    data = build_report(store, narrative, account)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    written = [out]
    if pdf:
        written.append(print_pdf(out, out.with_suffix(".pdf")))
    return written


__all__ = ["build_report", "render_html", "write_report", "print_pdf", "shared_passages", "class_sentence",
           "CLASS_WORDING", "CONCLUSIVE_WORDS", "ReportData", "Finding", "chromium", "reason_sources"]
