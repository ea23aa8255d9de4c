"""Coordination networks, every path: the engine alone, the QUT toolkit, and graphtool's store path.

    python -m bench.coordination [--sizes 100000,1000000] [--kinds co-share,co-link,...] [--runs 3]
                                 [--qut-timeout 900] [--large-runs 1] [--out docs/benchmarks.md]

Inputs are REAL data replicated in time, in QUT's CSV format.  The 35,125 real retweets of the
CooRTweet sample (9,509 accounts, 7,285 tweets, 225 days) are copied as often as the size needs;
copy ``k`` is shifted by ``k mod 60`` times (the sample's span + one day) and renames every
account, tweet and message id with a ``.k`` suffix, so each copy keeps the sample's real rhythm,
hubs and bursts.  (Copies past the 60th share a time slot with an earlier copy but no account or
item: 60 slots end in 2058, and times from 2100 on are rejected as impossible, as they were for
most of a 10^7 input shifted without the wrap.)  The co-share file holds them as reposts (``repost_id`` = the tweet).  For the other
kinds one message file carries each real share as a message whose reply target (co-reply), link
(co-link: an anonymised numeric link id, as CooRTweet's ``url_id``) and text (co-text,
co-similar-text) stand for the shared tweet: the text is eight words drawn from the tweet's id,
and one message in four changes its last word (Jaccard 7/9 < 0.8: not a near-duplicate).

Three paths per kind, each in fresh processes, from the same file to the directed edge list:
``engine`` (:func:`~graphtool.analyze.coordination_files.read_file_actions` + ``co_actions``, what
``graphtool coordination FILE`` runs), ``qut`` (QUT 1.5.2 from PyPI: ``preprocess_csv_files`` +
``compute_*`` with n_threads = cores) and ``store`` (``graphtool import`` into a fresh embedded
FalkorDB, once per file, then ``graphtool coordination --kind K``, which writes COORDINATED_WITH
and the groups back).  CPU time is user + system of the process tree, plus the FalkorDB
server's for the store path; memory is the peak resident set of the tree (plus the server's).
Edge sets are compared without self-loops (QUT 1.5.2 gives every account a loop).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "coordination" / "russian_coord_tweets.csv"
QUT_HEADER = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
SECTION = "## Coordination networks: engine, store path and the QUT toolkit"
OLD_SECTION = "## Coordination networks (co-share) vs the QUT toolkit"
KINDS = ("co-share", "co-link", "co-text", "co-similar-text", "co-reply")
WINDOW_S = 10.0  # the real sample's check (both peers' 1,092 pairs)
SIMILARITY = 0.8
QUT_COMPUTE = {"co-share": ("compute_co_retweet_parallel", "co_retweet_network", {}),
               "co-link": ("compute_co_link_network", "co_link_network", {}),
               "co-text": ("compute_co_tweet_network", "co_tweet_network", {}),
               "co-similar-text": ("compute_co_similar_tweet", "co_similar_tweet_network",
                                   {"similarity_threshold": SIMILARITY}),
               "co-reply": ("compute_co_reply_network", "co_reply_network", {})}


# --------------------------------------------------------------------------- inputs

def real_rows() -> list[tuple[str, str, str, float]]:
    """(message id, account, tweet, time) of the real sample, in file order."""
    with REAL.open(newline="") as handle:
        return [(r["content_id"], r["account_id"], r["object_id"], float(r["timestamp_share"]))
                for r in csv.DictReader(handle)]


def replicated(n: int):
    """The first ``n`` rows of the real sample copied in time (see the module docstring)."""
    rows = real_rows()
    times = [r[3] for r in rows]
    shift = max(times) - min(times) + 86400
    slots = 60  # time slots before the copies wrap: the last one ends before 2100 (see the module docstring)
    k = 0
    while True:
        for mid, account, item, ts in rows:
            if n <= 0:
                return
            n -= 1
            yield f"{mid}.{k}", f"{account}.{k}", f"{item}.{k}", ts + (k % slots) * shift
        k += 1


def text_of(item: str, message: str) -> str:
    words = random.Random(zlib.crc32(item.encode())).sample(range(5000), 8)
    text = [f"w{w}" for w in words]
    vary = zlib.crc32(message.encode())
    if vary % 4 == 0:
        text[-1] = f"v{vary % 100_000}"
    return " ".join(text)


def write_inputs(n: int, shares: Path, messages: Path) -> None:
    link_ids: dict[str, int] = {}
    with shares.open("w", newline="") as s, messages.open("w", newline="") as m:
        ws, wm = csv.writer(s), csv.writer(m)
        ws.writerow(QUT_HEADER)
        wm.writerow(QUT_HEADER)
        for mid, account, item, ts in replicated(n):
            ws.writerow([mid, account, "", item, "", "", ts, ""])
            link = link_ids.setdefault(item, 10_000 + len(link_ids))
            wm.writerow([mid, account, "", "", item, text_of(item, mid), ts, link])


# --------------------------------------------------------------------------- workers (one process per run)

def run_engine(csv_path: str, kind: str, edges_out: str) -> None:
    from graphtool.analyze.coordination import co_actions
    from graphtool.analyze.coordination_files import read_file_actions

    actions = read_file_actions([Path(csv_path)], kind, "qut")
    edges = co_actions(actions.columns, WINDOW_S, kind=kind, similarity=SIMILARITY).edges(self_loops=False)
    with open(edges_out, "wb") as handle:
        pickle.dump(edges, handle)


def run_qut(csv_path: str, kind: str, edges_out: str) -> None:
    import contextlib
    import io
    import sqlite3

    from coordination_network_toolkit import compute_networks, preprocess

    function, table, extra = QUT_COMPUTE[kind]
    db = str(Path(edges_out).with_suffix(".db"))
    with contextlib.redirect_stdout(io.StringIO()):
        preprocess.preprocess_csv_files(db, [csv_path])
        getattr(compute_networks, function)(db, WINDOW_S, n_threads=os.cpu_count() or 2, min_edge_weight=1,
                                            **extra)
    con = sqlite3.connect(db)
    edges = {(a, b): w for a, b, w in con.execute(f"select user_1, user_2, weight from {table} "
                                                  "where user_1 != user_2")}
    con.close()
    Path(db).unlink(missing_ok=True)
    with open(edges_out, "wb") as handle:
        pickle.dump(edges, handle)


def qut_edges_file(path: Path) -> dict:
    """graphtool's ``--out-format qut`` table (store ids ``x:handle``) as the other workers' edges."""
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return {(a.split(":", 1)[1], b.split(":", 1)[1]): int(w) for a, b, w in reader if a != b}


# --------------------------------------------------------------------------- measuring

def server_process(store_dir: Path):
    import psutil

    from graphtool.store.embedded import EmbeddedServer

    pid = EmbeddedServer(store_dir).pid()
    return psutil.Process(pid) if pid else None


def measure(cmd: list[str], timeout: float, server=None) -> dict:
    """Run ``cmd`` in a fresh process: wall, CPU (tree + server), peak RSS (tree + server; and each alone)."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = sum(server.cpu_times()[:2]) if server else 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_tree = peak_server = 0
    stop = threading.Event()

    def sample():
        nonlocal peak, peak_tree, peak_server
        try:
            top = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                tree = sum(p.memory_info().rss for p in [top, *top.children(recursive=True)] if p.is_running())
                alone = server.memory_info().rss if server else 0
                peak, peak_tree, peak_server = max(peak, tree + alone), max(peak_tree, tree), max(peak_server, alone)
            except psutil.Error:
                pass
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        _, err = proc.communicate()
        timed_out = True
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the whole tree, once reaped
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server_cpu = sum(server.cpu_times()[:2]) - server_before if server else 0.0
    cpu += server_cpu
    if not timed_out and proc.returncode not in (0, 1):  # 1: an import that rejected rows
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.decode(errors='replace')[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": cpu, "server_cpu_seconds": server_cpu, "peak_mib": peak / 2**20,
            "peak_tree_mib": peak_tree / 2**20, "peak_server_mib": peak_server / 2**20, "timed_out": timed_out}


