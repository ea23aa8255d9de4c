"""Communities on the follow graph: who follows whom, read from FOLLOWS only, never as shares.

The projection is :func:`.projection_store.follow_graph`; the partition is
:func:`.communities.communities` (the same engine as the amplification communities).  Results go
onto the Accounts as ``follow_community`` (0 = largest), ``follow_community_size`` and
``follow_run``; a new run clears the previous run's values first.
"""
from __future__ import annotations

import time

from .. import internal_queries as Q
from .. import model
from ..store import Store
from . import communities
from . import projection_store as project

_ACCOUNT = model.node("Account").label


def follow_communities(store: Store, seed: int = 0, resolution: float = communities.RESOLUTION,
                       engine: str = "auto", top: int = 10, write: bool = True) -> dict:
    """Detect communities on the follow graph of ``store`` and (with ``write``) store them.

    Returns
    -------
    dict
        ``run``, ``graph`` (``nodes``, ``edges``), ``engine``, ``resolution``, ``seed``,
        ``modularity``, ``count``, ``singletons``, ``largest`` (``community``, ``size``,
        ``members``: up to five ids, most followed first), ``written`` and ``warnings``.
    """
    run_id = f"follows-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-seed{seed}"
    G = project.follow_graph(store)
    summary: dict = {"run": run_id, "graph": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()},
                     "engine": None, "resolution": resolution, "seed": seed, "modularity": None, "count": 0,
                     "singletons": 0, "largest": [], "written": 0, "warnings": []}
    if G.number_of_edges() == 0:
        summary["warnings"].append("no FOLLOWS between accounts in the store: import a follow network first "
                                   "(docs/formats.md, follows)")
        return summary
    res = communities.communities(G, seed=seed, resolution=resolution, engine=engine)
    members: dict = {}
    for k, c in res.partition.items():
        members.setdefault(c, []).append(k)
    followed = dict(G.in_degree())
    largest = []
    for c, size in sorted(res.sizes.items(), key=lambda cs: (-cs[1], cs[0]))[:top]:
        lead = sorted(members[c], key=lambda k: (-followed.get(k, 0), str(k)))[:5]
        largest.append({"community": c, "size": size, "members": [G.nodes[k]["id"] for k in lead]})
    summary.update(engine=res.engine, modularity=res.modularity, count=len(res.sizes),
                   singletons=sum(1 for s in res.sizes.values() if s == 1), largest=largest)
    if write:
        Q.CLEAR_FOLLOW_COMMUNITIES.run(store)
        sizes = res.community_size
        rows = [{"label": _ACCOUNT, "id": G.nodes[k]["id"],
                 "props": {"follow_community": int(c), "follow_community_size": int(sizes[k]), "follow_run": run_id}}
                for k, c in sorted(res.partition.items())]
        summary["written"] = project.write_node_scores(store, rows)
    return summary
