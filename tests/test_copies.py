"""The copy-detection engine on its own: the labelled set, the traps, bad input, incrementality.

No store here (see test_provenance.py for the store side).  The labelled set is
``fixtures/copies/pairs.jsonl`` (built by ``fixtures/copies/make_pairs.py``), indexed as one
corpus: any detected pair that is not a labelled copy counts against precision.
"""
from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from graphtool.analyze.copies import (AttributionContext, CopyIndex, CopyParams, Doc, decode_sketches,
                                      encode_sketch, find_copies, outlet_names, overlap, sketch, sketch_is_current,
                                      url_key)
from graphtool.analyze.copies.shingles import normalize, shingle_batch, shingle_set, tokens
from graphtool.load.records import parse_time

from conftest import CASE, FIXTURES

PAIRS = FIXTURES / "copies" / "pairs.jsonl"
GT = ("加拿大保守党公布竞选纲领，提出推动供应链摆脱对中国的依赖，禁止中国国有企业收购加拿大公司。"
      "一位长期研究中加关系的学者表示，如果按照这份纲领执政，保守党几乎要与中国断交，这对两国关系将是灾难性的。"
      "分析人士还提到，距离九月二十日的投票日已不足两周，各党民调咬得很紧。")


def labelled() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]


def corpus(pairs: list[dict]) -> list[Doc]:
    return [Doc(p[r]["id"], p[r]["text"], p[r]["published_ts"], p[r]["lang"]) for p in pairs
            for r in ("original", "copy")]


@pytest.fixture(scope="module")
def labelled_run():
    pairs = labelled()
    return pairs, find_copies(corpus(pairs))


def test_labelled_set_is_big_and_varied():
    pairs = labelled()
    kinds = Counter(p["kind"] for p in pairs)
    assert len(pairs) >= 500
    assert {"verbatim", "excerpt", "excerpt_in_longer", "light_edit", "translation", "unrelated_same_topic",
            "single_char_trap"} <= set(kinds)
    langs = Counter(p["lang"] for p in pairs if p["label"] == "copy")
    assert langs["zh"] >= 150 and langs["en"] >= 150
    ids = [p[r]["id"] for p in pairs for r in ("original", "copy")]
    assert len(ids) == len(set(ids))


def test_precision_and_recall_on_the_labelled_set(labelled_run):
    pairs, result = labelled_run
    truth = {frozenset((p["copy"]["id"], p["original"]["id"])): p for p in pairs}
    detected = {frozenset((c.copy, c.original)) for c in result.pairs}
    true_pos = [d for d in detected if d in truth and truth[d]["label"] == "copy"]
    precision = len(true_pos) / len(detected)
    positives = [p for p in pairs if p["label"] == "copy" and p["containment"] >= 0.5]
    found = [p for p in positives if (p["copy"]["id"], p["original"]["id"]) in {(c.copy, c.original)
                                                                                 for c in result.pairs}]
    recall = len(found) / len(positives)
    by_kind = Counter(p["kind"] for p in found), Counter(p["kind"] for p in positives)
    print(f"\nlabelled set: {len(pairs)} pairs, {len(detected)} detected; precision {precision:.4f}, "
          f"recall {recall:.4f} on {len(positives)} copies with containment >= 0.5; by kind "
          + ", ".join(f"{k} {by_kind[0][k]}/{n}" for k, n in sorted(by_kind[1].items())))
    assert precision >= 0.99
    assert recall >= 0.95
    # every found copy points the right way: the later text copies the earlier
    assert all(p["copy"]["published_ts"] > p["original"]["published_ts"] for p in found)


def test_out_of_scope_and_negatives_are_not_copies(labelled_run):
    pairs, result = labelled_run
    detected = {frozenset((c.copy, c.original)) for c in result.pairs}
    for p in pairs:
        if p["label"] != "copy":
            assert frozenset((p["copy"]["id"], p["original"]["id"])) not in detected, p["id"]


