"""Coordination and copy detection on Spark (pyspark, ``local[2]``), cut into time windows, give exactly
what the single-machine engines give on the same real input (docs/scaling.md).

The Spark tests are slow (a Spark session, a JVM): `.ci/run` runs them with the other slow tests.
pyspark comes with the ``test`` extra, so it is installed wherever the tests are.  The windows and
the overlap correction alone, without Spark, are checked in the default run.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from graphtool.analyze.coordination import co_actions
from graphtool.analyze.coordination_files import read_file_actions
from graphtool.analyze.copies import Doc, find_copies
from graphtool.errors import InputError
from graphtool.scale.spark import SLACK_S, TimeWindows, _window_weights, co_actions_spark, find_copies_spark, session

from conftest import FIXTURES

DATA = FIXTURES / "coordination"
RUSSIAN = DATA / "russian_coord_tweets.csv"  # 35,125 real retweets (CooRTweet's sample)
QUT = DATA / "qut_sample_data.csv"  # the QUT toolkit's example input


slow = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    spark = session("local[2]")
    yield spark
    spark.stop()


def same_network(spark, path, kind, window, **options):
    """Spark's run and the engine's on the same file: every directed weight, self-loops included."""
    cols = read_file_actions([path], kind).columns
    mp = options.pop("min_participation", 1)
    single = co_actions(cols, window, kind=kind, min_participation=mp)
    run = co_actions_spark(spark, cols, window, kind=kind, min_participation=mp, **options)
    assert run.result.edges(self_loops=True) == single.edges(self_loops=True)
    assert run.result.pairs(self_loops=True) == single.pairs(self_loops=True)
    assert (run.result.actions, run.result.resolution_s) == (single.actions, single.resolution_s)
    return run, single


@slow
def test_co_share_with_wide_windows_and_many_boundaries(spark):
    # A 10-minute window over 7 months cut into 1,000 time windows: over a thousand rows sit in two
    # tasks, and the overlap correction decides the weights of every pair that straddles a boundary.
    run, single = same_network(spark, RUSSIAN, "co-share", 600, windows=1000, min_participation=3)
    assert sum(run.rows_per_task.values()) - single.actions > 1000
    assert len(single.edges()) > 50_000


@slow
def test_a_dataframe_spark_read_itself_gives_the_same_network(spark):
    """docs/scaling.md's library call: the CSV read by Spark, not by graphtool."""
    from pyspark.sql import functions as F

    shares = spark.read.csv(str(RUSSIAN), header=True)
    actions = shares.select(F.col("account_id").alias("account"), F.col("object_id").alias("item"),
                            F.col("timestamp_share").cast("double").alias("ts"), F.col("content_id").alias("message_id"))
    run = co_actions_spark(spark, actions, 10, kind="co-share", windows=16)
    single = co_actions(read_file_actions([RUSSIAN], "co-share").columns, 10, kind="co-share")
    assert run.result.edges(self_loops=True) == single.edges(self_loops=True)
    assert len(run.result.pairs()) == 1092


@slow
@pytest.mark.parametrize("kind", ["co-link", "co-similar-text"])
def test_other_kinds_on_the_qut_sample_equal_the_engine(spark, kind):
    # the sample spans minutes: with 60 s windows cut 20 ways every task is mostly overlap
    run, single = same_network(spark, QUT, kind, 60, windows=20)
    assert single.edges() and sum(run.rows_per_task.values()) > 5 * single.actions


@slow
def test_a_message_at_two_times_is_refused(spark):
    from graphtool.analyze.coordination import ActionColumns

    cols = ActionColumns(["a", "a", "b"], ["u1", "u2", "u1"], [0.0, 5.0, 1.0], ["m1", "m1", "m2"])
    with pytest.raises(InputError, match="'m1' has actions at 2 different times"):
        co_actions_spark(spark, cols, 10, kind="co-link")


def test_the_overlap_correction_alone_adds_up_to_the_engine():
    """The tasks' arithmetic without Spark: rows placed by TimeWindows, each window's weights summed."""
    cols = read_file_actions([RUSSIAN], "co-share").columns
    first_rows = {}
    for n, m in enumerate(cols.message_id):
        first_rows.setdefault(m, n)  # a repeated message id: the first row counts
    rows = [(n, cols.account[n], cols.item[n], cols.ts[n], cols.message_id[n]) for n in sorted(first_rows.values())]
    window = 600
    plan = TimeWindows.plan(min(r[3] for r in rows), max(r[3] for r in rows), window + SLACK_S, window + SLACK_S,
                            windows=300)
    tasks = defaultdict(list)
    for row in rows:
        reach = plan.tasks(row[3])
        for task in reach:
            tasks[task].append((*row, plan.owner(row[3]), reach.start, reach.stop - 1))
    total = Counter()
    for task, placed in tasks.items():
        for key, weight in _window_weights(task, placed, "co-share", window, None):
            if key[0] == "edge":
                total[key[1:]] += weight
    assert sum(map(len, tasks.values())) - len(rows) > 500  # rows in two tasks
    assert {k: w for k, w in total.items() if w} == co_actions(cols, window, kind="co-share").edges(self_loops=True)


