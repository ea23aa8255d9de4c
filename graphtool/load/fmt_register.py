"""A state-media register: one account per row with its handle, platform user id and parent entity.

Public lists of state-affiliated media accounts (research registers, platform labelling
datasets) come as a CSV of ``name, handle, <platform>_id, parent_entity`` (plus optional
``platform``, ``country``, ``url``).  Each row becomes:

- ``Account`` (id ``platform:<user id>`` when the id is given, else ``platform:<handle>``) with
  both identifiers recorded, so it meets the same account from an archive (by user id) or from
  FollowTheMoney (by handle, in any case where the platform ignores case);
- ``Organization`` ``register:<parent entity>`` with ``state_affiliated`` "true" (the register
  lists state media: its parents are state entities), and ``OWNED_BY`` from the account with
  basis ``declared``.

The file is recognised by its header: ``handle`` and ``parent_entity``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from . import register
from .records import FieldError, Origin, Reject, node_record, rel_record, with_sources
from .rows import raw_of, read_csv, read_header

REQUIRED = ("handle", "parent_entity")
DECLARED = {"confidence": 0.9, "basis": "declared"}
DEFAULT_PLATFORM = "x"


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    try:
        return set(REQUIRED) <= set(read_header(path))
    except (InputError, OSError):
        return False


def _user_id_column(header: list[str]) -> str | None:
    """``user_id``, or ``<platform>_id`` as registers name it (``x_id``, ``twitter_id``)."""
    for name in header:
        if name == "user_id" or re.fullmatch(r"[a-z]+_id", name):
            return name
    return None


def _records(v: dict, origin: Origin, id_column: str | None) -> list:
    platform = (v.get("platform") or "").strip().lower() or DEFAULT_PLATFORM
    handle = (v.get("handle") or "").strip().lstrip("@")
    parent = (v.get("parent_entity") or "").strip()
    if not handle:
        raise FieldError("handle", "required but missing")
    if not parent:
        raise FieldError("parent_entity", "required but missing")
    user_id = (v.get(id_column) or "").strip() if id_column else ""
    try:
        account = node_record("Account", {"platform": platform, "handle": handle, "user_id": user_id or None,
                                          "display_name": v.get("name"), "url": v.get("url")}, origin)
    except FieldError as exc:
        raise FieldError(id_column if exc.field == "user_id" and id_column else exc.field, exc.reason) from None
    owner = node_record("Organization", {"id": f"register:{parent}", "name": parent, "state_affiliated": "true",
                                         "country": v.get("country")}, origin)
    owned = rel_record("OWNED_BY", {"src": account.id, "dst": owner.id, "src_label": "Account",
                                    "dst_label": "Organization", **DECLARED}, origin)
    return [account, owner, owned]


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one register file."""
    path = Path(path)
    rows = read_csv(path)
    id_column = None
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if id_column is None:
            missing = [c for c in REQUIRED if c not in rows.header]
            if missing:
                raise InputError(f"{path}:1: a register needs the column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(missing)}")
            id_column = _user_id_column(rows.header) or ""
        origin = Origin(str(path), item.line, item.values)
        try:
            records = _records(item.values, origin, id_column or None)
        except FieldError as exc:
            yield Reject(str(path), item.line, exc.field, exc.reason, raw_of(item.values))
            continue
        yield from with_sources(records, default_sources)


register("register", sys.modules[__name__])