def test_the_excerpt_lane_finds_what_jaccard_misses():
    """A short excerpt inside a long digest has a Jaccard index near 0: only the anchor lane finds it."""
    pairs = [p for p in labelled() if p["kind"] == "unrelated_same_topic"]
    for lang in ("zh", "en"):
        texts = [p["original"]["text"] for p in pairs if p["lang"] == lang][:20]
        digest = ("" if lang == "zh" else " ").join(texts)
        result = find_copies([Doc("excerpt", texts[5], 1, lang), Doc("digest", digest, 2, lang)])
        assert [(p.copy, p.original) for p in result.pairs] == [("digest", "excerpt")]
        pair = result.pairs[0]
        assert pair.similarity < 0.15 and pair.containment > 0.95
        assert pair.method == f"anchors:{'char4' if lang == 'zh' else 'word4'}"


def test_single_character_trap():
    rng = random.Random(7)
    chars = list(GT)
    shuffled = []
    for sentence in GT.split("。"):
        c = list(sentence)
        rng.shuffle(c)
        shuffled.append("".join(c))
    trap = "。".join(shuffled)
    assert Counter(trap) == Counter(GT)  # the same characters, as often
    unigram = overlap(np.unique([hash(c) for c in set(GT)]).astype(np.uint64),
                      np.unique([hash(c) for c in set(trap)]).astype(np.uint64))
    assert unigram.similarity == 1.0  # by single characters they are one text
    result = find_copies([Doc("a", GT, 1, "zh"), Doc("b", trap, 2, "zh"),
                          Doc("c", "".join(rng.choice(chars) for _ in range(len(chars))), 3, "zh")])
    assert result.pairs == []


def test_normalisation_markup_width_case():
    assert normalize("<p class='x'>Ｇｌｏｂａｌ&nbsp;TIMES</p>\n\n 环球时报<script>var a=1;</script>") == \
        "global times 环球时报"
    assert normalize("a < b and c > d") == "a < b and c > d"  # not markup
    plain = "The Conservative Party of Canada released its election platform today with policies on China"
    html = "<div><p>THE conservative   party of Canada</p><br/>released its election platform today " \
           "<a href='https://x.invalid'>with</a> policies on China</div>"
    assert np.array_equal(shingle_set(plain, "en"), shingle_set(html, "en"))
    assert np.array_equal(shingle_set("２０２１年加拿大联邦大选投票", "zh"), shingle_set("2021年加拿大联邦大选投票", "zh"))


def test_tokens_mixed_scripts():
    assert tokens(normalize("2021年Canada大选: O'Toole 说")) == ["2021", "年", "canada", "大", "选", "o", "toole", "说"]
    batch = shingle_batch([normalize("加拿大保守党 election 竞选纲领里的对华政策 华人选民 voters")], [None])
    assert batch.char_mode[0]  # mostly Han characters: character shingles
    batch = shingle_batch([normalize("The Conservatives said 中国 was a threat to Canada")], [None])
    assert not batch.char_mode[0]


def test_a_document_shingles_the_same_alone_or_in_any_batch():
    """Sketches stored by one run must match the next run's, whatever the batch around them."""
    texts = [GT, "The Conservative Party of Canada released its election platform", "", "one", "混合 mixed text 中文 and "
             "English words", "a b c d e f g h", "<p>ＦＵＬＬ　ｗｉｄｔｈ</p> TEXT ﬁnal café"]
    for k_char, k_word in ((4, 4), (3, 5)):
        batch = shingle_batch([normalize(t) for t in texts], None, k_char, k_word)
        for i, t in enumerate(texts):
            alone = shingle_batch([normalize(t)], None, k_char, k_word)
            assert np.array_equal(alone.doc(0), batch.doc(i))
            k = k_char if batch.char_mode[i] else k_word
            assert batch.doc(i).size == max(0, batch.n_tokens[i] - k + 1)
    # a word's hash does not depend on where it stands
    assert np.isin(shingle_set("alpha beta gamma delta epsilon"), shingle_set("zeta alpha beta gamma delta epsilon")).all()


def test_bad_input_empty_one_word_mixed_markup():
    text = "据环球时报报道，" + GT
    docs = [Doc("empty", "", 10), Doc("none", None, 11), Doc("space", "   \n ", 12), Doc("word", "Hello", 13),
            Doc("zhword", "好", 14), Doc("orig", GT, 100, "zh"), Doc("mixed", GT + " Global Times reported this.", 200),
            Doc("markup", f"<html><body><h1>标题</h1><p>{text}</p></body></html>", 300)]
    result = find_copies(docs)
    assert set(result.too_short) == {"empty", "none", "space", "word", "zhword"}
    assert {(p.copy, p.original) for p in result.pairs} >= {("mixed", "orig"), ("markup", "orig")}


