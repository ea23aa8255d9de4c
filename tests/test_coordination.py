"""Coordination networks: the peers' published answers, bad input, the store round trip, the CLI.

Reference answers come from the peers themselves (tests/fixtures/coordination/README.md):
the QUT toolkit's own test and example outputs, and the 1,092 pairs both QUT and CooRTweet
find in 35,125 real retweets.
"""
from __future__ import annotations

import csv
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from graphtool.analyze.coordination import (KINDS, Action, ActionColumns, Coded, Message, actions_for, co_actions,
                                            coordination, find_groups, groupings_of_pairs, groups_of_pairs, jaccard,
                                            normalize_text, normalize_url, shingles, significance, summarize_groupings,
                                            summarize_groups, window_pairs)
from graphtool.analyze.coordination_store import read_actions, run_coordination
from graphtool.cli import app
from graphtool.render.views import view_graph
from graphtool.load import find_files, import_paths
from graphtool.load.fmt_coortweet import read as read_coortweet
from graphtool.load.fmt_qut import read as read_qut
from graphtool.load.records import NodeRecord, Reject, RelRecord
from graphtool.load.shares import parse_urls

from conftest import CASE, FIXTURES

DATA = FIXTURES / "coordination"
QUT_KINDS = {"co-share": "co_retweet_w60", "co-text": "co_tweet_w60", "co-reply": "co_reply_w60",
             "co-link": "co_link_w60", "co-similar-text": "co_similar_tweet_w60_sim0.8"}


def qut_messages(path: Path, urls=lambda field: tuple(field.split(" "))) -> list[Message]:
    """Messages of a QUT CSV as QUT's own preprocessing reads them (URLs split on spaces)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [Message(r["message_id"], r["user_id"], float(r["timestamp"]), r["repost_id"] or None,
                        r["reply_id"] or None, r["message"], urls(r["urls"])) for r in csv.DictReader(handle)]


def russian_messages() -> list[Message]:
    with (DATA / "russian_coord_tweets.csv").open(newline="") as handle:
        return [Message(r["content_id"], r["account_id"], float(r["timestamp_share"]), repost_of=r["object_id"])
                for r in csv.DictReader(handle)]


def expected_pairs() -> dict[tuple[str, str], tuple[tuple[int, int], int]]:
    with (DATA / "russian_coord_tweets.pairs_w10.csv").open(newline="") as handle:
        return {(r["account_1"], r["account_2"]): (tuple(int(w) for w in r["qut_weights"].split()),
                                                    int(r["coortweet_weight"]))
                for r in csv.DictReader(handle)}


def brute_force(actions: list[Action], window: float) -> dict[tuple[str, str], int]:
    """QUT's SQL, literally: count distinct messages of A with a B message on the item within the window."""
    by_item = defaultdict(list)
    for a in actions:
        by_item[a.item].append(a)
    matched = defaultdict(set)
    for acts in by_item.values():
        for x, y in itertools.permutations(acts, 2):
            if x.message_id != y.message_id and abs(x.ts - y.ts) <= window:
                matched[(x.account, y.account)].add(x.message_id)
    return {k: len(v) for k, v in matched.items()}


# --------------------------------------------------------------------------- the peers' answers

@pytest.mark.parametrize("window, min_weight, loops, nodes", [
    (1, 1, False, 2), (1, 1, True, 3), (1, 2, False, 0), (1, 2, True, 1), (60, 1, False, 6), (60, 1, True, 7)])
def test_qut_own_test_node_counts(window, min_weight, loops, nodes):
    result = coordination(qut_messages(DATA / "qut_coretweet_test_input.csv"), "co-share", window,
                          min_weight=min_weight)
    assert len(result.nodes(self_loops=loops)) == nodes


def test_qut_own_test_repeat_is_a_self_loop_not_an_edge():
    result = coordination(qut_messages(DATA / "qut_coretweet_test_input.csv"), "co-share", 60)
    assert result.edges(self_loops=True)[("uid10", "uid10")] == 2
    assert not any("uid10" in e for e in result.edges())


@pytest.mark.parametrize("kind", [k for k in KINDS if k in QUT_KINDS])  # co-media has no QUT counterpart
def test_qut_sample_each_kind_at_60s_equals_qut_output(kind):
    with (DATA / "qut_sample_expected_w60" / f"{QUT_KINDS[kind]}.csv").open(newline="") as handle:
        expected = {(r["user_1"], r["user_2"]): int(r["weight"]) for r in csv.DictReader(handle)}
    # QUT's output keeps self-loops (user 8 posts the same text twice) and reads the URL
    # column by splitting on spaces, as its own preprocessing does.
    got = coordination(qut_messages(DATA / "qut_sample_data.csv"), kind, 60).edges(self_loops=True)
    assert got == expected


def test_russian_retweets_at_10s_are_exactly_the_peers_1092_pairs():
    result = coordination(russian_messages(), "co-share", 10, min_weight=1)
    pairs = {(p.account_1, p.account_2): p for p in result.pairs()}
    expected = expected_pairs()
    assert len(expected) == 1092
    assert pairs.keys() == expected.keys()
    mismatched = {k for k, p in pairs.items() if (p.weight_12, p.weight_21) != expected[k][0]}
    # The reference file lists one pair's two directed weights the other way round.  The data
    # decide it: 2624dc... retweeted d83446... at 1611784049 and 1611784053, eb218d... once at
    # 1611784047, so both of 2624dc's retweets have a partner within 10 s (weight 2) and
    # eb218d's one retweet counts 1 -- which is also what QUT's SQL gives when run.
    a, b = "2624dcec9ab29c4d2282fe6c16dcf0a4", "eb218d55a59821450ee49d4b9f064206"
    assert mismatched == {(a, b)}
    assert (pairs[(a, b)].weight_12, pairs[(a, b)].weight_21) == (2, 1)
    assert all(sorted((p.weight_12, p.weight_21)) == sorted(expected[k][0]) for k, p in pairs.items())


