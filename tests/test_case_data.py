"""The Canada 2021 case files: minimum sizes, valid canonical columns, and an answer key that the files bear out.

Pure file checks (no store): they read the committed CSVs and ``answers.json`` and recompute
each planted answer independently of the generator.
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime
from functools import lru_cache
from itertools import combinations

import pytest

from conftest import CASE
from graphtool import model


@lru_cache(maxsize=None)
def rows(name: str) -> tuple[dict, ...]:
    with (CASE / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


@lru_cache(maxsize=None)
def answers() -> dict:
    return json.loads((CASE / "answers.json").read_text(encoding="utf-8"))


def by_id(name: str) -> dict[str, dict]:
    return {r["id"]: r for r in rows(name)}


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


# An oracle written apart from the generator's: one token per CJK character or per run of letters/digits.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+")


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    toks = _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


NODE_FILES = [n.label for n in model.NODES if (CASE / f"{n.label}.csv").exists()]
REL_FILES = [r.type for r in model.RELATIONSHIPS if (CASE / f"{r.type}.csv").exists()]


def test_minimum_sizes():
    accounts = rows("Account")
    assert len(accounts) >= 300
    assert len({a["platform"] for a in accounts}) >= 5
    assert len(rows("Article")) >= 2000
    assert len(rows("SHARED")) >= 10_000
    assert len(rows("Narrative")) >= 3
    langs = Counter(a["lang"] for a in rows("Article"))
    assert langs["zh"] > 500 and langs["en"] > 200  # bilingual


def test_every_file_is_canonical_for_the_model():
    assert {"Source", "Account", "Outlet", "Article", "Narrative", "Event"} <= set(NODE_FILES)
    assert {"PUBLISHED", "SHARED", "CITES", "CARRIES", "OPERATED_BY", "OWNED_BY", "REGISTERED_TO"} <= set(REL_FILES)
    for label in NODE_FILES:
        declared = {p.name for p in model.node(label).props}
        header = set(rows(label)[0])
        assert header <= declared, (label, header - declared)
        assert {p.name for p in model.node(label).props if p.required} <= header
        ids = [r["id"] for r in rows(label)]
        assert len(ids) == len(set(ids)), f"duplicate ids in {label}.csv"
    for type_ in REL_FILES:
        spec = model.rel(type_)
        header = set(rows(type_)[0])
        assert header <= {p.name for p in spec.props} | {"src", "dst", "src_label", "dst_label"}, type_
        if len(spec.sources) > 1:
            assert "src_label" in header, type_
        if len(spec.targets) > 1:
            assert "dst_label" in header, type_


def test_relationship_endpoints_exist_with_their_labels():
    ids = {label: set(by_id(label)) for label in NODE_FILES}
    for type_ in REL_FILES:
        spec = model.rel(type_)
        for r in rows(type_):
            src_label = r.get("src_label") or spec.sources[0]
            dst_label = r.get("dst_label") or spec.targets[0]
            assert src_label in spec.sources and dst_label in spec.targets, (type_, r)
            assert r["src"] in ids[src_label], (type_, r["src"])
            assert r["dst"] in ids[dst_label], (type_, r["dst"])


def test_every_row_cites_known_sources():
    sources = set(by_id("Source"))
    for name in NODE_FILES + REL_FILES:
        for r in rows(name):
            cited = split(r["sources"])
            assert cited and set(cited) <= sources, (name, r.get("id") or (r["src"], r["dst"]))


def test_shares_have_ids_and_times_after_publication():
    shares = rows("SHARED")
    assert len({s["id"] for s in shares}) == len(shares)
    published = {a["id"]: ts(a["published_at"]) for a in rows("Article")}
    assert all(s["at"] and ts(s["at"]) > published[s["dst"]] for s in shares)


def test_values_fit_the_model():
    for label in NODE_FILES:
        for prop in model.node(label).props:
            if prop.choices:
                assert {r[prop.name] for r in rows(label) if r.get(prop.name)} <= set(prop.choices), (label, prop.name)
    for type_ in ("OPERATED_BY", "OWNED_BY", "REGISTERED_TO", "CARRIES"):
        assert all(0.0 <= float(r["confidence"]) <= 1.0 for r in rows(type_))
    for type_ in ("OPERATED_BY", "OWNED_BY", "REGISTERED_TO"):
        assert {r["basis"] for r in rows(type_)} <= {"declared", "registration", "indirect", "analyst"}


def test_synthetic_labels_and_real_outlets():
    assert answers()["synthetic"] is True
    readme = (CASE / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in "".join(readme.splitlines()[:3])
    outlets = by_id("Outlet")
    assert {o: outlets[o]["state_affiliated"] for o in outlets} == {
        "outlet:global-times": "true", "outlet:xinhua": "true", "outlet:peoples-daily": "true",
        "outlet:cgtn": "true", "outlet:hill-times": "false"}
    # Every account is invented and says so.
    assert all(a["handle"].startswith("sim_") and a["display_name"].endswith("(sim)") for a in rows("Account"))
    assert all(p["name"].endswith("(sim)") for p in rows("Person"))


def test_counts_in_answers_match_the_files():
    counts = answers()["counts"]
    assert counts["nodes"] == {label: len(rows(label)) for label in NODE_FILES}
    assert counts["relationships"] == {type_: len(rows(type_)) for type_ in REL_FILES}


def publisher_of() -> dict[str, str]:
    return {r["dst"]: r["src"] for r in rows("PUBLISHED")}


def test_narrative_origins_are_the_earliest_carriers():
    articles = by_id("Article")
    carriers = defaultdict(list)
    for r in rows("CARRIES"):
        carriers[r["dst"]].append(r["src"])
    narratives = answers()["narratives"]
    assert set(narratives) == set(by_id("Narrative")) and len(narratives) == 3
    for nid, expected in narratives.items():
        first = min(carriers[nid], key=lambda a: (ts(articles[a]["published_at"]), a))
        assert first == expected["origin"]
        assert publisher_of()[first] == expected["origin_account_or_outlet"]
        assert expected["carriers"] == len(carriers[nid])
    assert narratives["narrative:conservative-platform-breaks-ties"]["origin_account_or_outlet"] == \
        "outlet:global-times"


def test_copy_pairs_are_real_copies_with_the_stated_attribution():
    articles = by_id("Article")
    cites = {(r["src"], r["dst"]) for r in rows("CITES")}
    pairs = answers()["copy_pairs"]
    assert len(pairs) >= 10
    assert {p["attributed"] for p in pairs} == {True, False}
    for p in pairs:
        copy, original = articles[p["copy"]], articles[p["original"]]
        assert ts(copy["published_at"]) - ts(original["published_at"]) == p["lag_s"] > 0
        a, b = shingles(copy["text"]), shingles(original["text"])
        assert len(a & b) / len(b) == pytest.approx(p["containment_of_original"], abs=1e-3)
        assert p["containment_of_original"] >= 0.5
        assert ((p["copy"], p["original"]) in cites) is p["attributed"]
        mentions = "环球时报" in copy["text"] or "Global Times" in copy["text"]
        assert mentions is p["attributed"], p["copy"]
        assert publisher_of()[p["copy"]] == p["copy_publisher"]
    families = answers()["copy_families"]
    assert sorted(c for cs in families.values() for c in cs) == sorted(p["copy"] for p in pairs)


def test_no_near_duplicates_outside_the_story():
    """No article outside the Global Times story shares 30 % of the smaller text's shingles with any other."""
    story = set(answers()["copy_detection"]["story_articles"])
    sets = {a["id"]: shingles(a["text"]) for a in rows("Article")}
    df = Counter(s for v in sets.values() for s in v)
    # Candidates share a shingle that is not everywhere; texts made mostly of common shingles are compared to all.
    postings = defaultdict(list)
    for aid, v in sets.items():
        for s in v:
            if df[s] <= 40:
                postings[s].append(aid)
    candidates = {tuple(sorted(p)) for docs in postings.values() for p in combinations(docs, 2)}
    for aid, v in sets.items():
        if v and sum(df[s] > 40 for s in v) / len(v) >= 0.3:
            candidates.update(tuple(sorted((aid, other))) for other in sets if other != aid)
    worst = 0.0
    for a, b in candidates:
        if a in story and b in story or not sets[a] or not sets[b]:
            continue
        worst = max(worst, len(sets[a] & sets[b]) / min(len(sets[a]), len(sets[b])))
    recorded = answers()["copy_detection"]["max_containment_outside_story"]  # the generator's exact maximum
    assert worst < 0.3 and recorded < 0.3
    assert worst <= recorded + 1e-4