def test_identical_timestamps_tie_break_is_deterministic():
    ctx = AttributionContext(names={"b": ["Global Times"]})
    plain = find_copies([Doc("b", GT, 500, "zh"), Doc("a", GT, 500, "zh")])
    assert [(p.copy, p.original, p.tie, p.lag_s) for p in plain.pairs] == [("b", "a", True, 0)]
    assert plain.ties == 1
    # a text that credits the other is the copy, whatever the ids
    credited = find_copies([Doc("b", GT, 500, "zh"), Doc("a", "来源：环球时报。" + GT, 500, "zh")], ctx=ctx)
    assert [(p.copy, p.original, p.attributed) for p in credited.pairs] == [("a", "b", True)]


def test_no_timestamp_is_never_an_origin():
    result = find_copies([Doc("undated", GT, None, "zh"), Doc("dated", GT, 1000, "zh")])
    assert [(p.copy, p.original, p.lag_s) for p in result.pairs] == [("undated", "dated", None)]
    both = find_copies([Doc("x", GT, None, "zh"), Doc("y", GT, None, "zh")])
    assert both.pairs == [] and [u[:2] for u in both.undirected] == [("x", "y")]


def test_five_megabyte_article():
    rng = random.Random(3)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    filler = "".join(rng.choice(pool) for _ in range(1_700_000))
    big = filler[:800_000] + GT + filler[800_000:]
    assert len(big.encode("utf-8")) >= 5_000_000
    sk, batch = sketch([big], ["zh"], CopyParams())
    assert sk.levels[0] == 0 and abs(sk.doc_anchors(0).size - np.unique(batch.doc(0)).size / 8) < 2000
    capped = CopyParams(max_anchors=4096)  # a bounded, nested sample: a subset of the full one
    sk_capped, _ = sketch([big], ["zh"], capped)
    assert sk_capped.levels[0] > 0 and sk_capped.doc_anchors(0).size <= 4096
    assert np.isin(sk_capped.doc_anchors(0), sk.doc_anchors(0)).all()
    result = find_copies([Doc("gt", GT, 1, "zh"), Doc("big", big, 2, "zh"), Doc("other", filler[:5000], 3, "zh")])
    assert ("big", "gt") in {(p.copy, p.original) for p in result.pairs}
    assert ("other", "gt") not in {(p.copy, p.original) for p in result.pairs}


def test_incremental_equals_all_at_once(labelled_run):
    pairs, whole = labelled_run
    docs = corpus(pairs)
    index = CopyIndex()
    first = find_copies(docs[:700], index=index)
    second = find_copies(docs[700:], index=index)
    assert second.compared == len(docs) - 700  # only the new ones were sketched
    key = lambda r: sorted((p.copy, p.original, round(p.containment, 6)) for p in r.pairs)
    assert sorted(key(first) + key(second)) == key(whole)


def test_sketches_round_trip_and_are_tied_to_text_and_params():
    params = CopyParams()
    texts = [GT, "The Conservative Party of Canada released its platform today, naming China many times.", "短"]
    sk, _ = sketch(texts, ["zh", "en", "zh"], params)
    encoded = [encode_sketch(sk, i, params, f"digest{i}" * 4) for i in range(3)]
    assert encoded[2].endswith(":short")
    back = decode_sketches(encoded, params)
    assert np.array_equal(back.bands[:2], sk.bands[:2]) and np.array_equal(back.anchors, sk.anchors)
    assert list(back.short) == [False, False, True] and list(back.char_mode[:2]) == [True, False]
    assert sketch_is_current(encoded[0], params, "digest0" * 4)
    assert not sketch_is_current(encoded[0], params, "changed" * 4)
    assert not sketch_is_current(encoded[0], CopyParams(k_char=5), "digest0" * 4)
    again, _ = sketch(texts, ["zh", "en", "zh"], params)  # deterministic: no per-process hash salt
    assert encode_sketch(again, 0, params, "digest0" * 4) == encoded[0]


