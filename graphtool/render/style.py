"""What every figure and map draws the same way: one colour per platform, and a font for CJK text.

Platform colours are fixed, not assigned by rank or order of appearance, so that WeChat is the
same green in every timeline and map.  Platforms not in the table get a colour from their name
(a hash), which is just as stable.

CJK text (Chinese, Japanese, Korean) needs a font that most fresh machines lack.  graphtool
depends on ``notojp-matplotlib``, a PyPI package that ships Noto Sans CJK JP Regular (SIL Open
Font License 1.1; the full font, whose 44,000 characters cover Simplified and Traditional
Chinese, Japanese and Korean).  Only its font file is used: importing that package would change
matplotlib's global settings.  Figures register the font with matplotlib; maps and timeline
pages embed a WOFF2 subset holding just the characters the page shows (a few KB), as a
``data:`` URL, so the page still makes no request.  When no such font can be had a
:class:`CJKFontWarning` says so once, and text is drawn with what the machine has.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import warnings
from functools import lru_cache
from pathlib import Path

# Tableau 20 (colour-blind-aware).  Known platforms first, in a colour that recalls the brand
# where one is distinctive (WeChat green, Weibo red, X black-ish grey, Facebook blue).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
           "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e")
PLATFORM_COLORS = {
    "wechat": "#59a14f",
    "weibo": "#e15759",
    "douyin": "#b07aa1",
    "bilibili": "#76b7b2",
    "xigua": "#f28e2b",
    "x": "#79706e",
    "twitter": "#79706e",
    "facebook": "#4e79a7",
    "web": "#9c755f",
    "telegram": "#a0cbe8",
    "youtube": "#ff9d9a",
    "tiktok": "#d4a6c8",
    "instagram": "#ffbe7d",
    "unknown": "#bab0ac",
}
_SPARE = tuple(c for c in PALETTE if c not in set(PLATFORM_COLORS.values()))


def platform_color(platform: str | None) -> str:
    """The one colour of ``platform`` in every figure and map (case-insensitive)."""
    key = (platform or "unknown").strip().lower()
    if key in PLATFORM_COLORS:
        return PLATFORM_COLORS[key]
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return _SPARE[int.from_bytes(digest[:4], "big") % len(_SPARE)]


# ---- CJK font -------------------------------------------------------------------------------

CJK_PACKAGE = "notojp_matplotlib"  # the distribution is notojp-matplotlib
CJK_FILE = "NotoSansCJKjp-Regular.otf"
CJK_FAMILY = "Noto Sans CJK JP"
WEB_FAMILY = "graphtool-cjk"  # the embedded subset's name inside a page
# Character ranges drawn with the CJK font: Hangul Jamo, CJK radicals .. Yi (kana, CJK punctuation,
# ideographs), Hangul Jamo extended and syllables, compatibility ideographs, vertical and small forms,
# half- and full-width forms, and the supplementary ideograph planes.
CJK_RANGES = ((0x1100, 0x11FF), (0x2E80, 0xA4CF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
              (0xFE10, 0xFE6F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))


class CJKFontWarning(UserWarning):
    """No font for Chinese, Japanese or Korean text could be found."""


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in CJK_RANGES)


def has_cjk(text: str) -> bool:
    return not text.isascii() and any(is_cjk(ch) for ch in text)


@lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    """The shipped Noto Sans CJK file, found without importing its package; None (and a warning) if absent."""
    spec = importlib.util.find_spec(CJK_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / CJK_FILE
        if path.is_file():
            return path
    warnings.warn(f"no CJK font: install graphtool's dependency notojp-matplotlib "
                  f"(`pip install notojp-matplotlib`); Chinese, Japanese and Korean text may show as boxes",
                  CJKFontWarning, stacklevel=2)
    return None


@lru_cache(maxsize=1)
def matplotlib_cjk_family() -> str | None:
    """Register the CJK font with matplotlib; the family name to list after the Latin one."""
    path = cjk_font_path()
    if path is None:
        return None
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@lru_cache(maxsize=1)
def _cjk_font_bytes() -> bytes | None:
    path = cjk_font_path()
    return path.read_bytes() if path else None


@lru_cache(maxsize=64)
def _subset_woff2(chars: str) -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcTimestamp=False: saving would stamp the subset's 'head' table with the current time, and
    # the same page written a second later would differ.
    font = TTFont(io.BytesIO(_cjk_font_bytes()), lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the copyright and licence notice, as the OFL asks
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out, reorderTables=False)
    return base64.b64encode(out.getvalue()).decode("ascii")


_ASCII_BYTES = bytes(range(128))


def font_face_css(texts) -> str:
    """An ``@font-face`` rule embedding the CJK characters of ``texts`` (WOFF2, data URL), or ''.

    Deterministic: the same characters give the same bytes.  The page lists ``WEB_FAMILY`` first,
    so its CJK text looks the same on every machine, and Latin text falls through to system-ui.
    """
    seen: set = set()
    for text in texts:
        if not text.isascii():  # most text is ASCII; the rest adds its distinct non-ASCII characters once
            seen.update(text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
                        .decode("utf-8", "surrogatepass"))  # dropping ASCII bytes in C: a page's JSON is MBs
    chars = sorted(ch for ch in seen if is_cjk(ch))
    if not chars or _cjk_font_bytes() is None:
        return ""
    data = _subset_woff2("".join(chars))
    return (f"@font-face{{font-family:\"{WEB_FAMILY}\";src:url(data:font/woff2;base64,{data}) format(\"woff2\");"
            "font-display:block}\n")


def texts_of(value):
    """Every string in a JSON-like value (keys too), for :func:`font_face_css`."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from texts_of(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from texts_of(v)
