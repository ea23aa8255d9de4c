"""One definition of state media everywhere (issue 11 item 5).

``graphtool analyze`` decides who counts as state media (``state_media``) and what is the state
(``state_entity``); coordination groups, maps, exports, STIX and the canned queries read those
stored properties.  The world here has no flagged Outlet: the state is a ministry two hops above an
account (by ``kind``, as state.toml says), so any output that still read the raw ``state_affiliated``
flag would say "not state media" where ``analyze`` says "state media".
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

from graphtool import internal_queries as Q
from graphtool.analyze.coordination_store import run_coordination
from graphtool.analyze.scores_store import explain, run_analyses
from graphtool.analyze.state_media import NOT_ANALYSED
from graphtool.load.records import node_record, rel_record
from graphtool.load.writer import write_records
from graphtool.queries import get_query, run_query
from graphtool.render.exports import projection_writer
from graphtool.render.maps import UNKNOWN_COLOR, affiliation_color, affiliation_value
from graphtool.render.stix import _state_words
from graphtool.render.views import view_graph, write_view_map

PACKAGE = Path(__file__).resolve().parents[1] / "graphtool"
STATE_ACCOUNT, FAN, BOSS = "x:daily_fx", "x:fan_fx", "x:boss_fx"
MINISTRY, OUTLET, DIRECTOR = "org:ministry-fx", "outlet:daily-fx", "person:boss-fx"


def world():
    """An account owned by an unflagged Outlet owned by a ministry; a fan co-sharing with it; an account
    owned by the Outlet's director (a route that reads one OPERATED_BY backwards)."""
    def own(src, dst, src_label, dst_label, type_="OWNED_BY", confidence=1.0):
        return rel_record(type_, {"src": src, "dst": dst, "src_label": src_label, "dst_label": dst_label,
                                  "confidence": confidence, "basis": "declared", "sources": "s:reg"})

    def share(account, article, i, at):
        return rel_record("SHARED", {"src": account, "dst": article, "id": i, "at": at, "sources": "s:reg"})

    return [
        node_record("Source", {"id": "s:reg", "kind": "note"}),
        node_record("Organization", {"id": MINISTRY, "name": "Ministry of Information (fixture)", "kind": "ministry",
                                     "country": "CN", "sources": "s:reg"}),
        node_record("Outlet", {"id": OUTLET, "name": "Daily (fixture)", "country": "CN", "sources": "s:reg"}),
        node_record("Person", {"id": DIRECTOR, "name": "Boss (fixture)", "sources": "s:reg"}),
        *(node_record("Account", {"platform": "x", "handle": h.split(":")[1], "display_name": h})
          for h in (STATE_ACCOUNT, FAN, BOSS)),
        *(node_record("Article", {"id": f"art:{i}", "platform": "web", "text": f"story {i}",
                                  "published_at": f"2024-03-0{i}T08:00:00Z"}) for i in (1, 2)),
        rel_record("PUBLISHED", {"src": OUTLET, "dst": "art:1", "src_label": "Outlet"}),
        rel_record("PUBLISHED", {"src": OUTLET, "dst": "art:2", "src_label": "Outlet"}),
        own(STATE_ACCOUNT, OUTLET, "Account", "Outlet"),
        own(OUTLET, MINISTRY, "Outlet", "Organization"),
        own(OUTLET, DIRECTOR, "Outlet", "Person", "OPERATED_BY", 0.9),
        own(BOSS, DIRECTOR, "Account", "Person", "OWNED_BY", 0.9),
        share(STATE_ACCOUNT, "art:1", "sh:1", "2024-03-01T09:00:00Z"),
        share(FAN, "art:1", "sh:2", "2024-03-01T09:00:03Z"),
        share(STATE_ACCOUNT, "art:2", "sh:3", "2024-03-02T09:00:00Z"),
        share(FAN, "art:2", "sh:4", "2024-03-02T09:00:04Z"),
    ]


@pytest.fixture
def loaded(store):
    result = write_records(store, world())
    assert result.rejected == 0, result.rejects
    return store


def group_share(store):
    run = run_coordination(store, "co-share", 60, write=False, progress=False)
    (group,) = [g for g in run.communities if STATE_ACCOUNT in g.members]
    assert sorted(group.members) == sorted([FAN, STATE_ACCOUNT])
    return run, group


def test_before_analyze_every_output_says_not_analysed(loaded, tmp_path):
    run, group = group_share(loaded)
    assert group.state_media_share is None and run.state_media_note == NOT_ANALYSED
    assert run.as_dict()["state_media_note"] == NOT_ANALYSED
    G, _ = view_graph(loaded, "ownership")
    assert affiliation_color(affiliation_value(_node(G, MINISTRY))) == UNKNOWN_COLOR  # not the raw flag's guess
    result = write_view_map(loaded, "ownership", tmp_path / "own.html")
    assert NOT_ANALYSED in result.notes
    assert NOT_ANALYSED in (tmp_path / "own.html").read_text(encoding="utf-8").replace("\\u2014", "—")
    assert _state_words({"state_affiliated": "true"}) == NOT_ANALYSED
    assert run_query(loaded, get_query("state-owner-proximity"), {"max_hops": 4}).rows == []


def _node(G: nx.Graph, node_id: str):
    (attrs,) = [d for _, d in G.nodes(data=True) if d.get("id") == node_id]
    return attrs