def test_attribution_by_cites_url_and_outlet_names():
    ctx = AttributionContext(cites={("cited", "gt")}, names={"gt": ["Global Times 环球时报"]})
    gt = Doc("gt", GT, 1, "zh", url="https://www.globaltimes.cn/page/202109/1234.shtml")
    docs = [gt, Doc("plain", GT, 2, "zh"), Doc("cited", GT, 3, "zh"),
            Doc("linked", f'{GT}<a href="http://globaltimes.cn/page/202109/1234.shtml">原文</a>', 4, "zh"),
            Doc("listed", GT, 5, "zh", urls=["https://globaltimes.cn/page/202109/1234.shtml/"]),
            Doc("named_zh", "（据环球时报报道）" + GT, 6, "zh"),
            Doc("named_en", GT + " Source: GLOBAL TIMES", 7, "zh"),
            Doc("alias", "来源：环球网。" + GT, 8, "zh")]
    result = find_copies(docs, ctx=ctx)
    credit = {p.copy: p.credit for p in result.pairs if p.original == "gt"}
    assert credit == {"plain": None, "cited": "cites", "linked": "url", "listed": "url", "named_zh": "name:环球时报",
                      "named_en": "name:global times", "alias": "name:环球网"}
    assert "global times" in outlet_names(["环球时报"])  # the alias table joins the scripts
    assert url_key("HTTPS://WWW.Example.org/a/b/") == "example.org/a/b"


