"""A command line a user can trust (issue 12 items 3, 6, 7; issue 18 item 7), on both stores.

Exact messages, sqlite-utils style: each error is one line on stderr with its exit code.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphtool.errors import ReadOnlyError, StoreError
from graphtool.load import import_paths
from graphtool.queries import load_queries
from graphtool.store.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
QDATA = ROOT / "tests" / "fixtures" / "queries"  # the small hand-made graph of test_queries.py

NEEDS_DATA = [["map"], ["analyze"], ["coordination"], ["copies"], ["query", "run", "narratives"],
              ["query", "run", "--cypher", "MATCH (n) RETURN n.id AS id"]]


def graphtool(store_url, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, *args],
                          capture_output=True, text=True, cwd=cwd or ROOT)


def error_of(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def qstore(store):
    assert import_paths(store, [QDATA]).rejected == 0
    return store


# --- no silent success on nothing ---------------------------------------------------------------

@pytest.mark.parametrize("args", NEEDS_DATA, ids=lambda a: " ".join(a[:3]))
def test_no_store_is_an_error_and_creates_nothing(tmp_path, args):
    missing = tmp_path / "nothing-here"
    result = graphtool(f"embedded:{missing}", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert error_of(result) == (f"error: no store at {missing}: import data first (graphtool --store "
                                f"embedded:{missing} import FILES) or name another store with --store")
    assert not missing.exists() and list(tmp_path.iterdir()) == []  # no store, no "0 of 0 nodes" map


@pytest.mark.parametrize("args", NEEDS_DATA, ids=lambda a: " ".join(a[:3]))
def test_an_empty_store_is_an_error(store, tmp_path, args):
    result = graphtool(store.url, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert error_of(result) == (f"error: the store {store.describe()} is empty: import data first "
                                f"(graphtool --store {store.describe()} import FILES)")
    assert list(tmp_path.iterdir()) == []
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]  # no run recorded


def test_starting_the_embedded_server_is_said_once_with_how_to_stop_it(tmp_path):
    data = tmp_path / "store"
    url = f"embedded:{data}"
    try:
        first = graphtool(url, "import", str(QDATA))
        assert first.returncode == 0, first.stderr
        server = EmbeddedServer(data)
        line = (f"started the embedded FalkorDB server of {data} (pid {server.pid()}); it keeps running for the "
                f"next commands: `graphtool --store embedded:{data} db stop` stops it")
        assert first.stderr.splitlines().count(line) == 1
        again = graphtool(url, "stats")
        assert again.returncode == 0 and "started the embedded" not in again.stderr
    finally:
        EmbeddedServer(data).stop()


# --- ad-hoc Cypher ------------------------------------------------------------------------------

def test_adhoc_cypher_with_parameters_on_both_stores(qstore):
    result = graphtool(qstore.url, "query", "run", "--cypher",
                       "MATCH (a:Account {platform: $platform}) WHERE a.followers >= $least "
                       "RETURN a.id AS id, a.followers AS followers ORDER BY id",
                       "-p", "platform=weibo", "-p", "least=0", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(r["id"].startswith("weibo:") and isinstance(r["followers"], int) for r in rows)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


def test_adhoc_values_are_json_else_text(qstore):
    result = graphtool(qstore.url, "query", "run", "--cypher",
                       "RETURN $n AS n, $f AS f, $b AS b, $l AS l, $t AS t, $q AS q",
                       "-p", "n=3", "-p", "f=0.5", "-p", "b=true", "-p", 'l=["a", 2]', "-p", "t=wechat:abc",
                       "-p", 'q="123"', "--format", "json")
    assert json.loads(result.stdout) == [{"n": 3, "f": 0.5, "b": True, "l": ["a", 2], "t": "wechat:abc", "q": "123"}]


def test_a_personal_file_needs_no_header(qstore, tmp_path):
    mine = tmp_path / "mine.cypher"
    mine.write_text("// my accounts\nMATCH (a:Account) WHERE a.platform = $platform\n"
                    "RETURN a.id AS id ORDER BY id LIMIT 2\n", encoding="utf-8")
    result = graphtool(qstore.url, "query", "run", str(mine), "-p", "platform=weibo", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "id" and len(result.stdout.splitlines()) == 3
    missing = graphtool(qstore.url, "query", "run", str(mine))
    assert missing.returncode == 2
    assert error_of(missing) == "error: query mine needs parameter platform (any): -p platform=VALUE"


def test_a_column_without_a_header_line_is_still_returned(qstore, tmp_path):
    declared = tmp_path / "two.cypher"
    declared.write_text("// name: two\n// description: Two columns, one declared.\n// question: Which?\n"
                        "// column id: the id\nMATCH (a:Account) RETURN a.id AS id, a.platform AS platform "
                        "ORDER BY id LIMIT 1\n", encoding="utf-8")
    result = graphtool(qstore.url, "query", "run", str(declared), "--format", "csv")
    assert result.returncode == 0, result.stderr
    header, row = list(csv.reader(result.stdout.splitlines()))
    assert header == ["id", "platform"] and row[0].startswith(row[1] + ":")


def test_name_or_cypher_not_both(qstore):
    for args in ([], ["narratives", "--cypher", "RETURN 1 AS one"]):
        result = graphtool(qstore.url, "query", "run", *args)
        assert result.returncode == 2
        assert error_of(result) == ("error: give a query NAME (or a .cypher file) or --cypher "
                                    "'MATCH ... RETURN ...', not both")


def test_adhoc_writes_are_refused(qstore):
    before = qstore.snapshot()
    result = graphtool(qstore.url, "query", "run", "--cypher", "MATCH (a:Account) SET a.followers = 0 RETURN a.id AS id")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert qstore.snapshot() == before


# --- read-only is harmless (issue 18 item 7) ----------------------------------------------------

ALLOWED = ("db.labels, db.relationshipTypes, db.propertyKeys, db.indexes, db.constraints, "
           "db.schema.nodeTypeProperties, db.schema.relTypeProperties, db.schema.visualization")
REFUSED = [
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
     "LOAD CSV is refused (it reads files and URLs); import data with graphtool import"),
    ("load csv with headers from 'https://example.org/x.csv' AS r RETURN r",
     "LOAD CSV is refused (it reads files and URLs); import data with graphtool import"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
     "TERMINATE is refused: administration commands and USE do not run through graphtool"),
    ("SHOW TRANSACTIONS YIELD transactionId RETURN transactionId",
     "SHOW is refused: administration commands and USE do not run through graphtool"),
    ("SHOW USERS", "SHOW is refused: administration commands and USE do not run through graphtool"),
    ("CREATE USER mallory SET PASSWORD 'x'",
     "CREATE is refused: administration commands and USE do not run through graphtool"),
    ("DROP DATABASE neo4j", "DROP is refused: administration commands and USE do not run through graphtool"),
    ("USE system MATCH (n) RETURN n", "USE is refused: administration commands and USE do not run through graphtool"),
    ("CALL dbms.listConfig() YIELD name RETURN name", f"procedure dbms.listConfig is refused (allowed: {ALLOWED})"),
    ("CALL `dbms`.`killQueries`(['x'])", f"procedure dbms.killQueries is refused (allowed: {ALLOWED})"),
    ("CALL apoc.load.json('file:///etc/passwd') YIELD value RETURN value",
     f"procedure apoc.load.json is refused (allowed: {ALLOWED})"),
]


@pytest.mark.parametrize("text, message", REFUSED, ids=[t[:24] for t, _ in REFUSED])
def test_file_reads_administration_and_procedures_are_refused(qstore, tmp_path, text, message):
    before = qstore.snapshot()
    result = graphtool(qstore.url, "query", "run", "--cypher", text)
    assert result.returncode == 2
    assert error_of(result) == f"error: query ad-hoc: {message}"
    assert "root:" not in result.stdout
    own = tmp_path / "own.cypher"  # a personal file goes through the same check
    own.write_text(text + "\n", encoding="utf-8")
    assert error_of(graphtool(qstore.url, "query", "run", str(own))) == f"error: query own: {message}"
    assert qstore.snapshot() == before


def test_schema_listings_and_harmless_text_still_run(qstore):
    labels = graphtool(qstore.url, "query", "run", "--cypher",
                       "CALL db.labels() YIELD label RETURN label ORDER BY label", "--format", "json")
    assert labels.returncode == 0, labels.stderr
    assert "Account" in [r["label"] for r in json.loads(labels.stdout)]
    text = graphtool(qstore.url, "query", "run", "--cypher",
                     "// SHOW USERS in a comment\nMATCH (a:Account) WHERE a.id <> 'LOAD CSV' "
                     "RETURN count(a) > 0 AS any", "--format", "json")
    assert text.returncode == 0, text.stderr
    assert json.loads(text.stdout) == [{"any": True}]


def test_every_canned_query_passes_the_check():
    from graphtool.queries import check_harmless

    for q in load_queries().values():
        check_harmless(q)


def test_the_neo4j_test_server_confines_file_access(neo4j_store):
    """Even past graphtool's own check, the test server reads no file (server.directories.import, no file URLs)."""
    with pytest.raises(StoreError) as caught:
        neo4j_store.read("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line")
    assert not isinstance(caught.value, ReadOnlyError) or "root:" not in str(caught.value)
    assert "root:" not in str(caught.value)


