"""Copy detection: graphtool's engine against a straightforward datasketch MinHash + MinHashLSH.

    python -m bench.copies [--sizes 10000,100000,1000000] [--runs 3] [--large-runs 1]
                           [--baseline-max 100000] [--out docs/benchmarks.md]
                           [--engines graphtool --previous runs.jsonl]   # reuse the baseline's runs

Input: synthetic articles, half Chinese, half English, generated per document from
``(seed, index)`` so that every engine sees the same texts and a corpus of ``n`` is the
first ``n`` articles of any larger one.  Words are drawn from Zipf-distributed vocabularies
(30,000 Chinese words of 1-4 characters from 3,500 characters; 40,000 English pseudo-words),
Chinese texts of 150-750 words (about 900 characters), English of 80-400 words.  One article
in ten is a planted copy of an earlier article in its language: verbatim, an excerpt of
40-90 %, a light edit (5 % of words replaced), or an excerpt with commentary added around
it (containment >= 0.5).  The article's index is its publication time.

Each engine runs in a fresh process on the same stream; generating the texts is not timed.

- graphtool: ``CopyIndex.add_texts`` in batches (normalise, shingle, one-permutation MinHash
  with 128 bins, 32 LSH bands, anchor sample), one ``candidates()`` join, then exact
  verification of every candidate (shingle sets recomputed from the texts).  Recall counts a
  planted pair found with the right direction.
- datasketch 2.0 (``MinHash.bulk`` with 128 permutations over the same shingles -- character
  4-grams for Chinese, word 4-grams for English, built with Python sets -- then
  ``MinHashLSH(threshold=0.5).query`` and ``insert`` per article).  Its recall counts a
  planted pair among the LSH candidates, without verification (an upper bound for it).

Memory per document: the process's peak resident set minus its resident set before the run,
divided by the number of articles (and, for graphtool, the index's own bytes per article).
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Copy detection vs datasketch MinHash LSH"
SEED = 20210908
COPY_RATE = 0.1
BATCH = 2000


# --------------------------------------------------------------------------- the corpus

@lru_cache(maxsize=1)
def vocabularies() -> dict:
    rng = np.random.default_rng(SEED)
    han = np.array([chr(c) for c in rng.choice(np.arange(0x4E00, 0x9FA6), 3500, replace=False)])
    char_p = 1 / np.arange(1, han.size + 1) ** 0.9
    lengths = rng.choice([1, 2, 3, 4], 30000, p=[0.2, 0.55, 0.15, 0.1])
    zh = ["".join(han[np.searchsorted(np.cumsum(char_p / char_p.sum()), rng.random(k))]) for k in lengths]
    syllables = ["ka", "to", "ri", "men", "sal", "ver", "on", "ex", "pol", "tic", "an", "der", "ing", "the", "lo",
                 "ba", "ne", "qui", "str", "um", "pre", "con", "ly", "ment", "or", "ship", "al", "mi", "ca", "de"]
    en = sorted({"".join(rng.choice(syllables, rng.integers(1, 5))) for _ in range(60000)})[:40000]
    en = list(rng.permutation(en))

    def cdf(n):
        p = 1 / np.arange(1, n + 1) ** 1.0
        return np.cumsum(p / p.sum())

    return {"zh": (np.array(zh, dtype=object), cdf(len(zh))), "en": (np.array(en, dtype=object), cdf(len(en)))}


def _rng(i: int, part: int) -> np.random.Generator:
    return np.random.default_rng([SEED, i, part])


def header(i: int) -> tuple[str, bool]:
    """(language, is a planted copy) of article ``i``."""
    r = _rng(i, 0).random(2)
    return ("zh" if r[0] < 0.5 else "en"), bool(i >= 100 and r[1] < COPY_RATE)


def _words(lang: str, rng: np.random.Generator, n: int) -> list[int]:
    return np.searchsorted(vocabularies()[lang][1], rng.random(n)).tolist()


def _original_of(i: int, lang: str, rng: np.random.Generator) -> int:
    while True:  # an earlier, non-copy article in the same language, among the 20,000 before it
        j = int(rng.integers(max(0, i - 20000), i))
        if header(j) == (lang, False):
            return j


@lru_cache(maxsize=4096)
def tokens(i: int) -> tuple:
    """Word indices of article ``i`` (its original's, transformed, when it is a copy)."""
    lang, is_copy = header(i)
    rng = _rng(i, 1)
    if not is_copy:
        n = int(rng.integers(150, 751)) if lang == "zh" else int(rng.integers(80, 401))
        return tuple(_words(lang, rng, n))
    original = list(tokens(_original_of(i, lang, rng)))
    kind = int(rng.integers(0, 4))
    if kind == 0:    # verbatim
        return tuple(original)
    if kind == 1:    # excerpt 40-90 %
        k = max(20, int(len(original) * rng.uniform(0.4, 0.9)))
        s = int(rng.integers(0, len(original) - k + 1))
        return tuple(original[s:s + k])
    if kind == 2:    # light edit: 5 % of words replaced
        out = list(original)
        where = rng.random(len(out)) < 0.05
        for pos, w in zip(np.flatnonzero(where).tolist(), _words(lang, rng, int(where.sum()))):
            out[pos] = w
        return tuple(out)
    k = max(20, int(len(original) * rng.uniform(0.5, 0.9)))  # excerpt with commentary around it
    s = int(rng.integers(0, len(original) - k + 1))
    extra = _words(lang, rng, int(k * rng.uniform(0.1, 0.8)))
    cut = int(rng.integers(0, len(extra) + 1))
    return tuple(extra[:cut] + original[s:s + k] + extra[cut:])


def original(i: int) -> int | None:
    lang, is_copy = header(i)
    return _original_of(i, lang, _rng(i, 1)) if is_copy else None


def text(i: int) -> str:
    lang, _ = header(i)
    words = vocabularies()[lang][0][list(tokens(i))]
    if lang == "zh":
        parts = []
        for start in range(0, len(words), 9):
            parts.append("".join(words[start:start + 9]))
        return "，".join(parts) + "。"
    parts = []
    for start in range(0, len(words), 14):
        parts.append(" ".join(words[start:start + 14]))
    return ". ".join(parts) + "."


def planted(n: int) -> set[tuple[int, int]]:
    return {(i, original(i)) for i in range(n) if header(i)[1]}


# --------------------------------------------------------------------------- engines (one per process)

def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class Clock:
    def __init__(self):
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._w, self._c = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c


def run_graphtool(n: int) -> dict:
    from graphtool.analyze.copies import CopyIndex, CopyParams, Doc, verify_candidates

    from graphtool.analyze.copies.shingles import char_hashes

    params = CopyParams()
    index = CopyIndex(params)
    clock = Clock()
    text(0)
    char_hashes()  # the one-time character table (about 0.3 s per process) is not counted
    base = rss_mib()
    for start in range(0, n, BATCH):
        ids = list(range(start, min(n, start + BATCH)))
        texts = [text(i) for i in ids]
        with clock:
            index.add_texts(ids, texts, ids)
    with clock:
        cands = index.candidates()
    found = set()
    char_mode = index.sketches().char_mode
    for chunk in cands.chunks(20000):
        docs = {i: Doc(str(i), text(i), i) for i in chunk.positions()}
        with clock:
            pairs, _, _ = verify_candidates(chunk, docs, params, char_mode=char_mode)
        found.update((int(p.copy), int(p.original)) for p in pairs)
    truth = planted(n)
    return {"engine": "graphtool", "n": n, "wall_s": clock.wall, "cpu_s": clock.cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base,
            "index_bytes_per_doc": index.nbytes() / n, "candidates": len(cands), "detected": len(found),
            "planted": len(truth), "recall": len(truth & found) / max(1, len(truth))}


def _py_shingles(t: str) -> list[bytes]:
    import re

    t = t.lower()
    if sum("\u4e00" <= c <= "\u9fff" for c in t[:200]) > 50:
        chars = re.sub(r"[\W_]+", "", t)
        return [s.encode("utf-8") for s in {chars[i:i + 4] for i in range(len(chars) - 3)}]
    words = re.findall(r"\w+", t)
    return [s.encode("utf-8") for s in {" ".join(words[i:i + 4]) for i in range(len(words) - 3)}]


def run_datasketch(n: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    clock = Clock()
    text(0)
    base = rss_mib()
    found = set()
    for start in range(0, n, BATCH):
        ids = list(range(start, min(n, start + BATCH)))
        texts = [text(i) for i in ids]
        with clock:
            sketches = MinHash.bulk([_py_shingles(t) for t in texts], num_perm=128)
            for i, m in zip(ids, sketches):
                for j in lsh.query(m):
                    found.add((i, j))
                lsh.insert(i, m)
    truth = planted(n)
    return {"engine": "datasketch", "n": n, "wall_s": clock.wall, "cpu_s": clock.cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base,
            "candidates": len(found), "detected": len(found), "planted": len(truth),
            "recall": len(truth & found) / max(1, len(truth))}


def child(engine: str, n: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.copies", "--child", engine, "--n", str(n)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{engine} n={n} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report

def measure(sizes: list[int], runs: int, large_runs: int, baseline_max: int, engines=("graphtool", "datasketch"),
            previous: list[dict] = ()) -> list[dict]:
    """Run each engine ``runs`` times per size; an engine not in ``engines`` reuses ``previous`` results."""
    rows = []
    for n in sizes:
        row = {"n": n}
        for engine in ("graphtool", "datasketch"):
            if engine == "datasketch" and n > baseline_max:
                continue
            k = runs if n <= 100_000 else large_runs
            if engine in engines:
                results = [child(engine, n) for _ in range(k)]
            else:
                results = [r for r in previous if r["engine"] == engine and r["n"] == n][-k:]
                if not results:
                    continue
            for r in results:
                print(json.dumps(r), file=sys.stderr)
            row[engine] = {**results[0], "runs": k,
                           "wall_s": statistics.median(r["wall_s"] for r in results),
                           "cpu_s": statistics.median(r["cpu_s"] for r in results),
                           "peak_mib": statistics.median(r["peak_mib"] for r in results)}
        rows.append(row)
    return rows


def report(rows: list[dict], baseline_max: int) -> str:
    from bench.common import machine

    lines = [SECTION, "",
             f"Machine: {machine()} (shared: other jobs ran at the same time, so wall times are noisy; "
             f"CPU seconds of the process are given too).  `python -m bench.copies`; the method is in the "
             f"module docstring: half Chinese, half English synthetic articles, 10 % planted copies (verbatim, "
             f"excerpts, light edits, excerpts with commentary).  Medians of the runs shown; times exclude "
             f"generating the texts.", "",
             "| articles | engine | runs | docs/s (wall) | docs/s (CPU) | peak memory / doc | index / doc | "
             "candidates | recall of planted copies |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        for engine in ("graphtool", "datasketch"):
            r = row.get(engine)
            if r is None:
                lines.append(f"| {row['n']:,} | datasketch | – | not run (> {baseline_max:,} articles: see below) "
                             f"| | | | | |")
                continue
            index = f"{r['index_bytes_per_doc']:.0f} B" if "index_bytes_per_doc" in r else ""
            lines.append(f"| {row['n']:,} | {engine} | {r['runs']} | {r['n'] / r['wall_s']:,.0f} | "
                         f"{r['n'] / r['cpu_s']:,.0f} | {r['peak_mib'] * 2**20 / r['n']:,.0f} B | {index} | "
                         f"{r['candidates']:,} | {r['recall']:.4f} ({r['planted']:,}) |")
    lines += ["", "Ratios (graphtool / datasketch, same articles):", ""]
    for row in rows:
        g, d = row.get("graphtool"), row.get("datasketch")
        if g and d:
            lines.append(f"- {row['n']:,} articles: {d['wall_s'] / g['wall_s']:.1f}x faster (wall), "
                         f"{d['cpu_s'] / g['cpu_s']:.1f}x (CPU); memory per article "
                         f"{d['peak_mib'] / max(g['peak_mib'], 1e-9):.1f}x less; recall {g['recall']:.4f} vs "
                         f"{d['recall']:.4f}")
    big = [row for row in rows if "datasketch" not in row]
    if big:
        ref = max((row for row in rows if "datasketch" in row), key=lambda r: r["n"], default=None)
        if ref:
            rate = ref["n"] / ref["datasketch"]["wall_s"]
            for row in big:
                lines.append(f"- {row['n']:,} articles: datasketch not run; at its {ref['n']:,}-article rate "
                             f"({rate:,.0f} docs/s) it would need about {row['n'] / rate / 60:,.0f} min, against "
                             f"graphtool's {row['graphtool']['wall_s'] / 60:,.1f} min.  A corpus of {ref['n']:,} is "
                             f"the first {ref['n']:,} articles of this one.")
    lines += ["", "Why the difference: one-permutation hashing computes one hash per shingle where classic "
              "MinHash computes 128; shingling, hashing, sketching and the LSH join run as numpy passes over "
              "whole batches, not per article in Python.  The anchor sample lets graphtool also find excerpts "
              "inside much longer texts (low Jaccard, high containment), which a Jaccard-threshold LSH misses; "
              "its recall counts only verified pairs with the right direction, datasketch's every LSH candidate."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-runs", type=int, default=1, help="runs at sizes above 100,000")
    parser.add_argument("--baseline-max", type=int, default=100_000, help="largest corpus datasketch runs on")
    parser.add_argument("--out", type=Path, default=None, help="write the section into this markdown file")
    parser.add_argument("--engines", default="graphtool,datasketch", help="engines to run now")
    parser.add_argument("--previous", type=Path, default=None,
                        help="JSON lines of earlier runs (this tool's stderr), reused for engines not run now")
    parser.add_argument("--child", choices=("graphtool", "datasketch"))
    parser.add_argument("--n", type=int)
    args = parser.parse_args(argv)
    if args.child:
        result = run_graphtool(args.n) if args.child == "graphtool" else run_datasketch(args.n)
        print(json.dumps(result))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    previous = []
    if args.previous:
        previous = [json.loads(line) for line in args.previous.read_text().splitlines() if line.startswith("{")]
    rows = measure(sizes, args.runs, args.large_runs, args.baseline_max, tuple(args.engines.split(",")), previous)
    text_ = report(rows, args.baseline_max)
    print(text_)
    if args.out:
        from bench.common import write_section

        write_section(args.out, SECTION, text_)
    return 0


if __name__ == "__main__":
    sys.exit(main())