def test_case_answer_key_in_memory():
    """Every planted copy pair of the Canada 2021 case, right direction and credit; nothing else."""
    answers = json.loads((CASE / "answers.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((CASE / "Article.csv").open(encoding="utf-8")))
    docs = [Doc(r["id"], r["text"], parse_time(r["published_at"]) if r["published_at"] else None, r["lang"] or None,
                r["title"], r["url"], [u for u in r["urls"].split("|") if u]) for r in rows]
    names = defaultdict(set)
    outlets = {r["id"]: r["name"] for r in csv.DictReader((CASE / "Outlet.csv").open(encoding="utf-8"))}
    accounts = {r["id"]: r["display_name"] for r in csv.DictReader((CASE / "Account.csv").open(encoding="utf-8"))}
    for r in csv.DictReader((CASE / "PUBLISHED.csv").open(encoding="utf-8")):
        names[r["dst"]].add(outlets.get(r["src"]) or accounts.get(r["src"]) or "")
    cites = {(r["src"], r["dst"]) for r in csv.DictReader((CASE / "CITES.csv").open(encoding="utf-8"))}
    result = find_copies(docs, ctx=AttributionContext(cites=cites, names={k: sorted(v) for k, v in names.items()}))
    found = {(p.copy, p.original): p for p in result.pairs}
    for planted in answers["copy_pairs"]:
        pair = found.get((planted["copy"], planted["original"]))
        assert pair is not None, planted
        assert pair.attributed == planted["attributed"], planted
    story = set(answers["copy_detection"]["story_articles"])
    assert all(p.copy in story and p.original in story for p in result.pairs)
    # exactly the planted pairs, each to its original: siblings in a family are no copy pair (issue 11.4)
    assert set(found) == {(p["copy"], p["original"]) for p in answers["copy_pairs"]}
    assert len(result.pairs) == answers["copy_detection"]["expected_copy_edges"]
    assert {p.basis for p in result.pairs} == {"earliest"} and result.siblings > 0


# Copies of one original: siblings, not copy pairs (issue 11.4, docs/provenance.md "Which original").
INTRO = "各位读者好，今天给大家带来一篇关于加拿大大选的重要消息，建议看完。"
COMMENT = ("不少华人朋友看完这份纲领后直言：华人害怕这个政纲。评论区里有读者留言说，作为在加拿大生活多年的华人，"
           "看到这样的纲领心里确实发怵，担心自己被贴上标签，也担心下一代的前途。")


def test_three_uncredited_copies_point_to_the_original_not_to_each_other():
    docs = [Doc("gt", GT, 100, "zh"), Doc("wx1", INTRO + GT, 200, "zh"), Doc("wx2", INTRO + GT + "欢迎留言。", 300, "zh"),
            Doc("wx3", GT + "欢迎留言。", 400, "zh")]
    result = find_copies(docs)
    assert sorted((p.copy, p.original, p.attributed, p.basis) for p in result.pairs) == [
        ("wx1", "gt", False, "earliest"), ("wx2", "gt", False, "earliest"), ("wx3", "gt", False, "earliest")]
    assert result.siblings == 3 and result.summary()["siblings"] == 3  # wx2-wx1, wx3-wx1, wx3-wx2 verified, dropped


def test_a_credited_copy_never_points_to_an_uncredited_sibling():
    ctx = AttributionContext(names={"gt": ["Global Times 环球时报"], "wx1": ["枫桥快讯"]})
    result = find_copies([Doc("gt", GT, 100, "zh"), Doc("wx1", INTRO + GT, 200, "zh"),
                          Doc("credits", INTRO + "来源：环球时报。" + GT, 300, "zh")], ctx=ctx)
    assert sorted((p.copy, p.original, p.attributed) for p in result.pairs) == [
        ("credits", "gt", True), ("wx1", "gt", False)]


def test_a_copy_of_a_copy_that_carries_its_additions_points_to_that_copy():
    """The copy carries what the upstream copy added and nothing of the original it left out: upstream-text."""
    upstream = INTRO + GT[:120] + COMMENT
    docs = [Doc("gt", GT, 100, "zh"), Doc("wx1", upstream, 200, "zh"), Doc("wb", "转发：" + upstream, 300, "zh"),
            Doc("full", GT + COMMENT, 400, "zh"),      # has the commentary, but also what wx1 left out of gt
            Doc("sibling", INTRO + GT, 500, "zh")]     # shares only wx1's intro: a sibling
    result = find_copies(docs)
    found = {(p.copy, p.original): p for p in result.pairs}
    assert set(found) == {("wx1", "gt"), ("wb", "wx1"), ("full", "gt"), ("sibling", "gt")}
    hop = found[("wb", "wx1")]
    assert hop.basis == "upstream-text" and not hop.attributed
    assert hop.evidence_share >= 0.9 and hop.evidence_shared >= 8
    assert hop.props()["basis"] == "upstream-text" and hop.props()["evidence_shared"] == hop.evidence_shared
    assert found[("full", "gt")].basis == "earliest" and "evidence_shared" not in found[("full", "gt")].props()


def test_a_copy_that_credits_an_upstream_copy_points_to_it():
    ctx = AttributionContext(names={"gt": ["Global Times 环球时报"], "wx1": ["枫桥快讯"]})
    result = find_copies([Doc("gt", GT, 100, "zh"), Doc("wx1", GT, 200, "zh"),
                          Doc("wb", "转自枫桥快讯：" + GT, 300, "zh")], ctx=ctx)
    assert sorted((p.copy, p.original, p.attributed, p.basis) for p in result.pairs) == [
        ("wb", "wx1", True, "upstream-credit"), ("wx1", "gt", False, "earliest")]
    # a credit that names the original's outlet as well (its own Weibo account) does not single the copy out
    ctx = AttributionContext(names={"gt": ["Global Times 环球时报"], "gtwb": ["环球时报"]})
    result = find_copies([Doc("gt", GT, 100, "zh"), Doc("gtwb", "环球时报：" + GT, 200, "zh"),
                          Doc("wb", "据环球时报报道，" + GT, 300, "zh")], ctx=ctx)
    assert sorted((p.copy, p.original, p.attributed, p.basis) for p in result.pairs) == [
        ("gtwb", "gt", True, "earliest"), ("wb", "gt", True, "earliest")]


def test_siblings_stay_apart_across_incremental_runs():
    index = CopyIndex()
    first = find_copies([Doc("gt", GT, 100, "zh"), Doc("wx1", INTRO + GT, 200, "zh")], index=index)
    second = find_copies([Doc("wx2", INTRO + GT + "欢迎留言。", 300, "zh")], index=index)
    assert [(p.copy, p.original) for p in first.pairs] == [("wx1", "gt")]
    assert [(p.copy, p.original) for p in second.pairs] == [("wx2", "gt")] and second.siblings == 1
