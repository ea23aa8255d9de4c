"""Cross-platform timeline of a narrative, and activity around Events.

Pure functions over :class:`Activity` records (one post or share, with its time, platform
and account); :mod:`graphtool.analyze.timeline_store` reads them from the store:

- :func:`volume`: activity per platform per bin (hour or day, aligned to UTC);
- :func:`first_appearances`: when the narrative first showed up on each platform, and where;
- :func:`find_bursts`: bins well above a rolling baseline (a Poisson-style z-score against
  the mean of the preceding bins), merged into runs;
- :func:`align_events`: for each Event, activity in a window before and after it, and the
  bursts within the window with the accounts that drove them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from ..values import iso

HOUR, DAY = 3600, 86400
MAX_BINS = 1500  # most bins in a timeline, its figure or its page (a figure is ~1,000 px wide)
# Bin widths to coarsen to, so that a coarsened axis still reads in whole hours, days or weeks.
NICE_BINS = (3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400,
             30 * 86400, 91 * 86400, 365 * 86400)


def bin_width(first: int, last: int, bin_s: int, max_bins: int = MAX_BINS) -> int:
    """The width of bins aligned to the epoch that cover ``first .. last`` (epoch s) in at most
    ``max_bins`` bins: ``bin_s`` if it fits, else the smallest width of :data:`NICE_BINS` that is a
    multiple of ``bin_s`` and fits (or a whole number of years).

    Examples
    --------
    >>> bin_width(0, 7 * 86400, 3600), bin_width(0, 4_102_444_799, 3600)
    (3600, 7862400)
    """
    def fits(width: int) -> bool:
        return last // width - first // width + 1 <= max_bins

    if fits(bin_s):
        return bin_s
    width = next((w for w in NICE_BINS if w % bin_s == 0 and fits(w)), None)
    years = max(1, (last - first) // (max_bins * NICE_BINS[-1]))
    while width is None:
        width = years * NICE_BINS[-1] if fits(years * NICE_BINS[-1]) else None
        years += 1
    return width


@dataclass(frozen=True)
class Activity:
    """One post (an article carrying the narrative) or share of one, at ``ts`` (epoch s)."""

    ts: int
    platform: str
    account: str | None
    article: str
    kind: str = "post"  # post or share


@dataclass(frozen=True)
class EventMark:
    id: str
    name: str
    kind: str | None
    ts: int

    @property
    def at(self) -> str:
        return iso(self.ts)


@dataclass
class Volume:
    """``counts[p, b]``: activity on ``platforms[p]`` in ``[start + b*bin_s, start + (b+1)*bin_s)``."""

    start: int
    bin_s: int
    platforms: list[str]
    counts: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.counts.sum(axis=0) if self.counts.size else np.zeros(0, dtype=np.int64)

    def bin_start(self, b: int) -> int:
        return self.start + b * self.bin_s

    def as_dict(self) -> dict:
        return {"start": iso(self.start), "start_ts": self.start, "bin_s": self.bin_s,
                "bins": [iso(self.bin_start(b)) for b in range(self.counts.shape[1] if self.counts.ndim == 2 else 0)],
                "platforms": {p: self.counts[i].tolist() for i, p in enumerate(self.platforms)}}


def volume(activity: list[Activity], bin_s: int = HOUR, start: int | None = None, end: int | None = None,
           max_bins: int | None = None) -> Volume:
    """Counts per platform per bin; bins aligned to multiples of ``bin_s`` since the epoch (UTC).

    With ``max_bins``, bins are coarsened (:func:`bin_width`) so that the data's real span fits:
    one post dated 1970 and one dated 2099 make 91-day bins, not a million hourly ones.

    Examples
    --------
    >>> acts = [Activity(3600, "wechat", "a", "x"), Activity(3700, "weibo", "b", "y"), Activity(7300, "wechat", "c", "z")]
    >>> v = volume(acts, 3600)
    >>> v.platforms, v.counts.tolist()
    (['wechat', 'weibo'], [[1, 1], [1, 0]])
    """
    platforms = sorted({a.platform for a in activity})
    if not activity:
        return Volume(start or 0, bin_s, [], np.zeros((0, 0), dtype=np.int64))
    ts = np.array([a.ts for a in activity], dtype=np.int64)
    lo = int(ts.min()) if start is None else min(start, int(ts.min()))
    hi = int(ts.max()) if end is None else max(end, int(ts.max()))
    if max_bins:
        bin_s = bin_width(lo, hi, bin_s, max_bins)
    lo = lo // bin_s * bin_s
    n_bins = (hi - lo) // bin_s + 1
    index = {p: i for i, p in enumerate(platforms)}
    counts = np.zeros((len(platforms), n_bins), dtype=np.int64)
    np.add.at(counts, (np.array([index[a.platform] for a in activity]), (ts - lo) // bin_s), 1)
    return Volume(lo, bin_s, platforms, counts)


def first_appearances(activity: list[Activity]) -> list[dict]:
    """Per platform, the earliest activity (ties: posts before shares, then by article id)."""
    first: dict[str, Activity] = {}
    for a in sorted(activity, key=lambda a: (a.ts, a.kind != "post", a.article, a.account or "")):
        first.setdefault(a.platform, a)
    return [{"platform": p, "ts": a.ts, "at": iso(a.ts), "article": a.article, "account": a.account, "kind": a.kind}
            for p, a in sorted(first.items(), key=lambda kv: (kv[1].ts, kv[0]))]


@dataclass
class Burst:
    start_bin: int
    end_bin: int        # inclusive
    count: int          # activity in the burst's bins
    peak: int           # highest bin count
    baseline: float     # median per bin of the preceding baseline window
    z: float            # peak z-score against the baseline

    def span(self, vol: Volume) -> tuple[int, int]:
        return vol.bin_start(self.start_bin), vol.bin_start(self.end_bin + 1)


def rolling_baseline(series: np.ndarray, window: int, chunk: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """Per bin ``t``: the median of bins ``t - window .. t - 1`` (fewer at the start, 0 for the
    first) and the median absolute deviation from it; in numpy, a chunk of bins at a time.

    Examples
    --------
    >>> rolling_baseline(np.array([1.0, 3.0, 2.0, 9.0]), 2)
    (array([0. , 1. , 2. , 2.5]), array([0. , 0. , 1. , 0.5]))
    """
    levels, mads = np.zeros(series.size), np.zeros(series.size)
    if window < 1:
        return levels, mads
    for t in range(1, min(window, series.size)):  # the short windows at the start
        levels[t] = np.median(series[:t])
        mads[t] = np.median(np.abs(series[:t] - levels[t]))
    if series.size > window:
        windows = np.lib.stride_tricks.sliding_window_view(series[:-1], window)  # row i: bins i .. i+window-1
        for lo in range(0, windows.shape[0], chunk):
            block = windows[lo:lo + chunk]
            level = np.median(block, axis=1)
            levels[window + lo:window + lo + block.shape[0]] = level
            mads[window + lo:window + lo + block.shape[0]] = np.median(np.abs(block - level[:, None]), axis=1)
    return levels, mads


def find_bursts(series: np.ndarray, baseline_bins: int = 24, z: float = 3.0, min_count: int = 3) -> list[Burst]:
    """Runs of bins well above the rolling baseline.

    Parameters
    ----------
    series : numpy.ndarray
        Counts per bin.
    baseline_bins : int
        The baseline of bin ``t`` is the median of bins ``t - baseline_bins .. t - 1`` (fewer at
        the start): robust to a short spike, while a surge that lasts more than half the window
        becomes the new level.
    z : float
        A bin is hot when ``count >= level + z * max(sqrt(level), 1.4826 * MAD, 0.5)``: a
        Poisson z-score, widened when the baseline varies more than a Poisson count would.
    min_count : int
        A hot bin also needs at least this many events.

    Returns
    -------
    list of Burst
        Consecutive hot bins merged; ``baseline`` and ``z`` of the run's first bin and peak.

    Examples
    --------
    >>> [(b.start_bin, b.end_bin, b.count) for b in find_bursts(np.array([1, 0, 1, 1, 9, 7, 1, 0]), 4)]
    [(4, 5, 16)]
    """
    series = np.asarray(series, dtype=np.float64)
    means, mads = rolling_baseline(series, baseline_bins)
    scales = np.maximum(np.maximum(np.sqrt(means), mads * 1.4826), 0.5)
    hot = (series >= min_count) & (series >= means + z * scales)
    bursts = []
    t = 0
    while t < series.size:
        if not hot[t]:
            t += 1
            continue
        end = t
        while end + 1 < series.size and hot[end + 1]:
            end += 1
        seg = series[t:end + 1]
        peak_at = t + int(seg.argmax())
        bursts.append(Burst(t, end, int(seg.sum()), int(seg.max()), round(float(means[t]), 3),
                            round(float((series[peak_at] - means[peak_at]) / scales[peak_at]), 2)))
        t = end + 1
    return bursts


def burst_accounts(activity: list[Activity], start: int, end: int, top: int = 5) -> list[tuple[str, int]]:
    """The accounts with the most activity in ``[start, end)`` (ties by id)."""
    counts = Counter(a.account for a in activity if start <= a.ts < end and a.account)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _burst_dict(b: Burst, vol: Volume, activity: list[Activity], top: int) -> dict:
    start, end = b.span(vol)
    per_platform = Counter(a.platform for a in activity if start <= a.ts < end)
    return {"start": iso(start), "end": iso(end), "start_ts": start, "end_ts": end, "count": b.count,
            "peak": b.peak, "baseline": b.baseline, "z": b.z, "platforms": dict(sorted(per_platform.items())),
            "accounts": [{"account": k, "count": n} for k, n in burst_accounts(activity, start, end, top)]}


def bursts(activity: list[Activity], bin_s: int = HOUR, baseline_bins: int = 24, z: float = 3.0,
           min_count: int = 3, top: int = 5, vol: Volume | None = None) -> list[dict]:
    """Bursts of the total activity, with platforms and the accounts that drove them."""
    vol = vol or volume(activity, bin_s, max_bins=MAX_BINS)
    return [_burst_dict(b, vol, activity, top) for b in find_bursts(vol.total, baseline_bins, z, min_count)]


def align_events(activity: list[Activity], events: list[EventMark], window_s: int = DAY, bin_s: int = HOUR,
                 baseline_bins: int = 24, z: float = 3.0, min_count: int = 3, top: int = 5,
                 vol: Volume | None = None) -> list[dict]:
    """Activity around each Event: counts before/after, per platform, and bursts in the window.

    Parameters
    ----------
    activity : list of Activity
    events : list of EventMark
    window_s : int
        Seconds before and after each event to compare (``[t - w, t)`` and ``[t, t + w)``).
    bin_s, baseline_bins, z, min_count :
        Burst detection on the total activity (see :func:`find_bursts`).
    top : int
        Accounts listed per burst.
    vol : Volume, optional
        The binned activity, when already computed (same ``bin_s``).

    Returns
    -------
    list of dict
        One per event, by time: ``before``, ``after``, ``change`` (after / before, None when
        nothing before), ``platforms`` {platform: [before, after]}, ``bursts`` (starting within
        the window, each with ``offset_s`` from the event and its top accounts).
    """
    vol = vol or volume(activity, bin_s, start=min((e.ts for e in events), default=None),
                        end=max((e.ts for e in events), default=None), max_bins=MAX_BINS)
    all_bursts = find_bursts(vol.total, baseline_bins, z, min_count) if activity else []
    out = []
    for e in sorted(events, key=lambda e: (e.ts, e.id)):
        before = [a for a in activity if e.ts - window_s <= a.ts < e.ts]
        after = [a for a in activity if e.ts <= a.ts < e.ts + window_s]
        platforms = sorted({a.platform for a in before + after})
        near = []
        for b in all_bursts:
            start, end = b.span(vol)
            if start < e.ts + window_s and end > e.ts - window_s:
                near.append({**_burst_dict(b, vol, activity, top), "offset_s": start - e.ts})
        out.append({"event": e.id, "name": e.name, "kind": e.kind, "at": e.at, "ts": e.ts, "window_s": window_s,
                    "before": len(before), "after": len(after),
                    "change": round(len(after) / len(before), 3) if before else None,
                    "platforms": {p: [sum(a.platform == p for a in before), sum(a.platform == p for a in after)]
                                  for p in platforms},
                    "bursts": near})
    return out


@dataclass
class Timeline:
    """Everything the timeline figure and report show for one narrative."""

    narrative: str
    name: str
    bin_s: int
    volume: Volume
    first: list[dict]
    events: list[EventMark]
    bursts: list[dict]
    alignment: list[dict]
    posts: int = 0
    shares: int = 0
    undated_posts: int = 0
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"narrative": self.narrative, "name": self.name, "bin_s": self.bin_s, "posts": self.posts,
                "shares": self.shares, "undated_posts": self.undated_posts, "params": self.params,
                "volume": self.volume.as_dict(), "first_appearance": self.first,
                "events": [{**asdict(e), "at": e.at} for e in self.events], "bursts": self.bursts,
                "event_alignment": self.alignment}