# --- dates and ids as people write them ---------------------------------------------------------

def test_activity_window_until_a_date_includes_that_day(qstore):
    from graphtool.queries import get_query, run_query

    q = get_query("activity-window")
    day = run_query(qstore, q, {"since": "2021-09-08", "until": "2021-09-08", "bucket_s": "86400"})
    assert day.params["until"] - day.params["since"] == 86400
    explicit = run_query(qstore, q, {"since": "2021-09-08T00:00:00Z", "until": "2021-09-09T00:00:00Z",
                                     "bucket_s": "86400"})
    assert day.rows == explicit.rows
    stamped = run_query(qstore, q, {"since": "2021-09-08", "until": "2021-09-08T00:00:00Z", "bucket_s": "86400"})
    assert stamped.params["until"] == stamped.params["since"]  # a time is taken as written


def test_since_after_until_is_an_error(qstore, tmp_path):
    query = graphtool(qstore.url, "query", "run", "activity-window", "-p", "since=2021-09-21", "-p", "until=2021-09-20")
    assert query.returncode == 2
    assert error_of(query) == ("error: query activity-window: since 2021-09-21 is after until 2021-09-20: "
                               "nothing can be in that window")
    drawn = graphtool(qstore.url, "map", "--since", "2021-09-21", "--until", "2021-09-20", cwd=tmp_path)
    assert drawn.returncode == 2
    assert error_of(drawn) == "error: --since 2021-09-21 is after --until 2021-09-20: nothing can be in that window"
    assert list(tmp_path.iterdir()) == []


