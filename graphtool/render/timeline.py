"""Timeline figures of a narrative: a static image (PNG or SVG) and a self-contained HTML page.

Both show activity per platform per bin (stacked), Event markers, the first appearance on
each platform and the bursts.  The HTML page draws the same data interactively (hover for
counts, toggle platforms, coarser bins) with its own inlined script under a hashed
Content-Security-Policy: no request, and imported text only ever reaches ``textContent``.
Same input, byte-identical files.

Names are drawn as plain text (no mathtext: ``$\\frac{$`` is just those characters), every
platform has its one colour (:mod:`graphtool.render.style`), CJK text uses the shipped Noto Sans
CJK font, and activity is re-binned into at most :data:`MAX_BINS` bins over the data's real span:
a post dated 1970 and one dated 2099 make coarse bins, not a million bars.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import __version__
from ..analyze.timeline import MAX_BINS, Timeline, bin_width
from ..errors import ConfigError
from . import style
from .maps import STATIC, content_security_policy, embed_json

FIGURE_SUFFIXES = (".png", ".svg")


def _plain(text: str, fallback: str) -> str:
    """The text, unless it needs CJK glyphs and no CJK font can be had (then the fallback id)."""
    if style.has_cjk(text) and style.matplotlib_cjk_family() is None:
        return fallback
    return text


def capped_volume(vol, max_bins: int = MAX_BINS):
    """The volume in at most ``max_bins`` bins of :func:`graphtool.analyze.timeline.bin_width`."""
    n = vol.counts.shape[1] if vol.counts.ndim == 2 else 0
    if n <= max_bins:
        return vol
    width = bin_width(vol.start, vol.start + n * vol.bin_s - 1, vol.bin_s, max_bins)
    start = vol.start // width * width
    end = vol.start + n * vol.bin_s
    counts = np.zeros((vol.counts.shape[0], (end - 1 - start) // width + 1), dtype=vol.counts.dtype)
    target = (vol.start + np.arange(n, dtype=np.int64) * vol.bin_s - start) // width
    for i in range(vol.counts.shape[0]):
        counts[i] = np.bincount(target, weights=vol.counts[i], minlength=counts.shape[1]).astype(vol.counts.dtype)
    return dataclasses.replace(vol, start=int(start), bin_s=int(width), counts=counts)


def capped(tl: Timeline, max_bins: int = MAX_BINS) -> Timeline:
    """``tl`` with its volume in at most ``max_bins`` bins (bursts and events keep their times)."""
    vol = capped_volume(tl.volume, max_bins)
    return tl if vol is tl.volume else dataclasses.replace(tl, volume=vol, bin_s=vol.bin_s)


def counted(tl: Timeline) -> str:
    """What the figure counts: ``posts and shares`` or ``posts`` (a timeline without shares)."""
    return "posts and shares" if tl.shares else "posts"


def _per_bin(bin_s: int) -> str:
    if bin_s < 86400 and bin_s % 3600 == 0:
        return f"{bin_s // 3600} h"
    return f"{bin_s / 86400:g} day" + ("s" if bin_s != 86400 else "")


def _label_lines(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def write_figure(tl: Timeline, path: str | Path, dpi: int = 120) -> Path:
    """Stacked activity per platform, events, first appearances, bursts; PNG or SVG by suffix."""
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise ConfigError(f"{path}: a timeline figure is .png or .svg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

    from datetime import datetime, timezone

    def num(ts: int) -> float:
        return date2num(datetime.fromtimestamp(ts, timezone.utc))

    # No mathtext and no TeX: names from the data are drawn as the characters they are.
    rc = {"svg.hashsalt": "graphtool-timeline", "font.size": 9, "text.parse_math": False, "text.usetex": False}
    if style.matplotlib_cjk_family():
        rc["font.family"] = ["DejaVu Sans", style.matplotlib_cjk_family()]
    tl = capped(tl)
    vol = tl.volume
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(12, 4.8), layout="constrained")
        n = vol.counts.shape[1] if vol.counts.ndim == 2 else 0
        xs = [num(vol.bin_start(b)) for b in range(n)]
        width = vol.bin_s / 86400
        bottom = [0] * n
        colors = {p: style.platform_color(p) for p in vol.platforms}
        for i, p in enumerate(vol.platforms):
            counts = vol.counts[i].tolist()
            ax.bar(xs, counts, width=width, bottom=bottom, align="edge", color=colors[p], label=_plain(p, "?"),
                   linewidth=0)
            bottom = [a + b for a, b in zip(bottom, counts)]
        ymax = max(bottom, default=1) or 1
        for b in tl.bursts:
            ax.axvspan(num(b["start_ts"]), num(b["end_ts"]), color="#fde0dd", zorder=0)
        for j, e in enumerate(tl.events):
            ax.axvline(num(e.ts), color="#2d6a2d", linestyle="--", linewidth=1)
            ax.annotate(_label_lines(_plain(f"{e.kind + ': ' if e.kind else ''}{e.name}", e.id)), (num(e.ts), 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, -10 - 11 * (j % 3)),
                        textcoords="offset points", fontsize=8, color="#2d6a2d")
        lanes = max(1, len(tl.first))
        for i, f in enumerate(tl.first):  # one lane per platform under the axis, so markers do not hide each other
            ax.plot([num(f["ts"])], [-(0.04 + 0.1 * i / lanes) * ymax], marker="^", color=colors.get(f["platform"], "#999"),
                    markeredgecolor="#333", markersize=7, clip_on=False)
        ax.set_ylim(-0.16 * ymax, ymax * 1.25)
        ax.set_ylabel(f"{counted(tl)} per {_per_bin(vol.bin_s)}")
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        first = "first post or share" if tl.shares else "first post"
        ax.set_title(_plain(f"{tl.name}", tl.narrative) + f"  (▲ {first} per platform, shaded: bursts)",
                     fontsize=10, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"Date": None} if path.suffix.lower() == ".svg" else {"Software": None}
        fig.savefig(path, dpi=dpi, metadata=meta)
        plt.close(fig)
    return path


@lru_cache(maxsize=1)
def _assets() -> dict:
    return {name: (STATIC / f"timeline.{name}").read_text(encoding="utf-8") for name in ("html", "js", "css")}


def render_html(tl: Timeline) -> str:
    """The interactive page (a string): template, inlined script and style, escaped data."""
    import jinja2

    assets = _assets()
    tl = capped(tl)
    data = {**tl.as_dict(), "colors": {p: style.platform_color(p) for p in tl.volume.platforms},
            "counted": counted(tl)}
    title = f"Timeline: {tl.name}"
    css = style.font_face_css([title, *style.texts_of(data)]) + assets["css"]
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(assets["html"]).render(
        csp=content_security_policy([assets["js"]], [css]), version=__version__,
        title=title, css=css, app_js=assets["js"], data_json=embed_json(data))


def write_html(tl: Timeline, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(tl), encoding="utf-8")
    return path


def write_timeline(tl: Timeline, out: str | Path) -> list[Path]:
    """``x.png`` / ``x.svg``: the figure and ``x.html`` beside it; ``x.html``: the page only."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".html":
        return [write_html(tl, out)]
    if suffix not in FIGURE_SUFFIXES:
        raise ConfigError(f"{out}: --out must end in .png, .svg or .html")
    return [write_figure(tl, out), write_html(tl, out.with_suffix(".html"))]
