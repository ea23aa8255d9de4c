"""What each map shows: the store read into a NetworkX graph per view, then drawn by :mod:`.maps`.

Views
-----
amplification
    Accounts and Outlets; ``A -> B`` SHARED edges (A reposted B's articles; weight = shares) and
    COPIES edges (A published copies of B's articles; weight = copies, ``unattributed`` = copies
    without attribution), counted inside the time window.  Actors with no amplification in the
    window are left out.
ownership
    Accounts, Outlets and their owners: OPERATED_BY / OWNED_BY / REGISTERED_TO with confidence
    and basis (:func:`graphtool.analyze.projection_store.ownership_graph`), plus the accounts whose
    ownership is unclear even without a link.  Timeless.
coordination
    COORDINATED_WITH between Accounts (:func:`graphtool.analyze.projection_store.coordination_graph`),
    coloured by the coordination communities where ``graphtool coordination`` stored them.
    Timeless.
follows
    FOLLOWS between Accounts, follower -> followed (:func:`graphtool.analyze.projection_store.follow_graph`),
    coloured by the follow communities where ``graphtool analyze --graph follows`` stored them.
    Read from FOLLOWS alone: follows are never drawn or counted as shares.  Timeless.
narrative:ID
    The narrative, the articles that carry it, who published and who shared them, and the
    COPIES / CITES between those articles, inside the time window.

The node set and its keys come from :func:`graphtool.analyze.projection_store.census`; every node also
gets the properties the model declares for its label (scores written by ``graphtool analyze``
included), and ``first_ts`` / ``last_ts`` from its edges for the page's date filter.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import networkx as nx

from .. import internal_queries as Q
from .. import model
from ..analyze import projection_store as project
from ..analyze.batching import batches
from ..analyze.state_media import NOT_ANALYSED, analysed
from ..errors import ConfigError, NotFoundError
from ..progress import progress_bar
from ..store import Store
from .maps import UNCLEAR, MapOptions, MapResult, write_map

VIEWS = ("amplification", "ownership", "coordination", "follows", "narrative")
# (colour, size) when the user asks for neither.
DEFAULTS = {"amplification": ("community", "pagerank"), "ownership": ("affiliation", "degree"),
            "coordination": ("community", "degree"), "follows": ("community", "degree"),
            "narrative": ("type", "degree")}
TIMELESS = ("ownership", "coordination", "follows")
MIN_TS, MAX_TS = project.MIN_TS, project.MAX_TS  # "no bound" for the window parameters
_ACCOUNT, _OUTLET, _ARTICLE, _NARRATIVE = (model.node(x).label for x in ("Account", "Outlet", "Article", "Narrative"))
_SHARED, _COPIES, _CITES, _CARRIES, _PUBLISHED = (model.rel(x).type for x in
                                                   ("SHARED", "COPIES", "CITES", "CARRIES", "PUBLISHED"))
# Long free text stays in the store; the map shows the title and a link.
SKIP_PROPS = {"id", "text", "description", "sources"}


def parse_view(text: str) -> tuple[str, str | None]:
    """``"narrative:ID"`` -> ``("narrative", "ID")``; other views take no argument."""
    name, sep, arg = text.partition(":")
    if name not in VIEWS:
        raise ConfigError(f"--view must be one of amplification, ownership, coordination, follows, narrative:ID "
                          f"(got {text!r})")
    if name == "narrative" and not arg:
        raise ConfigError("--view narrative needs the narrative's id: --view narrative:ID")
    if name != "narrative" and sep:
        raise ConfigError(f"--view {name} takes no argument")
    return name, (arg or None)


def _props(label: str) -> tuple[str, ...]:
    return tuple(n for p in model.node(label).props if p.name not in SKIP_PROPS for n in model.stored_names(p))


def _enrich(store: Store, G: nx.Graph, labels: tuple[str, ...]) -> None:
    """Copy every declared, non-null property onto the graph's nodes of ``labels``."""
    for label in labels:
        nodes: dict = defaultdict(list)
        for v, d in G.nodes(data=True):
            if d.get("label") == label:
                nodes[d["id"]].append(v)
        props = set(_props(label))
        for batch in batches(sorted(nodes), project.BATCH):
            for row in Q.NODE_PROPERTIES.read(store, {"ids": batch}, label=label):
                values = {k: value for k, value in row["p"].items() if k in props and value is not None}
                for v in nodes[row["id"]]:
                    G.nodes[v].update({"id": row["id"], **values})


def _spans(G: nx.Graph) -> None:
    """Each node's first_ts / last_ts: the span of its edges' times."""
    first: dict = {}
    last: dict = {}
    for u, v, d in G.edges(data=True):
        for node in (u, v):
            if d.get("first_ts") is not None:
                first[node] = min(first.get(node, d["first_ts"]), d["first_ts"])
            if d.get("last_ts") is not None:
                last[node] = max(last.get(node, d["last_ts"]), d["last_ts"])
    for node in G:
        G.nodes[node].setdefault("first_ts", first.get(node))
        G.nodes[node].setdefault("last_ts", last.get(node))