def test_map_until_a_date_includes_that_day():
    from graphtool.cli.common import time_window

    assert time_window("2021-09-20", "2021-09-20") == (1632096000, 1632096000 + 86399)
    assert time_window(None, "2021-09-20T12:00:00Z") == (None, 1632139200)


def test_narrative_view_takes_the_id_as_listed(qstore, tmp_path):
    listed = graphtool(qstore.url, "map", "--list-narratives", cwd=tmp_path)
    narrative_id = listed.stdout.splitlines()[0].split("\t")[0]
    for given in (narrative_id, f"narrative:{narrative_id}"):  # the id alone, or as the view narrative:ID
        out = tmp_path / f"{len(given)}.html"
        result = graphtool(qstore.url, "map", "--view", given, "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert out.is_file()


def test_demo_refuses_a_directory_that_holds_a_store(tmp_path):
    (tmp_path / "store" / "appendonlydir").mkdir(parents=True)
    result = subprocess.run([sys.executable, "-m", "graphtool", "demo", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert error_of(result) == (f"error: --out {tmp_path}: {tmp_path / 'store'} already holds a store; the demo "
                                "needs a new directory (or delete that one)")
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["appendonlydir"]


def test_timeout_is_enforced_on_every_store(qstore):
    import time

    started = time.monotonic()
    result = graphtool(qstore.url, "query", "run", "--timeout", "0.2", "--cypher",
                       "UNWIND range(1, 30000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS c")
    took = time.monotonic() - started
    assert result.returncode == 2
    assert error_of(result) == "error: query ad-hoc did not finish within 0.2 s"
    assert took < 10  # python start-up and the store's connection, not the query


def test_no_query_found_is_an_error_never_an_empty_list(tmp_path):
    from graphtool.errors import QueryError

    with pytest.raises(QueryError) as caught:
        load_queries([tmp_path])
    assert str(caught.value) == f"no canned queries found in {tmp_path}: reinstall graphtool"


def test_the_packaged_folders_are_found_through_importlib_resources():
    from graphtool.demo import case_dir
    from graphtool.queries import QUERY_DIR

    assert (QUERY_DIR / "narratives.cypher").is_file()
    assert (case_dir() / "Account.csv").is_file()
