"""Neo4j 5 through the official driver: bolt://, neo4j:// (routing), neo4j+s:// (Aura)."""
from __future__ import annotations

import os

from ..errors import ConfigError, ReadOnlyError, StoreError
from .base import Store


def _plain(value):
    """Driver values to plain Python (nodes/relationships become property maps)."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, (Node, Relationship)):
        return dict(value)
    if isinstance(value, Path):
        return [dict(n) for n in value.nodes]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Neo4jStore(Store):
    """A Neo4j server; credentials from NEO4J_USER / NEO4J_PASSWORD."""

    def __init__(self, url: str, database: str | None = None):
        import neo4j

        self.url = url
        self.database = database or os.environ.get("GRAPHTOOL_DATABASE") or None
        user = os.environ.get("NEO4J_USER", "neo4j")
        password = os.environ.get("NEO4J_PASSWORD")
        auth = (user, password) if password else None
        try:
            # Notifications ("unknown relationship type COPIES" before any exists) are noise on stderr.
            self.driver = neo4j.GraphDatabase.driver(url, auth=auth, notifications_min_severity="OFF")
            self.driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise ConfigError(f"Neo4j at {url} refused the credentials of user {user!r} "
                              "(set NEO4J_USER / NEO4J_PASSWORD)") from None
        except (neo4j.exceptions.ServiceUnavailable, ValueError, OSError) as exc:
            raise ConfigError(f"cannot reach Neo4j at {url}: {exc}") from None

    def _execute(self, query, params, access, timeout=None):
        import neo4j

        def work(tx):
            return [{k: _plain(v) for k, v in record.items()} for record in tx.run(query, params or {})]

        work = neo4j.unit_of_work(timeout=timeout)(work) if timeout else work
        try:
            with self.driver.session(database=self.database, default_access_mode=access) as session:
                if access == neo4j.READ_ACCESS:
                    return session.execute_read(work)
                return session.execute_write(work)
        except neo4j.exceptions.ClientError as exc:
            if access == neo4j.READ_ACCESS and exc.code == "Neo.ClientError.Statement.AccessMode":
                raise ReadOnlyError("this query writes; read-only queries may not") from exc
            raise StoreError(f"Neo4j: {exc.message}") from exc
        except neo4j.exceptions.Neo4jError as exc:
            raise StoreError(f"Neo4j: {exc.message}") from exc

    def run(self, query, params=None):
        import neo4j

        return self._execute(query, params, neo4j.WRITE_ACCESS)

    def read(self, query, params=None, timeout=None):
        import neo4j

        return self._execute(query, params, neo4j.READ_ACCESS, timeout)

    def ensure_schema(self):
        # One look at what exists instead of two dozen schema transactions on every open.
        self._existing = {r["name"] for r in self.read("SHOW INDEXES YIELD name RETURN name")}
        super().ensure_schema()

    def _create_unique(self, label, key):
        name = f"{label.lower()}_{key}"  # the backing index carries the constraint's name
        if name not in self._existing:
            self.run(f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE")

    def _create_index(self, label, prop):
        name = f"{label.lower()}_{prop}"
        if name not in self._existing:
            self.run(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")

    def clear(self):
        # Dropping and recreating two dozen indexes costs seconds on Neo4j; keep them.  Relationships
        # go first, in batches: DETACH DELETE of hub nodes would hold all their edges in one transaction.
        while self.run("MATCH ()-[r]->() WITH r LIMIT 20000 DELETE r RETURN count(*) AS c")[0]["c"]:
            pass
        while self.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c")[0]["c"]:
            pass

    def wipe(self):
        self.clear()
        for row in self.run("SHOW CONSTRAINTS YIELD name RETURN name"):
            self.run(f"DROP CONSTRAINT `{row['name']}` IF EXISTS")
        for row in self.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
            self.run(f"DROP INDEX `{row['name']}` IF EXISTS")

    def close(self):
        self.driver.close()
