"""Timeline figures of a narrative: a static image (PNG or SVG) and a self-contained HTML page.

Both show activity per platform per bin (stacked), Event markers, the first appearance on
each platform and the bursts.  The HTML page draws the same data interactively (hover for
counts, toggle platforms, coarser bins) with its own inlined script under a hashed
Content-Security-Policy: no request, and imported text only ever reaches ``textContent``.
Same input, byte-identical files.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..analyze.timeline import Timeline
from ..errors import ConfigError
from .maps import PALETTE, STATIC, content_security_policy, embed_json

FIGURE_SUFFIXES = (".png", ".svg")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _plain(text: str, fallback: str) -> str:
    """The text, unless it needs CJK glyphs that no installed font has (then the fallback id)."""
    if any(ord(ch) > 0x2E7F for ch in text) and _cjk_font() is None:
        return fallback
    return text


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

    rc = {"svg.hashsalt": "graphtool-timeline", "font.size": 9}
    if _cjk_font():
        rc["font.family"] = ["DejaVu Sans", _cjk_font()]
    vol = tl.volume
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(12, 4.8), layout="constrained")
        n = vol.counts.shape[1] if vol.counts.ndim == 2 else 0
        xs = [num(vol.bin_start(b)) for b in range(n)]
        width = vol.bin_s / 86400
        bottom = [0] * n
        colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(vol.platforms)}
        for i, p in enumerate(vol.platforms):
            counts = vol.counts[i].tolist()
            ax.bar(xs, counts, width=width, bottom=bottom, align="edge", color=colors[p], label=p, linewidth=0)
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
        ax.set_ylabel(f"posts + shares per {vol.bin_s // 3600} h" if vol.bin_s % 3600 == 0 and vol.bin_s < 86400
                      else f"posts + shares per {vol.bin_s / 86400:g} day")
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.set_title(_plain(f"{tl.name}", tl.narrative) + "  (▲ first appearance per platform, shaded: bursts)",
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
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(assets["html"]).render(
        csp=content_security_policy([assets["js"]], [assets["css"]]), version=__version__,
        title=f"Timeline: {tl.name}", css=assets["css"], app_js=assets["js"], data_json=embed_json(tl.as_dict()))


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