def test_russian_retweets_where_coortweet_counts_differently():
    """CooRTweet's weight counts matched pairs of retweets; QUT's counts each side's retweets.

    They differ exactly on the 3 pairs where one account retweeted the same tweet twice within
    the window of the other's one retweet: QUT gives 2 in one direction and 1 in the other,
    CooRTweet 2 (two matched pairs).  Our mutual weight is 1 there: a repeat by one side is
    not a second coordinated act.
    """
    result = coordination(russian_messages(), "co-share", 10)
    expected = expected_pairs()
    differ = {(p.account_1, p.account_2): p for p in result.pairs() if p.weight != expected[(p.account_1,
                                                                                              p.account_2)][1]}
    assert len(differ) == 3
    for key, p in differ.items():
        assert p.weight_12 != p.weight_21
        assert expected[key][1] == max(p.weight_12, p.weight_21) == 2 and p.weight == 1


def test_russian_directed_edges_including_loops_equal_the_brute_force_definition_on_a_slice():
    messages = russian_messages()
    objects = sorted({m.repost_of for m in messages})[:400]
    sub = [m for m in messages if m.repost_of in set(objects)]
    acts = actions_for(sub, "co-share")
    assert co_actions(acts, 10).edges(self_loops=True) == brute_force(acts, 10)


# --------------------------------------------------------------------------- the engine

@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fractional", [False, True])
def test_sweep_equals_brute_force_on_random_data(seed, fractional):
    rng = random.Random(seed)
    acts = []
    for k in range(400):
        account = f"a{rng.randrange(25)}"
        t = rng.uniform(0, 400) if fractional else rng.randrange(400)
        for item in rng.sample([f"i{j}" for j in range(15)], rng.choice([1, 1, 1, 2])):  # some multi-URL messages
            acts.append(Action(account, item, t, f"m{k}"))
    for window in (0, 5, 30):
        expected = brute_force(acts, window)
        assert co_actions(acts, window, kind="co-link").edges(self_loops=True) == expected
        # blocks change nothing; columns are the same input
        assert co_actions(acts, window, kind="co-link", block=7).edges(self_loops=True) == expected
        assert co_actions(ActionColumns(*zip(*acts)), window, kind="co-link").edges(self_loops=True) == expected
    # every kind but co-link: a message id counts once, with its first action
    firsts = list({a.message_id: a for a in reversed(acts)}.values())
    assert co_actions(acts, 30).edges(self_loops=True) == brute_force(firsts, 30)


def test_sweep_handles_key_chunking_for_long_spans_with_fractions():
    # microsecond ticks over a century: the (item, time) key is built in chunks of items
    rng = random.Random(9)
    acts = [Action(f"a{rng.randrange(6)}", f"i{k % 3000}", rng.random() * 3e9, f"m{k}") for k in range(6000)]
    acts += [Action("x", "i7", acts[7].ts + 0.5, "extra1"), Action("y", "i7", acts[7].ts + 1.25, "extra2"),
             Action("z", "i2999", acts[2999].ts - 2.0, "extra3")]
    got = co_actions(acts, 2).edges(self_loops=True)
    assert got == brute_force(acts, 2)
    assert got[("x", "y")] == 1 and ("z", acts[2999].account) in got


def test_ids_numpy_would_confuse_stay_distinct():
    # numpy drops trailing NULs; ids past the numpy length limit and non-string ids go by dict
    acts = [Action("x\x00", "i", 0, "1"), Action("x", "i", 1, "2"), Action("y" * 80, "i", 2, "3"),
            Action(7, "i", 3, "4")]
    assert co_actions(acts, 10).nodes() == {"x\x00", "x", "y" * 80, 7}


def test_window_boundary_is_inclusive():
    acts = [Action("a", "i", 100, "1"), Action("b", "i", 110, "2"), Action("c", "i", 110.5, "3")]
    assert co_actions(acts, 10).edges() == {("a", "b"): 1, ("b", "a"): 1, ("b", "c"): 1, ("c", "b"): 1}


def test_hub_item_far_apart_in_time_costs_nothing_and_burst_costs_its_pairs():
    spread = [Action(f"a{i}", "hub", i * 100, f"m{i}") for i in range(5000)]
    item = np.zeros(len(spread), dtype=np.int64)
    ts = np.array([a.ts for a in spread])
    assert sum(len(i) for i, _ in window_pairs(item, ts, 10)) == 0
    burst = np.arange(300, dtype=np.float64) / 100
    assert sum(len(i) for i, _ in window_pairs(np.zeros(300, dtype=np.int64), burst, 10)) == 300 * 299


def test_burst_by_one_account_is_a_self_loop_and_does_not_inflate_the_pair():
    acts = [Action("a", "x", 1000 + k * 0.2, f"a{k}") for k in range(50)] + [Action("b", "x", 1003, "b0")]
    result = co_actions(acts, 10)
    (pair,) = result.pairs()
    assert (pair.account_1, pair.account_2, pair.weight_12, pair.weight_21, pair.weight) == ("a", "b", 50, 1, 1)
    assert result.edges(self_loops=True)[("a", "a")] == 50
    assert ("a", "a") not in result.edges()


def test_min_weight_keeps_a_pair_when_one_direction_reaches_it():
    acts = [Action("a", "x", 0, "1"), Action("a", "x", 1, "2"), Action("b", "x", 2, "3"), Action("c", "y", 0, "4"),
            Action("d", "y", 1, "5")]
    result = co_actions(acts, 10, min_weight=2)
    assert result.edges() == {("a", "b"): 2}
    assert [(p.account_1, p.account_2) for p in result.pairs()] == [("a", "b")]


def test_min_participation_drops_occasional_accounts():
    acts = [Action("a", f"i{k}", k * 1000, f"a{k}") for k in range(3)] + \
           [Action("b", f"i{k}", k * 1000 + 1, f"b{k}") for k in range(3)] + [Action("c", "i0", 2, "c0")]
    assert ("a", "c") in co_actions(acts, 10).edges()
    assert co_actions(acts, 10, min_participation=2).nodes() == {"a", "b"}