def test_time_windows_own_each_time_once_and_reach_the_overlap():
    plan = TimeWindows.plan(0, 100, 10, 10, windows=4)
    assert [plan.owner(t) for t in (0, 24.9, 25, 99, 100)] == [0, 0, 1, 3, 3]
    assert list(plan.tasks(26)) == [0, 1] and list(plan.tasks(50)) == [1, 2] and list(plan.tasks(37)) == [1]


def copy_corpus() -> list[Doc]:
    pairs = [json.loads(line) for line in (FIXTURES / "copies" / "pairs.jsonl").read_text("utf-8").splitlines()]
    return [Doc(p[r]["id"], p[r]["text"], p[r]["published_ts"], p[r]["lang"]) for p in pairs for r in ("original", "copy")]


def copy_key(p, method=True):
    return (p.copy, p.original, p.similarity, p.containment, p.shared, p.lag_s, p.attributed, p.credit,
            p.method if method else None, p.tie, p.basis)


@slow
def test_copies_by_publication_window_equal_the_engine(spark):
    docs = copy_corpus()
    max_lag = 4 * 86400  # the labelled set's copies lag up to 3 days
    single = find_copies(docs)
    run = find_copies_spark(spark, docs, max_lag, width_s=5 * 86400)
    assert run.windows.count >= 6
    assert [copy_key(p) for p in run.pairs] == sorted(copy_key(p) for p in single.pairs if p.lag_s <= max_lag)
    assert len(run.pairs) == len(single.pairs) > 300
    assert run.compared == len(docs) and run.too_short == sorted(single.too_short)
    # A shorter lag finds the engine's pairs within it.  `method` names the candidate lanes that found a
    # pair; in a smaller window fewer documents share an anchor, so a group the whole corpus caps at its
    # earliest members (dense_group) can be paired in full and the anchor lane find a pair too.
    short = find_copies_spark(spark, docs, 86400, width_s=3 * 86400)
    assert ([copy_key(p, method=False) for p in short.pairs]
            == sorted(copy_key(p, method=False) for p in single.pairs if p.lag_s <= 86400))
    assert 0 < len(short.pairs) < len(single.pairs)


@slow
def test_copies_from_a_dataframe_spark_read_itself(spark, tmp_path):
    """The documents read by Spark (JSON lines), never collected on the driver: the same pairs."""
    docs = copy_corpus()
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text, "published_ts": d.published_ts, "lang": d.lang},
                                       ensure_ascii=False) + "\n" for d in docs), "utf-8")
    max_lag = 4 * 86400
    run = find_copies_spark(spark, spark.read.json(str(path)), max_lag, width_s=5 * 86400)
    single = find_copies(docs)
    assert [copy_key(p) for p in run.pairs] == sorted(copy_key(p) for p in single.pairs if p.lag_s <= max_lag)
    assert run.compared == len(docs) and not run.undated


@slow
def test_the_docs_command_writes_what_graphtool_coordination_writes(spark, tmp_path):
    """docs/scaling.md's step: `python -m graphtool.scale coordination FILE` next to `graphtool coordination FILE`
    (in this process: the command finds the running Spark session)."""
    from typer.testing import CliRunner

    from graphtool.cli import app as graphtool_app
    from graphtool.scale.__main__ import app as scale_app

    spark_out, single_out = tmp_path / "spark.csv", tmp_path / "single.csv"
    done = CliRunner().invoke(scale_app, ["coordination", str(QUT), "-k", "co-link", "-w", "60", "--windows", "8",
                                          "-o", str(spark_out)])
    assert done.exit_code == 0, done.output
    assert "in 8 time windows" in done.output
    done = CliRunner().invoke(graphtool_app, ["coordination", str(QUT), "-k", "co-link", "-w", "60", "-o", str(single_out)])
    assert done.exit_code == 0, done.output
    assert spark_out.read_bytes() == single_out.read_bytes()
    assert len(spark_out.read_text().splitlines()) > 10


@slow
def test_the_copies_command_reads_documents_and_names_bad_lines(spark, tmp_path):
    docs = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": d.id, "text": d.text, "published_ts": d.published_ts, "lang": d.lang})
             for d in copy_corpus()[:200]]
    docs.write_text("\n".join(lines + ['{"id": "x", "published_ts": "yesterday"}', "not json"]) + "\n", "utf-8")
    from typer.testing import CliRunner

    from graphtool.scale.__main__ import app as scale_app

    done = CliRunner().invoke(scale_app, ["copies", str(docs), "--max-lag", "345600", "--windows", "3",
                                          "-o", str(tmp_path / "copies.csv")])
    assert done.exit_code == 1, done.output  # finished, with lines to review
    assert f"{docs}: line 201: field published_ts" in done.output and f"{docs}: line 202: not JSON" in done.output
    rows = (tmp_path / "copies.csv").read_text().splitlines()
    assert rows[0].startswith("copy,original,") and len(rows) > 40
