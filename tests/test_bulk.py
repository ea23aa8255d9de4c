"""First loads by the engines' bulk paths give the graph and the rejects the MERGE path gives.

The embedded store's bulk path (GRAPH.BULK) runs in the default tests; Neo4j's
(``neo4j-admin database import full`` into a second Neo4j 5.26 from the same Maven jars) is
slow: it starts its own server.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from graphtool.errors import ConfigError, StoreError
from graphtool.load import import_paths
from graphtool.load.bulk import StagedGraph
from graphtool.store.falkor_params import params_header
from conftest import FIXTURES

# An IO archive (users, tweets with a renaming account and a hashed one), a follow list, FollowTheMoney
# ownership and a register with an identity conflict; the hashed IO sample; canonical files; and a
# file with bad rows (rejects must match row for row).
CASES = {
    "identity": [FIXTURES / "identity"],
    "io-archive": [FIXTURES / "formats" / "twitter_io"],
    "bad-rows": [FIXTURES / "load", FIXTURES / "formats" / "bad" / "io_tweets_malformed.csv"],
}


def bulk_calls(store) -> int:
    """How many GRAPH.BULK commands the FalkorDB server has run (so a test knows bulk really ran)."""
    stats = store.db.connection.info("commandstats")
    return next((v["calls"] for k, v in stats.items() if k.lower() == "cmdstat_graph.bulk"), 0)


def load(store, paths, bulk):
    """Small batches: a node or relationship met again in a later batch takes the ON MATCH paths."""
    store.clear()
    result = import_paths(store, paths, progress=False, bulk=bulk, batch_size=7)
    return store.snapshot(), [str(r) for r in result.rejects], result.warnings, dict(result.nodes), \
        dict(result.relationships), schema_and_search(store)


def schema_and_search(store):
    """The store's indexes (fields, their types, language) and constraints, and what full-text search finds
    for words of every searched node's text: the bulk path builds its schema before the entities arrive."""
    from graphtool.store.base import search_words

    indexes = sorted((r["label"], sorted((p, sorted(t)) for p, t in r["types"].items()), r["language"], r["status"])
                     for r in store.run("CALL db.indexes() YIELD label, types, language, status "
                                        "RETURN label, types, language, status"))
    constraints = sorted((r["label"], r["properties"], r["status"]) for r in store.run(
        "CALL db.constraints() YIELD label, properties, status RETURN label, properties, status"))
    hits = {}
    for label, props in store.fulltext_schema().items():
        for row in store.read(f"MATCH (n:{label}) RETURN n AS n ORDER BY n.id LIMIT 5"):
            node = row["n"].properties if hasattr(row["n"], "properties") else row["n"]
            for prop in props:
                for word, _ in search_words(str(node.get(prop) or ""))[:3]:
                    # which nodes (scores differ: the MERGE path's updates leave the index other word statistics)
                    hits[label, word] = sorted(hit["id"] for hit in store.fulltext(label, word, 100))
    assert any(hits.values()), "the fixtures must give words that search finds"
    return indexes, constraints, hits


@pytest.mark.parametrize("case", sorted(CASES))
def test_bulk_first_load_matches_merge_embedded(embedded_store, case):
    merged = load(embedded_store, CASES[case], bulk=False)
    before = bulk_calls(embedded_store)
    bulked = load(embedded_store, CASES[case], bulk=True)
    assert bulk_calls(embedded_store) > before
    assert bulked == merged
    # the graph handle a bulk load re-creates still sends MERGE parameters through graphtool's encoder
    assert embedded_store.graph._build_params_header is params_header
    # the log's automatic rewrites, paused during GRAPH.BULK, are back on
    assert embedded_store.db.connection.config_get("auto-aof-rewrite-percentage") == {
        "auto-aof-rewrite-percentage": "100"}
    if case == "bad-rows":
        assert merged[1], "the bad file must give rejects"
    # the schema is back on top of the bulk-created graph
    unique = {r["label"] for r in embedded_store.run("CALL db.constraints() YIELD label, type, status "
                                                     "RETURN label, type, status")
              if r["type"] == "UNIQUE" and r["status"] == "OPERATIONAL"}
    assert {"Account", "Article", "Identifier", "Source"} <= unique