def test_duplicate_message_ids_count_once_first_wins():
    messages = [Message("1", "a", 0, repost_of="x"), Message("1", "a", 1, repost_of="y"),
                Message("2", "b", 2, repost_of="y"), Message("3", "c", 1, repost_of="x")]
    assert coordination(messages, "co-share", 10).edges() == {("a", "c"): 1, ("c", "a"): 1}


def test_reposts_take_part_only_in_co_share():
    messages = [Message("1", "a", 0, repost_of="x", text="same", urls=("http://e.com/1",)),
                Message("2", "b", 1, repost_of="x", text="same", urls=("http://e.com/1",))]
    assert coordination(messages, "co-share", 10).edges() == {("a", "b"): 1, ("b", "a"): 1}
    for kind in ("co-text", "co-link", "co-similar-text", "co-reply"):
        assert coordination(messages, kind, 10).edges() == {}


def test_empty_text_and_empty_urls_match_nothing():
    messages = [Message("1", "a", 0, text="", urls=()), Message("2", "b", 1, text="   ", urls=("",)),
                Message("3", "c", 2, text="@only_a_mention", urls=(" ",))]
    for kind in KINDS:
        assert coordination(messages, kind, 10).edges() == {}


def test_tracking_parameters_do_not_hide_a_shared_link():
    messages = [Message("1", "a", 0, urls=("https://News.example.com/story?id=7&utm_source=tw&fbclid=x#c",)),
                Message("2", "b", 5, urls=("https://news.example.com/story?id=7&utm_medium=wechat",)),
                Message("3", "c", 6, urls=("https://news.example.com/story?id=8",))]
    assert coordination(messages, "co-link", 10).edges() == {("a", "b"): 1, ("b", "a"): 1}


@pytest.mark.parametrize("raw, expected", [
    ("HTTPS://Example.COM:443/a/?utm_campaign=z&b=2&a=1#frag", "https://example.com/a/?b=2&a=1"),
    ("http://example.com:8080", "http://example.com:8080/"),
    ("example.com/x?gclid=1", "http://example.com/x"),
    ("https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab&chksm=99&scene=21#wechat_redirect",
     "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab"),
    ("#hashtag", "#hashtag"), ("", None), (None, None),
])
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


def test_normalize_text_is_quts_preprocessor():
    assert normalize_text("RT @a: Hello\n  WORLD @b") == "rt hello world"
    assert normalize_text("@a @b") is None


def test_chinese_similarity_uses_character_trigrams():
    a, b = "加拿大保守党的竞选纲领引发了很多争议", "今天北京的天气非常晴朗适合出去走走"
    # single characters (QUT's tokens) would share 的 and more; 3-grams share nothing
    assert jaccard(shingles(a), shingles(b)) < 0.1
    assert jaccard(shingles(a), shingles(a + "！")) == 1.0


@pytest.mark.parametrize("threshold", [0.5, 0.8, 1.0])
def test_similar_text_prefix_filter_is_exact(threshold):
    rng = random.Random(int(threshold * 10))
    words = [f"w{k}" for k in range(12)]
    msgs = [Message(str(k), f"a{rng.randrange(8)}", rng.randrange(200),
                    text=" ".join(rng.sample(words, rng.randint(2, 6)))) for k in range(150)]
    acts = actions_for(msgs, "co-similar-text")
    sets = {a.message_id: shingles(a.item) for a in acts}
    matched = defaultdict(set)
    for x, y in itertools.permutations(acts, 2):
        if x.message_id != y.message_id and abs(x.ts - y.ts) <= 20 and jaccard(sets[x.message_id],
                                                                                sets[y.message_id]) >= threshold:
            matched[(x.account, y.account)].add(x.message_id)
    expected = {k: len(v) for k, v in matched.items()}
    assert co_actions(acts, 20, kind="co-similar-text", similarity=threshold).edges(self_loops=True) == expected


def planted_and_background(seed=0):
    """Two accounts retweeting 12 tweets within 3 s of each other; 30 that retweet popular tweets any time."""
    rng = random.Random(seed)
    acts = []
    for k in range(12):
        t = rng.randrange(10**6)
        acts += [Action("ring1", f"t{k}", t, f"r1-{k}"), Action("ring2", f"t{k}", t + rng.randint(0, 3), f"r2-{k}")]
        for j in range(3):  # the ring also shares popular items, unsynchronised
            acts.append(Action(f"ring{j % 2 + 1}", f"pop{rng.randrange(5)}", rng.randrange(10**4), f"rp{k}-{j}"))
    for b in range(30):
        for j in range(8):
            acts.append(Action(f"bg{b}", f"pop{rng.randrange(5)}", rng.randrange(10**4), f"b{b}-{j}"))
    return acts


def test_significance_separates_timing_from_popularity_and_is_seeded():
    acts = planted_and_background()
    result = co_actions(acts, 30)
    p = significance(result, acts, permutations=49, seed=7)
    assert p[("ring1", "ring2")] == pytest.approx(1 / 50)
    background = [v for k, v in p.items() if k != ("ring1", "ring2")]
    # pairs that met by chance: at most the nominal 5% look significant at 0.05
    assert len(background) > 20 and sum(v <= 0.05 for v in background) <= 0.05 * len(background)
    again = co_actions(acts, 30)
    assert significance(again, acts, permutations=49, seed=7) == p
    assert [x.p_value for x in again.pairs()] == [x.p_value for x in result.pairs()]


def test_significance_does_not_depend_on_the_order_actions_come_in():
    """A store hands actions over in its read order, with ids coded in that order (Coded): the same
    actions in another order must give the same p-values."""
    acts = planted_and_background()

    def coded(values):
        distinct = list(dict.fromkeys(values))  # first-seen order, as a reader encodes
        index = {v: k for k, v in enumerate(distinct)}
        return Coded(distinct, np.array([index[v] for v in values], dtype=np.int64))

    def p_values(rows):
        cols = ActionColumns(coded([a.account for a in rows]), coded([a.item for a in rows]),
                             np.array([a.ts for a in rows], dtype=np.float64), coded([a.message_id for a in rows]))
        return significance(co_actions(cols, 30), cols, permutations=19, seed=7)

    expected = p_values(acts)
    for k in range(3):
        shuffled = list(acts)
        random.Random(k).shuffle(shuffled)
        assert p_values(shuffled) == expected


