"""Co-share (co-retweet) networks: graphtool's sort-and-sweep against the QUT toolkit, same input.

    python -m bench.coordination [--sizes real,100000,1000000] [--runs 3] [--qut-timeout 600]
                                 [--qut-runs-large 3] [--out docs/benchmarks.md]

Inputs, all in QUT's CSV format: the 35,125 real retweets of the CooRTweet sample (10 s
window, the issue's check) and synthetic shares (60 s window): accounts with log-normal
activity, tweets with log-normal popularity shared over the hours after they appear, and
planted rings of 5 accounts retweeting within 30 s.  Each tool runs in a fresh process,
from the CSV file to the directed edge list, with its peak memory (the process tree's
resident set, sampled every 20 ms) and wall time; QUT 1.5.2 from PyPI runs with
``n_threads=2`` (the machine's cores), preprocessing included, as its CLI would.  Edge
sets are compared without self-loops, because QUT 1.5.2 still matches each message with
itself (every account gets a loop); between two accounts that bug changes nothing.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "coordination" / "russian_coord_tweets.csv"
QUT_HEADER = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
SECTION = "## Coordination networks (co-share) vs the QUT toolkit"


# --------------------------------------------------------------------------- inputs

def write_real(path: Path) -> int:
    """The CooRTweet sample in QUT's format: repost_id = object_id, message_id = content_id."""
    with REAL.open(newline="") as src, path.open("w", newline="") as dst:
        w = csv.writer(dst)
        w.writerow(QUT_HEADER)
        n = 0
        for r in csv.DictReader(src):
            w.writerow([r["content_id"], r["account_id"], "", r["object_id"], "", "", r["timestamp_share"], ""])
            n += 1
    return n


def write_synthetic(path: Path, shares: int, seed: int = 11) -> int:
    """``shares`` retweets in QUT's format (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_accounts, n_items = max(50, shares // 10), max(20, shares // 5)
    activity = rng.lognormal(0, 1.0, n_accounts)
    popularity = rng.lognormal(0, 1.0, n_items)
    posted = rng.integers(1_600_000_000, 1_600_000_000 + 30 * 86400, n_items)
    planted = shares // 100
    organic = shares - planted
    account = rng.choice(n_accounts, organic, p=activity / activity.sum())
    item = rng.choice(n_items, organic, p=popularity / popularity.sum())
    at = posted[item] + 60 + rng.exponential(6 * 3600, organic).astype(np.int64)
    # rings of 5 accounts retweeting one tweet within 30 s
    rings = planted // 5
    n_groups = max(rings // 20, 1)  # each ring acts ~20 times
    ring_accounts = np.array([rng.choice(n_accounts, 5, replace=False) for _ in range(n_groups)])
    ring_of = rng.integers(0, n_groups, rings)
    ring_item = rng.choice(n_items, rings)
    ring_at = posted[ring_item] + rng.integers(60, 7200, rings)
    account = np.concatenate([account, ring_accounts[ring_of].ravel()])
    item = np.concatenate([item, np.repeat(ring_item, 5)])
    at = np.concatenate([at, np.repeat(ring_at, 5) + rng.integers(0, 31, rings * 5)])
    order = rng.permutation(len(account))
    with path.open("w", newline="") as dst:
        w = csv.writer(dst)
        w.writerow(QUT_HEADER)
        for k, (a, i, t) in enumerate(zip(account[order].tolist(), item[order].tolist(), at[order].tolist())):
            w.writerow([f"m{k}", f"u{a}", "", f"t{i}", "", "", t, ""])
    return len(account)


# --------------------------------------------------------------------------- workers (one process per run)

def run_graphtool(csv_path: str, window: float, edges_out: str) -> None:
    """CSV -> columns of the co-share actions (QUT's rules: first row of a message id wins,
    reposts only) -> :func:`co_actions`, the engine's fast path for large inputs."""
    from graphtool.analyze.coordination import ActionColumns, co_actions

    seen: set[str] = set()
    account, item, ts, ids = [], [], [], []
    add_seen, add_account, add_item, add_ts, add_id = seen.add, account.append, item.append, ts.append, ids.append
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for message_id, user_id, _, repost_id, _, _, timestamp, _ in reader:
            if message_id in seen:
                continue
            add_seen(message_id)
            if repost_id:
                add_account(user_id), add_item(repost_id), add_ts(float(timestamp)), add_id(message_id)
    edges = co_actions(ActionColumns(account, item, ts, ids), window, kind="co-share").edges(self_loops=False)
    with open(edges_out, "wb") as handle:
        pickle.dump(edges, handle)


