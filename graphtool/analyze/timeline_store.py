"""A narrative's timeline from the store: read its posts, shares and the Events, run :mod:`.timeline`."""
from __future__ import annotations

from .. import internal_queries as Q
from .. import model
from ..errors import NotFoundError
from ..store import Store
from .batching import batches
from .timeline import (DAY, HOUR, MAX_BINS, Activity, EventMark, Timeline, align_events, bursts,
                       first_appearances, volume)

PUBLISHERS = model.rel("PUBLISHED").sources

BATCH = 1000


def narrative_activity(store: Store, narrative_id: str, shares: bool = True) -> tuple[str, list[Activity]]:
    """The narrative's name and its activity: posts (articles carrying it) and, optionally, shares."""
    rows = Q.NARRATIVE_NAME.read(store, {"id": narrative_id})
    if not rows:
        raise NotFoundError(f"no Narrative with id {narrative_id!r}")
    posts = Q.NARRATIVE_POSTS.read(store, {"id": narrative_id})
    ids = [r["id"] for r in posts]
    publisher: dict[str, str] = {}
    for batch in batches(ids, BATCH):
        for label in PUBLISHERS:
            for r in Q.PUBLISHERS_OF.read(store, {"ids": batch}, publisher=label):
                publisher.setdefault(r["id"], r["pid"])
    activity = [Activity(int(r["ts"]), r["platform"] or "unknown", publisher.get(r["id"]), r["id"], "post")
                for r in posts if r["ts"] is not None]
    if shares:
        for batch in batches(ids, BATCH):
            for r in Q.SHARES_OF.read(store, {"ids": batch}):
                if r["ts"] is not None:
                    activity.append(Activity(int(r["ts"]), r["platform"] or "unknown", r["account"], r["id"], "share"))
    activity.sort(key=lambda a: (a.ts, a.platform, a.article, a.account or "", a.kind))
    return rows[0]["name"], activity


def read_events(store: Store) -> list[EventMark]:
    rows = Q.EVENTS.read(store)
    return [EventMark(r["id"], r["name"] or r["id"], r["kind"], int(r["ts"])) for r in rows if r["ts"] is not None]


def build_timeline(store: Store, narrative_id: str, bin_s: int = HOUR, window_s: int = DAY, shares: bool = True,
                   baseline_bins: int = 24, z: float = 3.0, min_count: int = 3, top: int = 5) -> Timeline:
    """Volume, first appearances, bursts and event alignment of one narrative.

    Bins are ``bin_s`` wide unless the data's span (events included) needs more than
    :data:`~graphtool.analyze.timeline.MAX_BINS` of them; then coarser (``Timeline.bin_s`` says).
    """
    name, activity = narrative_activity(store, narrative_id, shares)
    events = read_events(store)
    carried = Q.NARRATIVE_UNDATED.read(store, {"id": narrative_id})
    vol = volume(activity, bin_s, start=min((e.ts for e in events), default=None) if activity else None,
                 end=max((e.ts for e in events), default=None) if activity else None, max_bins=MAX_BINS)
    return Timeline(narrative_id, name or narrative_id, vol.bin_s, vol, first_appearances(activity), events,
                    bursts(activity, bin_s, baseline_bins, z, min_count, top, vol),
                    align_events(activity, events, window_s, bin_s, baseline_bins, z, min_count, top, vol),
                    posts=sum(a.kind == "post" for a in activity), shares=sum(a.kind == "share" for a in activity),
                    undated_posts=int(carried[0]["n"]) if carried else 0,
                    params={"window_s": window_s, "baseline_bins": baseline_bins, "z": z, "min_count": min_count})