def summary(results: list[dict]) -> dict:
    done = [r for r in results if not r["timed_out"]] or results
    return {"runs": len(results), "timed_out": any(r["timed_out"] for r in results),
            "seconds": statistics.median(r["seconds"] for r in done),
            "all_seconds": [round(r["seconds"], 2) for r in results],
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in done),
            "all_cpu_seconds": [round(r["cpu_seconds"], 2) for r in results],
            "server_cpu_seconds": statistics.median(r.get("server_cpu_seconds", 0.0) for r in done),
            "peak_mib": max(r["peak_mib"] for r in results),
            "peak_tree_mib": max(r.get("peak_tree_mib", 0) for r in results),
            "peak_server_mib": max(r.get("peak_server_mib", 0) for r in results)}


def worker(tool: str, path: Path, kind: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "bench.coordination", "--worker", tool, str(path), kind, str(out)]


def graphtool_cmd(store_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "graphtool", "--store", f"embedded:{store_dir}", *args]


def bench(sizes: list[int], kinds: list[str], runs: int, large_runs: int, qut_timeout: float,
          tools: list[str], keep: Path | None = None, large_kinds: list[str] | None = None,
          progress: Path | None = None) -> list[dict]:
    from graphtool.store.embedded import EmbeddedServer

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = keep or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            k_runs = runs if n < 500_000 else large_runs
            shares, messages = tmp / f"shares-{n}.csv", tmp / f"messages-{n}.csv"
            if not (keep and shares.exists() and messages.exists()):
                write_inputs(n, shares, messages)
            imports: dict[Path, dict] = {}
            for kind in (large_kinds or kinds) if n >= 500_000 else kinds:
                path = shares if kind == "co-share" else messages
                row = {"kind": kind, "actions": n, "window_s": WINDOW_S}
                edges = {}
                for tool in ("engine", "qut"):
                    if tool not in tools:
                        continue
                    out = tmp / f"{tool}-{kind}-{n}.pkl"
                    results = [measure(worker(tool, path, kind, out), qut_timeout) for _ in range(k_runs)]
                    row[tool] = summary(results)
                    if not row[tool]["timed_out"]:
                        with out.open("rb") as handle:
                            edges[tool] = pickle.load(handle)
                    print(f"10^{len(str(n)) - 1} {kind}: {tool} {row[tool]}", flush=True)
                if "store" in tools:
                    store_dir = tmp / f"store-{path.stem}"
                    done = tmp / f"import-{path.stem}.json"  # with --keep: the store is imported once
                    if path not in imports and keep and done.exists():
                        imports[path] = {**json.loads(done.read_text()), "reused": True}
                    if path not in imports:
                        subprocess.run(graphtool_cmd(store_dir, "stats"), cwd=ROOT, capture_output=True)
                        imports[path] = summary([measure(graphtool_cmd(store_dir, "import", "--format", "qut",
                                                                       str(path)), 3600, server_process(store_dir))])
                        done.write_text(json.dumps(imports[path]))
                        print(f"10^{len(str(n)) - 1} import {path.name}: {imports[path]}", flush=True)
                    row["import"] = imports[path]
                    # the server started first: a run that starts it would count neither its CPU nor its start
                    subprocess.run(graphtool_cmd(store_dir, "stats"), cwd=ROOT, capture_output=True)
                    out = tmp / f"store-{kind}-{n}.csv"
                    cmd = graphtool_cmd(store_dir, "coordination", "--kind", kind, "--window", str(WINDOW_S),
                                        "--similarity", str(SIMILARITY), "--out", str(out), "--out-format", "qut")
                    row["store"] = summary([measure(cmd, 3600, server_process(store_dir)) for _ in range(k_runs)])
                    edges["store"] = qut_edges_file(out)
                    print(f"10^{len(str(n)) - 1} {kind}: store {row['store']}", flush=True)
                row["edges"] = len(edges.get("engine", edges.get("store", {})))
                row["identical_qut"] = edges["engine"] == edges["qut"] if {"engine", "qut"} <= set(edges) else None
                row["identical_store"] = (edges["engine"] == edges["store"] if {"engine", "store"} <= set(edges)
                                          else None)
                rows.append(row)
                if progress:  # the rows so far, should a long run be stopped
                    progress.write_text(json.dumps({"rows": rows, "load": "%.1f, %.1f, %.1f" % os.getloadavg()}))
            if not keep:
                for path in (shares, messages):
                    EmbeddedServer(tmp / f"store-{path.stem}").stop()
    return rows


