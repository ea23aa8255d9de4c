"""A timeline over a 130-year span returns at once (issue 18 item 10): bins follow the data's real
span under the figures' cap, and burst detection is numpy over all bins.

Before, one article dated 1970 and one dated 2099 made 1.14M hourly bins, a per-bin Python loop in
``find_bursts`` that did not finish in 120 s, and a ``--json`` listing every bin. The guards here
are subprocess timeouts: the old code fails them by never finishing.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from conftest import ROOT
from graphtool.analyze.timeline import MAX_BINS, Burst, find_bursts

Y2099 = 4_102_444_800 - 1  # 2099-12-31T23:59:59Z
TIMEOUT_S = 90  # the fixed code takes about a second here; the old one did not finish in 120 s


def reference_bursts(series, baseline_bins=24, z=3.0, min_count=3) -> list[Burst]:
    """find_bursts as documented, one bin at a time (slow, obviously right)."""
    series = np.asarray(series, dtype=np.float64)
    level, scale, hot = np.zeros(series.size), np.ones(series.size), np.zeros(series.size, dtype=bool)
    for t in range(series.size):
        window = series[max(0, t - baseline_bins):t]
        level[t] = np.median(window) if window.size else 0.0
        mad = np.median(np.abs(window - level[t])) * 1.4826 if window.size else 0.0
        scale[t] = max(np.sqrt(level[t]), mad, 0.5)
        hot[t] = series[t] >= min_count and series[t] >= level[t] + z * scale[t]
    out, t = [], 0
    while t < series.size:
        if hot[t]:
            end = t
            while end + 1 < series.size and hot[end + 1]:
                end += 1
            seg = series[t:end + 1]
            peak = t + int(seg.argmax())
            out.append(Burst(t, end, int(seg.sum()), int(seg.max()), round(float(level[t]), 3),
                             round(float((series[peak] - level[peak]) / scale[peak]), 2)))
            t = end
        t += 1
    return out


def test_vectorised_bursts_equal_the_per_bin_definition():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, window = int(rng.integers(0, 300)), int(rng.integers(0, 30))
        series = rng.poisson(rng.uniform(0.1, 5), n)
        if n:
            series[rng.integers(0, n, 4)] += rng.integers(0, 40, 4)
        assert find_bursts(series, window) == reference_bursts(series, window), (n, window)


def test_bursts_of_a_1970_and_a_2099_article_return_at_once():
    script = f"""
from graphtool.analyze.timeline import Activity, EventMark, align_events, bursts, find_bursts, volume
acts = [Activity(0, "web", "a", "art:1970"), Activity({Y2099}, "wechat", "b", "art:2099")]
assert bursts(acts) == []
assert align_events(acts, [EventMark("e", "E", None, 1_631_000_000)])[0]["before"] == 0
hourly = volume(acts, 3600)
assert hourly.counts.shape[1] > 1_000_000 and find_bursts(hourly.total) == []  # uncapped, still numpy
print(volume(acts, 3600, max_bins={MAX_BINS}).counts.shape[1])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert 0 < int(done.stdout) <= MAX_BINS


def test_cli_timeline_json_over_130_years_is_capped(store, store_url, tmp_path):
    store.run("CREATE (n:Narrative {id: 'narr:far', name: 'Far apart'}) "
              "CREATE (:Article {id: 'art:1970', platform: 'web', published_at: '1970-01-01T00:00:00Z', "
              "published_ts: 0})-[:CARRIES]->(n) "
              "CREATE (:Article {id: 'art:2099', platform: 'wechat', published_at: '2099-12-31T23:59:59Z', "
              "published_ts: $late})-[:CARRIES]->(n)", {"late": Y2099})
    done = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "timeline", "--narrative",
                           "narr:far", "--out", str(tmp_path / "far.html"), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    bins = data["volume"]["bins"]
    assert len(bins) <= MAX_BINS and data["bin_s"] == data["volume"]["bin_s"] == 91 * 86400
    assert bins[0] <= "1970-01-01T00:00:00Z" and sum(map(sum, data["volume"]["platforms"].values())) == 2
    assert data["bursts"] == [] and (tmp_path / "far.html").stat().st_size < 500_000