def test_groups_components_and_louvain_with_summary():
    acts = []
    for group, members in (("g", ["a", "b", "c"]), ("h", ["d", "e"])):
        for k in range(4):
            acts += [Action(m, f"{group}{k}", 1000 * k + i, f"{m}{k}") for i, m in enumerate(members)]
    acts.append(Action("c", "bridge", 5, "c-bridge")), acts.append(Action("d", "bridge", 6, "d-bridge"))
    result = co_actions(acts, 10)
    graph = result.graph()
    assert find_groups(graph, "components") == [["a", "b", "c", "d", "e"]]
    louvain = find_groups(graph, "louvain", seed=3)
    assert louvain == [["a", "b", "c"], ["d", "e"]] and louvain == find_groups(graph, "louvain", seed=3)
    (first, second) = summarize_groups(louvain, graph, acts, platforms={"a": "x", "b": "x", "c": "weibo"},
                                       state_media={"a": True, "b": False})
    assert first.members == ["a", "b", "c"] and first.edges == 3 and len(first.items) == 4
    assert (first.first_ts, first.last_ts) == (0, 3002)
    assert first.platforms == {"weibo": 1, "x": 2} and first.state_media_share == pytest.approx(1 / 3)
    assert second.state_media_share is None


def test_groupings_on_one_graph_and_their_summaries_are_those_of_each_method_alone():
    # one component Louvain splits (a-b-c, d-e joined by a bridge) and one it leaves whole (p, q)
    acts = []
    for group, members in (("g", ["a", "b", "c"]), ("h", ["d", "e"]), ("k", ["p", "q"])):
        for k in range(4):
            acts += [Action(m, f"{group}{k}", 1000 * k + i, f"{m}{k}") for i, m in enumerate(members)]
    acts.append(Action("c", "bridge", 5, "c-bridge")), acts.append(Action("d", "bridge", 6, "d-bridge"))
    pairs = co_actions(acts, 10).pairs()
    comps, comms = groupings_of_pairs(pairs, ("components", "louvain"), seed=3)
    assert comps == groups_of_pairs(pairs, "components") == [["a", "b", "c", "d", "e"], ["p", "q"]]
    assert comms == groups_of_pairs(pairs, "louvain", seed=3) == [["a", "b", "c"], ["d", "e"], ["p", "q"]]
    details = dict(platforms={"a": "x", "p": "weibo"}, state_media={"a": True, "q": False})
    together = summarize_groupings((("components", comps), ("louvain", comms)), pairs, acts, **details)
    alone = [summarize_groups(comps, pairs, acts, method="components", **details),
             summarize_groups(comms, pairs, acts, method="louvain", **details)]
    assert [[g.as_dict() for g in s] for s in together] == [[g.as_dict() for g in s] for s in alone]
    assert [g.id for g in together[1]] == [1, 2, 3] and together[1][2].method == "louvain"


def test_unknown_kind_and_negative_window_are_errors():
    with pytest.raises(ValueError, match="unknown coordination kind"):
        actions_for([], "co-like")
    with pytest.raises(ValueError, match="negative"):
        co_actions([], -1)


# --------------------------------------------------------------------------- the adapters

def records(reader, path):
    out = list(reader(path, ["src"]))
    return ([r for r in out if isinstance(r, (NodeRecord, RelRecord))], [r for r in out if isinstance(r, Reject)])


def test_peer_formats_are_recognised_by_their_headers():
    found = {p.name: m.__name__.rsplit(".", 1)[1] for p, m in find_files([DATA])}
    assert found == {"qut_coretweet_test_input.csv": "fmt_qut", "qut_sample_data.csv": "fmt_qut",
                     "russian_coord_tweets.csv": "fmt_coortweet"}


def test_qut_adapter_maps_messages_to_the_model():
    recs, rejects = records(read_qut, DATA / "qut_sample_data.csv")
    assert rejects == []
    by = defaultdict(list)
    for r in recs:
        by[getattr(r, "label", None) or r.type].append(r)
    assert len(by["PUBLISHED"]) == 73 and len(by["SHARED"]) == 27 + 15  # reposts + replies
    assert {r.props["kind"] for r in by["SHARED"]} == {"repost", "reply"}
    first = next(r for r in by["Article"] if r.id == "x:1")
    assert first.props["text"] == "mango reindeer apple" and first.props["urls"] == ["http://example.com/2"]
    assert next(r for r in by["Account"] if r.id == "x:4").props == {"platform": "x", "handle": "4",
                                                                      "display_name": "user_4", "sources": ["src"]}


@pytest.mark.parametrize("field, urls", [("", []), ("[]", []), ("[ ]", []), ("a.com/1  b.org", ["a.com/1", "b.org"]),
                                         ('["http://a.com"]', ["http://a.com"]),
                                         ("['http://a.com/4', 'http://a.com/6']", ["http://a.com/4", "http://a.com/6"])])
def test_url_lists(field, urls):
    assert parse_urls(field) == urls


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


QUT_HEADER = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"


def test_bad_input_in_qut_format(tmp_path):
    path = write(tmp_path, "export.csv", QUT_HEADER +
                 "1,u1,one,r1,,,1631000000,\n"              # epoch seconds
                 "2,u2,two,r1,,,1631000005000,\n"           # epoch milliseconds
                 "3,u3,three,r1,,,2021-09-07T07:33:30Z,\n"  # ISO
                 "4,u4,four,r1,,,,\n"                       # no time
                 "5,u5,five,r1,,,yesterday,\n"              # not a time
                 "1,u1,one,r1,,,1631000000,\n"              # the same message again: loaded once
                 "1,u9,nine,r2,,,1631000000,\n"             # same id, other content: rejected
                 "6,u6,six,,,hi,1631000001,not-a-url https://e.com/a?utm_source=x\n")
    recs, rejects = records(read_qut, path)
    assert [(r.line, r.field) for r in rejects] == [(5, "timestamp"), (6, "timestamp"), (8, "message_id")]
    assert "first, at line 2, is kept" in rejects[2].reason
    shares = {r.props["id"]: r.props["at_ts"] for r in recs if isinstance(r, RelRecord) and r.type == "SHARED"}
    assert shares == {"1": 1631000000, "2": 1631000005, "3": 1631000010}
    article = next(r for r in recs if isinstance(r, NodeRecord) and r.id == "x:6")
    assert article.props["urls"] == ["not-a-url", "https://e.com/a"]  # a link id, as anonymised data has them