# --------------------------------------------------------------------------- the table

def ratio(a: dict | None, b: dict | None, key: str) -> str:
    if not a or not b or b.get("timed_out") or a.get("timed_out"):
        return "n/a"
    return f"{a[key] / b[key]:.1f}x"


def cell(t: dict | None) -> str:
    if not t:
        return "—"
    stopped = " (stopped)" if t["timed_out"] else ""
    return f"{t['seconds']:.1f} / {t['cpu_seconds']:.1f}{stopped}"


def markdown(rows: list[dict], machine_line: str, load: str, notes: list[str]) -> str:
    lines = [SECTION, "",
             "`python -m bench.coordination` — the same QUT-format CSV file through three paths, each in fresh "
             "processes, to the directed edge list (10 s window, min weight 1, similarity 0.8): **engine** = "
             "what `graphtool coordination FILE` computes, in the bench's worker process "
             "(`read_file_actions` + `co_actions`; no CLI start-up), **QUT** = coordination-network-toolkit 1.5.2 "
             "(preprocess + compute, n_threads = cores), **store** = `graphtool coordination --kind K` on an "
             "embedded FalkorDB the file was imported into (reads the actions, computes, finds components and "
             "Louvain communities, writes COORDINATED_WITH and the groups back; the server's CPU and memory "
             "included). Inputs: the 35,125 real retweets of the CooRTweet sample replicated in time (copies "
             "shifted by the sample's span + 1 day, wrapping after 60 slots, accounts/items/messages renamed per copy): reposts for "
             "co-share; for the other kinds each real share as a message whose reply target, anonymised link id "
             "and 8-word text stand for the shared tweet (one message in four changes a word). Cells are wall / "
             "CPU seconds (median of the runs; CPU = user + system of the process tree); peak = resident set. "
             "Edges compared without self-loops (QUT 1.5.2 gives every account one).",
             "", f"Machine: {machine_line}. Load average at the start of the run: {load}; other engineers were "
             "running tests and benchmarks on the same 2 cores, so wall times carry their load; CPU times less so.",
             "", "| actions | kind | directed edges | engine wall / CPU s | QUT wall / CPU s | engine vs QUT wall, CPU "
             "| store coordination wall / CPU s | store / engine wall, CPU | peak MiB engine / QUT / store | "
             "import wall / CPU s | identical edges (QUT, store) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        e, q, s, i = r.get("engine"), r.get("qut"), r.get("store"), r.get("import")
        peaks = " / ".join(f"{t['peak_mib']:.0f}" if t else "—" for t in (e, q, s))
        ident = ", ".join("—" if v is None else ("yes" if v else "**NO**")
                          for v in (r["identical_qut"], r["identical_store"]))
        lines.append(f"| {r['actions']:,} | {r['kind']} | {r['edges']:,} | {cell(e)} | {cell(q)} | "
                     f"{ratio(q, e, 'seconds')}, {ratio(q, e, 'cpu_seconds')} | {cell(s)} | "
                     f"{ratio(s, e, 'seconds')}, {ratio(s, e, 'cpu_seconds')} | {peaks} | {cell(i)} | {ident} |")
    lines += [""] + notes + ["", per_run(rows, "Wall", "all_seconds", ("engine", "qut", "store")), ""]
    return "\n".join(lines)


def per_run(rows: list[dict], what: str, key: str, tools: tuple[str, ...]) -> str:
    """One line with every run's value of ``key`` (a median hides the spread)."""
    return f"{what} seconds of every run: " + "; ".join(
        f"10^{len(str(r['actions'])) - 1} {r['kind']}: " + ", ".join(
            f"{t} {r[t].get(key, '?')}" for t in tools if r.get(t)) for r in rows)


STORE_SECTION = "### Store path against the engine alone"


def store_markdown(rows: list[dict], machine_line: str, load: str, notes: list[str]) -> str:
    """The store path next to the engine (``--tools engine,store``): its own run, its own table."""
    lines = [STORE_SECTION, "",
             "`python -m bench.coordination --tools engine,store` — the same inputs; **engine** = `graphtool "
             "coordination FILE`'s work as above (its worker: the read and co_actions, without the CLI's start-up), **store** = `graphtool coordination --kind K --out FILE --out-format qut` "
             "on the embedded store the file was imported into (read, network, components and Louvain communities, "
             "group summaries, COORDINATED_WITH and the groups written back). CPU = the command's process tree "
             "plus the FalkorDB server's CPU during the command (its share in brackets); peak = resident set of the "
             "tree plus the server. Medians of the runs.",
             "", f"Machine: {machine_line}. Load average at the start of the run: {load} (2 cores shared with other "
             "engineers' work: read CPU, not wall).",
             "", "| actions | kind | directed edges | engine wall / CPU s | store wall / CPU s (server) | "
             "store / engine wall, CPU | peak MiB engine / store | identical edges |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        e, st = r.get("engine"), r.get("store")
        server = f" ({st['server_cpu_seconds']:.1f})" if st and "server_cpu_seconds" in st else ""
        peaks = " / ".join(f"{t['peak_mib']:.0f}" if t else "—" for t in (e, st))
        ident = "—" if r["identical_store"] is None else ("yes" if r["identical_store"] else "**NO**")
        lines.append(f"| {r['actions']:,} | {r['kind']} | {r['edges']:,} | {cell(e)} | {cell(st)}{server} | "
                     f"{ratio(st, e, 'seconds')}, {ratio(st, e, 'cpu_seconds')} | {peaks} | {ident} |")
    lines += [""] + [line for note in notes for line in (note, "")] + [
        per_run(rows, "CPU", "all_cpu_seconds", ("engine", "store")), ""]
    return "\n".join(lines)


def write_store_section(path: Path, text: str) -> None:
    """Put the store table into the coordination section (after its other table), replacing an older one."""
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(SECTION, 1)
    end = rest.find("\n## ")
    section, tail = (rest, "") if end < 0 else (rest[:end + 1], rest[end + 1:])
    if STORE_SECTION in section:
        section = section.split(STORE_SECTION, 1)[0]
    section = section.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(head + SECTION + section + ("\n" + tail if tail else ""), encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        tool, csv_path, kind, out = sys.argv[2:6]
        (run_engine if tool == "engine" else run_qut)(csv_path, kind, out)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--large-kinds", help="kinds at 5*10^5 actions and above (default: --kinds)")
    parser.add_argument("--tools", default="engine,qut,store")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool below 5*10^5 actions")
    parser.add_argument("--large-runs", type=int, default=1, help="runs per tool at 5*10^5 actions and above")
    parser.add_argument("--qut-timeout", type=float, default=900.0, help="seconds before a run is stopped")
    parser.add_argument("--out", type=Path, help="write the section into this file (docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, help="also write the raw results here (merged with what is there)")
    parser.add_argument("--from-json", type=Path, help="only write the table from these raw results")
    parser.add_argument("--note", action="append", default=[], help="a line under the table")
    parser.add_argument("--keep", type=Path, help="keep inputs and imported stores in this folder and reuse them "
                                                  "(an import at 10^6 takes minutes)")
    args = parser.parse_args()
    from bench.common import as_installed, machine, write_section

    as_installed(ROOT)  # every timed command (engine worker, CLI) loads bytecode, as an installed graphtool does
    load = "%.1f, %.1f, %.1f" % os.getloadavg()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        rows, load = saved["rows"], saved["load"]
    else:
        rows = bench([int(s) for s in args.sizes.split(",")], args.kinds.split(","), args.runs, args.large_runs,
                     args.qut_timeout, args.tools.split(","), args.keep,
                     args.large_kinds.split(",") if args.large_kinds else None,
                     args.json.with_suffix(".partial.json") if args.json else None)
    if args.json:
        old = json.loads(args.json.read_text())["rows"] if args.json.exists() else []
        keep = [r for r in old if (r["actions"], r["kind"]) not in {(x["actions"], x["kind"]) for x in rows}]
        args.json.write_text(json.dumps({"rows": keep + rows, "load": load}, indent=1))
    if "qut" not in args.tools.split(","):
        text = store_markdown(rows, machine(), load, args.note)
        print(text)
        if args.out:
            write_store_section(args.out, text)
        return
    text = markdown(rows, machine(), load, args.note)
    print(text)
    if args.out:
        # the co-share-only table this one replaces is overwritten where it stood
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        write_section(args.out, OLD_SECTION if OLD_SECTION in old else SECTION, text)


if __name__ == "__main__":
    main()
