"""The steps of ``graphtool demo``, in the order :data:`graphtool.demo.STEPS` runs them.

Each takes the :class:`~graphtool.demo.DemoContext`, calls the library as a user would, and
returns the lines to print; what it found goes into ``ctx.results`` for later steps.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import internal_queries as Q
from ..analyze.cascades_store import trace_narrative
from ..analyze.coordination_store import run_coordination
from ..analyze.copies_store import detect_copies
from ..analyze.scores_store import run_analyses
from ..analyze.timeline_store import build_timeline
from ..load import import_paths
from ..queries import QUERY_DIR, load_queries, run_query
from ..render.exports import projection_writer
from ..render.report import build_report, chromium, print_pdf, render_html
from ..render.stix import write_stix
from ..render.text import format_lag, render_tree, summary_lines
from ..render.timeline import counted, write_timeline
from ..render.views import write_case_maps
from ..schedule import run_schedule

if TYPE_CHECKING:
    from . import DemoContext



def import_case(ctx: DemoContext) -> list[str]:
    """Import the case folder into the fresh store."""
    result = import_paths(ctx.store, [ctx.case_dir], rejects_path=ctx.out / "rejects.csv")
    counts = ctx.store.counts()
    ctx.results["import"] = result
    nodes = ", ".join(f"{n:,} {label}" for label, n in counts["nodes"].items() if n)
    rels = ", ".join(f"{n:,} {t}" for t, n in counts["relationships"].items() if n)
    return [f"imported {len(result.files)} files from {ctx.case_dir.name} ({result.rejected} rejected)",
            f"nodes: {nodes}", f"relationships: {rels}"]


def scheduled_imports(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: the case folder as a scheduled source, run twice: loaded, then unchanged."""
    manifest = Path(ctx.out) / "schedule.toml"
    manifest.write_text(f'[schedule]\nlog = "schedule-runs.jsonl"\n\n[[source]]\nname = "case"\n'
                        f'path = {json.dumps(str(ctx.case_dir))}\ncollector = "graphtool demo"\n', encoding="utf-8")
    first = run_schedule(manifest, lambda: ctx.store, progress=False)
    second = run_schedule(manifest, lambda: ctx.store, progress=False)
    rows = sum(first.result.nodes.values()) + sum(first.result.relationships.values())
    runs = Q.IMPORT_RUN_COUNT.read(ctx.store)[0]["c"]
    return [f"run 1 (exit {first.exit_code}, {first.outcome}): {len(first.files)} files fingerprinted and loaded, "
            f"{rows:,} rows MERGEd (already in the store: loading is idempotent), {first.rejects} rejected",
            f"run 2 (exit {second.exit_code}, {second.outcome}): {second.skipped} files unchanged by fingerprint, "
            "nothing written",
            f"run log: {runs} ImportRun node(s) in the store, JSON lines in {manifest.parent / 'schedule-runs.jsonl'}; "
            "crontab line and systemd timer in docs/scheduling.md"]



# The case's stated plant: co-share within 60 s, at least 5 co-shared items per pair.
DEMO_KIND, DEMO_WINDOW_S, DEMO_MIN_WEIGHT, DEMO_PERMUTATIONS = "co-share", 60, 5, 49


