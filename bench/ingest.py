"""Ingest speed: batched UNWIND..MERGE against the naive one-transaction-per-row MERGE.

    python -m bench.ingest [--sizes 10000,100000,1000000] [--runs 3] [--stores embedded,neo4j]

For each size it writes synthetic canonical CSV files (shares plus their accounts and
articles), imports them into an empty store with ``import_paths`` (validation included)
and reports node and relationship rows per second, median of ``--runs``.  The naive
baseline MERGEs the first 10^4 share rows one transaction per row, in the same run.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import machine, median_time, peak_rss_mib, write_section
from graphtool.load import import_paths
from graphtool.load.canonical import read as read_canonical
from graphtool.load.records import RelRecord
from graphtool.load.writer import rel_query
from graphtool.store import open_store

NAIVE_ROWS = 10_000
SECTION = "## Ingest: batched loading vs one transaction per row"


def make_case(folder: Path, shares: int, seed: int = 7) -> tuple[int, int]:
    rng = random.Random(seed)
    n_accounts, n_articles = max(10, shares // 20), max(10, shares // 10)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Account.csv").open("w") as f:
        f.write("platform,handle,followers,created_at\n")
        for i in range(n_accounts):
            f.write(f"weibo,u{i},{rng.randrange(10**6)},{1500000000 + i}\n")
    with (folder / "Article.csv").open("w") as f:
        f.write("id,platform,title,published_at\n")
        for i in range(n_articles):
            f.write(f"a{i},weibo,title {i},{1600000000 + i * 60}\n")
    with (folder / "SHARED.csv").open("w") as f:
        f.write("src,dst,id,at,kind\n")
        for i in range(shares):
            f.write(f"weibo:u{rng.randrange(n_accounts)},a{rng.randrange(n_articles)},s{i},"
                    f"{1600000000 + rng.randrange(10**6)},repost\n")
    return n_accounts + n_articles, shares


def naive_load(store, folder: Path) -> int:
    """One MERGE per row, one transaction each: what a first script would do."""
    rows = 0
    for record in read_canonical(folder / "SHARED.csv"):
        if not isinstance(record, RelRecord):
            continue
        props = dict(record.props)
        sources = props.pop("sources", [])
        store.run(rel_query("SHARED", "Account", "Article"),
                  {"rows": [{"i": 0, "src": record.src, "dst": record.dst, "key": record.key, "props": props,
                             "sources": sources}]})
        rows += 1
        if rows >= NAIVE_ROWS:
            break
    return rows


def bench_store(name: str, url: str, sizes: list[int], runs: int, workdir: Path) -> list[dict]:
    store = open_store(url)
    results = []
    for shares in sizes:
        folder = workdir / f"case-{shares}"
        n_nodes, n_rels = make_case(folder, shares)

        def wipe():
            store.wipe()
            store.ensure_schema()

        def load_nodes():  # batched MERGE even into the empty store (first loads by bulk: --first-load)
            import_paths(store, [folder / "Account.csv", folder / "Article.csv"], progress=False, bulk=False)

        def load_rels():
            import_paths(store, [folder / "SHARED.csv"], progress=False, bulk=False)

        node_s, _ = median_time(load_nodes, runs, setup=wipe)
        rel_s, _ = median_time(load_rels, runs, setup=lambda: (wipe(), load_nodes()))
        row = {"store": name, "shares": shares, "nodes_per_s": n_nodes / node_s, "rels_per_s": n_rels / rel_s,
               "node_s": node_s, "rel_s": rel_s}
        if shares == sizes[0]:
            wipe()
            load_nodes()
            start = time.perf_counter()
            done = naive_load(store, folder)
            row["naive_rels_per_s"] = done / (time.perf_counter() - start)
        print(row, flush=True)
        results.append(row)
    store.wipe()
    store.close()
    return results


PARSE_SECTION = "## Ingest: archive adapter parsing and FalkorDB parameter text (bench/ingest.py --parse)"


def parse_bench(tweets: int, runs: int, workdir: Path) -> dict:
    """CPU rows/s of the twitter_io adapter (reading, validating, records; no store), and the time to
    turn one writer batch of 10^4 share rows into FalkorDB's parameter text, client against graphtool."""
    from falkordb.helpers import stringify_param_value

    from graphtool.load import fmt_twitter_io
    from graphtool.store.falkor_params import literal
    from graphtool.synthetic import write_io_tweets

    path = write_io_tweets(workdir / "tweets.csv", tweets)
    # The fast record path (the default) and the general one (every value through node_record /
    # rel_record), alternating, each citing a source as an import does.
    cpus, walls, records = {True: [], False: []}, {True: [], False: []}, 0
    for _ in range(runs):
        for fast in (True, False):
            t, c = time.perf_counter(), time.process_time()
            records = sum(1 for _ in fmt_twitter_io.read(path, ["file:bench"], fast=fast))
            walls[fast].append(time.perf_counter() - t)
            cpus[fast].append(time.process_time() - c)
    batch = [{"i": i, "src": f"x:{i % 997}", "dst": f"x:{10**17 + i}", "key": str(10**18 + i),
              "props": {"at": "2021-09-08T01:02:00Z", "at_ts": 1631062920 + i, "kind": "repost"},
              "sources": ["io-archive:2021"]} for i in range(10_000)]
    encode = {}
    for name, fn in (("client", stringify_param_value), ("graphtool", literal)):
        times = []
        for _ in range(max(runs, 5)):
            c = time.process_time()
            fn(batch)
            times.append(time.process_time() - c)
        encode[name] = statistics.median(times)
    return {"tweets": tweets, "records": records, "cpu_s": statistics.median(cpus[True]),
            "wall_s": statistics.median(walls[True]), "general_cpu_s": statistics.median(cpus[False]),
            "general_wall_s": statistics.median(walls[False]), "encode": encode, "runs": runs}


