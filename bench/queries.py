"""Canned query latency on both stores over a synthetic graph of 10^6 shares.

    python -m bench.queries [--shares 1000000] [--runs 3] [--timeout 60] [--stores embedded,neo4j]
                            [--out docs/benchmarks.md]

The graph (deterministic for a seed) has the case's shape at scale: one account per 20
shares, one article per 10 shares (10% published by outlets), 20 narratives carried by a
fifth of the articles, Zipf-like popularity of sharers and of articles, ownership chains
from accounts through organizations to state-affiliated owners, 10^4 derived COPIES, planted
coordination rings with COORDINATED_WITH, and the analysis scores on every account.  It
is written with the loader's own batch writer (``graphtool.load.writer``).

Each canned query runs once to warm up, then ``--runs`` times; the median is reported per
store, with the Neo4j / FalkorDB ratio.  A query slower than 1 s on a store gets its plan
(``PROFILE`` on Neo4j, ``GRAPH.PROFILE`` on FalkorDB) and is then re-measured with the extra
indexes in ``CANDIDATE_INDEXES`` in place, side by side, to show which index fixes it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from graphtool.errors import StoreError
from graphtool.load.records import NodeRecord, RelRecord, iso
from graphtool.load.writer import write_records
from graphtool.queries import load_queries, run_query
from graphtool.store import open_store

from .common import machine, write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Canned queries on 10^6 shares (Neo4j and FalkorDB)"
PLATFORMS = ("wechat", "weibo", "douyin", "bilibili", "xigua", "x", "facebook")
T0 = 1627776000  # 2021-08-01T00:00:00Z
SPAN = 30 * 86400
SLOW_S = 1.0
BATCH = 20_000  # rows per loader batch: fewer round trips than the default 5,000 for this bulk load

# Indexes beyond the model's defaults, tried on the queries that are slow without them:
# (label or relationship type, property, is_relationship).
CANDIDATE_INDEXES = (
    ("SHARED", "at_ts", True),
    ("Account", "ownership_clarity", False),
    ("Account", "betweenness", False),
    ("Account", "created_ts", False),
)


# --------------------------------------------------------------------------- the graph

def _skewed(rng: random.Random, n: int, alpha: float = 2.5) -> int:
    """An index in [0, n) with a heavy head: ``n * u**alpha`` puts most draws on the first few."""
    return min(n - 1, int(n * rng.random() ** alpha))


def synthetic_graph(shares: int, seed: int = 7):
    """Records of a synthetic influence graph with ``shares`` SHARED relationships."""
    rng = random.Random(seed)
    n_acc, n_art = max(100, shares // 20), max(200, shares // 10)
    src = ["src:bench-report", "src:bench-archive"]
    for sid in src:
        yield NodeRecord("Source", sid, {"kind": "report", "title": f"Benchmark evidence {sid}"})
    outlets = [f"outlet:bench-{i:02d}" for i in range(40)]
    for i, oid in enumerate(outlets):
        yield NodeRecord("Outlet", oid, {"name": f"Outlet {i}", "state_affiliated": "true" if i < 10 else "false",
                                         "country": "CN" if i < 10 else "CA", "sources": src[:1]})
    orgs = [f"org:bench-{i:03d}" for i in range(200)]
    for i, oid in enumerate(orgs):
        yield NodeRecord("Organization", oid, {"name": f"Org {i}", "state_affiliated": "true" if i < 20 else "unknown",
                                               "kind": "company", "sources": src[:1]})
    for i in range(100):
        yield NodeRecord("Person", f"person:bench-{i:03d}", {"name": f"Person {i}"})
    for i in range(20):
        yield NodeRecord("Narrative", f"narrative:bench-{i:02d}", {"name": f"Narrative {i}"})
    for i in range(4):
        at = T0 + (i + 1) * SPAN // 5
        yield NodeRecord("Event", f"event:bench-{i}", {"name": f"Event {i}", "kind": "debate", "at": iso(at), "at_ts": at})
    accounts = []
    clarity = ("none",) * 16 + ("unclear", "unclear", "indirect", "declared")
    for i in range(n_acc):
        platform = PLATFORMS[i % len(PLATFORMS)]
        aid = f"{platform}:u{i:07d}"
        accounts.append(aid)
        created = T0 - int(rng.random() * 8 * 365 * 86400) + (SPAN if i % 50 == 0 else 0) // 2
        props = {"platform": platform, "handle": f"u{i:07d}", "display_name": f"User {i}",
                 "created_at": iso(created), "created_ts": created, "followers": int(rng.lognormvariate(6, 2)),
                 "registrant_country": rng.choice(("CN", "CA", "CA")), "audience_country": "CA",
                 "affiliation_score": round(rng.random() ** 3, 6), "ownership_clarity": rng.choice(clarity),
                 "affiliation_reasons": [f"Signal {i % 7} [sources: {src[i % 2]}]", "No ownership on record."],
                 "betweenness": round(rng.paretovariate(3) / 1e4, 9), "community": _skewed(rng, 50, 1.5),
                 "sources": src[1:]}
        yield NodeRecord("Account", aid, props)
    published = []
    for i in range(n_art):
        at = T0 + int(rng.random() * SPAN)
        by_outlet = rng.random() < 0.1
        publisher = outlets[rng.randrange(40)] if by_outlet else accounts[_skewed(rng, n_acc, 2.0)]
        platform = "web" if by_outlet else publisher.split(":", 1)[0]
        aid = f"art:{i:07d}"
        published.append((aid, at))
        yield NodeRecord("Article", aid, {"platform": platform, "title": f"Article {i}", "published_at": iso(at),
                                          "published_ts": at, "views": int(rng.lognormvariate(5, 2)), "lang": "zh"})
        yield RelRecord("PUBLISHED", publisher, aid, {}, "Outlet" if by_outlet else "Account", "Article")
        if rng.random() < 0.2:
            yield RelRecord("CARRIES", aid, f"narrative:bench-{_skewed(rng, 20, 1.5):02d}", {"confidence": 0.9})
    for i in range(shares):
        art, at = published[_skewed(rng, n_art, 2.5)]
        when = min(at + int(rng.expovariate(1 / 7200)), T0 + SPAN + 86400)
        yield RelRecord("SHARED", accounts[_skewed(rng, n_acc, 2.5)], art,
                        {"id": f"share:{i:08d}", "at": iso(when), "at_ts": when, "kind": "repost"})
    for i in range(max(10, shares // 100)):
        a, b = sorted(rng.sample(range(n_art), 2), key=lambda k: published[k][1])
        orig, copy = published[a], published[b]
        yield RelRecord("COPIES", copy[0], orig[0], {"similarity": 0.7, "containment": 0.9, "lag_s": copy[1] - orig[1],
                                                     "attributed": rng.random() < 0.3, "method": "bench",
                                                     "run_id": "bench"})
    for ring in range(20, n_acc, 50):  # rings of five coordinated accounts (away from the busiest sharers)
        members = accounts[ring:ring + 5]
        group = f"bench:component:{ring // 50 + 1}"  # each ring its group, as `graphtool coordination` stores it
        yield NodeRecord("CoordinationGroup", group, {"kind": "co-share", "component_number": ring // 50 + 1,
                                                      "community_number": ring // 50 + 1, "size": len(members),
                                                      "window_s": 60, "run_id": "bench"})
        for member in members:
            yield RelRecord("IN_GROUP", member, group, {"run_id": "bench"}, "Account", "CoordinationGroup")
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield RelRecord("COORDINATED_WITH", members[x], members[y],
                                {"kind": "co-share", "window_s": 60, "weight": 6.0, "weight_ab": 6, "weight_ba": 6,
                                 "run_id": "bench"})
    for i in range(0, n_acc, 20):  # 5% of accounts have an operator or registrant
        owner = orgs[rng.randrange(len(orgs))]
        kind = "REGISTERED_TO" if i % 40 else "OPERATED_BY"
        yield RelRecord(kind, accounts[i], owner, {"confidence": round(rng.uniform(0.4, 1.0), 2),
                                                   "basis": "registration", "sources": src[:1]},
                        "Account", "Organization")
    for i in range(20, len(orgs)):  # organizations owned along chains that end at the state
        yield RelRecord("OWNED_BY", orgs[i], orgs[rng.randrange(0, i)], {"confidence": round(rng.uniform(0.3, 1.0), 2),
                                                                       "basis": "indirect", "sources": src[:1]},
                        "Organization", "Organization")
    for i in range(10, 40):
        yield RelRecord("OWNED_BY", outlets[i], orgs[20 + i], {"confidence": 1.0, "basis": "declared"},
                        "Outlet", "Organization")


def params_for(store) -> dict[str, dict]:
    """Parameters for each query that select real, busy parts of the synthetic graph."""
    busiest = store.read("MATCH (c:Article)-[:COPIES]->(o:Article) RETURN o.id AS id, count(c) AS n "
                         "ORDER BY n DESC, id LIMIT 1")[0]["id"]
    owned = store.read("MATCH (a:Account)-[:REGISTERED_TO]->(o:Organization) RETURN a.id AS a, o.id AS o "
                       "ORDER BY a LIMIT 1")[0]
    nar, event, unclear = "narrative:bench-00", "event:bench-1", "wechat:u0000000"
    at = store.read("MATCH (e:Event {id: $id}) RETURN e.at_ts AS t", {"id": event})[0]["t"]
    return {"narrative-earliest": {"narrative": nar}, "narrative-first-appearance": {"narrative": nar},
            "amplifiers-by-shares": {"narrative": nar}, "amplifiers-by-reach": {"narrative": nar},
            "new-accounts-amplifying": {"narrative": nar}, "event-window": {"event": event},
            "event-window-accounts": {"event": event},
            "article-copies": {"article": busiest},
            "activity-window": {"since": at - 172800, "until": at + 172800},  # event-window's window, as times
            "ownership-chain": {"id": owned["a"]}, "owner-holdings": {"id": "org:bench-000"},
            "evidence-relationship": {"a": owned["a"], "b": owned["o"]}, "evidence-score": {"id": unclear},
            "account-summary": {"account": unclear}, "coordinated-pairs": {"account": "facebook:u0000020"},
            "search": {"text": "outlet 1"}}


# --------------------------------------------------------------------------- measuring

def time_query(store, query, params: dict, runs: int, timeout: float) -> dict:
    """Median seconds over ``runs`` after one warm-up run; ``timed_out`` when it exceeds ``timeout``."""
    times, rows = [], 0
    for i in range(runs + 1):
        start = time.perf_counter()
        try:
            rows = len(run_query(store, query, params, from_text=False, timeout=timeout).rows)
        except StoreError as exc:
            return {"median": None, "error": str(exc)[:120]}
        if i:
            times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "rows": rows, "runs": times}


def plan(store, query, params: dict) -> str:
    """The profiled plan with rows per operator (Neo4j PROFILE, FalkorDB GRAPH.PROFILE)."""
    return store.profile(query.text, query.bind(params, from_text=False))


def add_index(store, target: str, prop: str, is_rel: bool) -> None:
    if store.url.startswith("embedded:"):
        pattern = f"()-[x:{target}]-()" if is_rel else f"(x:{target})"
        try:
            store.run(f"CREATE INDEX FOR {pattern} ON (x.{prop})")
        except StoreError as exc:
            if "already indexed" not in str(exc):
                raise
        # FalkorDB builds an index in the background; a query planned before it is ready ignores it.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            rows = store.read("CALL db.indexes() YIELD label, properties, status RETURN label, properties, status")
            if any(r["label"] == target and prop in r["properties"] and r["status"] == "OPERATIONAL" for r in rows):
                break
            time.sleep(0.2)
    else:
        pattern = f"()-[x:{target}]-()" if is_rel else f"(x:{target})"
        store.run(f"CREATE INDEX bench_{target.lower()}_{prop} IF NOT EXISTS FOR {pattern} ON (x.{prop})")
        store.run("CALL db.awaitIndexes(300)")


def drop_candidate_indexes(store) -> None:
    for target, prop, is_rel in CANDIDATE_INDEXES:
        if store.url.startswith("embedded:"):
            pattern = f"()-[x:{target}]-()" if is_rel else f"(x:{target})"
            try:
                store.run(f"DROP INDEX FOR {pattern} ON (x.{prop})")
            except StoreError:
                pass
        else:
            store.run(f"DROP INDEX bench_{target.lower()}_{prop} IF EXISTS")


def clear(store) -> None:
    """Empty the store; relationships go first, in bounded batches (a big graph's DETACH DELETE
    of 20,000 hub nodes at once can exceed Neo4j's transaction memory)."""
    while store.run("MATCH ()-[r]->() WITH r LIMIT 50000 DELETE r RETURN count(*) AS c")[0]["c"]:
        pass
    store.wipe()


def bench_store(label: str, store, shares: int, runs: int, timeout: float, log) -> dict:
    clear(store)
    store.ensure_schema()
    start = time.perf_counter()
    result = write_records(store, synthetic_graph(shares), batch_size=BATCH)
    load_s = time.perf_counter() - start
    log(f"{label}: loaded {sum(result.nodes.values()):,} nodes and {sum(result.relationships.values()):,} "
        f"relationships in {load_s:.0f} s")
    params = params_for(store)
    out = {"label": label, "load_s": load_s, "nodes": sum(result.nodes.values()),
           "rels": sum(result.relationships.values()), "queries": {}, "plans": {}, "indexed": {}}
    queries = load_queries()
    for name, q in queries.items():
        out["queries"][name] = time_query(store, q, params.get(name, {}), runs, timeout)
        log(f"  {name}: {out['queries'][name]}")
    slow = [n for n, r in out["queries"].items() if r["median"] is None or r["median"] > SLOW_S]
    for name in slow:
        out["plans"][name] = plan(store, queries[name], params.get(name, {}))
    if slow:
        for target, prop, is_rel in CANDIDATE_INDEXES:
            add_index(store, target, prop, is_rel)
        for name in slow:
            out["indexed"][name] = time_query(store, queries[name], params.get(name, {}), runs, timeout)
            log(f"  {name} with the candidate indexes: {out['indexed'][name]}")
        drop_candidate_indexes(store)
    return out


# --------------------------------------------------------------------------- report

# Why a query is slow when it is (the plans below show it), and what fixes it.
WHY = {
    "event-window": "the window's bounds come from the Event node, so every PUBLISHED and SHARED relationship is "
                    "read and its time computed (a CASE over two properties): no index can apply. "
                    "`activity-window` asks the same question with the window as parameters, which both stores "
                    "can answer from the Article.published_ts index and a relationship index on SHARED.at_ts.",
    "event-window-accounts": "as `event-window`: the bounds come from the Event node, so every publication and "
                             "share is read; no index applies to the query as written.",
    "activity-window": "without a relationship index on SHARED.at_ts it reads every share; with it both stores "
                       "seek the window (FalkorDB uses a relationship-property index only for parameter or literal "
                       "bounds and unlabelled endpoints, which is how the query is written).",
    "narratives": "an overview of every narrative reads every share of every article that carries one (a fifth "
                  "of the shares here); no index helps a whole-graph aggregate.",
    "coordinated-groups": "reads every share of every grouped account and aggregates per group and article; its "
                          "cost follows the groups' activity, and no index changes that.",
    "new-accounts-amplifying": "reads every publication and share of the narrative's articles; its cost follows "
                               "the narrative's volume (the busiest narrative here).",
    "amplifiers-by-shares": "reads every share of the narrative's articles (the busiest narrative here).",
    "amplifiers-by-reach": "reads every share of the narrative's articles (the busiest narrative here).",
    "state-owner-proximity": "follows every ownership path of up to `max_hops` from every account before "
                             "ordering them by confidence; its cost follows the ownership graph.",
    "unattributed-copies": "reads every COPIES relationship and the publishers of the originals; its cost "
                           "follows the number of copies found.",
}

def compact_plan(text: str) -> str:
    """Neo4j's PROFILE table as an indented operator tree with rows and db hits (FalkorDB's is one already)."""
    if not text.startswith("Cypher"):
        return text
    lines = text.splitlines()
    header = next((line for line in lines if line.startswith("| Operator")), None)
    if header is None:
        return text
    cuts = [k for k, ch in enumerate(header) if ch == "|"]  # fixed-width columns
    names = [header[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]
    out: list[list[str]] = []
    for line in lines[lines.index(header) + 1:]:
        if not line.startswith("| "):
            continue
        cells = dict(zip(names, (line[a + 1:b] for a, b in zip(cuts, cuts[1:]))))
        tree, details = cells.get("Operator", ""), cells.get("Details", "").strip()
        if "+" in tree and not tree.strip().startswith("+-"):
            depth = tree.split("+")[0].count("|")
            op = tree.split("+", 1)[1].strip()
            out.append([f"{'  ' * depth}{op} (rows {cells.get('Rows', '').strip()}, "
                        f"db hits {cells.get('DB Hits', '').strip()})", details])
        elif out and details and "---" not in details:
            out[-1][1] += " " + details
    return "\n".join(f"{head}  {detail[:100]}" if detail else head for head, detail in out)


def _s(r: dict | None) -> str:
    if not r:
        return ""
    return "timeout" if r.get("median") is None else f"{r['median']:.3f}"


def markdown(results: list[dict], shares: int, runs: int, note: str = "") -> str:
    by = {r["label"]: r for r in results}
    labels = list(by)
    names = sorted(set().union(*(r["queries"] for r in results)))
    lines = [SECTION, "",
             f"`python -m bench.queries --shares {shares} --runs {runs}` on {machine()}.", "",
             "Synthetic graph: " + "; ".join(f"{r['label']}: {r['nodes']:,} nodes, {r['rels']:,} relationships "
                                              f"loaded in {r['load_s']:.0f} s" for r in results) + ".",
             f"Median of {runs} runs after one warm-up, in seconds; the parameters select the busiest narrative, "
             "event and article." + (f" {note}" if note else ""), "",
             "| query | " + " | ".join(labels) + (" | Neo4j / FalkorDB |" if len(labels) == 2 else " |"),
             "|---|" + "---:|" * (len(labels) + (1 if len(labels) == 2 else 0))]
    for name in names:
        cells = [_s(by[label]["queries"].get(name)) for label in labels]
        ratio = ""
        if len(labels) == 2:
            a, b = (by[label]["queries"].get(name, {}).get("median") for label in labels)
            ratio = f"{b / a:.1f}x" if a and b else ""
        lines.append(f"| `{name}` | " + " | ".join(cells) + (f" | {ratio} |" if len(labels) == 2 else " |"))
    slow = [(label, name) for label in labels for name in by[label]["plans"]]
    lines += ["", f"Queries slower than {SLOW_S:g} s: " + (", ".join(f"`{n}` on {lbl}" for lbl, n in slow) or "none") + "."]
    for name in sorted({n for _, n in slow}):
        lines.append(f"- `{name}`: {WHY.get(name, 'see its plan below.')}")
    if slow:
        extra = ", ".join(f"{'relationship ' if rel else ''}{t}.{p}" for t, p, rel in CANDIDATE_INDEXES)
        lines += ["", f"Re-measured with the candidate indexes ({extra}) in place:", "",
                  "| store | query | without | with | speed-up |", "|---|---|---:|---:|---:|"]
        for label, name in slow:
            before, after = by[label]["queries"][name], by[label]["indexed"][name]
            up = (f"{before['median'] / after['median']:.1f}x" if before.get("median") and after.get("median") else "")
            lines.append(f"| {label} | `{name}` | {_s(before)} | {_s(after)} | {up} |")
        for label, name in slow:
            lines += ["", f"Plan of `{name}` on {label} (without the candidate indexes):", "", "```",
                      compact_plan(by[label]["plans"][name])[:6000], "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shares", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="Give up on a query after this many seconds.")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="Print the section instead of writing it.")
    parser.add_argument("--save", type=Path, help="Also keep the measurements as JSON here.")
    parser.add_argument("--report", type=Path, help="Only rewrite the section from measurements kept by --save.")
    parser.add_argument("--note", default="", help="A sentence about the run to print under the heading.")
    args = parser.parse_args()
    if args.report:
        saved = json.loads(args.report.read_text())
        write_section(args.out, SECTION, markdown(saved["results"], saved["shares"], saved["runs"], args.note))
        return

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if "embedded" in args.stores:
            from graphtool.store.embedded import EmbeddedServer

            store = open_store(f"embedded:{tmp}/db")
            try:
                results.append(bench_store("FalkorDB (embedded)", store, args.shares, args.runs, args.timeout, log))
            finally:
                store.close()
                EmbeddedServer(f"{tmp}/db").stop()
        if "neo4j" in args.stores:
            from graphtool.testing import maven_server, neo4j_server

            # A benchmark-sized server when graphtool assembles one itself; NEO4J_URI or Docker otherwise.
            context = neo4j_server() if os.environ.get("NEO4J_URI") else maven_server(heap="2g", pagecache="1g")
            with context as server:
                os.environ.update(server.env())
                store = open_store(server.uri)
                try:
                    results.append(bench_store("Neo4j 5.26", store, args.shares, args.runs, args.timeout, log))
                finally:
                    clear(store)
                    store.close()
    if args.save:
        args.save.write_text(json.dumps({"results": results, "shares": args.shares, "runs": args.runs}))
    text = markdown(results, args.shares, args.runs, args.note)
    if args.no_write:
        print(text)
    else:
        write_section(args.out, SECTION, text)
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
