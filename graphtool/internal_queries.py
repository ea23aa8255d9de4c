"""Every Cypher statement graphtool sends on its own behalf, declared once and checked like a canned query.

A statement is a constant here: its text, the parameters it takes and, where a label or a
relationship type varies, a *slot* with the values it may take, all from :mod:`graphtool.model`::

    PUBLISHER_OF = statement(
        "UNWIND $ids AS id MATCH (p:{publisher})-[:PUBLISHED]->(a:Article {id: id}) RETURN a.id AS id, p.id AS pid",
        "ids", publisher=model.rel("PUBLISHED").sources)

    rows = Q.PUBLISHER_OF.read(store, {"ids": batch}, publisher=model.L.Outlet)

``{publisher}`` is the slot (a name alone in braces, which Cypher itself never writes); a value
outside the declared ones is a :class:`~graphtool.errors.QueryError`, and so is a call that
passes other parameters than the declared ones.  tests/test_internal_queries.py runs
:func:`graphtool.queries.check_cypher` (the checker of ``cypher/*.cypher``) on every variant of
every statement, and fails when code in graphtool/ sends a query that is not one of these (or
one generated from the model: the loader's ``node_query``/``rel_query``/``matched_query``).

To add one: write it here under the module that uses it, name its parameters, declare its
slots from the model, and call ``.read(store, params, **slots)`` (read-only) or ``.run(...)``.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from itertools import product

from . import model
from .errors import QueryError

_SLOT = re.compile(r"\{([a-z_]+)\}")
ACTORS = model.ACTORS  # Account, Outlet
L, R = model.L, model.R


@dataclass(frozen=True)
class Statement:
    """One internal query: text with ``{slot}`` holes, its parameters and the values each slot may take."""

    text: str
    params: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]
    line: int
    name: str = ""
    _filled: dict = field(default_factory=dict, compare=False, repr=False)

    def cypher(self, **slots: str) -> str:
        """The text with its slots filled; each value must be one the statement declares."""
        key = tuple(sorted(slots.items()))
        text = self._filled.get(key)
        if text is None:
            if set(slots) != set(self.slots):
                raise QueryError(f"internal query {self.name}: slots {sorted(slots)} given, "
                                 f"{sorted(self.slots)} declared")
            for slot, value in slots.items():
                if value not in self.slots[slot]:
                    raise QueryError(f"internal query {self.name}: {slot}={value!r} is not one of "
                                     f"{', '.join(self.slots[slot])}")
            text = self._filled[key] = _SLOT.sub(lambda m: slots[m.group(1)], self.text)
        return text

    def _bind(self, params: dict | None) -> dict:
        params = params or {}
        if set(params) != set(self.params):
            raise QueryError(f"internal query {self.name}: passes {sorted(params)}, declares {sorted(self.params)}")
        return params

    def read(self, store, params: dict | None = None, **slots: str) -> list[dict]:
        """Run it read-only."""
        return store.read(self.cypher(**slots), self._bind(params))

    def read_columns(self, store, columns: dict[str, type], params: dict | None = None, **slots: str) -> dict:
        """Run it read-only, by column (:meth:`~graphtool.store.base.Store.read_columns`)."""
        return store.read_columns(self.cypher(**slots), columns, self._bind(params))

    def run(self, store, params: dict | None = None, **slots: str) -> list[dict]:
        """Run it as a write."""
        return store.run(self.cypher(**slots), self._bind(params))

    def variants(self):
        """``(slot values, text)`` for every combination of slot values: what the checker reads."""
        names = sorted(self.slots)
        for values in product(*(self.slots[n] for n in names)):
            filled = dict(zip(names, values))
            yield filled, self.cypher(**filled)


def statement(text: str, *params: str, **slots) -> Statement:
    """Declare a statement (see the module docstring); its name is the constant it is bound to."""
    for slot in _SLOT.findall(text):
        if slot not in slots:
            raise QueryError(f"slot {{{slot}}} has no declared values")
    return Statement(text, params, {k: tuple(v) for k, v in slots.items()}, sys._getframe(1).f_lineno)


# --- graphtool.cli.common ------------------------------------------------------------------------

ANY_NODE = statement("MATCH (n) RETURN n.id AS id LIMIT 1")

# --- graphtool.demo.steps ------------------------------------------------------------------------

IMPORT_RUN_COUNT = statement("MATCH (r:ImportRun) RETURN count(r) AS c")
NARRATIVE_IDS = statement("MATCH (n:Narrative) RETURN n.id AS id ORDER BY id")

# --- graphtool.schedule --------------------------------------------------------------------------

IMPORTED_FINGERPRINTS = statement(
    "MATCH (r:ImportRun) WHERE r.hashes IS NOT NULL UNWIND r.hashes AS h "
    "WITH DISTINCT h WHERE h IN $fps RETURN h", "fps")
RUNNING_IMPORTS = statement(
    "MATCH (r:ImportRun) WHERE r.outcome = 'running' AND r.manifest = $m AND r.host = $h "
    "RETURN r.id AS id, r.pid AS pid", "m", "h")
MARK_CRASHED = statement(
    "MATCH (r:ImportRun) WHERE r.id IN $ids SET r.outcome = 'crashed', "
    "r.error = 'the process ended before the run finished (killed or crashed)'", "ids")
RECENT_RUNS = statement(
    "MATCH (r:ImportRun) WHERE $m IS NULL OR r.manifest = $m RETURN r.id AS id, r.manifest AS manifest, "
    "r.host AS host, r.pid AS pid, r.started_at AS started_at, r.ended_at AS ended_at, r.outcome AS outcome, "
    "r.files AS files, r.skipped AS skipped, r.counts AS counts, r.rejects AS rejects, "
    "r.error AS error ORDER BY r.started_ts DESC, r.id DESC LIMIT $n", "m", "n")

# --- graphtool.watch -----------------------------------------------------------------------------

ALERTS_SEEN = statement("UNWIND $ids AS id MATCH (a:Alert {id: id}) RETURN a.id AS id", "ids")

# --- graphtool.load.writer -----------------------------------------------------------------------

NODE_EXISTS = statement("MATCH (n:{label} {id: $id}) RETURN count(n) AS c", "id", label=tuple(model.L))

# --- graphtool.load.bulk_neo4j -------------------------------------------------------------------

# neo4j-admin's CSV cannot say "an empty list": those properties are set once the server runs.
SET_NODE_PROPS = statement("UNWIND $rows AS row MATCH (n:{label} {id: row.id}) SET n += row.props", "rows",
                           label=tuple(model.L))

# --- graphtool.load.identity ---------------------------------------------------------------------

IDENTIFIER_OWNERS = statement(
    "UNWIND $keys AS k MATCH (i:Identifier {id: k})-[:IDENTIFIES]->(a:Account) "
    "RETURN k AS k, a.id AS a, a.user_id AS uid, i.conflict AS conflict", "keys")
ACCOUNT_USER_IDS = statement(
    "UNWIND $ids AS i MATCH (a:Account {id: i}) RETURN a.id AS a, a.user_id AS uid", "ids")
MARK_CONFLICTS = statement("UNWIND $ids AS k MATCH (i:Identifier {id: k}) SET i.conflict = true", "ids")


def _seen_set(end: str, wins: str) -> str:
    # The ISO companion first: its condition must still see the old epoch seconds.
    cond = f"r.{end}_seen_ts IS NULL OR row.{end} {wins} r.{end}_seen_ts"
    return (f"r.{end}_seen_at = CASE WHEN {cond} THEN row.{end}_at ELSE r.{end}_seen_at END, "
            f"r.{end}_seen_ts = CASE WHEN {cond} THEN row.{end} ELSE r.{end}_seen_ts END")


LINK_IDENTIFIERS = statement(
    "UNWIND $rows AS row MATCH (a:Account {id: row.account}) "
    "MERGE (i:Identifier {id: row.id}) ON CREATE SET i.platform = row.platform, i.kind = row.kind, "
    "i.value = row.value, i.sources = row.sources "
    "ON MATCH SET i.sources = coalesce(i.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(i.sources, [])] "
    "MERGE (i)-[r:IDENTIFIES]->(a) "
    "ON CREATE SET r.as_seen = row.as_seen, r.sources = row.sources, r.first_seen_ts = row.first, "
    "r.first_seen_at = row.first_at, r.last_seen_ts = row.last, r.last_seen_at = row.last_at "
    "ON MATCH SET r.sources = coalesce(r.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])], "
    # Of several spellings the smallest is kept, so the result does not depend on import order.
    "r.as_seen = CASE WHEN r.as_seen IS NULL OR row.as_seen < r.as_seen THEN row.as_seen ELSE r.as_seen END, "
    + _seen_set("first", "<") + ", " + _seen_set("last", ">"), "rows")
ACCOUNT_PROPERTIES = statement(
    "UNWIND $ids AS i MATCH (a:Account {id: i}) RETURN a.id AS id, properties(a) AS p", "ids")
SET_ACCOUNT = statement("MATCH (a:Account {id: $id}) SET a += $props", "id", "props")
_ACCOUNT_OUT = tuple(r.type for r in model.RELATIONSHIPS if L.Account in r.sources)
_ACCOUNT_IN = tuple(r.type for r in model.RELATIONSHIPS if L.Account in r.targets)
ACCOUNT_RELS_OUT = statement(
    "MATCH (a:Account {id: $id})-[r:{type}]->(b) RETURN b.id AS b, labels(b) AS labels, properties(r) AS p",
    "id", type=_ACCOUNT_OUT)
ACCOUNT_RELS_IN = statement(
    "MATCH (b)-[r:{type}]->(a:Account {id: $id}) RETURN b.id AS b, labels(b) AS labels, properties(r) AS p",
    "id", type=_ACCOUNT_IN)
DELETE_ACCOUNT = statement("MATCH (a:Account {id: $id}) DETACH DELETE a", "id")
IDENTIFIERS_OF = statement(
    "MATCH (i:Identifier)-[r:IDENTIFIES]->(a:Account {id: $id}) RETURN i.id AS id, i.kind AS kind, "
    "r.as_seen AS as_seen, r.sources AS sources, r.first_seen_at AS first, r.last_seen_at AS last, "
    "r.first_seen_ts AS ts", "id")

# --- graphtool.analyze.timeline_store and .cascades_store ----------------------------------------

NARRATIVE_NAME = statement("MATCH (n:Narrative {id: $id}) RETURN n.name AS name", "id")
NARRATIVE_POSTS = statement(
    "MATCH (a:Article)-[:CARRIES]->(n:Narrative {id: $id}) "
    "RETURN DISTINCT a.id AS id, a.platform AS platform, a.published_ts AS ts ORDER BY id", "id")
NARRATIVE_ARTICLES = statement(
    "MATCH (a:Article)-[:CARRIES]->(n:Narrative {id: $id}) RETURN DISTINCT a.id AS id ORDER BY id", "id")
NARRATIVE_UNDATED = statement(
    "MATCH (a:Article)-[:CARRIES]->(n:Narrative {id: $id}) "
    "WHERE a.published_ts IS NULL RETURN count(DISTINCT a) AS n", "id")
PUBLISHERS_OF = statement(
    "UNWIND $ids AS id MATCH (p:{publisher})-[:PUBLISHED]->(a:Article {id: id}) "
    "RETURN a.id AS id, p.id AS pid, coalesce(p.name, p.display_name) AS name ORDER BY pid",
    "ids", publisher=model.rel("PUBLISHED").sources)
SHARES_OF = statement(
    "UNWIND $ids AS id MATCH (s:Account)-[r:SHARED]->(a:Article {id: id}) "
    "RETURN a.id AS id, s.id AS account, s.platform AS platform, r.at_ts AS ts", "ids")
EVENTS = statement("MATCH (e:Event) RETURN e.id AS id, e.name AS name, e.kind AS kind, e.at_ts AS ts "
                   "ORDER BY ts, id")
ARTICLE_EXISTS = statement("MATCH (a:Article {id: $id}) RETURN a.id AS id", "id")
ARTICLES = statement(
    "UNWIND $ids AS id MATCH (a:Article {id: id}) RETURN a.id AS id, a.platform AS platform, "
    "a.published_at AS at, a.published_ts AS ts, a.title AS title, a.url AS url", "ids")
_COPY_PROPS = ("r.similarity AS similarity, r.containment AS containment, r.lag_s AS lag_s, "
               "r.attributed AS attributed, r.method AS method")
_CITE_PROPS = "null AS similarity, null AS containment, null AS lag_s, true AS attributed, null AS method"
COPIES_FROM = statement(f"UNWIND $ids AS id MATCH (a:Article {{id: id}})-[r:COPIES]->(b:Article) "
                        f"RETURN a.id AS src, b.id AS dst, {_COPY_PROPS}", "ids")
COPIES_TO = statement(f"UNWIND $ids AS id MATCH (a:Article)-[r:COPIES]->(b:Article {{id: id}}) "
                      f"RETURN a.id AS src, b.id AS dst, {_COPY_PROPS}", "ids")
CITES_FROM = statement(f"UNWIND $ids AS id MATCH (a:Article {{id: id}})-[r:CITES]->(b:Article) "
                       f"RETURN a.id AS src, b.id AS dst, {_CITE_PROPS}", "ids")
CITES_TO = statement(f"UNWIND $ids AS id MATCH (a:Article)-[r:CITES]->(b:Article {{id: id}}) "
                     f"RETURN a.id AS src, b.id AS dst, {_CITE_PROPS}", "ids")


# --- graphtool.analyze.projection_store ----------------------------------------------------------

OWNERSHIP_TYPES = (R.OPERATED_BY, R.OWNED_BY, R.REGISTERED_TO)
_OWNED = tuple(sorted({label for t in OWNERSHIP_TYPES for label in model.rel(t).sources}))
_OWNERS = tuple(sorted({label for t in OWNERSHIP_TYPES for label in model.rel(t).targets}))
CENSUS_ACCOUNTS = statement(
    "MATCH (n:Account) RETURN n.id AS id, n.display_name AS display_name, n.handle AS handle, "
    "n.registrant_country AS registrant_country, n.audience_country AS audience_country, n.sources AS sources")
CENSUS_OUTLETS = statement(
    "MATCH (n:Outlet) RETURN n.id AS id, n.name AS name, n.state_affiliated AS state_affiliated, "
    "n.country AS country, n.sources AS sources")
# The same by column (Store.read_columns): '' for no value, the sources joined into one text, each
# after a RS (record separator); a value of another type fails the column and the census reads rows.
SOURCES_SEPARATOR = "\x1e"
_JOINED_SOURCES = f"reduce(t = '', s IN coalesce(n.sources, []) | t + '{SOURCES_SEPARATOR}' + s) AS sources"
CENSUS_ACCOUNT_COLUMNS = statement(
    "MATCH (n:Account) RETURN n.id AS id, coalesce(n.display_name, '') AS display_name, "
    "coalesce(n.handle, '') AS handle, coalesce(n.registrant_country, '') AS registrant_country, "
    f"coalesce(n.audience_country, '') AS audience_country, {_JOINED_SOURCES}")
CENSUS_OUTLET_COLUMNS = statement(
    "MATCH (n:Outlet) RETURN n.id AS id, coalesce(n.name, '') AS name, "
    "coalesce(n.state_affiliated, '') AS state_affiliated, coalesce(n.country, '') AS country, "
    f"{_JOINED_SOURCES}")
CENSUS_OWNERS = statement(  # a Person has no state_affiliated nor kind: they read as null
    "MATCH (n:{owner}) RETURN n.id AS id, n.name AS name, n.state_affiliated AS state_affiliated, "
    "n.country AS country, n.kind AS kind, n.sources AS sources", owner=tuple(sorted(set(_OWNERS) - set(ACTORS))))
NARRATIVES = statement("MATCH (n:Narrative) RETURN n.id AS id, n.name AS name")
# The amplification projection (scores and maps): one row per start node, the other ends and the
# times collected in step (collect() drops nulls: a share or copy without a time is NO_TIME).
# Carrying the relationship variable through WITH makes FalkorDB keep one row per parallel edge
# (two shares of one article are two shares).
NO_TIME = -(2 ** 53) - 1
AMPLIFYING_SHARES = statement(  # the scores count ends only: collecting times too costs 1.3x at 10^5 shares
    "MATCH (a:Account)-[s:SHARED]->(:Article)<-[:PUBLISHED]-(b:{dst}) WITH a, s, b "
    "RETURN a.id AS src, collect(b.id) AS dst", dst=ACTORS)
AMPLIFYING_SHARES_TIMED = statement(
    "MATCH (a:Account)-[s:SHARED]->(:Article)<-[:PUBLISHED]-(b:{dst}) WITH a, s, b "
    f"RETURN a.id AS src, collect(b.id) AS dst, collect(coalesce(s.at_ts, {NO_TIME})) AS ts", dst=ACTORS)
# With a window, anchored on the relationship's time, so the planner can start from the time index.
AMPLIFYING_SHARES_IN = statement(
    "MATCH (a:Account)-[s:SHARED]->(x:Article) WHERE s.at_ts >= $since AND s.at_ts <= $until "
    "MATCH (b:{dst})-[:PUBLISHED]->(x) WITH a, s, b "
    "RETURN a.id AS src, collect(b.id) AS dst, collect(s.at_ts) AS ts", "since", "until", dst=ACTORS)
AMPLIFYING_COPIES = statement(
    "MATCH (a:{src})-[:PUBLISHED]->(:Article)-[c:COPIES]->(:Article)<-[:PUBLISHED]-(b:{dst}) WITH a, c, b "
    "RETURN a.id AS src, collect(b.id) AS dst", src=ACTORS, dst=ACTORS)
AMPLIFYING_COPIES_TIMED = statement(
    "MATCH (a:{src})-[:PUBLISHED]->(x:Article)-[c:COPIES]->(:Article)<-[:PUBLISHED]-(b:{dst}) WITH a, x, c, b "
    f"RETURN a.id AS src, collect(b.id) AS dst, collect(coalesce(x.published_ts, {NO_TIME})) AS ts, "
    "collect(CASE WHEN c.attributed = false THEN 1 ELSE 0 END) AS unattributed", src=ACTORS, dst=ACTORS)
AMPLIFYING_COPIES_IN = statement(
    "MATCH (x:Article)-[c:COPIES]->(y:Article) WHERE x.published_ts >= $since AND x.published_ts <= $until "
    "MATCH (a:{src})-[:PUBLISHED]->(x) MATCH (b:{dst})-[:PUBLISHED]->(y) WITH a, x, c, b "
    "RETURN a.id AS src, collect(b.id) AS dst, collect(x.published_ts) AS ts, "
    "collect(CASE WHEN c.attributed = false THEN 1 ELSE 0 END) AS unattributed", "since", "until",
    src=ACTORS, dst=ACTORS)
# The scores' amplification read, by column (Store.read_columns): the publishers of every article
# once, then each share and each copy as a pair of ids, joined and counted in numpy (one row per
# share: ``s`` is read, so FalkorDB keeps parallel shares apart; PUBLISHED and COPIES are one per
# pair, as the writer MERGEs them).  The shares also give the shared counts (a quote counted once,
# as its article: SHARED_COUNTS) and the publishers the published counts.  On FalkorDB (``_NODES``)
# every end is its internal node id, an integer that needs no decoding nor lookup by name, and the
# shares go by ranges of account node ids (``$lo`` .. ``$hi``), so that no reply holds them all.
AMPLIFY_PUBLISHERS = statement("MATCH (b:{actor})-[:PUBLISHED]->(x:Article) RETURN b.id AS actor, x.id AS article",
                               actor=ACTORS)
_QUOTE = "CASE WHEN s.kind = 'quote' THEN 1 ELSE 0 END AS quote"
AMPLIFY_SHARES = statement(f"MATCH (a:Account)-[s:SHARED]->(x:Article) RETURN a.id AS actor, x.id AS article, {_QUOTE}")
AMPLIFY_COPIES = statement("MATCH (x:Article)-[c:COPIES]->(y:Article) WITH x, c, y "
                           "RETURN x.id AS copy, y.id AS original")
# Every actor of a label with its internal node id (FalkorDB reads by node id: scores, coordination).
ACTOR_NODES = statement("MATCH (a:{actor}) RETURN id(a) AS node, a.id AS id", actor=ACTORS)
AMPLIFY_PUBLISHERS_NODES = statement(
    "MATCH (b:{actor})-[:PUBLISHED]->(x:Article) RETURN id(b) AS actor, id(x) AS article", actor=ACTORS)
AMPLIFY_SHARES_NODES = statement(
    "MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi MATCH (a)-[s:SHARED]->(x:Article) "
    f"RETURN id(a) AS actor, id(x) AS article, {_QUOTE}", "lo", "hi")
AMPLIFY_COPIES_NODES = statement("MATCH (x:Article)-[c:COPIES]->(y:Article) WITH x, c, y "
                                 "RETURN id(x) AS copy, id(y) AS original")
OWNERSHIP_LINKS = statement(
    "MATCH (a:{src})-[r:{type}]->(b:{dst}) RETURN a.id AS src, b.id AS dst, r.confidence AS confidence, "
    "r.basis AS basis, r.sources AS sources", src=_OWNED, type=OWNERSHIP_TYPES, dst=_OWNERS)
COORDINATION_LINKS = statement(
    "MATCH (a:Account)-[r:COORDINATED_WITH]->(b:Account) RETURN a.id AS src, b.id AS dst, r.kind AS kind, "
    "r.weight AS weight")
FOLLOW_LINKS = statement(
    "MATCH (a:Account)-[r:FOLLOWS]->(b:Account) WHERE a.id <> b.id "
    "RETURN a.id AS src, b.id AS dst, min(r.observed_ts) AS t0, max(r.observed_ts) AS t1")
# Counted for every actor in one query (an id seek per actor in UNWIND batches costs 1.3x).
PUBLISHED_COUNTS = statement("MATCH (a:{actor})-[p:PUBLISHED]->() RETURN a.id AS id, count(p) AS n", actor=ACTORS)
SHARED_COUNTS = statement(  # a quote is counted once, as its article
    "MATCH (a:Account)-[s:SHARED]->() WHERE s.kind IS NULL OR s.kind <> 'quote' RETURN a.id AS id, count(s) AS n")
STATE_ARTICLES = statement(
    "UNWIND $ids AS id MATCH (s:{actor} {id: id})-[:PUBLISHED]->(y:Article) "
    "RETURN s.id AS actor, y.id AS article, y.published_ts AS ts, y.content_sha256 AS sha", "ids", actor=ACTORS)
CITING = statement(
    "UNWIND $ids AS id MATCH (y:Article {id: id})<-[r:CITES]-(x:Article)<-[:PUBLISHED]-(a:{actor}) "
    "RETURN y.id AS original, x.id AS content, a.id AS actor, x.published_ts AS ts, x.sources AS xs, "
    "r.sources AS rs", "ids", actor=ACTORS)
COPYING = statement(
    "UNWIND $ids AS id MATCH (y:Article {id: id})<-[c:COPIES]-(x:Article)<-[:PUBLISHED]-(a:{actor}) "
    "RETURN y.id AS original, x.id AS content, a.id AS actor, c.attributed AS attributed, c.lag_s AS lag_s, "
    "x.published_ts AS ts, x.sources AS xs", "ids", actor=ACTORS)
SAME_TEXT = statement(
    "MATCH (a:{actor})-[:PUBLISHED]->(x:Article) WHERE x.content_sha256 IN $shas "
    "RETURN x.id AS content, x.content_sha256 AS sha, a.id AS actor, x.published_ts AS ts, x.sources AS xs",
    "shas", actor=ACTORS)
REPOSTS = statement(
    "UNWIND $ids AS id MATCH (y:Article {id: id})<-[s:SHARED]-(a:Account) "
    "RETURN y.id AS original, s.id AS share, a.id AS actor, s.at_ts AS ts, s.sources AS ss, s.kind AS kind", "ids")
SET_SCORES = statement("UNWIND $rows AS row MATCH (n:{label} {id: row.id}) SET n += row.props", "rows",
                       label=ACTORS)
SET_SCORES_COMMON = statement("UNWIND $rows AS row MATCH (n:{label} {id: row.id}) SET n += row.props "
                              "SET n += $common", "rows", "common", label=ACTORS)
# The scores of graphtool analyze by part, in the order it writes them (analyze/scores_store.py).
SCORE_COLUMNS = (("pagerank", "strength_in", "strength_out", "betweenness"), ("community", "community_size"),
                 ("affiliation_score", "ownership_clarity", "affiliation_reasons", "state_media", "state_path",
                  "affiliation_ownership", "affiliation_copying", "affiliation_pickup", "affiliation_country",
                  "affiliation_coordination"))


def score_sets(columns) -> str:
    """``n.a = r[1], n.b = r[2], ...``: the SET list of SET_SCORE_ROWS for rows ``[id, a, b, ...]``."""
    return ", ".join(f"n.{c} = r[{i}]" for i, c in enumerate(columns, 1))


# Rows as lists ``[id, value, ...]``: a third of the client's encoding and two thirds of the server's
# work of rows of maps (10^5 rows of 16 scores); one variant per combination of parts.
SET_SCORE_ROWS = statement(
    "UNWIND $rows AS r MATCH (n:{label} {id: r[0]}) SET {columns} SET n += $common", "rows", "common",
    label=ACTORS, columns=tuple(score_sets(sum((SCORE_COLUMNS[i] for i in range(3) if mask >> i & 1), ()))
                                for mask in range(1, 8)))
# The same on FalkorDB by internal node id (ACTOR_NODES of the same run): a NodeByIdSeek per row, not an
# index look-up.  The id is bound by a WITH first, and no label stands beside id(): either makes FalkorDB
# scan every node per row.
SET_SCORE_ROWS_BY_NODE = statement(
    "UNWIND $rows AS r WITH r, r[0] AS i MATCH (n) WHERE id(n) = i SET {columns} SET n += $common", "rows", "common",
    columns=SET_SCORE_ROWS.slots["columns"])
SET_STATE_ENTITY = statement(
    "UNWIND $rows AS row MATCH (n:{label} {id: row.id}) SET n.state_entity = row.value", "rows",
    label=tuple(n.label for n in model.NODES if n.prop("state_entity")))
DELETE_AMPLIFIED = statement("MATCH ()-[r:AMPLIFIED]->() WITH r LIMIT $n DELETE r RETURN count(*) AS c", "n")
CREATE_AMPLIFIED = statement(
    "UNWIND $rows AS row MATCH (a:{src} {id: row.src}) MATCH (b:{dst} {id: row.dst}) "
    "CREATE (a)-[:AMPLIFIED {weight: row.weight, shares: row.shares, copies: row.copies, run_id: $run}]->(b)",
    "rows", "run", src=ACTORS, dst=ACTORS)

# --- graphtool.analyze.scores_store and .follows_store --------------------------------------------

EXPLAIN_SCORES = statement(
    "MATCH (n:{actor} {id: $id}) RETURN coalesce(n.name, n.display_name) AS name, "
    + ", ".join(f"n.{p.name} AS {p.name}" for p in model.ANALYSIS_PROPS), "id", actor=ACTORS)
CLEAR_FOLLOW_COMMUNITIES = statement(
    "MATCH (a:Account) WHERE a.follow_run IS NOT NULL "
    "SET a.follow_community = null, a.follow_community_size = null, a.follow_run = null")

# --- graphtool.analyze.copies_store --------------------------------------------------------------

ARTICLE_PAGE = statement(
    "MATCH (a:Article) WHERE a.id > $after RETURN a.id AS id, a.content_sha256 AS sha, "
    "a.title AS title, a.published_ts AS ts, a.lang AS lang, a.copy_sketch AS sketch "
    "ORDER BY id LIMIT $limit", "after", "limit")
ARTICLE_DOCS = statement(
    "UNWIND $ids AS id MATCH (a:Article {id: id}) RETURN a.id AS id, a.text AS text, "
    "a.title AS title, a.published_ts AS ts, a.lang AS lang, a.url AS url, a.urls AS urls", "ids")
CITATIONS = statement(
    "UNWIND $ids AS id MATCH (a:Article {id: id})-[:CITES]->(b:Article) RETURN a.id AS src, b.id AS dst", "ids")
OUTLET_NAMES = statement(
    "UNWIND $ids AS id MATCH (o:Outlet)-[:PUBLISHED]->(a:Article {id: id}) "
    "RETURN a.id AS id, o.name AS name, o.url AS url", "ids")
ACCOUNT_PUBLISHER_NAMES = statement(
    "UNWIND $ids AS id MATCH (p:Account)-[:PUBLISHED]->(a:Article {id: id}) RETURN a.id AS id, p.display_name AS name",
    "ids")
RUNNING_OUTLET_NAMES = statement(  # the outlet that operates or owns the publishing account
    "UNWIND $ids AS id MATCH (p:Account)-[:PUBLISHED]->(a:Article {id: id}) "
    "MATCH (p)-[:{link}]->(o:Outlet) RETURN a.id AS id, o.name AS name, o.url AS url", "ids",
    link=tuple(t for t in (R.OPERATED_BY, R.OWNED_BY) if L.Outlet in model.rel(t).targets))
WRITE_COPIES = statement(
    "UNWIND $rows AS row MATCH (a:Article {id: row.copy}) MATCH (b:Article {id: row.original}) "
    "MERGE (a)-[r:COPIES]->(b) SET r.lag_s = null, r.evidence_shared = null, r.evidence_share = null "
    "SET r += row.props", "rows")
STORED_COPIES = statement(
    "UNWIND $ids AS id MATCH (a:Article {id: id})-[:COPIES]->(b:Article) RETURN a.id AS copy, b.id AS original",
    "ids")
RETRACT_COPIES = statement(
    "UNWIND $rows AS row MATCH (:Article {id: row.copy})-[r:COPIES]->(:Article {id: row.original}) DELETE r", "rows")
WRITE_SKETCHES = statement("UNWIND $rows AS row MATCH (a:Article {id: row.id}) SET a.copy_sketch = row.sketch",
                           "rows")
DROP_COPIES_OF = statement("UNWIND $ids AS id MATCH (a:Article {id: id})-[r:COPIES]-() DELETE r", "ids")
DROP_ALL_COPIES = statement("MATCH ()-[r:COPIES]->() DELETE r")

# --- graphtool.render.report ---------------------------------------------------------------------

NODE_NAMES = statement(  # accounts and outlets, and the owners on an ownership path (state_path)
    "UNWIND $ids AS id MATCH (n:{named} {id: id}) RETURN n.id AS id, coalesce(n.name, n.display_name) AS name",
    "ids", named=ACTORS + (L.Organization, L.Person))
REPORT_ARTICLES = statement(
    "UNWIND $ids AS id MATCH (a:Article {id: id}) RETURN a.id AS id, a.title AS title, "
    "a.text AS text, a.lang AS lang, a.platform AS platform, a.published_at AS at, a.url AS url, "
    "a.sources AS sources", "ids")
SOURCES = statement(
    "MATCH (s:Source) RETURN s.id AS id, s.kind AS kind, s.title AS title, s.url AS url, "
    "s.captured_at AS captured_at, s.sha256 AS sha256, s.digest AS digest, s.collector AS collector ORDER BY id")
SOURCE_ARTICLE_SPANS = statement(
    "MATCH (a:Article) WHERE a.sources IS NOT NULL UNWIND a.sources AS sid "
    "RETURN sid, count(a) AS n, min(a.published_at) AS first, max(a.published_at) AS last")
SOURCE_SHARE_SPANS = statement(
    "MATCH (:Account)-[r:SHARED]->() WHERE r.sources IS NOT NULL UNWIND r.sources AS sid "
    "RETURN sid, count(r) AS n, min(r.at) AS first, max(r.at) AS last")
SHARE_SOURCES = statement(
    "UNWIND $ids AS id MATCH (a:Account {id: id})-[r:SHARED]->(x:Article) "
    "WITH r, x WHERE x.id IN $items RETURN DISTINCT r.sources AS s", "ids", "items")
ACCOUNT_EXISTS = statement("MATCH (a:Account {id: $id}) RETURN a.id AS id", "id")
ACCOUNT_NARRATIVES = statement(
    "MATCH (a:Account {id: $id})-[:PUBLISHED]->(:Article)-[:CARRIES]->(n:Narrative) "
    "RETURN DISTINCT n.id AS id ORDER BY id", "id")
UNCREDITED_COPIES = statement(
    "MATCH (c:Article)-[r:COPIES]->(o:Article) WHERE r.attributed = false "
    "RETURN c.id AS copy, o.id AS original, r.similarity AS similarity, r.containment AS containment, "
    "r.lag_s AS lag_s, r.method AS method, r.run_id AS run_id ORDER BY original, copy")
COPY_PUBLISHERS = statement(
    "MATCH (p)-[:PUBLISHED]->(a:Article)<-[:COPIES]-() RETURN DISTINCT a.id AS id, p.id AS pid "
    "UNION MATCH (p)-[:PUBLISHED]->(a:Article)-[:COPIES]->() RETURN DISTINCT a.id AS id, p.id AS pid")
ANY_COPY = statement("MATCH ()-[r:COPIES]->() RETURN r.run_id AS id LIMIT 1")
EVENT_SOURCES = statement("MATCH (e:Event {id: $id}) RETURN e.sources AS s", "id")
COPY_RUNS = statement("MATCH ()-[r:COPIES]->() RETURN DISTINCT r.run_id AS run, r.method AS method "
                      "ORDER BY run, method")
COORDINATION_RUNS = statement("MATCH ()-[r:COORDINATED_WITH]->() RETURN DISTINCT r.run_id AS run, r.kind AS kind, "
                              "r.window_s AS window_s ORDER BY run, kind")
WEAKEST_COORDINATION = statement("MATCH ()-[r:COORDINATED_WITH]->() RETURN min(r.weight) AS w, "
                                 "count(r.p_value) AS tested")
ANALYSIS_RUNS = statement("MATCH (a:Account) WHERE a.analysis_run IS NOT NULL RETURN DISTINCT a.analysis_run AS run "
                          "ORDER BY run")

# --- graphtool.analyze.coordination_store --------------------------------------------------------

_ACCOUNT_INFO = ("RETURN a.id AS id, coalesce(a.platform, '') AS platform, coalesce(a.handle, '') AS handle, "
                 "coalesce(a.affiliation_score, -1.0) AS score, "
                 "CASE WHEN a.state_media IS NULL THEN -1 WHEN a.state_media THEN 1 ELSE 0 END AS state_media")
# by column: '' for no platform or handle, -1 for no score (scores lie in [0, 1]); by id, or by node id (FalkorDB)
COORD_ACCOUNT_INFO = statement("UNWIND $ids AS id MATCH (a:Account {id: id}) " + _ACCOUNT_INFO, "ids")
COORD_ACCOUNT_INFO_BY_NODE = statement("UNWIND $nodes AS node MATCH (a) WHERE id(a) = node " + _ACCOUNT_INFO, "nodes")
ACCOUNT_IDS = statement("MATCH (a:Account) RETURN a.id AS id")


# Every read goes from the account to what it did, one row per action, read by column
# (Store.read_columns).  Two ways to the accounts: a unique-index seek per id of a batch (``$rows``:
# ``[position, account id]`` pairs; ``account`` is the position, so no id travels once per action),
# or, on FalkorDB, a range of internal node ids (``$lo`` .. ``$hi``; ``account`` is ``id(a)``), which
# costs its server half as much there.  Filters on the far end come after ``WITH``, so that no engine
# starts from the far end's label (FalkorDB did: a label scan of every Article per account).  An
# action without a time has ts COORD_NO_TIME (left out, and counted): a flag column beside ts cost FalkorDB
# an eighth of the read (a CASE per row, gathered and printed).
# (the id bound to a name first: Neo4j planned ``{id: row[1]}`` as a scan of the index once per row)
_BY_SEEK = ("UNWIND $rows AS row WITH row[0] AS position, row[1] AS aid MATCH (a:Account {id: aid}) ", "position")
_BY_RANGE = ("MATCH (a:Account) WHERE id(a) >= $lo AND id(a) < $hi ", "id(a)")
# before 1970, where no loaded time is (graphtool.values.parse_time keeps 1970..2100); FalkorDB prints it as an
# integer, so a column of whole times keeps the fast parse (falkor_read.decode), as NO_TIME (2**53) would not
COORD_NO_TIME = -1


def _coordinated_shares(start: tuple[str, str], where: str, url: str = "", item: str = "b.id") -> str:
    # Each property read once, and a share without an id is message '' (read_actions names it): FalkorDB
    # evaluates every branch of a CASE and every argument of a coalesce, so a fallback a.id + '>' + b.id
    # here cost most of the read's server CPU (10^6 concatenations for no share at all).  No label on b: a
    # SHARED ends at an Article (the model), and FalkorDB tested the label once per share (~0.2 s of 2.5 at
    # 10^6); one projection after the filter, not two (another ~0.2 s).
    return (start[0] + "MATCH (a)-[r:SHARED]->(b) "
            f"WITH a, r, b, {start[1]} AS account WHERE {where} "
            f"RETURN account AS account, {item} AS item, " + url + "coalesce(r.id, '') AS message, "
            f"coalesce(r.at_ts, {COORD_NO_TIME}) AS ts")


# By range, the shared article is its node id too: no article id printed per share, only those a group
# summary names (COORD_NODE_NAMES).  Co-share's filter tries the common kind first: FalkorDB stops an OR at
# its first true branch, and the coalesce and list test cost a fifth of the 10^6 read when every share ran them.
_BUT = "r.kind = 'repost' OR NOT coalesce(r.kind, '') IN $kinds"
_OF_KINDS, _URL = "r.kind IN $kinds", "coalesce(b.url, '') AS url, "
COORD_SHARES_BUT = statement(_coordinated_shares(_BY_SEEK, _BUT), "rows", "kinds")
COORD_SHARES_BUT_RANGE = statement(_coordinated_shares(_BY_RANGE, _BUT, item="id(b)"), "lo", "hi", "kinds")
COORD_SHARES_OF_KINDS = statement(_coordinated_shares(_BY_SEEK, _OF_KINDS), "rows", "kinds")
COORD_SHARES_OF_KINDS_RANGE = statement(_coordinated_shares(_BY_RANGE, _OF_KINDS, item="id(b)"), "lo", "hi", "kinds")
COORD_NODE_NAMES = statement("UNWIND $nodes AS node MATCH (n) WHERE id(n) = node RETURN node AS node, n.id AS id",
                             "nodes")
COORD_LINK_SHARES = statement(_coordinated_shares(_BY_SEEK, _OF_KINDS, _URL), "rows", "kinds")  # co-link
COORD_LINK_SHARES_RANGE = statement(_coordinated_shares(_BY_RANGE, _OF_KINDS, _URL), "lo", "hi", "kinds")


# What accounts published, one row per value: a post's text, each of its URLs, each of its media ids and its sound.
def _published(start: tuple[str, str], where: str, values: str) -> str:
    return (start[0] + "MATCH (a)-[:PUBLISHED]->(m:Article) "
            f"WITH m, {start[1]} AS account WHERE {where} {values} WITH account, m, value WHERE value IS NOT NULL "
            "RETURN account AS account, m.id AS message, value AS value, "
            f"coalesce(m.published_ts, {COORD_NO_TIME}) AS ts")


_TEXTS = ("m.text IS NOT NULL", "WITH account, m, m.text AS value")
_URLS = ("m.urls IS NOT NULL", "UNWIND m.urls AS value")
_MEDIA = ("m.media_ids IS NOT NULL OR m.music_id IS NOT NULL",  # co-media: exact ids, the sound as music:<id>
          "UNWIND coalesce(m.media_ids, []) + CASE WHEN m.music_id IS NULL THEN [] ELSE ['music:' + m.music_id] END "
          "AS value")
COORD_TEXTS = statement(_published(_BY_SEEK, *_TEXTS), "rows")
COORD_TEXTS_RANGE = statement(_published(_BY_RANGE, *_TEXTS), "lo", "hi")
COORD_URLS = statement(_published(_BY_SEEK, *_URLS), "rows")
COORD_URLS_RANGE = statement(_published(_BY_RANGE, *_URLS), "lo", "hi")
COORD_MEDIA = statement(_published(_BY_SEEK, *_MEDIA), "rows")
COORD_MEDIA_RANGE = statement(_published(_BY_RANGE, *_MEDIA), "lo", "hi")
# A run of a kind replaces that kind's relationships: the old ones go first, then CREATE (no MERGE's
# look-up per pair).  Rows ``[a, b, weight, weight_ab, weight_ba, p_value]``: a and b the account ids, or
# on FalkorDB their node ids (``BY_NODE``); a null p_value is no property.  From the Account label: a
# pattern with no label starts from every node (FalkorDB: an All Node Scan).
DROP_COORDINATED_KIND = statement("MATCH (:Account)-[r:COORDINATED_WITH {kind: $kind}]->() DELETE r", "kind")
_CREATE_COORDINATED = ("CREATE (a)-[:COORDINATED_WITH {kind: $kind, window_s: $window_s, run_id: $run, weight: row[2], "
                       "weight_ab: row[3], weight_ba: row[4], p_value: row[5]}]->(b)")
CREATE_COORDINATED = statement(
    "UNWIND $rows AS row WITH row, row[0] AS x, row[1] AS y MATCH (a:Account {id: x}) MATCH (b:Account {id: y}) "
    + _CREATE_COORDINATED, "rows", "kind", "window_s", "run")
CREATE_COORDINATED_BY_NODE = statement(
    "UNWIND $rows AS row WITH row, row[0] AS x, row[1] AS y MATCH (a) WHERE id(a) = x MATCH (b) WHERE id(b) = y "
    + _CREATE_COORDINATED, "rows", "kind", "window_s", "run")
# The groups of a run: a CoordinationGroup node per group and an IN_GROUP link from each member, in place of
# every earlier run's (group numbers SET on the accounts re-indexed each one in all of Account's indexes on
# FalkorDB).  Rows ``[id, component, community, size]`` (null: not a group of that method, no property);
# on FalkorDB the new groups' node ids come back, and the links are made by node id (``[account, group]``).
DROP_COORDINATION_GROUPS = statement("MATCH (g:CoordinationGroup) DETACH DELETE g")
_CREATE_GROUPS = ("UNWIND $rows AS row CREATE (g:CoordinationGroup {id: row[0], kind: $kind, component_number: row[1], "
                  "community_number: row[2], size: row[3], window_s: $window_s, run_id: $run})")
CREATE_COORDINATION_GROUPS = statement(_CREATE_GROUPS, "rows", "kind", "window_s", "run")
CREATE_COORDINATION_GROUPS_BY_NODE = statement(_CREATE_GROUPS + " RETURN row[0] AS id, id(g) AS node",
                                               "rows", "kind", "window_s", "run")
_IN_GROUP = "CREATE (a)-[:IN_GROUP {run_id: $run}]->(g)"
CREATE_IN_GROUP = statement("UNWIND $rows AS row WITH row[0] AS x, row[1] AS y MATCH (a:Account {id: x}) "
                            "MATCH (g:CoordinationGroup {id: y}) " + _IN_GROUP, "rows", "run")
CREATE_IN_GROUP_BY_NODE = statement("UNWIND $rows AS row WITH row[0] AS x, row[1] AS y MATCH (a) WHERE id(a) = x "
                                    "MATCH (g) WHERE id(g) = y " + _IN_GROUP, "rows", "run")

# --- graphtool.render.views and .exports ---------------------------------------------------------

NODE_PROPERTIES = statement("UNWIND $ids AS id MATCH (n:{label} {id: id}) RETURN n.id AS id, properties(n) AS p",
                            "ids", label=tuple(model.L))
COORDINATION_COMMUNITIES = statement(  # the coordination map's colours: each grouped account's community
    "MATCH (a:Account)-[:IN_GROUP]->(g:CoordinationGroup) WHERE g.community_number IS NOT NULL "
    "RETURN a.id AS id, g.community_number AS community")
NARRATIVE_ARTICLES_IN = statement(
    "MATCH (x:Article)-[c:CARRIES]->(:Narrative {id: $id}) WHERE x.published_ts >= $since AND x.published_ts <= $until "
    "RETURN x.id AS id, c.confidence AS confidence ORDER BY id", "id", "since", "until")
PUBLISHED_BY = statement(
    "UNWIND $ids AS id MATCH (a:{publisher})-[p:PUBLISHED]->(x:Article {id: id}) "
    "RETURN a.id AS actor, x.id AS article, count(p) AS n, min(x.published_ts) AS t0, max(x.published_ts) AS t1",
    "ids", publisher=ACTORS)
SHARED_IN = statement(
    "UNWIND $ids AS id MATCH (a:Account)-[s:SHARED]->(x:Article {id: id}) WHERE s.at_ts >= $since AND s.at_ts <= $until "
    "RETURN a.id AS actor, x.id AS article, count(s) AS n, min(s.at_ts) AS t0, max(s.at_ts) AS t1",
    "ids", "since", "until")
COPIES_AMONG = statement(
    "UNWIND $ids AS id MATCH (x:Article {id: id})-[c:COPIES]->(y:Article) WHERE y.id IN $all "
    "RETURN x.id AS src, y.id AS dst, x.published_ts AS t0, c.attributed AS attributed, c.similarity AS similarity, "
    "c.lag_s AS lag_s", "ids", "all")
CITES_AMONG = statement(
    "UNWIND $ids AS id MATCH (x:Article {id: id})-[c:CITES]->(y:Article) WHERE y.id IN $all "
    "RETURN x.id AS src, y.id AS dst, x.published_ts AS t0", "ids", "all")

# --- graphtool.render.stix -----------------------------------------------------------------------

LATEST_PUBLISHED = statement("MATCH (a:Article) RETURN max(a.published_at) AS t")
LATEST_CAPTURED = statement("MATCH (s:Source) RETURN max(s.captured_at) AS t")
OUTLETS_AND_ORGANIZATIONS = statement(
    "MATCH (n) WHERE n:Outlet OR n:Organization RETURN n.id AS id, labels(n)[0] AS label, "
    "n.name AS name, n.state_media AS state_media, n.state_entity AS state_entity, n.country AS country "
    "ORDER BY id")
LINKS_OF_TYPES = statement(
    "UNWIND $ids AS id MATCH (a {id: id})-[r]->(o) WHERE type(r) IN $types "
    "RETURN a.id AS src, type(r) AS type, o.id AS dst, labels(o)[0] AS label, o.name AS name, "
    "r.confidence AS confidence, r.basis AS basis, r.sources AS sources ORDER BY src, type, dst", "ids", "types")
ACCOUNT_NAMES = statement(
    "UNWIND $ids AS id MATCH (a:Account {id: id}) RETURN a.id AS id, a.platform AS platform, "
    "a.handle AS handle, a.display_name AS name, a.user_id AS uid ORDER BY id", "ids")

# --- graphtool.serve.data ------------------------------------------------------------------------

# An account page's coordination partners: both directions from the account's index seek (the canned
# coordinated-pairs query filters every COORDINATED_WITH by id and counts co-shares, 100 ms on a hub).
PARTNERS = statement(" UNION ALL ".join(
    f"MATCH {pattern} RETURN a.id AS account_1, b.id AS account_2, c.kind AS kind, c.window_s AS window_s, "
    "c.weight AS weight"
    for pattern in ("(a:Account {id: $id})-[c:COORDINATED_WITH]->(b:Account)",
                    "(a:Account)-[c:COORDINATED_WITH]->(b:Account {id: $id})")), "id")

SEARCH_IDENTIFIERS = statement(
    "MATCH (i:Identifier)-[:IDENTIFIES]->(a:Account) WHERE toLower(i.id) CONTAINS $needle "
    "RETURN DISTINCT 'Account' AS label, a.id AS id, coalesce(a.display_name, a.handle) AS name, "
    "a.platform AS platform LIMIT $limit", "needle", "limit")
SEARCH_ACCOUNT_URLS = statement(
    "MATCH (a:Account) WHERE toLower(coalesce(a.url, '')) CONTAINS $needle "
    "RETURN 'Account' AS label, a.id AS id, coalesce(a.display_name, a.handle) AS name, "
    "a.platform AS platform LIMIT $limit", "needle", "limit")
SEARCH_ARTICLES = statement(
    "MATCH (a:Article) WHERE toLower(coalesce(a.title, '')) CONTAINS $needle "
    "OR toLower(coalesce(a.text, '')) CONTAINS $needle OR toLower(coalesce(a.url, '')) CONTAINS $needle "
    "RETURN 'Article' AS label, a.id AS id, coalesce(a.title, a.url, a.id) AS name, a.platform AS platform "
    "ORDER BY a.published_ts, a.id LIMIT $limit", "needle", "limit")
SEARCHED = ("Account", "Outlet", "Organization", "Person", "Narrative", "Event", "Article")  # full-text indexed
SEARCH_HITS = statement(  # what a result line shows, for the ids a full-text index found
    "UNWIND $ids AS id MATCH (n:{label} {id: id}) RETURN labels(n)[0] AS label, n.id AS id, "
    "coalesce(n.name, n.display_name, n.title, n.handle, n.url, n.id) AS name, n.handle AS handle, "
    "n.platform AS platform", "ids", label=SEARCHED)
SEARCH_IDENTIFIED = statement(  # the accounts that identifiers found by the full-text index name
    "UNWIND $ids AS id MATCH (:Identifier {id: id})-[:IDENTIFIES]->(a:Account) "
    "RETURN DISTINCT 'Account' AS label, a.id AS id, coalesce(a.display_name, a.handle) AS name, "
    "a.handle AS handle, a.platform AS platform", "ids")
SEARCH_EXACT = statement(" UNION ALL ".join(  # the text is a node's id or URL (index seeks)
    f"MATCH (n:{label} {{{key}: $id}}) RETURN labels(n)[0] AS label, n.id AS id, "
    "coalesce(n.name, n.display_name, n.title, n.handle, n.url, n.id) AS name, n.handle AS handle, "
    "n.platform AS platform" for key in ("id", "url") for label in SEARCHED
    if key == "id" or model.node(label).prop(key)), "id")
# One index seek per label (a label-less MATCH (n {id: $id}) scans every node: 40 ms at 10^6 shares).
LABEL_OF = statement(" UNION ALL ".join(f"MATCH (n:{label} {{id: $id}}) RETURN labels(n)[0] AS label"
                                        for label in model.L), "id")
PROPERTIES_OF = statement(" UNION ALL ".join(f"MATCH (n:{label} {{id: $id}}) RETURN properties(n) AS p"
                                             for label in model.L), "id")
# The explorer: what a node shows and is filtered by (platform, time, score, class), read for its neighbours.
_SHOWN = ("m.id AS id, labels(m)[0] AS label, coalesce(m.name, m.display_name, m.title, m.handle, m.id) AS name, "
          "m.platform AS platform, coalesce(m.published_ts, m.created_ts, m.at_ts) AS ts, "
          "m.affiliation_score AS score, m.ownership_clarity AS class, m.state_media AS state_media, "
          "m.community AS community")
# Out and in as two directed branches: FalkorDB walks an undirected pattern at twice the cost.  No ORDER BY:
# LIMIT stops the walk after the rows it keeps (a hub's 10^4 shares are not all read and sorted).
def _both_ways(match: str, returns: str, limit: str = "") -> str:
    """``match`` with ``ARROW`` once as ``-[r]->(m)``, once as ``<-[r]-(m)``; ``OUT`` in ``returns`` says which."""
    return " UNION ALL ".join(f"{match.replace('ARROW', arrow)} {returns.replace('OUT', out)} {limit}".strip()
                              for arrow, out in (("-[r]->(m)", "true"), ("<-[r]-(m)", "false")))


# Labels that relationships join (a Source, an ImportRun or an Alert has none): the explorer's slots.
RELATED = tuple(label for label in model.L
                if any(label in r.sources or label in r.targets for r in model.RELATIONSHIPS))
NEIGHBOURS = statement(_both_ways(
    "MATCH (n:{label} {id: $id})ARROW WITH n, r, m WHERE size($types) = 0 OR type(r) IN $types",
    f"RETURN type(r) AS type, OUT AS out, {_SHOWN}", "LIMIT $limit"),
    "id", "types", "limit", label=RELATED)
NEIGHBOUR_COUNTS = statement(_both_ways(  # what an expansion would bring, before it is asked for
    "MATCH (n:{label} {id: $id})ARROW", "RETURN type(r) AS type, OUT AS out, labels(m)[0] AS label, "
    "count(r) AS n"), "id", label=RELATED)
NEXT_HOP = statement(_both_ways(  # the second hop of an expansion: from the first hop's nodes of one label
    "UNWIND $ids AS id MATCH (n:{label} {id: id})ARROW WITH n, r, m WHERE NOT m.id IN $seen",
    f"RETURN n.id AS src, type(r) AS type, OUT AS out, {_SHOWN}", "LIMIT $limit"),
    "ids", "seen", "limit", label=RELATED)
VIEW_EDGES = statement(  # the relationships among the nodes of an explorer view (its export)
    "UNWIND $ids AS id MATCH (a:{label} {id: id})-[r]->(b) WITH a, r, b WHERE b.id IN $all "
    "RETURN a.id AS src, type(r) AS type, b.id AS dst, count(r) AS n", "ids", "all", label=RELATED)
LINKED = tuple(r.type for r in model.RELATIONSHIPS if set(r.sources) | set(r.targets) <= set(ACTORS))
COMMUNITIES = statement(  # the community overview: one node per stored community, counted in the store
    "MATCH (a:{actor}) WHERE a.community IS NOT NULL WITH a ORDER BY coalesce(a.pagerank, 0) DESC, a.id "
    "RETURN a.community AS community, count(a) AS size, avg(a.affiliation_score) AS score, "
    "sum(CASE WHEN a.state_media THEN 1 ELSE 0 END) AS state_media, "
    "collect(coalesce(a.name, a.display_name, a.handle, a.id))[0] AS top", actor=ACTORS)
COMMUNITY_LINKS = statement(  # relationships between two communities' actors, counted per pair
    "MATCH (a:{actor})-[r:{type}]->(b) WHERE a.community IS NOT NULL AND b.community IS NOT NULL "
    "AND a.community <> b.community RETURN a.community AS src, b.community AS dst, count(r) AS n",
    actor=ACTORS, type=LINKED)
COMMUNITY_SHARES = statement(  # accounts of one community sharing what actors of another published (one pass)
    "MATCH (a:Account)-[s:SHARED]->(:Article)<-[:PUBLISHED]-(b) WHERE a.community IS NOT NULL "
    "AND b.community IS NOT NULL AND a.community <> b.community "
    "RETURN a.community AS src, b.community AS dst, count(s) AS n")
SHARES_AMONG = statement(  # drill-down: which of these accounts share what others of them published
    "UNWIND $ids AS id MATCH (a:Account {id: id})-[s:SHARED]->(:Article)<-[:PUBLISHED]-(b) WITH a, s, b "
    "WHERE b.id IN $all RETURN a.id AS src, 'SHARED' AS type, b.id AS dst, count(s) AS n", "ids", "all")
TOTALS = statement("MATCH (n) RETURN count(n) AS c")  # O(1) on both (a UNION of label counts scanned: 23 ms)
COMMUNITY_MEMBERS = statement(  # drill-down: a community's most central actors
    "MATCH (m:{actor}) WHERE m.community = $community WITH m ORDER BY coalesce(m.pagerank, 0) DESC, m.id "
    f"LIMIT $limit RETURN {_SHOWN}", "community", "limit", actor=ACTORS)
COPIES_OF_MINE = statement(
    "MATCH (me:{actor} {id: $id})-[:PUBLISHED]->(original:Article) "
    "MATCH (copy)-[c:COPIES]->(original) WHERE copy:Article "
    "OPTIONAL MATCH (who)-[:PUBLISHED]->(copy) "
    "RETURN original.id AS mine, original.title AS mine_title, copy.id AS other, copy.title AS other_title, "
    "collect(DISTINCT who.id) AS other_publishers, c.containment AS containment, c.lag_s AS lag_s, "
    "c.attributed AS attributed ORDER BY mine, other LIMIT 200", "id", actor=ACTORS)
MY_COPIES = statement(
    "MATCH (me:{actor} {id: $id})-[:PUBLISHED]->(copy:Article) "
    "MATCH (copy)-[c:COPIES]->(original) WHERE original:Article "
    "OPTIONAL MATCH (who)-[:PUBLISHED]->(original) "
    "RETURN copy.id AS mine, copy.title AS mine_title, original.id AS other, original.title AS other_title, "
    "collect(DISTINCT who.id) AS other_publishers, c.containment AS containment, c.lag_s AS lag_s, "
    "c.attributed AS attributed ORDER BY mine, other LIMIT 200", "id", actor=ACTORS)
# the entity page's activity over time: per UTC day (epoch seconds of its midnight), counted in the store
PUBLISHED_PER_DAY = statement(
    "MATCH (n:{actor} {id: $id})-[:PUBLISHED]->(a:Article) WHERE a.published_ts IS NOT NULL "
    "RETURN a.published_ts - a.published_ts % 86400 AS day, count(a) AS n ORDER BY day", "id", actor=ACTORS)
SHARED_PER_DAY = statement(
    "MATCH (n:Account {id: $id})-[s:SHARED]->(:Article) WHERE s.at_ts IS NOT NULL "
    "RETURN s.at_ts - s.at_ts % 86400 AS day, count(s) AS n ORDER BY day", "id")
COORDINATED_GROUP = statement(  # the accounts in its coordination community (graphtool coordination)
    # g unlabelled: a planner that sees few groups would start from their label (Neo4j did), not the account
    "MATCH (me:Account {id: $id})-[:IN_GROUP]->(g) WHERE g.community_number IS NOT NULL "
    "MATCH (a:Account)-[:IN_GROUP]->(g) RETURN a.id AS id, coalesce(a.display_name, a.handle) AS name, "
    "g.community_number AS community, g.run_id AS run ORDER BY id LIMIT $limit", "id", "limit")
IDS_OF_LABEL = statement(  # which words of a reason name a record (linked on the page)
    "UNWIND $ids AS id MATCH (n:{label} {id: id}) RETURN n.id AS id", "ids", label=tuple(model.L))
COPY_LINKS = statement(  # an article's COPIES to the given originals (the side-by-side view)
    "MATCH (c:Article {id: $id})-[r:COPIES]->(o:Article) WHERE o.id IN $ids "
    f"RETURN o.id AS original, {_COPY_PROPS}", "id", "ids")
ARTICLE_NARRATIVES = statement(
    "MATCH (a:Article {id: $id})-[:CARRIES]->(n:Narrative) RETURN DISTINCT n.id AS id, n.name AS name ORDER BY id",
    "id")

def _name_statements() -> dict[str, Statement]:
    found = {}
    for name, value in globals().items():
        if isinstance(value, Statement):
            object.__setattr__(value, "name", name)
            found[name] = value
    return found


REGISTRY: dict[str, Statement] = _name_statements()