def parse_section(r: dict) -> str:
    rate = r["tweets"] / r["cpu_s"]
    enc = r["encode"]
    return "\n".join([
        PARSE_SECTION, "",
        f"`python -m bench.ingest --parse {r['tweets']} --runs {r['runs']}` on {machine()}; load average "
        f"{os.getloadavg()[0]:.1f} when it ended (shared machine: CPU seconds are the measure). Medians of "
        f"{r['runs']} runs.", "",
        "| what | size | CPU s | wall s | rate (CPU) | target |", "|---|---:|---:|---:|---:|---|",
        f"| twitter_io adapter: read + validate + records | {r['tweets']:,} tweets ({r['records']:,} records) | "
        f"{r['cpu_s']:.2f} | {r['wall_s']:.2f} | {rate:,.0f} rows/s | 100,000 rows/s: "
        f"{'met' if rate >= 100_000 else 'NOT met'} |",
        f"| the same, general path (`fast=False`: every value through node_record / rel_record) | same | "
        f"{r['general_cpu_s']:.2f} | {r['general_wall_s']:.2f} | {r['tweets'] / r['general_cpu_s']:,.0f} rows/s | "
        f"fast path {r['general_cpu_s'] / r['cpu_s']:.1f}x |",
        f"| parameter text of one 10^4-row share batch: falkordb client | 10,000 rows | {enc['client']:.3f} | | "
        f"{10_000 / enc['client']:,.0f} rows/s | |",
        f"| the same, graphtool (store/falkor_params.py) | 10,000 rows | {enc['graphtool']:.3f} | | "
        f"{10_000 / enc['graphtool']:,.0f} rows/s | {enc['client'] / enc['graphtool']:.1f}x the client |",
    ]) + "\n"


FIRST_SECTION = "## Ingest: first loads (bulk) and incremental loads (MERGE) against raw MERGE and the bulk tools"


def io_case(workdir: Path, tweets: int) -> tuple[Path, Path, Path]:
    """An IO-archive tweets file of ``tweets`` rows, and its first and second halves (for incremental loads)."""
    from graphtool.synthetic import write_io_tweets

    full = write_io_tweets(workdir / f"tweets-{tweets}.csv", tweets)
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    half = 1 + (len(lines) - 1) // 2
    first, second = workdir / f"tweets-{tweets}-a.csv", workdir / f"tweets-{tweets}-b.csv"
    first.write_text("".join(lines[:half]), encoding="utf-8")
    second.write_text(lines[0] + "".join(lines[half:]), encoding="utf-8")
    return full, first, second


def staged_of(paths: list[Path]):
    """The graph an import of ``paths`` makes, in memory: what raw MERGE and the bulk tools write."""
    from graphtool.load.bulk import StagedGraph

    staged = StagedGraph()
    import_paths(staged, paths, progress=False)
    return staged