def coshare(window: int) -> Counter:
    """Pair -> number of distinct articles both accounts shared within ``window`` seconds of each other."""
    by_article = defaultdict(list)
    for s in rows("SHARED"):
        by_article[s["dst"]].append((ts(s["at"]), s["src"]))
    weights = Counter()
    for events in by_article.values():
        pairs = set()
        for (t1, a), (t2, b) in combinations(sorted(events), 2):
            if t2 - t1 <= window and a != b:
                pairs.add(tuple(sorted((a, b))))
        weights.update(pairs)
    return weights


def test_coordinated_groups_stand_out_at_their_window():
    groups = answers()["coordinated_groups"]
    assert len(groups) >= 2
    window = groups[0]["window_s"]
    assert all(g["window_s"] == window and g["kind"] == "co-share" for g in groups)
    weights = coshare(window)
    inside = set()
    for g in groups:
        assert 4 <= len(g["members"]) <= 8
        for a, b in combinations(sorted(g["members"]), 2):
            inside.add((a, b))
            assert weights[(a, b)] >= g["min_weight"], (g["name"], a, b)
        assert min(weights[p] for p in combinations(sorted(g["members"]), 2)) == g["min_pair_weight"]
    others = [w for p, w in weights.items() if p not in inside]
    assert max(others) < min(g["min_weight"] for g in groups)
    assert max(others) == answers()["coordination_check"]["by_window_s"][str(window)]["max_other_pair_weight"]