def test_every_output_agrees_with_analyze(loaded, tmp_path):
    run_analyses(loaded, progress=False, export=projection_writer(tmp_path, loaded))
    # what analyze decided, and explain says
    facts = {r["id"]: r for r in loaded.read(
        "MATCH (a:Account) RETURN a.id AS id, a.state_media AS state_media, a.state_path AS path, "
        "a.ownership_clarity AS clarity")}
    assert facts[STATE_ACCOUNT]["state_media"] is True and facts[STATE_ACCOUNT]["clarity"] == "declared"
    assert facts[STATE_ACCOUNT]["path"] == [STATE_ACCOUNT, OUTLET, MINISTRY]
    assert facts[FAN]["state_media"] is False
    assert facts[BOSS]["path"] == [BOSS, DIRECTOR, OUTLET, MINISTRY] and facts[BOSS]["clarity"] == "indirect"
    (said,) = explain(loaded, STATE_ACCOUNT)
    assert said["state_media"] is True and said["state_path"] == facts[STATE_ACCOUNT]["path"]

    # coordination: half of the group is state media, by the stored definition
    run, group = group_share(loaded)
    assert group.state_media_share == pytest.approx(0.5) and run.state_media_note is None

    # map colours: the ministry is red (the state), the state account by its score (>= 0.5)
    G, _ = view_graph(loaded, "ownership")
    assert affiliation_value(_node(G, MINISTRY)) == 1.0
    assert affiliation_color(affiliation_value(_node(G, MINISTRY))) == affiliation_color(1.0)
    assert affiliation_value(_node(G, STATE_ACCOUNT)) >= 0.5
    result = write_view_map(loaded, "ownership", tmp_path / "own.html")
    assert NOT_ANALYSED not in result.notes

    # exports carry the stored decision
    own = nx.read_graphml(tmp_path / "ownership.graphml")
    by_id = {d.get("id"): d for _, d in own.nodes(data=True)}
    assert by_id[MINISTRY]["state_entity"] is True and by_id[STATE_ACCOUNT]["state_media"] is True
    assert by_id[FAN].get("state_media") in (None, False) and "state_media" not in own.graph

    # STIX wording and the canned query: the same set of accounts, the same paths
    assert _state_words({"state_entity": True}).startswith("the state")
    rows = run_query(loaded, get_query("state-owner-proximity"), {"max_hops": 4}).rows
    paths = {r["account"]: [] for r in rows}
    for r in rows:
        paths[r["account"]].append((r["path"], r["relationships"]))
    with_path = {k for k, f in facts.items() if f["path"]}
    assert set(paths) == with_path == {STATE_ACCOUNT, BOSS}
    for account in with_path:
        assert facts[account]["path"] in [p for p, _ in paths[account]]
    assert ([BOSS, DIRECTOR, OUTLET, MINISTRY], ["OWNED_BY", "<-OPERATED_BY", "OWNED_BY"]) in paths[BOSS]


# --- no new reads of the raw flag ---------------------------------------------------------------

# Where ``state_affiliated`` may be read: the model, the loaders that set it, the state definition
# (affiliation and its data file, and the census that feeds it), this rule's own module, and the
# exports, which carry the imported flag by name next to the stored decision.
ALLOWED = {"model.py", "analyze/affiliation.py", "analyze/projection_store.py", "analyze/state.toml",
           "analyze/state_media.py", "render/exports.py"}
ALLOWED_DIRS = ("load/",)
TEXT = (".py", ".html", ".js", ".toml", ".cypher", ".j2")


def raw_flag_reads() -> list[str]:
    problems = []
    flagged_statements = {name for name, s in Q.REGISTRY.items() if "state_affiliated" in s.text}
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not path.is_file() or path.suffix not in TEXT or "/vendor/" in f"/{rel}":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if rel == "internal_queries.py":
            continue  # judged by who uses each statement, below
        users = {n for n in flagged_statements if re.search(rf"\bQ\.{n}\b", text)}
        allowed = rel in ALLOWED or rel.startswith(ALLOWED_DIRS)
        if not allowed:
            problems += [f"graphtool/{rel}: uses internal query {n}, which reads state_affiliated" for n in users]
            problems += [f"graphtool/{rel}:{i}: {line.strip()[:100]}" for i, line in
                         enumerate(text.splitlines(), start=1) if "state_affiliated" in line]
    return problems


def test_nothing_new_reads_the_raw_state_affiliated_flag():
    problems = raw_flag_reads()
    assert not problems, ("read what `graphtool analyze` stored (graphtool.analyze.state_media.stored_state: "
                          "state_media / state_entity), not the raw flag:\n" + "\n".join(problems))


def test_the_scan_sees_a_raw_read(tmp_path, monkeypatch):
    import test_state_definition as me

    fake = tmp_path / "graphtool"
    (fake / "render").mkdir(parents=True)
    (fake / "render" / "maps.py").write_text("colour = attrs.get('state_affiliated')\n", encoding="utf-8")
    (fake / "cli").mkdir()
    flagged = next(n for n, s in Q.REGISTRY.items() if "state_affiliated" in s.text)
    (fake / "cli" / "x.py").write_text(f"rows = Q.{flagged}.read(store)\n", encoding="utf-8")
    monkeypatch.setattr(me, "PACKAGE", fake)
    problems = raw_flag_reads()
    assert len(problems) == 2, problems
    assert any("render/maps.py:1" in p for p in problems) and any(flagged in p for p in problems)
    assert ast.parse((fake / "cli" / "x.py").read_text())  # the sample is real Python