def adapter_only(path: Path) -> int:
    """Read ``path`` with its adapter as an import does (citing a source), keeping nothing: the parsing share."""
    from graphtool.load import find_files

    import gc

    [(path, module)] = find_files([path])
    gc.disable()  # as during an import (load/__init__.py)
    try:
        return sum(1 for _ in module.read(path, default_sources=["file:bench"]))
    finally:
        gc.enable()


def raw_merge_batches(staged, batch: int = 5000) -> list[tuple[str, list[dict]]]:
    """(query, rows) batches that write the staged graph with the writer's own UNWIND ... MERGE, nothing else."""
    from graphtool.load.writer import node_query

    out = []
    for label, table in sorted(staged.nodes.items()):
        rows = [{"id": i, "props": {k: v for k, v in m.items() if k not in ("id", "sources")},
                 "sources": m.get("sources", [])} for i, m in table.items()]
        out += [(node_query(label), rows[s:s + batch]) for s in range(0, len(rows), batch)]
    groups: dict[tuple, list[dict]] = {}
    for (type_, sl, src, dl, dst, key), m in staged.rels.items():
        groups.setdefault((type_, sl, dl), []).append(
            {"i": 0, "src": src, "dst": dst, "key": key, "props": {k: v for k, v in m.items() if k != "sources"},
             "sources": m.get("sources", [])})
    for (type_, sl, dl), rows in sorted(groups.items()):
        out += [(rel_query(type_, sl, dl), rows[s:s + batch]) for s in range(0, len(rows), batch)]
    return out