def test_bad_input_in_coortweet_format(tmp_path):
    path = write(tmp_path, "shares.csv", "object_id,account_id,content_id,timestamp_share,platform\n"
                 "t1,a1,c1,1631000000.0,weibo\n"
                 ",a2,c2,1631000001,\n"
                 "t1,a3,c3,,\n"
                 "https://www.example.com/p?fbclid=1,a4,c4,1631000002,\n")
    recs, rejects = records(read_coortweet, path)
    assert [(r.line, r.field) for r in rejects] == [(3, "object_id"), (4, "timestamp_share")]
    assert {r.id for r in recs if isinstance(r, NodeRecord) and r.label == "Account"} == {"weibo:a1", "x:a4"}
    link = next(r for r in recs if isinstance(r, NodeRecord) and r.id == "x:c4")
    assert link.props["urls"] == ["https://www.example.com/p"]


def test_missing_required_column_is_one_clear_error(tmp_path):
    from graphtool.errors import InputError

    path = write(tmp_path, "x.csv", "message_id,username,repost_id,reply_id,message,timestamp,urls,user\n1,a,,,,1,,\n")
    with pytest.raises(InputError, match="missing required column user_id"):
        list(read_qut(path))


# --------------------------------------------------------------------------- the store

def strip(edges: dict) -> dict:
    return {(a.split(":", 1)[1], b.split(":", 1)[1]): w for (a, b), w in edges.items()}


def test_store_round_trip_matches_qut_on_the_sample(store):
    result = import_paths(store, [DATA / "qut_sample_data.csv"], progress=False)
    assert result.rejected == 0
    for kind in ("co-share", "co-text", "co-reply", "co-similar-text"):
        with (DATA / "qut_sample_expected_w60" / f"{QUT_KINDS[kind]}.csv").open(newline="") as handle:
            expected = {(r["user_1"], r["user_2"]): int(r["weight"]) for r in csv.DictReader(handle)}
        run = run_coordination(store, kind, 60)
        assert strip(run.result.edges(self_loops=True)) == expected, kind
    # co-link differs from QUT's file on purpose: the sample's URL column is a Python list,
    # which QUT splits on spaces ("['http://example.com/4'," and "[]" become "URLs"); we read
    # the list.  On the parsed URLs the store gives what the engine gives.
    run = run_coordination(store, "co-link", 60, write=False)
    engine = coordination(qut_messages(DATA / "qut_sample_data.csv", lambda f: tuple(parse_urls(f))), "co-link", 60)
    assert strip(run.result.edges(self_loops=True)) == engine.edges(self_loops=True)


def test_store_results_are_written_replaced_and_grouped(store):
    import_paths(store, [DATA / "qut_sample_data.csv"], progress=False)
    first = run_coordination(store, "co-share", 60, permutations=9, seed=1)
    rows = store.read("MATCH (a:Account)-[r:COORDINATED_WITH]->(b:Account) RETURN a.id AS a, b.id AS b, "
                      "r.kind AS kind, r.weight AS w, r.weight_ab AS wab, r.weight_ba AS wba, r.window_s AS win, "
                      "r.p_value AS p, r.run_id AS run ORDER BY a, b")
    assert [(r["a"], r["b"], r["wab"], r["wba"]) for r in rows] == \
        [(p.account_1, p.account_2, p.weight_12, p.weight_21) for p in first.pairs]
    assert all(r["kind"] == "co-share" and r["win"] == 60 and r["run"] == first.run_id and 0 < r["p"] <= 1
               for r in rows)
    assert all(r["a"] < r["b"] for r in rows)
    assert stored_groups(store) == groups_of(first)
    coloured, _ = view_graph(store, "coordination")  # the coordination map colours by the stored communities
    community = {m: g.id for g in first.communities for m in g.members}
    assert len(coloured) > 2 and {v: coloured.nodes[v].get("community") for v in coloured} == {
        v: community[v] for v in coloured}
    # a second run of the kind replaces the first; other kinds stay
    run_coordination(store, "co-reply", 60)
    second = run_coordination(store, "co-share", 60, min_weight=2)
    counts = store.read("MATCH ()-[r:COORDINATED_WITH]->() RETURN r.kind AS kind, count(r) AS n, "
                        "count(r.p_value) AS with_p ORDER BY kind")
    assert counts == [{"kind": "co-reply", "n": 5, "with_p": 0}, {"kind": "co-share", "n": len(second.pairs),
                                                                   "with_p": 0}]
    assert len(second.pairs) < len(first.pairs)
    # the groups are the latest run's alone: no group, member or link of an earlier run is left
    assert stored_groups(store) == groups_of(second) != groups_of(first)
    assert run_coordination(store, "co-share", 60, min_weight=10**6).pairs == []
    assert stored_groups(store) == groups_of_nothing


def test_a_store_of_an_earlier_version_loses_its_group_numbers_and_their_index(store):
    """Until 868ad2a a run SET coord_component/coord_community/coord_run on the accounts, with an index on
    coord_community: opening such a store removes them, so no stale number reads as a group, and keeps the rest."""
    import_paths(store, [DATA / "qut_sample_data.csv"], progress=False)
    before = store.snapshot()
    old = store.read("MATCH (a:Account) RETURN a.id AS id ORDER BY id LIMIT 3")
    store.run("UNWIND $ids AS id MATCH (a:Account {id: id}) SET a.coord_component = 1, a.coord_community = 2, "
              "a.coord_run = 'old-run'", {"ids": [r["id"] for r in old]})
    store.create_index("Account", "coord_community")
    assert ("Account", "coord_community") in store.range_indexed()
    store.ensure_schema()
    assert store.read("MATCH (a:Account) WHERE a.coord_component IS NOT NULL OR a.coord_community IS NOT NULL "
                      "OR a.coord_run IS NOT NULL RETURN count(a) AS n") == [{"n": 0}]
    assert ("Account", "coord_community") not in store.range_indexed()
    store.ensure_schema()  # the same store opened again: nothing left to do, and the rest untouched
    assert ("Account", "coord_community") not in store.range_indexed()
    assert ("Account", "platform") in store.range_indexed()
    assert store.snapshot() == before