def _window(since, until) -> dict:
    return {"since": MIN_TS if since is None else int(since), "until": MAX_TS if until is None else int(until)}


def amplification_view(store: Store, since: int | None = None, until: int | None = None) -> nx.MultiDiGraph:
    """SHARED and COPIES edges between actors inside ``[since, until]`` (epoch seconds).

    The edges are :func:`graphtool.analyze.projection_store.amplification_edges`; this adds what
    the map shows on the nodes.
    """
    census = project.census(store)
    G = nx.MultiDiGraph(name="amplification")
    for e in project.amplification_edges(store, census, since, until):
        for key in (e.src, e.dst):
            if key not in G:
                actor = census.actors[key]
                G.add_node(key, label=actor.label, id=actor.id)
        attrs = {"type": e.kind, "weight": float(e.count), "first_ts": e.first_ts, "last_ts": e.last_ts}
        if e.kind == _COPIES:
            attrs.update(copies=e.count, unattributed=e.unattributed, attributed=e.unattributed == 0)
        else:
            attrs["shares"] = e.count
        G.add_edge(e.src, e.dst, key=e.kind, **attrs)
    _enrich(store, G, project.ACTORS)
    _spans(G)
    if since is not None or until is not None:
        _drop_stored(G, ("pagerank", "community"))  # stored scores describe the whole period
    G.graph["left_out"] = len(census.actors) - G.number_of_nodes()
    return G


def _drop_stored(G: nx.Graph, names: tuple[str, ...]) -> None:
    for _, d in G.nodes(data=True):
        for name in names:
            d.pop(name, None)


def ownership_view(store: Store) -> nx.MultiDiGraph:
    """Ownership links, with the accounts of unclear ownership even where they have none."""
    census = project.census(store)
    G = project.ownership_graph(store, census)
    _enrich(store, G, project.ACTORS + (model.L.Organization, model.L.Person))  # owners too: their state_entity
    keep = [v for v in G if G.degree(v) or G.nodes[v].get("ownership_clarity") == UNCLEAR]
    G.graph["left_out"] = G.number_of_nodes() - len(keep)
    H = G.subgraph(keep).copy()
    for _, _, d in H.edges(data=True):
        d["weight"] = float(project._finite(d.get("confidence"), 0.5))
    return H


def coordination_view(store: Store) -> nx.Graph:
    """Coordinated accounts; communities from ``graphtool coordination`` where stored."""
    census = project.census(store)
    G = project.coordination_graph(store, census)
    _enrich(store, G, (_ACCOUNT,))
    G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
    G.graph["left_out"] = len(census.by_label(_ACCOUNT)) - G.number_of_nodes()
    for _, _, d in G.edges(data=True):
        d["type"] = model.rel("COORDINATED_WITH").type
    community = {r["id"]: r["community"] for r in Q.COORDINATION_COMMUNITIES.read(store)}  # its IN_GROUP link
    _communities_from(G, {v: community.get(d.get("id")) for v, d in G.nodes(data=True)})
    return G


def _communities_from(G: nx.Graph, found: dict) -> None:
    """Colour by the stored communities ``found`` (node: community, None for none) when every node has
    one, never by the amplification graph's ``community`` and ``pagerank``, which do not describe this graph."""
    _drop_stored(G, ("pagerank", "community"))
    if G.number_of_nodes() and all(c is not None for c in found.values()):
        for v, c in found.items():
            G.nodes[v]["community"] = c


def follows_view(store: Store) -> nx.DiGraph:
    """Who follows whom; communities from ``graphtool analyze --graph follows`` where stored."""
    census = project.census(store)
    G = project.follow_graph(store, census)
    _enrich(store, G, (_ACCOUNT,))
    G.graph["left_out"] = len(census.by_label(_ACCOUNT)) - G.number_of_nodes()
    for _, _, d in G.edges(data=True):
        d["type"] = model.rel("FOLLOWS").type
        d.pop("first_ts", None), d.pop("last_ts", None)  # when a follow was observed, not when it began
    _communities_from(G, {v: G.nodes[v].get("follow_community") for v in G})
    return G