def coordinated_groups(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: the case's coordinated groups, with p-values, stored for the maps."""
    run = run_coordination(ctx.store, DEMO_KIND, DEMO_WINDOW_S, min_weight=DEMO_MIN_WEIGHT,
                           permutations=DEMO_PERMUTATIONS, seed=ctx.seed, progress=False)
    ctx.results["coordination"] = run
    lines = [f"{run.kind} within {DEMO_WINDOW_S} s, min weight {DEMO_MIN_WEIGHT}: {len(run.pairs)} coordinated "
             f"pairs among {run.actions:,} shares, {len(run.components)} groups; wrote {run.written} COORDINATED_WITH"]
    for g in run.components:
        pairs = [p for p in run.pairs if p.account_1 in g.members and p.account_2 in g.members]
        worst = max((p.p_value for p in pairs if p.p_value is not None), default=None)
        share = "" if g.state_media_share is None else f", {g.state_media_share:.0%} state media"
        lines.append(f"group {g.id}: {len(g.members)} accounts ({', '.join(f'{k} {v}' for k, v in g.platforms.items())})"
                     f", {len(g.items)} items shared together, {g.edges} pairs"
                     + (f", every pair p <= {worst:.2f} ({DEMO_PERMUTATIONS} shuffles)" if worst is not None else "")
                     + share)
    return lines


def copies_and_cascades(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: detect copies, trace each narrative's cascade, write its timeline."""
    run = detect_copies(ctx.store, show=False)
    ctx.results["copies"] = run
    s = run.as_dict()
    lines = [f"copy detection: {s['articles']:,} articles, {s['candidates']:,} candidate pairs, {s['copies']:,} copies "
             f"({s['unattributed']:,} without attribution; {s['siblings']:,} pairs of copies of one original are "
             f"siblings, not copies) in {s['seconds']:.1f} s"]
    answers = ctx.case_dir / "answers.json"
    if answers.exists():
        planted = json.loads(answers.read_text(encoding="utf-8")).get("copy_pairs", [])
        found = {(p.copy, p.original): p.attributed for p in run.pairs}
        right = sum(found.get((p["copy"], p["original"])) == p["attributed"] for p in planted)
        others = len(found.keys() - {(p["copy"], p["original"]) for p in planted})
        lines.append(f"planted copy pairs found with the right direction and credit: {right}/{len(planted)}; "
                     f"COPIES outside them: {others}")
    narratives = Q.NARRATIVE_IDS.read(ctx.store)
    out = ctx.out / "timelines"
    shown: dict = {}  # origin id -> narrative whose trace printed that cascade
    for row in narratives:
        trace = trace_narrative(ctx.store, row["id"])
        f = trace.first
        lines.append("")
        lines.append(f"narrative {row['id']}: {trace.narrative_name}")
        if f:
            lines.append(f"  first appearance {f.published_at} on {f.platform} by {f.publisher} ({f.id})")
        cascades = [t for t in trace.trees if t.hops]
        if cascades:
            tree = cascades[0]
            stripped = sum(h.attribution_stripped for h in tree.hops)
            carriers = sum(h.article.marked for h in tree.hops) + tree.origin.marked
            lines.append(f"  largest cascade: {len(tree.hops) + 1} articles ({carriers} carry the narrative, *), "
                         f"attribution stripped at {stripped} hops, last "
                         f"{format_lag(max(h.lag_from_origin_s or 0 for h in tree.hops))} after the origin")
            if tree.origin.id in shown:
                lines.append(f"    the same cascade as {shown[tree.origin.id]}'s, from {tree.origin.id}: the narrative "
                             f"was added by copies of that text")
                tree_lines = []
            else:
                shown[tree.origin.id] = row["id"]
                tree_lines = render_tree(tree)
            lines += [f"    {line}" for line in tree_lines[:12]]
            if len(tree_lines) > 12:
                lines.append(f"    … {len(tree_lines) - 12} more hops (graphtool trace --narrative {row['id']})")
        tl = build_timeline(ctx.store, row["id"])
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", row["id"]).strip("-")
        written = write_timeline(tl, out / f"{slug}.png")
        platforms = ", ".join(f"{x['platform']} {x['at'][5:16]}" for x in tl.first[:6])
        lines.append(f"  first on each platform ({counted(tl)}): {platforms}{' …' if len(tl.first) > 6 else ''}")
        for e in tl.alignment:
            hot = e["bursts"][0] if e["bursts"] else None
            who = f"; burst {hot['start'][5:16]} driven by {hot['accounts'][0]['account']}" if hot and hot["accounts"] else ""
            lines.append(f"  {e['kind'] or 'event'} {e['at'][:16]}: {e['before']} -> {e['after']} in the day before/after{who}")
        lines.append(f"  timeline: {written[0]} and {written[1].name}")
    return lines


def scores(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: score the case, show the summary and the reasons for the first unclear account."""
    summary = run_analyses(ctx.store, seed=ctx.seed, progress=False, top=5,
                           export=projection_writer(ctx.out / "graphs", ctx.store))
    ctx.results["analyze"] = summary
    lines = summary_lines(summary, top=5) + [f"warning: {w}" for w in summary["warnings"]]
    lines.append(f"projections for Gephi: {', '.join(summary.get('exported', []))}")
    unclear = summary.get("affiliation", {}).get("unclear") or []
    if unclear:
        first = unclear[0]
        lines.append(f"graphtool explain {first['id']}:")
        lines += [f"  - {reason}" for reason in first["reasons"]]
    return lines


def canned_queries(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: ask a few canned questions of the case, as an analyst would."""
    queries = load_queries([QUERY_DIR])

    def ask(name: str, **params) -> list[dict]:
        return run_query(ctx.store, queries[name], params, from_text=False).rows

    lines = [f"{len(queries)} canned queries (graphtool query list); each runs read-only on either store"]
    narratives = ask("narratives")
    if not narratives:
        return lines + ["no narratives in the store"]
    top = narratives[0]["narrative"]
    hops = ask("narrative-first-appearance", narrative=top)
    lines.append(f"narrative-first-appearance -p narrative={top}:")
    lines.append("  (counts posts only; the timelines above count shares too, so their first appearances can be earlier)")
    lines += [f"  {h['hop']}. {h['platform']:<9} {h['first_at']}  {h['first_article']} by {', '.join(h['publishers'])}"
              f"  (+{h['after_previous_s'] / 3600:.1f} h)" for h in hops]
    copies = ask("unattributed-copies", limit=1000)
    lines.append(f"unattributed-copies: {len(copies)} copies of state-media articles without credit"
                 + (", e.g." if copies else ""))
    lines += [f"  {c['copy']} ({', '.join(c['copiers'])}) copies {c['original']} ({c['outlet']}) "
              f"{c['lag_h']:g} h later" for c in copies[:3]]
    unclear = ask("unclear-ownership", limit=5)
    lines.append("unclear-ownership (look at these next):")
    lines += [f"  {u['id']:<32} score {u['affiliation_score']:.2f}" for u in unclear]
    return lines


def maps(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: write the case's maps and say where they are."""
    results = write_case_maps(ctx.store, ctx.out / "maps", seed=ctx.seed, progress=False)
    ctx.results["maps"] = results
    lines = []
    for r in results:
        extra = f", {len(r.pages) - 1} drill-down pages" if len(r.pages) > 1 else ""
        lines.append(f"{r.path} ({r.shown_nodes:,} of {r.total_nodes:,} nodes{extra})")
    lines.append("open them in a browser: they work offline and make no network request")
    return lines


def report_and_stix(ctx: DemoContext) -> list[str]:
    """``graphtool demo``: the case report (HTML, and PDF when Chromium is installed) and its STIX 2.1 bundle."""
    data = build_report(ctx.store)
    page = ctx.out / "report.html"
    page.write_text(render_html(data), encoding="utf-8")
    lines = [f"{page}: {len(data.findings)} numbered findings, {len(data.copies)} uncredited copies side by side, "
             f"{len(data.groups)} coordinated groups, {len(data.leads)} accounts to verify; footnotes cite "
             "the Source records"]
    if chromium():
        pdf = page.with_suffix(".pdf")
        print_pdf(page, pdf)
        lines.append(f"{pdf} (printed by headless Chromium)")
    else:
        lines.append("no Chromium here: `graphtool report --pdf` prints the PDF where one is installed")
    bundle = write_stix(ctx.store, ctx.out / "case.stix.json", data=data)
    lines.append(f"{bundle}: STIX 2.1 with DISARM techniques, for OpenCTI or MISP (graphtool export stix)")
    return lines
