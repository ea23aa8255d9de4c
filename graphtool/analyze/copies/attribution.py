"""Attribution: does a copy credit its original (a citation, its URL, or a name of its outlet)?

Outlet names are widened by alias groups (``outlet_aliases.toml``, data shipped with the
package) so that 环球时报 credits Global Times.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

from .params import Doc
from .shingles import token_string


def load_aliases() -> tuple[tuple[str, ...], ...]:
    """The outlet alias groups of ``outlet_aliases.toml``, shipped with the package."""
    text = resources.files(__package__).joinpath("outlet_aliases.toml").read_text(encoding="utf-8")
    return tuple(tuple(group["names"]) for group in tomllib.loads(text)["outlet"])


# Outlets that are written many ways (the data file says which): any name of a group names all of them.
OUTLET_ALIASES: tuple[tuple[str, ...], ...] = load_aliases()


def _name_key(name: str) -> str:
    return token_string(name).strip()


_CJK_GAP = re.compile(r"(?<=[\u3040-\u9fff\uf900-\ufaff]) (?=[\u3040-\u9fff\uf900-\ufaff])")


def display_name(key: str) -> str:
    """A token-string name as people write it (no spaces between CJK characters)."""
    return _CJK_GAP.sub("", key)


def _variants(name: str) -> set[str]:
    # "Global Times 环球时报" names the outlet in two scripts: each same-script run counts alone.
    key = _name_key(name)
    out = {key}
    runs, current, kind = [], [], None
    for tok in key.split():
        k = _is_cjk_name(tok)
        if current and k != kind:
            runs.append(current)
            current = []
        current.append(tok)
        kind = k
    if current:
        runs.append(current)
    if len(runs) > 1:
        out |= {" ".join(r) for r in runs}
    return out


@lru_cache(maxsize=8)
def _alias_keys(aliases: tuple) -> list[set]:
    return [{_name_key(g) for g in group} for group in aliases]


def outlet_names(names: Iterable[str], aliases: Iterable[Iterable[str]] = OUTLET_ALIASES) -> list[str]:
    """A set of names for one outlet, widened by the alias groups any of them belongs to.

    Returns the names as token strings (see :func:`~graphtool.analyze.copies.shingles.token_string`);
    names too short to be evidence (under 2 CJK characters or 4 Latin letters) are dropped.

    Examples
    --------
    >>> sorted(outlet_names(["Global Times"]))[:3]
    ['global times', 'globaltimes', 'globaltimes cn']
    """
    keys = {v for n in names if n and n.strip() for v in _variants(n)}
    if not keys:
        return []
    for group_keys in _alias_keys(tuple(tuple(g) for g in aliases)):
        if keys & group_keys:
            keys |= group_keys
    return sorted(k for k in keys if k and len(k.replace(" ", "")) >= (2 if _is_cjk_name(k) else 4))


def _is_cjk_name(key: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in key)


_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def url_key(url: str | None) -> str | None:
    """A URL without scheme, ``www.``, query-less trailing slash, lower-cased host: for matching."""
    if not url or not url.strip():
        return None
    rest = _URL_SCHEME.sub("", url.strip())
    host, _, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    key = f"{host}/{path}".rstrip("/")
    return key if len(key) >= 8 else None


@dataclass
class AttributionContext:
    """What is known about credit: explicit citations and the names of each original's outlet.

    Attributes
    ----------
    cites : set of (str, str)
        ``(citing_id, cited_id)`` from ``CITES`` relationships.
    names : dict
        original id -> names of its outlet (Outlet name, its accounts' display names, ...).
    aliases : tuple of tuple of str
        Alias groups (see :data:`OUTLET_ALIASES`).
    """

    cites: set = field(default_factory=set)
    names: dict = field(default_factory=dict)
    aliases: tuple = OUTLET_ALIASES
    _cache: dict = field(default_factory=dict, repr=False)

    def name_keys(self, original_id: str) -> list[str]:
        if original_id not in self._cache:
            self._cache[original_id] = outlet_names(self.names.get(original_id, ()), self.aliases)
        return self._cache[original_id]

    def credit(self, copy: Doc, original: Doc) -> str | None:
        """How ``copy`` credits ``original``: ``"cites"``, ``"url"``, ``"name:<name>"`` or None."""
        if (copy.id, original.id) in self.cites:
            return "cites"
        raw = f"{copy.title or ''}\n{copy.text or ''}"
        key = url_key(original.url)
        if key and (key in raw.lower() or any(url_key(u) == key for u in copy.urls or ())):
            return "url"
        names = self.name_keys(original.id)
        if names:
            haystack = token_string(raw)
            for name in names:
                if f" {name} " in haystack:
                    return f"name:{display_name(name)}"
        return None