def run_qut(csv_path: str, window: float, edges_out: str) -> None:
    import contextlib
    import io
    import sqlite3

    from coordination_network_toolkit import compute_networks, preprocess

    db = str(Path(edges_out).with_suffix(".db"))
    with contextlib.redirect_stdout(io.StringIO()):
        preprocess.preprocess_csv_files(db, [csv_path])
        compute_networks.compute_co_retweet_parallel(db, window, n_threads=os.cpu_count() or 2, min_edge_weight=1)
    con = sqlite3.connect(db)
    edges = {(a, b): w for a, b, w in con.execute("select user_1, user_2, weight from co_retweet_network "
                                                  "where user_1 != user_2")}
    con.close()
    Path(db).unlink(missing_ok=True)
    with open(edges_out, "wb") as handle:
        pickle.dump(edges, handle)


def measure(tool: str, csv_path: Path, window: float, edges_out: Path, timeout: float) -> dict:
    """Run one tool in a fresh process; wall time, peak RSS of its process tree, its edges."""
    import psutil

    import resource

    cmd = [sys.executable, "-m", "bench.coordination", "--worker", tool, str(csv_path), str(window), str(edges_out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        try:
            top = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                tree = [top, *top.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=timeout)
        seconds = time.perf_counter() - start
        timed_out = False
    except subprocess.TimeoutExpired:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        _, err = proc.communicate()
        seconds, timed_out = time.perf_counter() - start, True
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the whole tree, once reaped
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not timed_out and proc.returncode != 0:
        raise RuntimeError(f"{tool} failed: {err.decode(errors='replace')[-2000:]}")
    edges = None
    if not timed_out:
        with edges_out.open("rb") as handle:
            edges = pickle.load(handle)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak / 2**20, "edges": edges,
            "timed_out": timed_out}


# --------------------------------------------------------------------------- the benchmark

def bench(sizes: list[str], runs: int, qut_timeout: float, qut_runs_large: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for size in sizes:
            path = tmp / f"{size}.csv"
            if size == "real":
                n, window, label = write_real(path), 10.0, "35k real retweets (CooRTweet sample)"
            else:
                n, window = write_synthetic(path, int(size)), 60.0
                label = f"synthetic 10^{len(str(int(size))) - 1} shares"
            row = {"input": label, "shares": n, "window_s": window}
            for tool, k in (("graphtool", runs), ("qut", runs if n < 500_000 else qut_runs_large)):
                results = [measure(tool, path, window, tmp / f"{tool}-{size}-{r}.pkl", qut_timeout)
                           for r in range(k)]
                done = [r for r in results if not r["timed_out"]]
                row[tool] = {"runs": k, "timed_out": len(done) < k,
                             "seconds": statistics.median(r["seconds"] for r in (done or results)),
                             "all_seconds": [round(r["seconds"], 2) for r in results],
                             "cpu_seconds": statistics.median(r["cpu_seconds"] for r in (done or results)),
                             "peak_mib": max(r["peak_mib"] for r in results),
                             "edges": len(done[0]["edges"]) if done else None}
                row[f"_{tool}_edges"] = done[0]["edges"] if done else None
                t = row[tool]
                print(f"{label}: {tool} {t['all_seconds']} s, cpu {t['cpu_seconds']:.1f} s, "
                      f"peak {t['peak_mib']:.0f} MiB, {t['edges']} edges" + (" (timed out)" if t["timed_out"] else ""),
                      flush=True)
            ours, theirs = row.pop("_graphtool_edges"), row.pop("_qut_edges")
            row["identical"] = None if theirs is None else ours == theirs
            rows.append(row)
    return rows


def extrapolate(rows: list[dict]) -> None:
    """For a QUT run that timed out: a power law through QUT's two largest finished synthetic runs."""
    done = [r for r in rows if r["input"].startswith("synthetic") and not r["qut"]["timed_out"]]
    for r in rows:
        if r["qut"]["timed_out"] and len(done) >= 2:
            (a, b) = sorted(done, key=lambda x: x["shares"])[-2:]
            k = np.log(b["qut"]["seconds"] / a["qut"]["seconds"]) / np.log(b["shares"] / a["shares"])
            r["qut"]["extrapolated_seconds"] = b["qut"]["seconds"] * (r["shares"] / b["shares"]) ** k
            r["qut"]["exponent"] = float(k)


def markdown(rows: list[dict], machine_line: str) -> str:
    lines = [SECTION, "",
             "`python -m bench.coordination` — co-share networks from the same QUT-format CSV file by both tools, "
             "from the file to the directed edge list (QUT: `preprocess_csv_files` + `compute_co_retweet_parallel`, "
             "n_threads = cores; graphtool: CSV -> `ActionColumns` -> `co_actions()`), each run in a fresh process. "
             "Wall time is the median of the runs listed; CPU time (user + system of the whole process tree) is "
             "given too because the machine is shared and wall time moves with its load; memory is the peak "
             "resident set of the process tree. Edge sets are compared without self-loops (QUT 1.5.2 gives every "
             "account a loop: it matches each message with itself); they must be identical, weights included.",
             "", f"Machine: {machine_line}.", "",
             "| input | shares | window | graphtool wall | QUT 1.5.2 wall | speed-up (wall) | CPU s graphtool / QUT | "
             "speed-up (CPU) | peak MiB graphtool / QUT | directed edges | identical |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        g, q = r["graphtool"], r["qut"]
        if q["timed_out"]:
            est = q.get("extrapolated_seconds")
            qcell = f"> {q['seconds']:.0f} s (stopped)" + (f"; ~{est:.0f} s extrapolated*" if est else "")
            speed = f"> {q['seconds'] / g['seconds']:.0f}x" + (f" (~{est / g['seconds']:.0f}x*)" if est else "")
            cpu_speed = "n/a"
        else:
            qcell = f"{q['seconds']:.2f} s"
            speed = f"{q['seconds'] / g['seconds']:.1f}x"
            cpu_speed = f"{q['cpu_seconds'] / g['cpu_seconds']:.1f}x"
        ident = "n/a (QUT stopped)" if r["identical"] is None else ("yes" if r["identical"] else "**NO**")
        lines.append(f"| {r['input']} | {r['shares']:,} | {r['window_s']:g} s | {g['seconds']:.2f} s "
                     f"({g['runs']} runs) | {qcell} ({q['runs']} run{'s' if q['runs'] > 1 else ''}) | {speed} | "
                     f"{g['cpu_seconds']:.1f} / {q['cpu_seconds']:.1f} | {cpu_speed} | "
                     f"{g['peak_mib']:.0f} / {q['peak_mib']:.0f} | {g['edges']:,} | {ident} |")
    if any(r["qut"].get("extrapolated_seconds") for r in rows):
        k = next(r["qut"]["exponent"] for r in rows if r["qut"].get("extrapolated_seconds"))
        lines += ["", f"\\* extrapolated, not measured: QUT's time on the two largest synthetic inputs it finished "
                      f"grew as n^{k:.2f}; the stopped run is projected along that power law."]
    lines += ["", "Wall seconds of every run: " + "; ".join(
        f"{r['input']}: graphtool {r['graphtool']['all_seconds']}, QUT {r['qut']['all_seconds']}" for r in rows), ""]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        tool, csv_path, window, out = sys.argv[2:6]
        (run_graphtool if tool == "graphtool" else run_qut)(csv_path, float(window), out)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="real,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--qut-timeout", type=float, default=600.0, help="seconds before a QUT run is stopped")
    parser.add_argument("--qut-runs-large", type=int, default=3, help="QUT runs at 10^6 shares and above")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    from bench.common import machine, write_section

    rows = bench(args.sizes.split(","), args.runs, args.qut_timeout, args.qut_runs_large)
    extrapolate(rows)
    text = markdown(rows, machine())
    print(text)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.out:
        write_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