def narrative_view(store: Store, narrative_id: str, since: int | None = None,
                   until: int | None = None) -> nx.MultiDiGraph:
    """A narrative with its articles, their publishers and sharers, and copies among them."""
    found = Q.NARRATIVE_NAME.read(store, {"id": narrative_id})
    if not found:
        raise NotFoundError(f"no Narrative with id {narrative_id!r}; list them with `graphtool map --list-narratives`")
    window = _window(since, until)
    G = nx.MultiDiGraph(name=f"narrative {narrative_id}")
    nkey = f"{_NARRATIVE}:{narrative_id}"
    G.add_node(nkey, label=_NARRATIVE, id=narrative_id, name=found[0]["name"])
    rows = Q.NARRATIVE_ARTICLES_IN.read(store, {"id": narrative_id, **window})
    articles = [r["id"] for r in rows]
    akey = {a: f"{_ARTICLE}:{a}" for a in articles}
    for r in rows:
        G.add_node(akey[r["id"]], label=_ARTICLE, id=r["id"])
        G.add_edge(akey[r["id"]], nkey, key=_CARRIES, type=_CARRIES, confidence=r["confidence"])
    actor_rows = []
    for batch in batches(articles, project.BATCH):
        for label in project.ACTORS:
            actor_rows += [(label, _PUBLISHED, r) for r in Q.PUBLISHED_BY.read(
                store, {"ids": batch}, publisher=label)]
        actor_rows += [(_ACCOUNT, _SHARED, r) for r in Q.SHARED_IN.read(store, {"ids": batch, **window})]
        for type_, among in ((_COPIES, Q.COPIES_AMONG), (_CITES, Q.CITES_AMONG)):
            for r in among.read(store, {"ids": batch, "all": articles}):
                attrs = {k: r[k] for k in ("attributed", "similarity", "lag_s") if r.get(k) is not None}
                G.add_edge(akey[r["src"]], akey[r["dst"]], key=type_, type=type_, first_ts=r["t0"], **attrs)
    for label, type_, r in sorted(actor_rows, key=lambda t: (t[0], t[1], t[2]["actor"], t[2]["article"])):
        k = f"{label}:{r['actor']}"
        if k not in G:
            G.add_node(k, label=label, id=r["actor"])
        G.add_edge(k, akey[r["article"]], key=type_, type=type_, weight=float(r["n"]), count=int(r["n"]),
                   first_ts=r["t0"], last_ts=r["t1"])
    _enrich(store, G, (*project.ACTORS, _ARTICLE))
    for a in articles:
        d = G.nodes[akey[a]]
        d["first_ts"] = d["last_ts"] = d.get(model.node(_ARTICLE).prop("published_at").ts_name)
    _spans(G)
    return G


def view_graph(store: Store, view: str, since: int | None = None, until: int | None = None) -> tuple[nx.Graph, list[str]]:
    """The graph of ``view`` (see :data:`VIEWS`) and notes on what it left out."""
    name, arg = parse_view(view)
    notes = []
    if name == "amplification":
        G = amplification_view(store, since, until)
        left = "actors without amplification" + (" in this period" if since or until else "")
    elif name == "ownership":
        G = ownership_view(store)
        left = "actors without any ownership link or sign of unclear ownership"
    elif name == "coordination":
        G = coordination_view(store)
        left = "accounts without coordination"
    elif name == "follows":
        G = follows_view(store)
        left = "accounts without a follow"
    else:
        G = narrative_view(store, arg, since, until)
        left = ""
    if G.graph.get("left_out"):
        notes.append(f"{G.graph['left_out']:,} {left} are not drawn.")
    if name in TIMELESS and (since is not None or until is not None):
        notes.append(f"The {name} view has no time: --since/--until do not apply to it.")
    if since is not None or until is not None:
        from ..values import iso

        notes.append(f"Period: {iso(since) if since is not None else 'start'} to "
                     f"{iso(until) if until is not None else 'end'}.")
    return G, notes


def write_view_map(store: Store, view: str, out: str | Path, *, color: str | None = None, size: str | None = None,
                   since: int | None = None, until: int | None = None, budget: int | None = None,
                   seed: int = 42, title: str | None = None) -> MapResult:
    """Read ``view`` from the store and write its map to ``out``; see :func:`graphtool.render.maps.write_map`."""
    name, arg = parse_view(view)
    default_color, default_size = DEFAULTS[name]
    options = MapOptions(color=color or default_color, size=size or default_size, seed=seed)
    if budget is not None:
        options.budget = budget
    try:
        options.check()
    except ValueError as exc:
        raise ConfigError(f"--{str(exc)}") from None
    G, notes = view_graph(store, view, since, until)
    if options.color == "affiliation" and not analysed(d for _, d in G.nodes(data=True)):
        notes.append(NOT_ANALYSED)
    options.notes = tuple(notes)
    options.title = title or (f"Narrative: {G.nodes[f'{_NARRATIVE}:{arg}'].get('name') or arg}"
                              if name == "narrative" else f"{name.capitalize()} map")
    return write_map(G, out, options)


def narratives(store: Store) -> list[dict]:
    """Every Narrative as ``{"id", "name"}``, sorted by id."""
    return project.list_nodes(store, Q.NARRATIVES)


def write_case_maps(store: Store, out_dir: str | Path, seed: int = 42,
                    progress: bool | None = None) -> list[MapResult]:
    """The maps of a case: amplification by community, ownership by affiliation, one per narrative.

    ``progress``: show a bar (stderr) counting the maps; default: when stderr is a terminal.
    """
    out_dir = Path(out_dir)
    plan = [("amplification", out_dir / "amplification.html", "community"),
            ("ownership", out_dir / "ownership.html", "affiliation")]
    plan += [(f"narrative:{n['id']}", out_dir / f"narrative-{i}.html", None)
             for i, n in enumerate(narratives(store), start=1)]
    results = []
    with progress_bar(progress) as bar:
        task = bar.task("maps", total=len(plan), unit="maps")
        for view, path, color in plan:
            task.describe(f"map {view}")
            results.append(write_view_map(store, view, path, color=color, seed=seed))
            task.advance()
    return results