def test_bulk_insert_keeps_each_list_elements_type(embedded_store):
    """[1], [True] and [1.0] are equal in Python; each column's lists are encoded once per distinct value."""
    staged = StagedGraph()
    staged.nodes["Source"].update({"a": {"id": "a", "sources": [1]}, "b": {"id": "b", "sources": [True]},
                                   "c": {"id": "c", "sources": [1.0]}, "d": {"id": "d", "sources": [1]}})
    embedded_store.clear()
    embedded_store.bulk_load(staged)
    got = {r["id"]: r["s"] for r in embedded_store.read("MATCH (n:Source) RETURN n.id AS id, n.sources AS s")}
    assert {k: [(type(x), x) for x in v] for k, v in got.items()} == {
        "a": [(int, 1)], "b": [(bool, True)], "c": [(float, 1.0)], "d": [(int, 1)]}


def test_merge_after_bulk_is_the_same_as_merge_after_merge(embedded_store):
    first, second = [FIXTURES / "identity" / "io_archive_users.csv"], [FIXTURES / "identity"]
    embedded_store.clear()
    import_paths(embedded_store, first, progress=False, bulk=False)
    import_paths(embedded_store, second, progress=False)
    expected = embedded_store.snapshot()
    embedded_store.clear()
    import_paths(embedded_store, first, progress=False, bulk=True)
    import_paths(embedded_store, second, progress=False)  # not empty now: MERGE
    assert embedded_store.snapshot() == expected


def test_bulk_needs_an_empty_store(embedded_store):
    import_paths(embedded_store, [FIXTURES / "load"], progress=False)
    with pytest.raises(ConfigError, match="--bulk needs an empty store"):
        import_paths(embedded_store, [FIXTURES / "load"], progress=False, bulk=True)
    before = bulk_calls(embedded_store)
    import_paths(embedded_store, [FIXTURES / "load"], progress=False)  # by size: MERGE
    assert bulk_calls(embedded_store) == before


