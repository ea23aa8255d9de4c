"""Coordination and copy detection on Apache Spark, partitioned by time window.

The engines stay the single-machine ones: each Spark task runs
:func:`graphtool.analyze.coordination.co_actions` or :func:`graphtool.analyze.copies.find_copies`
on the rows of one time window, and the driver adds up what the tasks return.  What makes the
union exact is the overlap between windows:

**Coordination.**  Every action is *owned* by the one window its time falls in.  A window's task
also gets the actions up to the coordination window (plus a hair, ``SLACK_S``, against float
rounding) before and after it, so every match of an owned action is in its task.  QUT's weight
A -> B counts A's *distinct* messages matched by B, so the task must count owned messages only.  It
runs the engine twice: on all its rows (owned and overlap: the overlap rows' matches are then
counted too, partly), and on the rows near its edges with each overlap message standing as an
account of its own, which tells exactly which accounts matched each overlap message there; those
matches are taken off again.  The matches of a pair that straddles a boundary are so counted once,
by the window that owns the message.  The result is the single-machine network, weight for weight,
self-loops included (tests/test_scaling.py compares them on real data).

**Copies.**  A copy is owned by the window of its publication time; its task also gets the
documents up to ``max_lag_s`` before the window, so every original within that lag is there.  A
task keeps the pairs whose copy it owns and whose lag is at most ``max_lag_s``.  Copies further
apart than ``max_lag_s`` are not looked for, and undated documents are left out (they have no
window): both are reported.  The engine's choices across documents (lineage, the ``max_originals``
best, the earliest members of a group larger than ``dense_group``) see only what lies within the
lag, so on corpora where a text is shared by more than ``dense_group`` documents in one window the
partitioned run may choose differently from the single-machine run.

Only this module imports pyspark, and only inside :func:`session`: graphtool works without it.
"""
from __future__ import annotations

import math
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Iterable, Iterator

import numpy as np

from ..analyze.coordination import (DEFAULT_WINDOW_S, KINDS, MIN_TIMES_FOR_RESOLUTION, MULTI_ITEM_KINDS,
                                    RESOLUTIONS, ActionColumns,
                                    Coordination, co_actions)
from ..analyze.copies import AttributionContext, CopyPair, CopyParams, Doc, find_copies
from ..errors import ConfigError, InputError

SLACK_S = 1e-3  # extra overlap: float rounding of a time near a window's edge never loses a match
MASTER = "local[2]"
INSTALL_HINT = "pyspark is not installed: pip install 'graphtool[spark]' (Spark needs Java 17 or later)"