def falkor_tool_csv(staged, folder: Path) -> list[str]:
    """The staged graph as falkordb-bulk-insert's CSV files (typed headers); returns its file arguments."""
    import csv

    def cell(v):
        return "" if v is None else repr(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else v

    kinds = {bool: "BOOL", int: "INT", float: "DOUBLE", str: "STRING", list: "ARRAY"}
    args = []
    for label, table in sorted(staged.nodes.items()):
        props = sorted({k for m in table.values() for k in m if k != "id"})
        types = {p: next(kinds[type(m[p])] for m in table.values() if p in m) for p in props}
        with (folder / f"{label}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
            out.writerow([f"id:ID({label})"] + [f"{p}:{types[p]}" for p in props])
            out.writerows([i] + [cell(m.get(p)) for p in props] for i, m in table.items())
        args += ["-N", label, str(folder / f"{label}.csv")]
    groups: dict[tuple, list] = {}
    for key, m in staged.rels.items():
        groups.setdefault((key[0], key[1], key[3]), []).append((key, m))
    for (type_, sl, dl), items in sorted(groups.items()):
        props = sorted({k for _, m in items for k in m})
        types = {p: next(kinds[type(m[p])] for _, m in items if p in m) for p in props}
        name = folder / f"{type_}-{sl}-{dl}.csv"
        with name.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
            out.writerow([f":START_ID({sl})", f":END_ID({dl})"] + [f"{p}:{types[p]}" for p in props])
            out.writerows([k[2], k[4]] + [cell(m.get(p)) for p in props] for k, m in items)
        args += ["-R", type_, str(name)]
    return args


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pid_of(fragment: str) -> int | None:
    """The process whose command line contains ``fragment`` (a server's data folder)."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and fragment.encode() in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except OSError:
            continue
    return None


def _cpu_now(servers: list[int]) -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime + sum(_proc_cpu(p) for p in servers)


class Table:
    """Rows of the first-load table: wall and CPU seconds (this process, its tools, the server), medians."""

    def __init__(self, store_name: str, tweets: int, runs: int):
        self.store_name, self.tweets, self.runs, self.rows = store_name, tweets, runs, []
        self.servers: list[int] = []

    def measure(self, fn, setup=None, runs=None) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(runs or self.runs):
            if setup:
                setup()
            wall, cpu = time.perf_counter(), _cpu_now(self.servers)
            fn()
            walls.append(time.perf_counter() - wall)
            cpus.append(_cpu_now(self.servers) - cpu)
        return statistics.median(walls), statistics.median(cpus)

    def measure_alternating(self, fns, setup) -> list[tuple[float, float]]:
        """Medians of each of ``fns``, run in turn within each run (so neither gains by running on a
        server another one warmed up: at 3*10^4 tweets on Neo4j the import came out at 58% of raw MERGE's
        rate when it ran first, 87% when it ran second)."""
        walls, cpus = [[] for _ in fns], [[] for _ in fns]
        for _ in range(self.runs):
            for i, fn in enumerate(fns):
                setup()
                wall, cpu = time.perf_counter(), _cpu_now(self.servers)
                fn()
                walls[i].append(time.perf_counter() - wall)
                cpus[i].append(_cpu_now(self.servers) - cpu)
        return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]

    def row(self, what: str, times: tuple[float, float], entities: int, target=None, baseline=None, runs=None):
        r = {"store": self.store_name, "tweets": self.tweets, "what": what, "wall": times[0], "cpu": times[1],
             "entities": entities, "target": target, "baseline": baseline, "runs": runs or self.runs}
        print(r, flush=True)
        self.rows.append(r)


def first_load_embedded(tweets: int, runs: int, workdir: Path, incremental_only: bool = False,
                        incremental: bool = True) -> list[dict]:
    import shutil
    import subprocess

    from graphtool.store.embedded import EmbeddedServer
    from graphtool.store.falkor_bulk import bulk_insert

    full, first, second = io_case(workdir, tweets)
    staged, increment = (None if incremental_only else staged_of([full])), staged_of([second]) if incremental else None
    n, n_inc = (0 if incremental_only else len(staged)), len(increment) if incremental else 0
    store = open_store(f"embedded:{workdir / 'db'}")
    table = Table("embedded FalkorDB", tweets, runs)
    table.servers = [EmbeddedServer(workdir / "db").pid()]

    def empty():
        store.wipe()
        store.ensure_schema()

    def raw(graph):
        batches = raw_merge_batches(graph)
        return lambda: [store.run(q, {"rows": b}) for q, b in batches]

    try:
        if incremental_only:
            return incremental_embedded(store, table, raw(increment), first, second, n_inc)
        table.row("first load: graphtool import (bulk: GRAPH.BULK), parsing and schema included",
                  table.measure(lambda: import_paths(store, [full], progress=False, bulk=True), empty), n, 30_000)
        table.row("first load: graphtool import --no-bulk (MERGE), parsing included",
                  table.measure(lambda: import_paths(store, [full], progress=False, bulk=False), empty, runs=1), n,
                  runs=1)
        table.row("raw batched UNWIND ... MERGE of the same graph (no parsing)", table.measure(raw(staged), empty), n)
        table.row("GRAPH.BULK of the same graph alone (graphtool's writer, schema built first)",
                  table.measure(lambda: store.bulk_load(staged), store.wipe), n)
        table.row("GRAPH.BULK of the same graph alone, without the schema (no indexes, no full-text)",
                  table.measure(lambda: bulk_insert(store.db.connection.execute_command, store.graph_name,
                                                    staged.nodes, staged.rels), store.wipe), n)
        table.row("the archive adapter alone on the same file (reading, validating, records; no store; per entity it makes)",
                  table.measure(lambda: adapter_only(full)), n)
        tool = shutil.which("falkordb-bulk-insert", path=str(Path(sys.executable).parent))
        if tool:
            files = falkor_tool_csv(staged, workdir)
            command = [tool, "bulktool", "-u", f"unix://{EmbeddedServer(workdir / 'db').socket}", "-d", *files]

            def drop_tool_graph():
                store.db.connection.execute_command("DEL", "bulktool")

            table.row("falkordb-bulk-insert 1.2.0 on the same graph as CSV (its own tool; no schema)",
                      table.measure(lambda: subprocess.run(command, check=True, capture_output=True), drop_tool_graph),
                      n)
            drop_tool_graph()
        if incremental:
            incremental_embedded(store, table, raw(increment), first, second, n_inc)
        table.rows[0]["peak_mib"] = peak_rss_mib()
    finally:
        store.close()
        EmbeddedServer(workdir / "db").stop()
    return table.rows


def incremental_embedded(store, table: Table, raw, first: Path, second: Path, n_inc: int) -> list[dict]:
    """The two incremental rows: raw MERGE and the import of the second half into the first, alternating."""
    def preload():
        store.wipe()
        import_paths(store, [first], progress=False, bulk=True)

    raw_times, merge = table.measure_alternating([raw, lambda: import_paths(store, [second], progress=False)],
                                                 preload)
    table.row("raw batched UNWIND ... MERGE of the second half into the first (no parsing)", raw_times, n_inc)
    table.row("incremental: graphtool import of the second half into the first (MERGE), parsing included",
              merge, n_inc, 18_000, raw_times)
    return table.rows


def first_load_neo4j(tweets: int, runs: int, workdir: Path, incremental: bool = True,
                     incremental_only: bool = False) -> list[dict]:
    from graphtool.load.bulk_neo4j import admin_import, empty_lists, set_empty_lists
    from graphtool.testing import maven_server

    full, first, second = io_case(workdir, tweets)
    increment = staged_of([second]) if incremental else None
    table = Table("Neo4j 5.26 (Maven jars)", tweets, runs)
    made: dict = {}

    def prepare(home, lib):
        staged = made["staged"] = staged_of([full])
        made["home"] = home
        # each run replaces the database the last one created
        made["e2e"] = table.measure(lambda: admin_import(staged_of([full]), home, lib=lib, overwrite=True))
        made["tool"] = table.measure(lambda: admin_import(staged, home, lib=lib, overwrite=True))

    def note_home(home, lib):  # the incremental rows alone: the first half is MERGEd in by preload
        made["home"] = home

    with maven_server(prepare=note_home if incremental_only else prepare) as server:
        os.environ.update(server.env())
        store = open_store(server.uri)
        if incremental_only:
            table.servers = [p for p in [_pid_of(f"--home-dir={made['home']}")] if p]
            return incremental_neo4j(store, table, increment, first, second)
        staged = made["staged"]
        set_empty_lists(store, empty_lists(staged))
        n = len(staged)
        counts = store.counts()
        assert sum(counts["nodes"].values()) + sum(counts["relationships"].values()) == n, "neo4j-admin lost rows"
        table.row("first load: staged import + neo4j-admin database import full, parsing included", made["e2e"], n,
                  50_000)
        table.row("neo4j-admin of the same graph alone (its CSV written + the tool)", made["tool"], n)
        table.servers = [p for p in [_pid_of(f"--home-dir={made['home']}")] if p]
        if not incremental:
            store.close()
            return table.rows
        return incremental_neo4j(store, table, increment, first, second)


def incremental_neo4j(store, table: Table, increment, first: Path, second: Path) -> list[dict]:
    """The two incremental rows on Neo4j (raw MERGE and the import, alternating); closes ``store``."""
    def preload():
        store.clear()
        import_paths(store, [first], progress=False)

    batches, n_inc = raw_merge_batches(increment), len(increment)
    try:
        raw_times, merge = table.measure_alternating([lambda: [store.run(q, {"rows": b}) for q, b in batches],
                                                      lambda: import_paths(store, [second], progress=False)], preload)
    finally:
        store.close()
    table.row("raw batched UNWIND ... MERGE of the second half into the first (no parsing)", raw_times, n_inc)
    table.row("incremental: graphtool import of the second half into the first (MERGE), parsing included",
              merge, n_inc, 10_000, raw_times)
    return table.rows


def first_load_section(rows: list[dict], args) -> str:
    lines = [FIRST_SECTION, "",
             f"`python -m bench.ingest --first-load {args.first_load} --runs {args.runs} --stores {args.stores}"
             f"{' --first-only' if args.first_only else ''}{' --incremental-only' if args.incremental_only else ''}` on "
             f"{machine()}; load average {os.getloadavg()[0]:.1f} when it ended (a shared machine: CPU seconds are "
             "the measure, wall seconds are shown for the record). Input: IO-archive tweets files "
             "(`graphtool.synthetic.write_io_tweets`: hashed accounts, retweets, quotes, replies); entities = nodes + "
             "relationships of the resulting graph. CPU = this process + its tools (neo4j-admin, falkordb-bulk-insert) "
             "+ the database server (Neo4j's only for the MERGE rows: neo4j-admin runs with the server stopped); "
             "rates per wall second and per CPU second (on a machine this shared, the CPU rate is the one to "
             "trust; neo4j-admin's threads spend more CPU than wall). Medians of the runs shown; a first load starts from an empty store, an "
             "incremental one imports the file's second half into a store holding its first half. Raw MERGE and the "
             "bulk tools write the graph the import makes (staged in memory first, untimed), without parsing.", "",
             "| store | tweets | what | runs | wall s | CPU s | entities | entities/wall s | entities/CPU s | target |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        rate, wall_rate = r["entities"] / r["cpu"], r["entities"] / r["wall"]
        verdict = ""
        if r["target"]:
            verdict = (f"≥ {r['target']:,}/s: {'met' if wall_rate >= r['target'] else 'NOT met'} (wall), "
                       f"{'met' if rate >= r['target'] else 'NOT met'} (CPU)")
            if r["baseline"]:
                share = r["baseline"][1] / r["cpu"]
                verdict += f"; {share:.0%} of raw MERGE's rate (≥ 80%: {'met' if share >= 0.8 else 'NOT met'})"
        if r.get("peak_mib"):
            verdict += f"; peak memory of the process {r['peak_mib']:,.0f} MiB"
        lines.append(f"| {r['store']} | {r['tweets']:,} | {r['what']} | {r['runs']} | {r['wall']:.1f} | "
                     f"{r['cpu']:.1f} | {r['entities']:,} | {wall_rate:,.0f} | {rate:,.0f} | {verdict} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--write", action="store_true", help="replace this benchmark's section of docs/benchmarks.md")
    parser.add_argument("--parse", type=int, metavar="TWEETS",
                        help="only the archive adapter's parsing rate and the parameter text, on TWEETS tweets")
    parser.add_argument("--first-load", metavar="TWEETS", help="first loads (bulk) and incremental loads (MERGE) "
                        "of IO-archive files of TWEETS[,TWEETS...] rows, against raw MERGE and the bulk tools")
    parser.add_argument("--incremental-only", action="store_true",
                        help="with --first-load: only the incremental rows (raw MERGE and the import, MERGE)")
    parser.add_argument("--first-only", action="store_true",
                        help="with --first-load: the first-load rows only (no incremental loads)")
    args = parser.parse_args()
    if args.first_load:
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for tweets in (int(t) for t in args.first_load.split(",")):
                folder = Path(tmp) / str(tweets)
                folder.mkdir()
                if "embedded" in args.stores:
                    rows += first_load_embedded(tweets, args.runs, folder, args.incremental_only,
                                                incremental=not args.first_only)
                if "neo4j" in args.stores:
                    rows += first_load_neo4j(tweets, args.runs, folder, incremental=not args.first_only,
                                             incremental_only=args.incremental_only)
        text = first_load_section(rows, args)
        print(text)
        if args.write:
            write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", FIRST_SECTION, text)
        return
    if args.parse:
        with tempfile.TemporaryDirectory() as tmp:
            text = parse_section(parse_bench(args.parse, args.runs, Path(tmp)))
        print(text)
        if args.write:
            write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", PARSE_SECTION, text)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "embedded" in args.stores:
            from graphtool.store.embedded import EmbeddedServer

            try:
                results += bench_store("embedded FalkorDB", f"embedded:{tmp / 'db'}", sizes, args.runs, tmp)
            finally:
                EmbeddedServer(tmp / "db").stop()
        if "neo4j" in args.stores:
            from graphtool.testing import neo4j_server

            with neo4j_server() as server:
                os.environ.update(server.env())
                results += bench_store(f"Neo4j ({server.how})", server.uri, sizes, args.runs, tmp)
    lines = [SECTION, "", f"`python -m bench.ingest --sizes {args.sizes} --runs {args.runs}` on {machine()}; "
             f"load average {os.getloadavg()[0]:.1f} when it ended. Median of {args.runs} runs; each run imports the "
             "CSV files (validation included) into an empty store by batched MERGE (first loads by bulk: the next "
             "Ingest section). The naive baseline MERGEs the first 10^4 share "
             "rows one transaction per row, in the same run.", "",
             "| store | share rows | nodes/s | relationships/s | naive rels/s | batched / naive |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        naive = r.get("naive_rels_per_s")
        ratio = f"{r['rels_per_s'] / naive:,.0f}x" if naive else ""
        lines.append(f"| {r['store']} | {r['shares']:,} | {r['nodes_per_s']:,.0f} | {r['rels_per_s']:,.0f} | "
                     f"{f'{naive:,.0f}' if naive else ''} | {ratio} |")
    print("\n".join(lines))
    if args.write:
        write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