groups_of_nothing = ({}, {}, set())


def stored_groups(store) -> tuple[dict, dict, set]:
    """``({component: members}, {community: members}, {(run, kind, window) of groups and links})`` as stored,
    checking that each group node's size is its number of IN_GROUP links and that none is empty."""
    rows = store.read("MATCH (g:CoordinationGroup) OPTIONAL MATCH (a:Account)-[r:IN_GROUP]->(g) "
                      "RETURN g.id AS id, g.component_number AS c, g.community_number AS m, g.size AS size, g.run_id AS run, "
                      "g.kind AS kind, g.window_s AS window, collect(a.id) AS members, "
                      "collect(DISTINCT r.run_id) AS link_runs")
    components, communities, runs = {}, {}, set()
    for r in rows:
        assert r["size"] == len(r["members"]) == len(set(r["members"])) > 1, r
        assert r["c"] is not None or r["m"] is not None, r
        for number, found in ((r["c"], components), (r["m"], communities)):
            if number is not None:
                assert number not in found, f"two groups numbered {number}"
                found[number] = sorted(r["members"])
        runs |= {(r["run"], r["kind"], r["window"])} | {(run, r["kind"], r["window"]) for run in r["link_runs"]}
    return components, communities, runs


def groups_of(run) -> tuple[dict, dict, set]:
    """What :func:`stored_groups` should find after ``run``."""
    return ({g.id: sorted(g.members) for g in run.components}, {g.id: sorted(g.members) for g in run.communities},
            {(run.run_id, run.kind, int(run.window_s))} if run.components else set())


def test_store_actions_skip_what_cannot_be_matched(store):
    store.run("CREATE (:Account {id: 'x:a', platform: 'x', handle: 'a'}), (:Account {id: 'x:b', platform: 'x', "
              "handle: 'b'}), (:Article {id: 'x:t', platform: 'x'}), "
              "(:Article {id: 'x:p1', platform: 'x', text: 'Same words here', published_ts: 100}), "
              "(:Article {id: 'x:p2', platform: 'x', text: 'same words  HERE', published_ts: 105}), "
              "(:Article {id: 'x:p3', platform: 'x', text: 'same words here'})")
    store.run("MATCH (a:Account {id: 'x:a'}), (b:Account {id: 'x:b'}), (t:Article {id: 'x:t'}), "
              "(p1:Article {id: 'x:p1'}), (p2:Article {id: 'x:p2'}), (p3:Article {id: 'x:p3'}) "
              "CREATE (a)-[:SHARED {id: 's1', at_ts: 10, kind: 'repost'}]->(t), "
              "(b)-[:SHARED {id: 's2', at_ts: 12}]->(t), (b)-[:SHARED {id: 's3', at_ts: 13, kind: 'reply'}]->(t), "
              "(a)-[:PUBLISHED]->(p1), (b)-[:PUBLISHED]->(p2), (b)-[:PUBLISHED]->(p3)")
    shares, skipped = read_actions(store, "co-share")
    assert list(zip(shares.account, shares.message_id)) == [("x:a", "s1"), ("x:b", "s2")] and skipped == 0
    # a share without a time is skipped and counted; one at the epoch (1970-01-01, a loaded time) is kept
    store.run("MATCH (a:Account {id: 'x:a'}), (t:Article {id: 'x:t'}) "
              "CREATE (a)-[:SHARED {id: 's4', kind: 'repost'}]->(t), (a)-[:SHARED {id: 's5', at_ts: 0}]->(t)")
    shares, skipped = read_actions(store, "co-share")
    assert sorted(zip(shares.account, shares.message_id, shares.ts)) == [("x:a", "s1", 10), ("x:a", "s5", 0),
                                                                         ("x:b", "s2", 12)] and skipped == 1
    texts, skipped = read_actions(store, "co-text")
    assert len(texts.account) == 2 and skipped == 1
    assert run_coordination(store, "co-text", 10, write=False).result.edges() == {("x:a", "x:b"): 1,
                                                                                   ("x:b", "x:a"): 1}


def test_a_share_without_an_id_is_named_by_its_account_and_article(store):
    # the read returns '' for a missing share id and names it afterwards (FalkorDB evaluates a query-side
    # fallback for every share); both ways to the accounts: all of them (FalkorDB: by node id range) and listed
    store.run("CREATE (:Account {id: 'x:a', platform: 'x'}), (:Account {id: 'x:b', platform: 'x'}), "
              "(:Article {id: 'x:t', platform: 'x'})")
    store.run("MATCH (a:Account {id: 'x:a'}), (b:Account {id: 'x:b'}), (t:Article {id: 'x:t'}) "
              "CREATE (a)-[:SHARED {at_ts: 10}]->(t), (b)-[:SHARED {id: 's2', at_ts: 12}]->(t)")
    for accounts in (None, ["x:a", "x:b"]):
        shares, _ = read_actions(store, "co-share", accounts)
        assert sorted(zip(shares.account, shares.message_id, shares.item)) == [("x:a", "x:a>x:t", "x:t"),
                                                                              ("x:b", "s2", "x:t")]
    assert run_coordination(store, "co-share", 10, write=False).result.edges() == {("x:a", "x:b"): 1,
                                                                                    ("x:b", "x:a"): 1}