def session(master: str = MASTER, app_name: str = "graphtool"):
    """A SparkSession on ``master`` (``local[N]``, ``spark://host:7077``, ``yarn``, ...).

    The executors run this Python (``PYSPARK_PYTHON`` unless set), which must have graphtool
    installed; the Spark UI is off.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # one machine: no network interface needed
    spark = (SparkSession.builder.master(master).appName(app_name)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    if master.startswith("local"):
        spark.conf.set("spark.sql.shuffle.partitions", "4")  # one machine: few, small shuffles
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ---------------------------------------------------------------------------------------
# Time windows


@dataclass(frozen=True)
class TimeWindows:
    """``count`` windows of ``width`` seconds from ``start``; the last one runs to the end of the data.

    A time is owned by window ``floor((t - start) / width)`` (at most ``count - 1``); a task gets
    ``before`` seconds of the window's past and ``after`` of its future as well.
    """

    start: float
    width: float
    count: int
    before: float
    after: float

    @classmethod
    def plan(cls, lo: float, hi: float, before: float, after: float, *, windows: int | None = None,
             width_s: float | None = None) -> "TimeWindows":
        """Windows over ``[lo, hi]``: ``windows`` of equal width, or as many as ``width_s`` needs."""
        span = max(hi - lo, 0.0)
        if width_s is not None:
            if width_s <= 0:
                raise ConfigError("the window width must be positive")
            return cls(lo, float(width_s), int(span // width_s) + 1, before, after)
        count = max(1, int(windows or 1))
        return cls(lo, span / count if span else 1.0, count, before, after)

    def owner(self, ts: float) -> int:
        return min(max(math.floor((ts - self.start) / self.width), 0), self.count - 1)

    def tasks(self, ts: float) -> range:
        """The windows whose task needs a row at ``ts``: its owner and those it overlaps."""
        first = max(math.floor((ts - self.after - self.start) / self.width), 0)
        last = min(math.floor((ts + self.before - self.start) / self.width), self.count - 1)
        return range(first, last + 1)


# ---------------------------------------------------------------------------------------
# Coordination


@dataclass
class SparkCoordination:
    """A partitioned coordination run: the network and how it was cut."""

    result: Coordination
    windows: TimeWindows
    rows_per_task: dict[int, int] = field(default_factory=dict)  # window -> rows its task ran (owned + overlap)


def _action_frame(spark, actions):
    """Actions as a DataFrame ``account, item, ts, message_id, row`` (``row``: input order, first wins)."""
    if not isinstance(actions, ActionColumns):
        _require_columns(actions, ("account", "item", "ts", "message_id"), "actions")
        if "row" in actions.columns:
            return actions
        from pyspark.sql import functions as F

        return actions.withColumn("row", F.monotonically_increasing_id())
    rows = [(str(a), str(i), float(t), str(m), n)
            for n, (a, i, t, m) in enumerate(zip(actions.account, actions.item, actions.ts, actions.message_id))]
    schema = "account string, item string, ts double, message_id string, row long"
    return spark.createDataFrame(rows, schema)


def _normalized(frame, kind: str, min_participation: int):
    """The engine's input rules, applied once over all the data (a window alone cannot know them).

    A message id belongs to its first row's account; every kind but co-link keeps only that row,
    co-link one row per distinct item; accounts with fewer messages than ``min_participation``
    take no part.
    """
    from pyspark.sql import functions as F

    first = (frame.groupBy("message_id").agg(F.min(F.struct("row", "account")).alias("f"))
             .select("message_id", F.col("f.row").alias("first_row"), F.col("f.account").alias("first_account")))
    rows = frame.join(first, "message_id")
    if kind in MULTI_ITEM_KINDS:
        rows = (rows.where(F.col("account") == F.col("first_account"))
                .groupBy("message_id", "item").agg(F.min(F.struct("row", "account", "ts")).alias("f"))
                .select(F.col("f.account").alias("account"), "item", F.col("f.ts").alias("ts"), "message_id",
                        F.col("f.row").alias("row")))
        split = rows.groupBy("message_id").agg(F.countDistinct("ts").alias("times")).where("times > 1")
        bad = split.first()
        if bad is not None:
            raise InputError(f"message {bad['message_id']!r} has actions at {bad['times']} different times; "
                             "every action of a message carries the message's time")
    else:
        rows = rows.where(F.col("row") == F.col("first_row")).select("account", "item", "ts", "message_id", "row")
    if min_participation > 1:
        active = (rows.groupBy("account").agg(F.countDistinct("message_id").alias("n"))
                  .where(F.col("n") >= min_participation).select("account"))
        rows = rows.join(active, "account")
    return rows


def _resolution(frame) -> tuple[int, int | None, float, float]:
    """(rows, the times' resolution as :func:`~graphtool.analyze.coordination.time_resolution` gives it,
    the first time, the last)."""
    from pyspark.sql import functions as F

    ts = F.col("ts")
    whole = F.min((ts == F.floor(ts)).cast("int"))
    units = [F.max((F.when(ts == F.floor(ts), ts.cast("long") % unit).otherwise(1) != 0).cast("int")).alias(f"u{unit}")
             for unit in RESOLUTIONS]
    got = frame.agg(F.count(F.lit(1)).alias("n"), F.countDistinct(ts).alias("distinct"), whole.alias("whole"),
                    F.min(ts).alias("lo"), F.max(ts).alias("hi"), *units).first()
    resolution = None
    if got["n"] and got["distinct"] >= MIN_TIMES_FOR_RESOLUTION and got["whole"] == 1:
        resolution = next((unit for unit in RESOLUTIONS if not got[f"u{unit}"]), None)
    return got["n"], resolution, got["lo"], got["hi"]


def _window_weights(task: int, rows: Iterable, kind: str, window_s: float,
                    similarity: float | None) -> Iterator[tuple[tuple, int]]:
    """One task: ``(("edge", a, b), weight)`` for the messages its window owns (see the module
    docstring), and ``(("rows", task), n)``: how many rows it ran."""
    rows = sorted(rows)  # (row, account, item, ts, message_id, owner, first, last): input order
    yield ("rows", task), len(rows)
    cols = list(zip(*rows))
    _, account, item, ts, message, owner, first, last = cols
    full = co_actions(ActionColumns(account, item, ts, message), window_s, kind=kind, similarity=similarity)
    names = full.accounts
    weights: Counter = Counter()
    for a, b, w in zip(full.src.tolist(), full.dst.tolist(), full.weight.tolist()):
        weights[(names[a], names[b])] += w
    # Rows in another task too are the only ones an overlap message can match.
    edge = [k for k in range(len(rows)) if first[k] < task or last[k] > task]
    if any(owner[k] != task for k in edge):
        # An overlap message as an account of its own: the engine then says, message by message,
        # which accounts matched it; those matches belong to the task that owns the message.
        ghost = {k: ("overlap", message[k]) for k in edge if owner[k] != task}
        real = {ghost[k]: account[k] for k in ghost}
        band = co_actions(ActionColumns([ghost.get(k, account[k]) for k in edge], [item[k] for k in edge],
                                        [ts[k] for k in edge], [message[k] for k in edge]),
                          window_s, kind=kind, similarity=similarity)
        names = band.accounts
        matched = {(names[a], real.get(names[b], names[b]))
                   for a, b in zip(band.src.tolist(), band.dst.tolist()) if names[a] in real}
        for g, b in matched:
            weights[(real[g], b)] -= 1
    for (a, b), w in weights.items():
        if w:
            yield ("edge", a, b), w


def co_actions_spark(spark, actions, window_s: float = DEFAULT_WINDOW_S, *, kind: str = "co-share",
                     min_weight: int = 1, min_participation: int = 1, similarity: float | None = None,
                     windows: int | None = None, width_s: float | None = None) -> SparkCoordination:
    """:func:`~graphtool.analyze.coordination.co_actions` on Spark, one task per time window.

    Parameters
    ----------
    spark : SparkSession
        E.g. :func:`session`.
    actions : ActionColumns, or a Spark DataFrame
        A DataFrame has columns ``account, item, ts`` (epoch seconds), ``message_id`` and optionally
        ``row`` (the input order that decides which row of a repeated message id counts; else the
        DataFrame's own order).
    window_s, kind, min_weight, min_participation, similarity
        As :func:`~graphtool.analyze.coordination.co_actions`.
    windows, width_s : optional
        Cut the time span into ``windows`` equal windows, or windows of ``width_s`` seconds
        (default: four per core of the session).  Each task also gets ``window_s`` on each side, so a
        width of many coordination windows keeps the repeated rows few.

    Returns
    -------
    SparkCoordination
        ``result`` is a :class:`~graphtool.analyze.coordination.Coordination` with the same edges
        and pairs as the single-machine run.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown coordination kind {kind!r}; known: {', '.join(KINDS)}")
    if window_s < 0:
        raise ValueError("the window cannot be negative")
    from pyspark.sql import functions as F

    rows = _normalized(_action_frame(spark, actions), kind, min_participation).cache()
    n, resolution, lo, hi = _resolution(rows)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return SparkCoordination(Coordination(kind, window_s, min_weight, [], empty, empty, empty), None)
    reach = window_s + SLACK_S
    plan = TimeWindows.plan(lo, hi, reach, reach, windows=windows or 4 * spark.sparkContext.defaultParallelism,
                            width_s=width_s)
    # TimeWindows.owner / .tasks as columns: each row goes to every task that needs it
    at = (F.col("ts") - F.lit(plan.start)) / F.lit(plan.width)
    owner = F.least(F.greatest(F.floor(at), F.lit(0)), F.lit(plan.count - 1))
    first = F.greatest(F.floor(at - F.lit(reach / plan.width)), F.lit(0))
    last = F.least(F.floor(at + F.lit(reach / plan.width)), F.lit(plan.count - 1))
    placed = (rows.select("row", "account", "item", "ts", "message_id", owner.alias("owner"), first.alias("first"),
                          last.alias("last"))
              .withColumn("task", F.explode(F.sequence("first", "last"))))
    per_task = (placed.rdd.map(lambda r: (r["task"], (r["row"], r["account"], r["item"], r["ts"], r["message_id"],
                                                      r["owner"], r["first"], r["last"])))
                .groupByKey(numPartitions=min(plan.count, max(1, spark.sparkContext.defaultParallelism * 4))))
    run = partial(_window_weights, kind=kind, window_s=window_s, similarity=similarity)
    totals = per_task.flatMap(lambda kv: run(kv[0], kv[1])).reduceByKey(lambda x, y: x + y).collect()
    rows.unpersist()
    sizes = {key[1]: n for key, n in totals if key[0] == "rows"}
    edges = sorted((key[1:], w) for key, w in totals if key[0] == "edge" and w)
    if any(w < 0 for _, w in edges):
        raise AssertionError("a negative weight: the overlap correction took off more than was counted")
    accounts = sorted({a for (x, y), _ in edges for a in (x, y)})
    code = {a: k for k, a in enumerate(accounts)}
    src = np.fromiter((code[x] for (x, _), _ in edges), dtype=np.int64, count=len(edges))
    dst = np.fromiter((code[y] for (_, y), _ in edges), dtype=np.int64, count=len(edges))
    weight = np.fromiter((w for _, w in edges), dtype=np.int64, count=len(edges))
    result = Coordination(kind, window_s, min_weight, accounts, src, dst, weight, actions=n, resolution_s=resolution)
    return SparkCoordination(result, plan, {int(k): int(v) for k, v in sizes.items()})


# ---------------------------------------------------------------------------------------
# Copies


@dataclass
class SparkCopies:
    """A partitioned copy run: pairs within ``max_lag_s``, what was left out, how it was cut."""

    pairs: list[CopyPair]
    max_lag_s: float
    compared: int = 0
    too_short: list = field(default_factory=list)
    undated: list = field(default_factory=list)  # ids without a publication time: not compared
    windows: TimeWindows | None = None


def _window_copies(task: int, docs: Iterable[Doc], plan: TimeWindows, params: CopyParams,
                   ctx: AttributionContext | None) -> Iterator[tuple]:
    """One task: the copies its window owns, within the lag; and its own short documents."""
    docs = sorted(docs, key=lambda d: (d.published_ts, d.id))
    owned = {d.id for d in docs if plan.owner(d.published_ts) == task}
    found = find_copies(docs, params, ctx)
    for p in found.pairs:
        if p.copy in owned and p.lag_s is not None and p.lag_s <= plan.before:
            yield "pair", p
    for doc_id in found.too_short:
        if doc_id in owned:
            yield "short", doc_id
    yield "compared", len(owned)


def find_copies_spark(spark, docs: Iterable[Doc], max_lag_s: float, *, params: CopyParams | None = None,
                      ctx: AttributionContext | None = None, windows: int | None = None,
                      width_s: float | None = None) -> SparkCopies:
    """:func:`~graphtool.analyze.copies.find_copies` on Spark, one task per window of publication time.

    Parameters
    ----------
    spark : SparkSession
    docs : iterable of Doc, or a Spark DataFrame
        A DataFrame has columns ``id, text, published_ts`` (epoch seconds) and optionally ``lang,
        title, url``; its documents are read by the executors, never collected on the driver.
    max_lag_s : float
        The longest lag between an original and its copy that is looked for: each task also gets
        this much of its window's past.
    params, ctx
        As :func:`~graphtool.analyze.copies.find_copies` (the same context goes to every task).
    windows, width_s : optional
        As :func:`co_actions_spark`; a width of several lags keeps the repeated documents few.

    Returns
    -------
    SparkCopies
        The pairs the single-machine run finds with a lag of at most ``max_lag_s`` (see the module
        docstring for when the two can differ), sorted by (copy, original).
    """
    if max_lag_s < 0:
        raise ValueError("the maximum lag cannot be negative")
    params = params or CopyParams()
    sc = spark.sparkContext
    if hasattr(docs, "rdd"):  # a DataFrame: the documents stay on the executors
        _require_columns(docs, ("id", "text", "published_ts"), "documents")
        dated = docs.where(docs["published_ts"].isNotNull()).rdd.map(_doc_of_row).cache()
        undated = [r["id"] for r in docs.where(docs["published_ts"].isNull()).select("id").collect()]
        times = dated.map(lambda d: d.published_ts)
        lo, hi = (times.min(), times.max()) if not dated.isEmpty() else (None, None)
    else:
        docs = list(docs)
        undated = [d.id for d in docs if d.published_ts is None]
        listed = [d for d in docs if d.published_ts is not None]
        lo, hi = (min(d.published_ts for d in listed), max(d.published_ts for d in listed)) if listed else (None, None)
        dated = sc.parallelize(listed) if listed else None
    if lo is None:
        return SparkCopies([], max_lag_s, undated=sorted(undated))
    plan = TimeWindows.plan(lo, hi, max_lag_s, 0.0, windows=windows or 4 * sc.defaultParallelism, width_s=width_s)
    run = partial(_window_copies, plan=plan, params=params, ctx=ctx)
    out = (dated.flatMap(lambda d: [(k, d) for k in plan.tasks(d.published_ts)])
           .groupByKey(numPartitions=min(plan.count, max(1, sc.defaultParallelism * 4)))
           .flatMap(lambda kv: run(kv[0], kv[1])).collect())
    pairs = sorted((v for k, v in out if k == "pair"), key=lambda p: (p.copy, p.original))
    return SparkCopies(pairs, max_lag_s, compared=sum(v for k, v in out if k == "compared"),
                       too_short=sorted(v for k, v in out if k == "short"),
                       undated=sorted(undated), windows=plan)


def _doc_of_row(row) -> Doc:
    fields = row.asDict()
    return Doc(fields["id"], fields["text"], int(fields["published_ts"]), fields.get("lang"), fields.get("title"),
               fields.get("url"))


def _require_columns(frame, names: tuple, what: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ConfigError(f"the {what} DataFrame needs column(s) {', '.join(missing)} (it has {', '.join(frame.columns)})")