def test_a_first_load_that_would_not_fit_in_memory_goes_by_merge(embedded_store, monkeypatch):
    from graphtool.load import bulk

    free = bulk.available_memory()
    assert free and free > 0  # Linux: MemAvailable
    paths = [FIXTURES / "load"]
    size = sum(p.stat().st_size for p in paths[0].rglob("*") if p.is_file())
    # as if staging took more than the machine has per byte of this small input
    monkeypatch.setattr(bulk, "STAGED_PER_INPUT_BYTE", 10 * free // max(size, 1))
    monkeypatch.setattr(bulk, "BULK_MIN_BYTES", 0)
    embedded_store.clear()
    with pytest.raises(ConfigError, match="may hold .* GiB in memory .* --no-bulk"):
        import_paths(embedded_store, paths, progress=False, bulk=True)
    before = bulk_calls(embedded_store)
    result = import_paths(embedded_store, paths, progress=False)  # by size it would be bulk; by memory, MERGE
    assert bulk_calls(embedded_store) == before and sum(result.nodes.values()) > 0
    assert len(result.notes) == 1 and "loaded by MERGE instead" in result.notes[0]


def test_staged_graph_answers_each_statement_as_the_store_does(store):
    """The MERGE semantics the staging graph copies, statement by statement, on rows the fixtures never reach:
    a stub after a full record, a null that removes, relationships and identifiers met again."""
    from graphtool import internal_queries as Q
    from graphtool.load.writer import node_query, rel_query

    steps = [
        (node_query("Account"), {"rows": [{"id": "x:1", "props": {"handle": "a", "followers": 3}, "sources": ["s1"]}]}),
        (node_query("Account", stub=True), {"rows": [{"id": "x:1", "props": {"handle": "b"}, "sources": ["s2"]},
                                                      {"id": "x:2", "props": {"handle": "c"}, "sources": []}]}),
        (node_query("Account"), {"rows": [{"id": "x:2", "props": {"handle": None, "followers": 1}, "sources": ["s1"]}]}),
        (node_query("Article"), {"rows": [{"id": "t", "props": {"text": " padded \n"}, "sources": ["s1", "s1"]}]}),
        (rel_query("SHARED", "Account", "Article"),
         {"rows": [{"i": 0, "src": "x:1", "dst": "t", "key": "k", "props": {"id": "k", "kind": "repost"},
                    "sources": ["s1"]}, {"i": 1, "src": "x:9", "dst": "t", "key": "k", "props": {}, "sources": []}]}),
        (rel_query("SHARED", "Account", "Article"),
         {"rows": [{"i": 0, "src": "x:1", "dst": "t", "key": "k", "props": {"kind": None, "at_ts": 5},
                    "sources": ["s2", "s1"]}]}),
    ]
    link = {"id": "x:handle:a", "platform": "x", "kind": "handle", "value": "a", "account": "x:1", "sources": ["s1"]}
    for as_seen, first, last in (("B", 10, 10), ("A", None, None), ("C", 5, 20), (None, 7, 30)):
        steps.append((Q.LINK_IDENTIFIERS.cypher(), {"rows": [{**link, "as_seen": as_seen, "first": first, "last": last,
                                                              "first_at": first and f"t{first}",
                                                              "last_at": last and f"t{last}"}]}))
    steps += [(Q.MARK_CONFLICTS.cypher(), {"ids": ["x:handle:a", "x:handle:none"]}),
              (Q.SET_ACCOUNT.cypher(), {"id": "x:2", "props": {"display_name": "D", "followers": None}})]
    staged = StagedGraph()
    store.clear()
    for query, params in steps:
        assert staged.run(query, params) == store.run(query, params), query
    assert staged.snapshot() == store.snapshot()
    for query, params in [(Q.IDENTIFIER_OWNERS.cypher(), {"keys": ["x:handle:a", "x:handle:none"]}),
                          (Q.ACCOUNT_USER_IDS.cypher(), {"ids": ["x:1", "x:3"]}),
                          (Q.ACCOUNT_RELS_OUT.cypher(type="SHARED"), {"id": "x:1"}),
                          (Q.ACCOUNT_RELS_IN.cypher(type="IDENTIFIES"), {"id": "x:1"})]:
        assert staged.read(query, params) == store.read(query, params), query
    Q.DELETE_ACCOUNT.run(staged, {"id": "x:1"})
    Q.DELETE_ACCOUNT.run(store, {"id": "x:1"})
    assert staged.snapshot() == store.snapshot()


def test_staged_account_relationships_after_their_index_is_built(store):
    """An account's relationships are indexed only once identity resolution first asks for them; the ones
    staged after that (and after a delete) are found as the store finds them."""
    from graphtool import internal_queries as Q
    from graphtool.load.writer import node_query, rel_query

    def by_end(rows):  # the store returns them in no set order
        return sorted(rows, key=lambda row: (row["b"], row["p"].get("id") or ""))

    def share(i, src, dst, key):
        return {"i": i, "src": src, "dst": dst, "key": key, "props": {"id": key}, "sources": ["s1"]}

    nodes = [(node_query("Account"), {"rows": [{"id": f"x:{i}", "props": {"handle": f"h{i}"}, "sources": ["s1"]}
                                              for i in (1, 2)]}),
             (node_query("Article"), {"rows": [{"id": t, "props": {}, "sources": ["s1"]} for t in ("t", "u")]})]
    first = [(rel_query("SHARED", "Account", "Article"), {"rows": [share(0, "x:1", "t", "k1")]}),
             (rel_query("FOLLOWS", "Account", "Account"),
              {"rows": [{"i": 0, "src": "x:2", "dst": "x:1", "key": None, "props": {}, "sources": ["s1"]}]})]
    later = [(rel_query("SHARED", "Account", "Article"), {"rows": [share(0, "x:1", "u", "k2"),
                                                                   share(1, "x:2", "u", "k3")]})]
    reads = [(Q.ACCOUNT_RELS_OUT.cypher(type="SHARED"), {"id": "x:1"}),
             (Q.ACCOUNT_RELS_IN.cypher(type="FOLLOWS"), {"id": "x:1"}),
             (Q.ACCOUNT_RELS_OUT.cypher(type="SHARED"), {"id": "x:2"})]
    staged = StagedGraph()
    store.clear()
    for query, params in nodes + first:
        assert staged.run(query, params) == store.run(query, params)
    for query, params in reads:  # builds the index
        assert staged.read(query, params) == store.read(query, params), query
    for query, params in later:  # kept in the index from now on
        assert staged.run(query, params) == store.run(query, params)
    for query, params in reads:
        assert by_end(staged.read(query, params)) == by_end(store.read(query, params)), query
    assert len(staged.read(*reads[0])) == 2
    Q.DELETE_ACCOUNT.run(staged, {"id": "x:2"})
    Q.DELETE_ACCOUNT.run(store, {"id": "x:2"})
    assert staged.read(*reads[1]) == store.read(*reads[1]) == []
    assert staged.snapshot() == store.snapshot()


def test_staged_graph_answers_only_the_loader_statements():
    with pytest.raises(StoreError, match="cannot run this statement"):
        StagedGraph().run("MATCH (n) RETURN n")


def graphtool(*args, env=None):
    return subprocess.run([sys.executable, "-m", "graphtool", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_cli_bulk_rejects_file_is_the_merge_one(embedded_store, tmp_path):
    files = [str(p) for p in CASES["bad-rows"]]
    outputs = {}
    for flag in ("--no-bulk", "--bulk"):
        embedded_store.clear()
        done = graphtool("--store", embedded_store.url, "import", flag, "--rejects", str(tmp_path / "rejects.csv"),
                         *files)
        assert done.returncode == 1, done.stderr  # finished, with rejects
        outputs[flag] = (done.stdout, (tmp_path / "rejects.csv").read_text())
    assert outputs["--bulk"] == outputs["--no-bulk"]


def test_cli_neo4j_home_that_is_not_one(tmp_path):
    done = graphtool("import", "--neo4j-home", str(tmp_path), str(FIXTURES / "load"))
    assert done.returncode == 2
    assert f"{tmp_path} is not a Neo4j installation" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_neo4j_admin_first_load_matches_merge(neo4j_store, tmp_path):
    """``graphtool import --neo4j-home`` into a second Neo4j (its jars under the home's lib/), then started:
    the graph MERGE gives.  Every case in one load: each import needs a Neo4j of its own (~45 s to start)."""
    from graphtool.load.bulk_neo4j import empty_lists, set_empty_lists
    from graphtool.store import open_store
    from graphtool.testing import maven_server

    paths = [str(p) for case in sorted(CASES) for p in CASES[case]]
    neo4j_store.clear()
    merged = graphtool("--store", neo4j_store.url, "import", "--rejects", str(tmp_path / "rejects.csv"), *paths)
    assert merged.returncode == 1, merged.stderr  # finished, with the bad rows rejected
    merged_rejects = (tmp_path / "rejects.csv").read_text()
    expected = neo4j_store.snapshot()
    staged = StagedGraph()
    import_paths(staged, paths, progress=False)
    done = {}

    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}  # the JVM's class archive (bulk_neo4j.class_archive)

    def prepare(home, lib):
        (home / "lib").symlink_to(lib)
        done["cli"] = graphtool("import", "--neo4j-home", str(home), "--rejects", str(tmp_path / "rejects.csv"), *paths,
                                env=cache)
        done["archives"] = sorted(p.name for p in (tmp_path / "cache" / "graphtool").iterdir())
        archive = tmp_path / "cache" / "graphtool" / done["archives"][0]
        archive.chmod(0o644)
        archive.write_bytes(archive.read_bytes()[:1_000_000])  # torn: the JVM dies of it (SIGBUS) at start
        done["again"] = graphtool("import", "--neo4j-home", str(home), *paths, env=cache)  # the database exists now
        done["archive_left"] = archive.exists()

    try:
        server_context = maven_server(prepare=prepare)
        server = server_context.__enter__()
    except RuntimeError as exc:
        pytest.skip(f"NO SECOND NEO4J FOR neo4j-admin COULD BE HAD: {exc}")
    try:
        assert done["cli"].returncode == 1, done["cli"].stderr
        # the first import made the archive whole (no partial file left); the torn one cost the second
        # import nothing but a rerun without it, which gave the tool's own refusal, and was deleted
        assert len(done["archives"]) == 1 and done["archives"][0].endswith(".jsa"), done["archives"]
        assert not done["archive_left"]
        assert done["again"].returncode == 2 and "Database already exist" in done["again"].stderr
        assert "--overwrite replaces" in done["again"].stderr and "Traceback" not in done["again"].stderr
        assert done["cli"].stdout == merged.stdout
        assert (tmp_path / "rejects.csv").read_text() == merged_rejects
        bulked = open_store(server.uri)
        set_empty_lists(bulked, empty_lists(staged))
        assert bulked.snapshot() == expected
        bulked.close()
    finally:
        server_context.__exit__(None, None, None)
