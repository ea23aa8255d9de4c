"""Recovery time of the embedded store after ``kill -9`` of its server (issue 18 item 9).

    python -m bench.recovery [--sizes 10000,100000,1000000] [--baseline-max 10000] [--write]

For each size it imports synthetic shares (``bench.ingest.make_case``) into a fresh embedded
store with ``import_paths`` — which compacts the append-only log when it ends — kills the
server with SIGKILL, and times the next start (the log replay) until the store answers, then
checks that every row is back.  The baseline does the same without the compaction, i.e. a
server killed before its first log rewrite, which replays every query one by one; it runs
only up to ``--baseline-max`` shares, because that replay takes minutes.
"""
from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

from bench.common import machine, write_section
from bench.ingest import make_case
from graphtool.load import import_paths
from graphtool.store import open_store
from graphtool.store.embedded import EmbeddedServer

SECTION = "## Recovery: restart of the embedded store after kill -9"


def kill_and_restart(folder: Path) -> float:
    """SIGKILL the server, then the seconds until a new one answers."""
    server = EmbeddedServer(folder)
    pid = server.pid()
    os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.kill(pid, 0)
            time.sleep(0.01)
        except OSError:
            break
    start = time.perf_counter()
    server.start(timeout=3600)
    return time.perf_counter() - start


def one(workdir: Path, shares: int, compacted: bool) -> dict:
    data = workdir / f"case-{shares}"
    if not data.exists():
        make_case(data, shares)
    folder = workdir / f"db-{shares}-{'compacted' if compacted else 'log'}"
    store = open_store(f"embedded:{folder}")
    try:
        if not compacted:
            store.after_import = lambda written=None: None  # the baseline: killed before any log rewrite
        started = time.perf_counter()
        import_paths(store, [data], progress=False)
        imported_s = time.perf_counter() - started
        expected = store.counts()
        store.close()
        restart_s = kill_and_restart(folder)
        store = open_store(f"embedded:{folder}", start=False)
        assert store.counts() == expected, "rows lost in the restart"
        log_mib = sum(p.stat().st_size for p in (folder / "appendonlydir").iterdir()) / 2**20
        return {"shares": shares, "compacted": compacted, "import_s": imported_s, "restart_s": restart_s,
                "log_mib": log_mib}
    finally:
        store.close()
        EmbeddedServer(folder).stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--baseline-max", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="gt-recovery-") as tmp:
        for shares in sizes:
            results.append(one(Path(tmp), shares, compacted=True))
            if shares <= args.baseline_max:
                results.append(one(Path(tmp), shares, compacted=False))
    lines = [SECTION, "", f"`python -m bench.recovery --sizes {args.sizes} --baseline-max {args.baseline_max}` on "
             f"{machine()}; load average {os.getloadavg()[0]:.1f} when it ended. Each row: import into a fresh "
             "embedded store, `kill -9` of the server, time until the restarted server answers (all rows back).", "",
             "| share rows | log at kill | import s | restart s | log on disk MiB |", "|---:|---|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['shares']:,} | {'compacted by the import' if r['compacted'] else 'never compacted'} | "
                     f"{r['import_s']:.1f} | {r['restart_s']:.2f} | {r['log_mib']:.1f} |")
    print("\n".join(lines))
    if args.write:
        write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
