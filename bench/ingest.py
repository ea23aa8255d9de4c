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
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import machine, median_time, write_section
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

        def load_nodes():
            import_paths(store, [folder / "Account.csv", folder / "Article.csv"], progress=False)

        def load_rels():
            import_paths(store, [folder / "SHARED.csv"], progress=False)

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
    cpus, walls, records = [], [], 0
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        records = sum(1 for _ in fmt_twitter_io.read(path))
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
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
    return {"tweets": tweets, "records": records, "cpu_s": statistics.median(cpus), "wall_s": statistics.median(walls),
            "encode": encode, "runs": runs}


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
        f"| parameter text of one 10^4-row share batch: falkordb client | 10,000 rows | {enc['client']:.3f} | | "
        f"{10_000 / enc['client']:,.0f} rows/s | |",
        f"| the same, graphtool (store/falkor_params.py) | 10,000 rows | {enc['graphtool']:.3f} | | "
        f"{10_000 / enc['graphtool']:,.0f} rows/s | {enc['client'] / enc['graphtool']:.1f}x the client |",
    ]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--write", action="store_true", help="replace this benchmark's section of docs/benchmarks.md")
    parser.add_argument("--parse", type=int, metavar="TWEETS",
                        help="only the archive adapter's parsing rate and the parameter text, on TWEETS tweets")
    args = parser.parse_args()
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
             "CSV files (validation included) into an empty store. The naive baseline MERGEs the first 10^4 share "
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