def test_cli_imports_peer_formats_and_writes_pairs_csv(embedded_store, tmp_path):
    # 35k rows: once, on the embedded store (test_cli_sniffs_qut_format covers both stores)
    store = embedded_store
    runner = CliRunner()
    env = {"GRAPHTOOL_STORE": store.url}
    imported = runner.invoke(app, ["import", "--format", "coortweet", str(DATA / "russian_coord_tweets.csv")], env=env)
    assert imported.exit_code == 1, imported.output  # finished, with the 39 conflicting duplicate ids rejected
    assert "39 rejected" in imported.output
    out = tmp_path / "pairs.csv"
    done = runner.invoke(app, ["coordination", "--kind", "co-share", "--window", "10", "--min-weight", "1",
                               "--out", str(out), "--ids", "imported"], env=env)
    assert done.exit_code == 0, done.output
    assert "1,092 coordinated pairs" in done.output
    with out.open(newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["account_1", "account_2", "weight_12", "weight_21"]
        got = {(r[0], r[1]): tuple(sorted((int(r[2]), int(r[3])))) for r in reader}
    assert got == {k: tuple(sorted(v[0])) for k, v in expected_pairs().items()}
    again = runner.invoke(app, ["coordination", "--window", "10", "--no-write", "--json"], env=env)
    assert json.loads(again.stdout)["pairs"] == 1092  # warnings go to stderr


def test_cli_sniffs_qut_format(store):
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(DATA / "qut_coretweet_test_input.csv")], env={"GRAPHTOOL_STORE": store.url})
    assert done.exit_code == 0, done.output
    shown = runner.invoke(app, ["coordination", "--window", "60"], env={"GRAPHTOOL_STORE": store.url})
    assert shown.exit_code == 0 and "3 coordinated pairs" in shown.output


# --------------------------------------------------------------------------- the case

def test_case_planted_groups_are_found_and_background_is_not(store):
    answers_path = CASE / "answers.json"
    if not answers_path.exists():
        pytest.skip("NO CASE YET: imports/cases/canada-2021/answers.json is missing")
    answers = json.loads(answers_path.read_text(encoding="utf-8"))
    import_paths(store, [CASE], progress=False)
    # the window and threshold the case states for its plants: co-share within 60 s, weight 5
    run = run_coordination(store, "co-share", 60, min_weight=5)
    found = sorted(sorted(g.members) for g in run.components)
    planted = sorted(sorted(g["members"]) for g in answers["coordinated_groups"])
    assert found == planted
    paired = {a for p in run.pairs for a in (p.account_1, p.account_2)}
    assert not paired & set(answers["background_accounts"])


# --------------------------------------------------------------------------- time resolution (issue 11.7)

def minute_data() -> list[Action]:
    """Whole-minute times, as archives keep them: a 3 s burst (x at 10:00:59, y at 10:01:02 in fact)
    recorded as 10:00 and 10:01, and z 58 s before x, in the same recorded minute."""
    return [Action("z", "t", 1_623_880_800, "m1"), Action("x", "t", 1_623_880_800, "m2"),
            Action("y", "t", 1_623_880_860, "m3"), Action("w", "u", 1_623_884_400, "m4")]


def test_minute_times_and_a_10s_window_warn_with_the_resolution():
    result = co_actions(minute_data(), 10)
    assert result.resolution_s == 60
    warning = result.resolution_warning()
    assert "whole minutes (resolution 60 s)" in warning and "window is 10 s" in warning
    # the documented behaviour: times compared as recorded
    assert set(result.edges()) == {("x", "z"), ("z", "x")}
    assert set(co_actions(minute_data(), 60).edges()) == {(a, b) for a in "xyz" for b in "xyz" if a != b}
    assert co_actions(minute_data(), 60).resolution_warning() is None


def test_second_and_fractional_times_do_not_warn():
    assert co_actions([Action("a", "t", 10, "1"), Action("b", "t", 13, "2"), Action("c", "t", 77, "3")],
                      10).resolution_warning() is None
    fractional = co_actions([Action("a", "t", 0.5, "1"), Action("b", "t", 60, "2"), Action("c", "t", 120, "3")], 10)
    assert fractional.resolution_s is None and fractional.resolution_warning() is None


def test_cli_warns_about_minute_resolution_on_the_store(embedded_store, tmp_path):
    lines = ["message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"]
    lines += [f"{k},u{k % 3},,t{k % 4},,,2021-06-16T22:{k:02d}:00Z," for k in range(12)]
    path = write(tmp_path, "minutes.csv", "\n".join(lines) + "\n")
    env = {"GRAPHTOOL_STORE": embedded_store.url}
    assert CliRunner().invoke(app, ["import", "--format", "qut", str(path)], env=env).exit_code == 0
    done = CliRunner().invoke(app, ["coordination", "--window", "10"], env=env)
    assert done.exit_code == 0, done.output
    assert "warning: the times are whole minutes (resolution 60 s) but the window is 10 s" in done.stderr


# --------------------------------------------------------------------------- FILE -> network, no store (issue 14)

def qut_table(path: Path) -> dict[tuple[str, str], int]:
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["user_1", "user_2", "weight"]
        return {(a, b): int(w) for a, b, w in reader}


