"""Scheduled import end to end: rows/s and peak memory for an IO-archive tweets file, on both stores.

    python -m bench.import_run [--sizes 100000,1000000] [--runs 3] [--big-runs 1] [--stores embedded,neo4j]

For each size it writes a synthetic information-operations tweets file (``graphtool.synthetic``:
20% originals, 60% retweets, 10% quotes, 10% replies) and, into an empty store each time,
times as subprocesses, side by side in the same run:

- ``graphtool schedule run MANIFEST`` (the scheduler: fingerprint, lock, run log, stream), and
- the baseline ``graphtool import FILE --format twitter_io`` (the same adapter and writer, no
  scheduler),

reporting tweets per second and the peak RSS of the graphtool process (``os.wait4``; the
store's own server is another process), then the time of a second, unchanged ``schedule run``
(fingerprints only).  Sizes of 10^6 and above run ``--big-runs`` times (default once: minutes
per run on a 2-core machine) and without the baseline unless ``--big-baseline``; smaller ones
``--runs`` times, median reported.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.common import machine
from graphtool.store import open_store
from graphtool.synthetic import write_io_tweets

BIG = 1_000_000


def timed(args: list[str], env: dict) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, CPU seconds user + system) of one graphtool subprocess."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block the child
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "graphtool", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            errors.seek(0)
            raise RuntimeError(f"graphtool {' '.join(args)} exited {code}: {errors.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def fresh(url: str) -> None:
    store = open_store(url)
    store.wipe()
    store.ensure_schema()
    store.close()


def bench_store(name: str, url: str, env: dict, data: Path, tweets: int, runs: int, baseline: bool = True) -> dict:
    manifest = data.parent / f"{data.stem}.toml"
    manifest.write_text(f'[[source]]\npath = "{data.name}"\nformat = "twitter_io"\n', encoding="utf-8")
    sched, base, unchanged = [], [], []
    for _ in range(runs):
        fresh(url)
        sched.append(timed(["--store", url, "schedule", "run", str(manifest)], env))
        unchanged.append(timed(["--store", url, "schedule", "run", str(manifest)], env))
        if baseline:
            fresh(url)
            base.append(timed(["--store", url, "import", str(data), "--format", "twitter_io"], env))
    base = base or [(float("nan"), float("nan"), float("nan"))]
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    row = {"store": name, "tweets": tweets, "runs": runs,
           "schedule_s": med(sched, 0), "schedule_rss": max(x[1] for x in sched),
           "import_s": med(base, 0), "import_rss": max(x[1] for x in base),
           "unchanged_s": med(unchanged, 0), "unchanged_rss": max(x[1] for x in unchanged),
           "schedule_cpu": med(sched, 2), "import_cpu": med(base, 2)}
    print(f"  {name:8} {tweets:>9,} tweets  schedule {row['schedule_s']:8.1f}s "
          f"({tweets / row['schedule_s']:8,.0f}/s, cpu {row['schedule_cpu']:.0f}s, peak {row['schedule_rss']:6.0f} MiB)  "
          f"import {row['import_s']:8.1f}s ({tweets / row['import_s']:8,.0f}/s, cpu {row['import_cpu']:.0f}s, "
          f"peak {row['import_rss']:6.0f} MiB)  "
          f"ratio {row['import_s'] / row['schedule_s']:.2f}  unchanged rerun {row['unchanged_s']:.1f}s "
          f"(peak {row['unchanged_rss']:.0f} MiB)", flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-runs", type=int, default=1)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--big-baseline", action="store_true",
                        help="also time the baseline import at 10^6 (the ratio is measured at the smaller sizes)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    print(f"machine: {machine()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="graphtool-bench-import-run-") as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        targets = []
        if "embedded" in stores:
            from graphtool.store.embedded import EmbeddedServer

            stack.callback(EmbeddedServer(tmp / "embedded").stop)  # also when a run fails
            targets.append(("embedded", f"embedded:{tmp / 'embedded'}", dict(os.environ)))
        if "neo4j" in stores:
            from graphtool.testing import neo4j_server

            server = stack.enter_context(neo4j_server())
            os.environ.update(server.env())  # for this process's own wipes, and the subprocesses
            targets.append(("neo4j", server.uri, dict(os.environ)))
        for tweets in sizes:
            data = write_io_tweets(tmp / f"io_{tweets}_tweets_csv_hashed.csv", tweets, seed=11)
            mib = data.stat().st_size / 2**20
            print(f"{tweets:,} tweets ({mib:,.0f} MiB of CSV):", flush=True)
            for name, url, env in targets:
                big = tweets >= BIG
                rows.append(bench_store(name, url, env, data, tweets, args.big_runs if big else args.runs,
                                        baseline=args.big_baseline or not big))
            data.unlink()
    print("\n| store | tweets | runs | schedule run: wall s (tweets/s), CPU s | peak RSS | "
          "baseline import: wall s (tweets/s), CPU s | peak RSS | import/schedule wall | unchanged rerun |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['store']} | {r['tweets']:,} | {r['runs']} | {r['schedule_s']:.1f} "
              f"({r['tweets'] / r['schedule_s']:,.0f}), {r['schedule_cpu']:.0f} | {r['schedule_rss']:.0f} MiB "
              f"| {r['import_s']:.1f} ({r['tweets'] / r['import_s']:,.0f}), {r['import_cpu']:.0f} "
              f"| {r['import_rss']:.0f} MiB | {r['import_s'] / r['schedule_s']:.2f} | {r['unchanged_s']:.1f} s |")


if __name__ == "__main__":
    main()
