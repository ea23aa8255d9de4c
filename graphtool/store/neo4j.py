"""Neo4j 5 through the official driver: bolt://, neo4j:// (routing), neo4j+s:// (Aura)."""
from __future__ import annotations

import logging
import os
import time
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import ConfigError, ReadOnlyError, StoreError
from .base import Store, redact, search_words

# The driver logs connection failures itself; the error we raise says it once, in one line.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

# Codes of "someone created it first" when two commands create the same schema at once.
_SCHEMA_RACE = ("EquivalentSchemaRuleAlreadyExists", "ConstraintAlreadyExists", "IndexAlreadyExists")


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``bolt://user:pw@host`` -> (``bolt://host``, user, pw): the driver takes credentials apart."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), unquote(user) or None, unquote(password) or None


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
    """A Neo4j server; credentials from the URL's ``user:password@`` or NEO4J_USER / NEO4J_PASSWORD."""

    def __init__(self, url: str, database: str | None = None):
        import neo4j

        self.url = url
        self.database = database or os.environ.get("GRAPHTOOL_DATABASE") or None
        address, url_user, url_password = split_credentials(url)
        user = url_user or os.environ.get("NEO4J_USER", "neo4j")
        password = url_password or os.environ.get("NEO4J_PASSWORD")
        auth = (user, password) if password else None
        where = f"Neo4j at {self.describe()}"
        try:
            # Notifications ("unknown relationship type COPIES" before any exists) are noise on stderr.
            self.driver = neo4j.GraphDatabase.driver(address, auth=auth, notifications_min_severity="OFF")
            self.driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise ConfigError(f"{where} refused the credentials of user {user!r} "
                              "(set NEO4J_USER / NEO4J_PASSWORD, or user:password@ in the URL)") from None
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError,
                ValueError, OSError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if "Connection refused" in reason:  # the driver's text names the address three times
                reason = "connection refused"
            raise ConfigError(redact(f"cannot reach {where}: {reason}; is the server running, is the URL right?")
                              .replace(password or "\0", "***")) from None

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
        except (neo4j.exceptions.DriverError, OSError) as exc:  # the server went away mid-command
            raise StoreError(redact(f"Neo4j at {self.describe()}: {' '.join(str(exc).split())}")) from exc

    def run(self, query, params=None):
        import neo4j

        return self._execute(query, params, neo4j.WRITE_ACCESS)

    def read(self, query, params=None, timeout=None):
        import neo4j

        return self._execute(query, params, neo4j.READ_ACCESS, timeout)

    def explain(self, query, params=None):
        import neo4j

        def lines(op: dict, depth: int) -> list[str]:
            details = op.get("args", {}).get("Details")
            head = "    " * depth + op["operatorType"].split("@")[0] + (f" | {details}" if details else "")
            return [head] + [line for child in op.get("children", []) for line in lines(child, depth + 1)]

        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                plan = session.run("EXPLAIN " + query, params or {}).consume().plan
        except neo4j.exceptions.Neo4jError as exc:
            raise StoreError(f"Neo4j: {exc.message}") from exc
        return "\n".join(lines(plan, 0))

    def profile(self, query, params=None):
        import neo4j

        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                summary = session.run("PROFILE " + query, params or {}).consume()
        except neo4j.exceptions.Neo4jError as exc:
            raise StoreError(f"Neo4j: {exc.message}") from exc
        return summary.profile["args"]["string-representation"].strip()

    def ensure_schema(self):
        # One look at what exists instead of two dozen schema transactions on every open.
        rows = self.read("SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
                         "RETURN name, type, labelsOrTypes, properties")
        self._existing = {r["name"] for r in rows}
        self._fulltext = {r["name"]: tuple(r["properties"] or ()) for r in rows if r["type"] == "FULLTEXT"}
        self._range = {r["name"]: (label, prop) for r in rows if r["type"] == "RANGE"
                       for label in r["labelsOrTypes"] or () for prop in r["properties"] or ()}
        super().ensure_schema()

    def range_indexed(self):
        return set(self._range.values())

    def drop_index(self, label, prop):
        for name in [name for name, indexed in self._range.items() if indexed == (label, prop)]:
            self._create_schema(f"DROP INDEX `{name}` IF EXISTS")
            self._existing.discard(name)
            del self._range[name]

    def _create_schema(self, statement: str, attempts: int = 8) -> None:
        import neo4j

        for attempt in range(attempts):
            try:
                with self.driver.session(database=self.database) as session:
                    session.run(statement).consume()
                return
            except neo4j.exceptions.ClientError as exc:
                if any(code in (exc.code or "") for code in _SCHEMA_RACE):  # IF NOT EXISTS still races
                    return
                raise StoreError(f"Neo4j: {exc.message}") from exc
            except neo4j.exceptions.TransientError as exc:  # concurrent schema changes deadlock: try again
                if attempt == attempts - 1:
                    raise StoreError(f"Neo4j: {exc.message}") from exc
                time.sleep(0.1 * (attempt + 1))
            except neo4j.exceptions.Neo4jError as exc:
                raise StoreError(f"Neo4j: {exc.message}") from exc

    def create_unique(self, label, key):
        name = f"{label.lower()}_{key}"  # the backing index carries the constraint's name
        if name not in self._existing:
            self._create_schema(f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE")

    def create_index(self, label, prop):
        name = f"{label.lower()}_{prop}"
        if name not in self._existing:
            self._create_schema(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
            self._existing.add(name)
            self._range[name] = (label, prop)

    def create_fulltext(self, label, props):
        # The CJK analyzer: bigrams for Chinese (no segmenter needed), lower-cased words for English.
        name = f"{label.lower()}_text"
        if name in self._existing and self._fulltext.get(name) != tuple(props):  # the model searches more now
            self._create_schema(f"DROP INDEX {name} IF EXISTS")
            self._existing.discard(name)
        if name not in self._existing:
            fields = ", ".join(f"n.{p}" for p in props)
            self._create_schema(f"CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:{label}) ON EACH [{fields}] "
                                "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}")
            self._existing.add(name)

    def fulltext(self, label, text, limit):
        name = f"{label.lower()}_text"
        if name not in getattr(self, "_existing", ()):
            self._existing = {r["name"] for r in self.read("SHOW INDEXES YIELD name RETURN name")}
            if name not in self._existing:
                return None
        # every word required; an English word also as a prefix; a Chinese run is analysed into bigrams
        words = [f"+{w}" if cjk else f"+({w} {w}*)" if len(w) > 1 else f"+{w}" for w, cjk in search_words(text)]
        if not words:
            return []
        return self.read("CALL db.index.fulltext.queryNodes($index, $q, {limit: $limit}) YIELD node, score "
                         "RETURN node.id AS id, score ORDER BY score DESC, id",
                         {"index": name, "q": " ".join(words), "limit": limit})

    # Below this many entities written, an import leaves the index statistics to Neo4j's own sampling:
    # a plan made on stale numbers then scans a few thousand index entries at worst, and replanning
    # costs every import 0.3 s and every query after it a new plan.
    REPLAN_AFTER = 10_000

    def after_import(self, written=None):
        # Until Neo4j's background sampling catches up, the index statistics are those of before the
        # import: a plan made then (an account-batched read just after a first load) scanned the whole
        # Account index once per batch row.  Resample now, and drop the plans made on the old numbers.
        if written is not None and written < self.REPLAN_AFTER:
            return
        try:
            self.run("CALL db.prepareForReplanning()")
        except StoreError as exc:  # not allowed to this user: the background sampling will catch up
            if not (getattr(exc.__cause__, "code", None) or "").startswith(("Neo.ClientError.Security",
                                                                             "Neo.ClientError.Procedure")):
                raise

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