def ownership_edges() -> dict[str, list[tuple[str, str, float]]]:
    edges = defaultdict(list)
    for type_ in ("OPERATED_BY", "OWNED_BY", "REGISTERED_TO"):
        for r in rows(type_):
            edges[r["src"]].append((type_, r["dst"], float(r["confidence"])))
    return edges


def state_entities() -> set[str]:
    return {r["id"] for label in ("Outlet", "Organization") for r in rows(label) if r["state_affiliated"] == "true"}


def reaches_state(start: str) -> bool:
    edges, state, seen, todo = ownership_edges(), state_entities(), {start}, [start]
    while todo:
        for _, dst, _ in edges.get(todo.pop(), []):
            if dst in state:
                return True
            if dst not in seen:
                seen.add(dst)
                todo.append(dst)
    return False


def test_ownership_answers():
    key = answers()
    accounts = by_id("Account")
    assert set(key["state_affiliated_entities"]) == state_entities()
    operated = {(r["src"], r["dst"]): r for r in rows("OPERATED_BY")}
    for account in key["declared_state_accounts"]:
        links = [r for (src, _), r in operated.items() if src == account]
        assert any(r["dst"] in state_entities() and float(r["confidence"]) == 1.0 and r["basis"] == "declared"
                   for r in links), account
    edges = ownership_edges()
    for path in key["indirect_ownership"]:
        assert len(path["path"]) >= 3 and path["path"][-1] in state_entities()
        for (src, dst), rel, conf in zip(zip(path["path"], path["path"][1:]), path["rels"], path["confidences"]):
            assert (rel, dst, conf) in edges[src]
        assert path["path_confidence"] < 1.0
    copiers = {p["copy_publisher"] for p in key["copy_pairs"] if not p["attributed"]}
    grouped = {m for g in key["coordinated_groups"] for m in g["members"]}
    for account in key["unclear_ownership"]:
        assert not reaches_state(account), account
        assert account in copiers and account in grouped
        assert (accounts[account]["registrant_country"], accounts[account]["audience_country"]) == ("CN", "CA")
    for account in key["background_accounts"]:
        assert not reaches_state(account) and account not in grouped and account not in copiers


def test_roles_partition_accounts_and_articles():
    key = answers()
    accounts = [a for group in key["account_roles"].values() for a in group]
    assert sorted(accounts) == sorted(by_id("Account"))
    assert sorted(key["background_accounts"]) == sorted(key["account_roles"]["background"])
    articles = [a for group in key["article_roles"].values() for a in group]
    assert sorted(articles) == sorted(by_id("Article"))
    publishers = publisher_of()
    story = set(key["copy_detection"]["story_articles"])
    assert not {publishers[a] for a in story} & set(key["background_accounts"])


def test_events_match_the_files():
    events = by_id("Event")
    assert {i: dict(name=e["name"], kind=e["kind"], at=e["at"]) for i, e in events.items()} == answers()["events"]
    kinds = Counter(e["kind"] for e in events.values())
    assert kinds["debate"] >= 1 and kinds["vote"] == 1 and kinds["report"] == 1
    vote = next(e for e in events.values() if e["kind"] == "vote")
    assert vote["at"].startswith("2021-09-20")


@pytest.mark.slow
def test_generator_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(CASE / "generate.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for path in sorted(CASE.glob("*.csv")) + [CASE / "answers.json"]:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
