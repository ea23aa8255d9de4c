"""Graph stores behind one interface, chosen by URL.

- ``embedded:PATH`` (default ``embedded:.graphtool``): FalkorDB run by graphtool itself;
- ``bolt://``, ``bolt+s://``, ``neo4j://``, ``neo4j+s://`` ...: a Neo4j server;
- ``falkordb://host:port[/graph]``: a FalkorDB server run by someone else.

Only this package talks to a database driver.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

from ..errors import ConfigError
from .base import Store, redact

DEFAULT_URL = "embedded:.graphtool"
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def store_url(url: str | None = None) -> str:
    return url or os.environ.get("GRAPHTOOL_STORE") or DEFAULT_URL


def embedded_dir(url: str) -> str:
    path = url.split(":", 1)[1]
    return path[2:] if path.startswith("//") else path or ".graphtool"


def open_store(url: str | None = None, database: str | None = None, start: bool = True) -> Store:
    """Open the store a URL names, with its schema (constraints, indexes) in place."""
    url = store_url(url)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "embedded":
        from .embedded import EmbeddedStore

        store = EmbeddedStore(embedded_dir(url), start=start)
    elif scheme in NEO4J_SCHEMES:
        from .neo4j import Neo4jStore

        store = Neo4jStore(url, database=database)
    elif scheme == "falkordb":
        from .embedded import RemoteFalkorStore

        parts = urlparse(url)
        try:
            port = parts.port or 6379
        except ValueError:
            raise ConfigError(f"store URL {redact(url)!r}: the port is not a number") from None
        store = RemoteFalkorStore(parts.hostname or "localhost", port,
                                  (parts.path or "/graphtool").strip("/") or "graphtool",
                                  parts.password or os.environ.get("FALKORDB_PASSWORD"))
    else:
        raise ConfigError(f"unknown store URL {redact(url)!r}: use embedded:PATH, bolt://..., neo4j://... or "
                          "falkordb://...")
    store.ensure_schema()
    return store


__all__ = ["Store", "open_store", "store_url", "redact", "DEFAULT_URL"]
