"""``graphtool serve``: the browser workspace over the store.

Search, entity and narrative pages, canned queries and ad-hoc read-only Cypher behind a login,
with roles (:mod:`.users`) and a tamper-evident audit trail (:mod:`.audit`).  It calls the
library (queries, explain, timeline); it holds no analysis.  The app is in :mod:`.web`.
"""
from __future__ import annotations

from pathlib import Path

from ..store import embedded_dir, store_url

ROLES = ("viewer", "analyst", "admin")  # each can do what the one before it can, and more


def role_at_least(role: str, wanted: str) -> bool:
    """>>> role_at_least("admin", "analyst"), role_at_least("viewer", "analyst")
    (True, False)
    """
    return ROLES.index(role) >= ROLES.index(wanted)


def serve_dir(url: str | None) -> Path:
    """Where the users file and the audit log live by default: ``serve/`` in an embedded store's
    folder, else ``graphtool-serve/`` in the working directory (a Neo4j server has no folder of ours)."""
    url = store_url(url)
    if url.split(":", 1)[0].lower() == "embedded":
        return Path(embedded_dir(url)).resolve() / "serve"
    return Path("graphtool-serve").resolve()
