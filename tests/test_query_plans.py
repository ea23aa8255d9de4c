"""Query plans of the store reads: found by index or id, never a label scan once per UNWIND row.

A read that batches account ids (``UNWIND $ids``) must find each account by its unique index and
walk from it.  When an engine starts from the other end instead (FalkorDB did, for a filter on
the article placed before the account was bound) it scans every Article once per account: 100
accounts took 4.8 s instead of 0.005 s, and no result changes, so only the plan can show it.
Plans depend on the data's statistics, so the store holds a few thousand nodes first, and is left as
an import leaves it (``after_import``): Neo4j planned the reads on the statistics of the empty store
until its background sampling caught up, and then scanned the Account index once per batch row.
"""
from __future__ import annotations

import pytest

from graphtool import internal_queries as Q
from graphtool.analyze import coordination_store
from graphtool.analyze.coordination import KINDS
from graphtool.store.columns import columns_query

ACCOUNTS, ARTICLES_PER_ACCOUNT = 300, 10
# Operators that visit every node of a label (or of the graph, or of an index) in FalkorDB and Neo4j.
SCANS = ("nodebylabelscan", "allnodescan", "allnodesscan", "nodeindexscan")
# Operators that find one node from a value: FalkorDB's "Node By Index Scan" carries the id filter.
SEEKS = ("nodebyindexscan", "nodeuniqueindexseek", "nodeindexseek", "nodebyidseek")


def scans(plan: str) -> list[str]:
    """The operators of a plan that scan a whole label, graph or index."""
    return [line.strip() for line in plan.splitlines()
            if line.split("|")[0].replace(" ", "").lower().startswith(SCANS)]


def seeks(plan: str) -> list[str]:
    return [line.strip() for line in plan.splitlines()
            if line.split("|")[0].replace(" ", "").lower().startswith(SEEKS)]


@pytest.fixture
def populated(store):
    """300 accounts, 3,000 articles each published or shared by one account: statistics a planner uses."""
    store.ensure_schema()
    rows = [{"a": f"x:u{i}", "m": [f"x:m{i}_{j}" for j in range(ARTICLES_PER_ACCOUNT)]} for i in range(ACCOUNTS)]
    store.run("UNWIND $rows AS row CREATE (a:Account {id: row.a, platform: 'x', handle: row.a}) "
              "WITH a, row UNWIND row.m AS mid "
              "CREATE (a)-[:PUBLISHED]->(:Article {id: mid, platform: 'x', text: 'some words', published_ts: 1, "
              "urls: ['https://example.com/' + mid]})", {"rows": rows})
    store.run("MATCH (a:Account), (m:Article) WHERE a.id = 'x:u0' OR m.id ENDS WITH '_0' "
              "WITH a, m LIMIT 2000 CREATE (a)-[:SHARED {id: a.id + m.id, at_ts: 2, kind: 'repost'}]->(m)")
    store.after_import()
    return store


def read_queries() -> list[tuple[str, str, dict]]:
    return [(kind, query, params) for kind in KINDS for _, query, params in coordination_store.read_queries(kind)]


def test_every_store_read_batches_accounts_through_an_index_seek(populated):
    rows = [[k, f"x:u{i}"] for k, i in enumerate(range(0, ACCOUNTS, 3))]
    checked = 0
    for kind, query, params in read_queries():
        assert query.startswith("UNWIND $rows"), query
        # as read_columns sends it: the rows gathered into one
        gathered = columns_query(query, ["collect(account) AS account", "count(*) AS n"])
        for text in (query, gathered):
            plan = populated.explain(text, {**params, "rows": rows})
            assert not scans(plan), f"{kind}: a scan inside an UNWIND:\n{plan}"
            assert seeks(plan), f"{kind}: no index seek for the account:\n{plan}"
        checked += 1
    assert checked == 7  # co-share, co-reply, co-link (shares and articles), co-text, co-similar-text, co-media


def test_falkordb_reads_every_account_by_node_id_range(populated):
    if not getattr(populated, "reads_by_id_range", False):
        pytest.skip("only FalkorDB reads by node id range")
    for kind in KINDS:
        for _, query, params in coordination_store.read_queries(kind, by_range=True):
            gathered = columns_query(query, ["collect(account) AS account", "count(*) AS n"])
            plan = populated.explain(gathered, {**params, "lo": 0, "hi": 100})
            assert not scans(plan) and "Node By Label and ID Scan | (a:Account)" in plan, f"{kind}:\n{plan}"
    everyone, _ = coordination_store.read_actions(populated, "co-text")  # by range
    listed, _ = coordination_store.read_actions(populated, "co-text", [f"x:u{i}" for i in range(ACCOUNTS)])
    assert sorted(zip(everyone.account, everyone.item, everyone.ts)) == sorted(zip(listed.account, listed.item,
                                                                                   listed.ts))


def test_the_other_coordination_statements_find_accounts_by_index(populated):
    """What a run reads and writes besides the actions: each account by its unique index."""
    ids = [f"x:u{i}" for i in range(10)]
    written = {"kind": "co-share", "window_s": 10, "run": "r"}
    statements = [(Q.COORD_ACCOUNT_INFO, {"ids": ids}),
                  (Q.CREATE_COORDINATED, {"rows": [[ids[0], ids[1], 1.0, 1, 1, None]], **written}),
                  (Q.CREATE_IN_GROUP, {"rows": [[ids[0], "r:component:1"]], "run": "r"}),
                  (Q.COORDINATED_GROUP, {"id": ids[0], "limit": 51})]  # an account page's group
    if getattr(populated, "reads_by_id_range", False):  # FalkorDB: by node id (a label beside id() scans it)
        statements += [(Q.COORD_NODE_NAMES, {"nodes": [0, 1]}), (Q.COORD_ACCOUNT_INFO_BY_NODE, {"nodes": [0, 1]}),
                       (Q.CREATE_COORDINATED_BY_NODE, {"rows": [[0, 1, 1.0, 1, 1, None]], **written}),
                       (Q.CREATE_IN_GROUP_BY_NODE, {"rows": [[0, 1]], "run": "r"})]
    for statement, params in statements:
        plan = populated.explain(statement.cypher(), params)
        assert not scans(plan) and seeks(plan), plan


def test_the_reads_find_what_the_plan_promises(populated):
    actions, skipped = coordination_store.read_actions(populated, "co-text", [f"x:u{i}" for i in range(5)])
    assert len(actions.account) == 5 * ARTICLES_PER_ACCOUNT and skipped == 0
    links, _ = coordination_store.read_actions(populated, "co-link", ["x:u1"])
    assert sorted(links.item) == sorted(f"https://example.com/x:m1_{j}" for j in range(ARTICLES_PER_ACCOUNT))


def test_the_check_catches_the_shipped_filter_before_the_account(embedded_store):
    # the form read_actions shipped with: FalkorDB starts from m:Article, once per id
    store = embedded_store
    store.ensure_schema()
    shipped = ("UNWIND $ids AS aid MATCH (a:Account {id: aid})-[:PUBLISHED]->(m:Article) WHERE m.text IS NOT NULL "
               "RETURN a.id AS account, m.id AS message")
    assert scans(store.explain(shipped, {"ids": ["x:u1"]})) == ["Node By Label Scan | (m:Article)"]