@pytest.mark.parametrize("kind", ["co-share", "co-text", "co-reply", "co-similar-text"])
def test_file_command_writes_quts_own_tables(kind, tmp_path):
    out = tmp_path / "net.csv"
    done = CliRunner().invoke(app, ["coordination", str(DATA / "qut_sample_data.csv"), "--kind", kind,
                                    "--window", "60", "--self-loops", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert qut_table(out) == qut_table(DATA / "qut_sample_expected_w60" / f"{QUT_KINDS[kind]}.csv")


def test_file_command_co_link_reads_the_url_lists(tmp_path):
    # QUT's own file splits the Python-list URL column on spaces; we read the list (see the store test)
    out = tmp_path / "net.csv"
    done = CliRunner().invoke(app, ["coordination", str(DATA / "qut_sample_data.csv"), "-k", "co-link", "-w", "60",
                                    "--self-loops", "-o", str(out)])
    assert done.exit_code == 0, done.output
    engine = coordination(qut_messages(DATA / "qut_sample_data.csv", lambda f: tuple(parse_urls(f))), "co-link", 60)
    assert qut_table(out) == engine.edges(self_loops=True)


def test_file_command_on_coortweet_gives_the_peers_1092_pairs_in_every_format(tmp_path):
    src = str(DATA / "russian_coord_tweets.csv")
    runner = CliRunner()
    outs = {f: tmp_path / f"net.{f}.{'graphml' if f == 'graphml' else 'csv'}" for f in ("qut", "pairs", "gephi", "graphml")}
    for fmt, out in outs.items():
        done = runner.invoke(app, ["coordination", src, "-w", "10", "-o", str(out), "--out-format", fmt])
        assert done.exit_code == 0, done.output
    assert "35,125 rows" in done.output and "1,092 pairs" in done.output
    directed = qut_table(outs["qut"])
    expected = expected_pairs()
    assert {tuple(sorted(e)) for e in directed} == set(expected)
    for (a, b), ((w_ab, w_ba), _) in expected.items():
        assert sorted((directed[(a, b)], directed[(b, a)])) == sorted((w_ab, w_ba))
    with outs["gephi"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["Source"], r["Target"]): int(r["Weight"]) for r in rows} == directed
    assert {r["Type"] for r in rows} == {"Directed"}
    with outs["pairs"].open(newline="") as handle:
        assert sum(1 for _ in handle) == 1 + 1092
    import networkx as nx
    graph = nx.read_graphml(outs["graphml"])
    assert graph.is_directed() and {(a, b): int(d["weight"]) for a, b, d in graph.edges(data=True)} == directed


ANONYMISED_LINKS = QUT_HEADER + "".join(
    f"{k},acc{k % 4},,,,,{1_600_000_000 + k},{23678 + k // 4}\n" for k in range(16))


def test_anonymised_url_ids_are_links_in_the_file_command(tmp_path):
    path = write(tmp_path, "linkids.csv", ANONYMISED_LINKS)
    out = tmp_path / "net.csv"
    done = CliRunner().invoke(app, ["coordination", str(path), "-k", "co-link", "-w", "10", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "16 actions" in done.output and "rejected" not in done.output
    assert len(qut_table(out)) == 12  # 4 accounts on each url id: 4 * 3 directions


def test_anonymised_url_ids_are_links_in_the_store(store, tmp_path):
    path = write(tmp_path, "linkids.csv", ANONYMISED_LINKS)
    result = import_paths(store, [path], fmt="qut", progress=False)
    assert result.rejected == 0
    run = run_coordination(store, "co-link", 10, write=False)
    assert run.actions == 16 and len(run.pairs) == 6


def test_file_command_rejects_name_file_line_and_field_and_keep_the_rest(tmp_path):
    path = write(tmp_path, "bad.csv", QUT_HEADER + "1,a,,t,,,100,\n2,b,,t,,,yesterday,\n3,,,t,,,101,\n4,c,,t,,,102,\n")
    rejects = tmp_path / "rejects.csv"
    done = CliRunner().invoke(app, ["coordination", str(path), "-w", "5", "--rejects", str(rejects)])
    assert done.exit_code == 1
    assert f"{path}:3: timestamp: 'yesterday' is not a time" in done.output
    assert f"{path}:4: user_id: required but missing" in done.output
    assert "4 rows, 2 actions, 2 directed edges (1 pairs), 2 rejected" in done.output
    assert rejects.read_text().count("\n") == 3
    missing = write(tmp_path, "nothing.csv", "a,b\n1,2\n")
    import subprocess
    import sys
    bad = subprocess.run([sys.executable, "-m", "graphtool", "coordination", str(missing)], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith(f"error: {missing}: line 1: neither QUT")


# --------------------------------------------------------------------------- reads by column

def test_read_columns_gives_the_rows_by_column_on_both_stores(store):
    store.run("UNWIND range(1, 5) AS i CREATE (:Account {id: 'x:' + toString(i), platform: 'x', followers: i * 10, "
              "handle: CASE WHEN i = 3 THEN 'a\u001fb,c' ELSE 'h' + toString(i) END, "
              "affiliation_score: i * 0.5, display_name: CASE WHEN i = 2 THEN null ELSE 'n' END})")
    query = "MATCH (a:Account) RETURN a.followers AS n, a.affiliation_score AS f, a.id AS id ORDER BY n DESC"
    got = store.read_columns(query, {"n": int, "f": float, "id": str})
    assert got["n"].dtype == np.int64 and got["n"].tolist() == [50, 40, 30, 20, 10]
    assert got["f"].dtype == np.float64 and got["f"].tolist() == [2.5, 2.0, 1.5, 1.0, 0.5]
    assert got["id"] == ["x:5", "x:4", "x:3", "x:2", "x:1"]
    # whole floats (FalkorDB prints them without a point) and fractions in one column: the same floats
    times = store.read_columns("MATCH (a:Account) RETURN a.followers * 1.0 + 1612200000 AS t, "
                               "a.followers * 1.0 AS w, a.followers / 4.0 AS q ORDER BY t",
                               {"t": float, "w": float, "q": float})
    assert times["t"].dtype == np.float64 and times["t"].tolist() == [1612200010.0 + 10 * k for k in range(5)]
    assert times["w"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0] and times["q"].tolist() == [2.5, 5.0, 7.5, 10.0, 12.5]
    # a string that holds FalkorDB's separator still comes back whole
    assert store.read_columns("MATCH (a:Account) RETURN a.handle AS h ORDER BY a.id", {"h": str})["h"][2] == "a\x1fb,c"
    empty = store.read_columns("MATCH (a:Account) WHERE a.followers > $k RETURN a.id AS id, a.followers AS n",
                               {"id": str, "n": int}, {"k": 100})
    assert empty["id"] == [] and empty["n"].tolist() == []
    with pytest.raises(ValueError, match="column d: 1 null"):
        store.read_columns("MATCH (a:Account) RETURN a.display_name AS d", {"d": str})
    with pytest.raises(ValueError, match="column id: 'x:1' is not an integer"):
        store.read_columns("MATCH (a:Account) RETURN a.id AS id ORDER BY id", {"id": int})
