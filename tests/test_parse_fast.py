"""The archive adapter's fast record path gives exactly what the general path gives.

``fmt_twitter_io.read(..., fast=False)`` builds every record value by value through the model
(``node_record`` / ``rel_record``, the path every adapter takes); the default fast path builds
records directly for values the rules take unchanged.  Both are read here on real-shaped files
full of unusual values (tests/fixtures/formats/bad/io_tweets_unusual.csv: NUL bytes, control
characters, ids with spaces, counts as exports write them, hostile lists, impossible times,
a file cut inside a quoted field) and on a synthetic archive, and must agree record for record
and reject for reject.  The times' fast parser is held to ``datetime`` the same way.
"""
from __future__ import annotations

import csv
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from graphtool.load import fmt_twitter_io
from graphtool.load.records import NodeRecord, Reject, RelRecord, plain_id, text_problem
from graphtool.load.rows import read_csv
from graphtool.synthetic import write_io_tweets
from graphtool.values import check_id, iso, parse_time, parse_when

FORMATS = Path(__file__).parent / "fixtures" / "formats"
UNUSUAL = FORMATS / "bad" / "io_tweets_unusual.csv"


def both(path: Path) -> tuple[list, list]:
    fast = list(fmt_twitter_io.read(path, ["file:x"]))
    general = list(fmt_twitter_io.read(path, ["file:x"], fast=False))
    return fast, general


@pytest.mark.parametrize("path", [UNUSUAL, FORMATS / "bad" / "io_tweets_malformed.csv",
                                  FORMATS / "twitter_io" / "sample_io_tweets_csv_hashed.csv",
                                  FORMATS / "twitter_io" / "sample_io_users_csv_hashed.csv"],
                         ids=lambda p: p.name)
def test_fast_and_general_paths_give_the_same_records_and_rejects(path):
    fast, general = both(path)
    assert len(fast) == len(general)
    for a, b in zip(fast, general):
        assert a == b  # label/type, id, ends, every property and its order of keys aside, origin, stub, identifiers
        if not isinstance(a, Reject):
            assert list(a.props) == list(b.props)  # the same key order: the same parameter text


def test_the_unusual_rows_are_rejected_where_the_model_says_and_the_rest_kept():
    fast, _ = both(UNUSUAL)
    rejects = {r.line: (r.field, r.reason) for r in fast if isinstance(r, Reject)}
    assert {line: field for line, (field, _) in rejects.items()} == {
        7: "text", 8: "id", 11: "likes", 12: "shares", 15: "hashtags", 16: "hashtags", 18: "is_retweet",
        19: "tweet_time", 20: "tweet_time", 21: "tweet_time", 25: "lang", 26: "retweet_tweetid", 29: "id", 37: "id",
        38: "id", 39: "tweetid", 40: "tweet_time", 42: "hashtags", 43: "display_name", 44: "", 45: "", 47: ""}
    assert "lone UTF-16 surrogate" in rejects[16][1] and "never closed" in rejects[47][1]
    nodes = {(n.id, n.stub): n for n in fast if isinstance(n, NodeRecord)}
    counts = nodes[("x:1435630000009", False)].props
    assert (counts["likes"], counts["shares"]) == (1000, 3)  # "1,000" and "3.0"
    assert "likes" not in nodes[("x:1435630000012", False)].props  # a count of spaces is no count
    assert nodes[("x:1435630000013", False)].props["hashtags"] == ["", "tag"]
    assert ("x:14356 30000005", False) in nodes  # a space inside an id is kept
    assert ("x:" + "9" * 600, False) in nodes  # long, not plain, still an id
    assert ("x:1435630000026", True) in nodes  # quoting itself: the row's own tweet is not written yet
    assert nodes[("x:1435630000022", False)].props.get("lang") is None
    assert nodes[("x:1435630000023", False)].props["lang"] == "en"
    assert "text" not in nodes[("x:1435630000029", False)].props
    mentions = sorted(r.dst for r in fast if isinstance(r, RelRecord) and r.type == "MENTIONS"
                      and r.src == "x:1435630000008")
    assert mentions == ["x: both", "x:trailing", "x:用户"]  # check_id strips the id's ends, as the general path does


def _with_other_time_shapes(path: Path) -> Path:
    """The archive with some times written as other releases write them: US style, ``T...Z``, an offset."""
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    at = rows[0].index("tweet_time")
    for i, row in enumerate(rows[1:]):
        when = datetime.fromisoformat(row[at])
        row[at] = (when.strftime("%m/%d/%Y %H:%M") if i % 7 == 0 else when.strftime("%Y-%m-%dT%H:%M:%SZ") if i % 11 == 0
                   else when.strftime("%Y-%m-%d %H:%M:%S+08:00") if i % 13 == 0 else row[at])
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    return path


def test_fast_and_general_paths_agree_on_a_synthetic_archive(tmp_path):
    path = _with_other_time_shapes(write_io_tweets(tmp_path / "tweets.csv", 2000, seed=3))
    fast, general = both(path)
    assert len(fast) > 3000 and fast == general
    assert len({r.props["published_at"][10:] for r in fast if isinstance(r, NodeRecord) and r.label == "Article"
                and not r.stub}) > 100


def _same(record) -> tuple:
    """A record without where it came from: two records that write the same thing are equal."""
    if isinstance(record, NodeRecord):
        return ("node", record.label, record.id, repr(record.props), record.stub, repr(record.identifiers))
    return ("rel", record.type, record.src, record.dst, repr(record.props), record.src_label, record.dst_label)


def test_a_stub_given_already_for_the_same_tweet_and_author_is_not_given_again(tmp_path, monkeypatch):
    # the second half of an archive: the tweets it retweets are not in it, so each is a stub
    lines = write_io_tweets(tmp_path / "all.csv", 2000, seed=3).read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "tweets.csv"
    path.write_text(lines[0] + "".join(lines[len(lines) // 2:]), encoding="utf-8")
    remembered = list(fmt_twitter_io.read(path, ["file:x"]))
    monkeypatch.setattr(fmt_twitter_io, "STUBS_REMEMBERED", 0)
    every = list(fmt_twitter_io.read(path, ["file:x"]))
    assert len(remembered) < len(every) * 0.9
    # only repeats are left out, and nothing else changes: the same records in the same order
    kept = iter(every)
    for record in remembered:
        assert any(record == other for other in kept)
    assert {_same(r) for r in remembered} == {_same(r) for r in every}


def _tweets_file(path: Path, rows: list[dict]) -> Path:
    header = fmt_twitter_io.TWEETS_HEADER
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            values = {"userid": "u1", "user_screen_name": "u1", "tweet_text": "t", "tweet_time": "2021-08-15 12:30:02",
                      "is_retweet": "False", "hashtags": "[]", "urls": "[]", "user_mentions": "[]", **row}
            writer.writerow([values.get(name, "") for name in header])
    return path


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "general"])
def test_a_stub_is_given_again_for_another_author_and_after_a_rejected_row(tmp_path, fast):
    path = _tweets_file(tmp_path / "tweets.csv", [
        {"tweetid": "1", "is_retweet": "True", "retweet_tweetid": "900", "retweet_userid": "a1"},
        {"tweetid": "2", "is_retweet": "True", "retweet_tweetid": "900", "retweet_userid": "a1"},  # a repeat
        {"tweetid": "3", "is_retweet": "True", "retweet_tweetid": "900", "retweet_userid": "a2"},  # another author
        {"tweetid": "4", "quoted_tweet_tweetid": "901", "in_reply_to_tweetid": "9\t02"},  # rejected: a tab in an id
        {"tweetid": "5", "is_retweet": "True", "retweet_tweetid": "901"},  # so 901's stub comes here
    ])
    records = list(fmt_twitter_io.read(path, ["file:x"], fast=fast))
    by_line: dict[int, list] = {}
    for r in records:
        by_line.setdefault(r.line if isinstance(r, Reject) else r.origin.line, []).append(r)
    written = {line: sorted((type(r).__name__, getattr(r, "label", None) or r.type, getattr(r, "id", None) or r.src,
                             getattr(r, "dst", None)) for r in rs if not isinstance(r, Reject))
               for line, rs in by_line.items()}
    assert ("NodeRecord", "Article", "x:900", None) in written[2] and ("RelRecord", "PUBLISHED", "x:a1", "x:900") in \
        written[2]
    assert written[3] == [("RelRecord", "SHARED", "x:u1", "x:900")]
    assert ("NodeRecord", "Article", "x:900", None) in written[4] and ("RelRecord", "PUBLISHED", "x:a2", "x:900") in \
        written[4]
    assert [r.field for r in by_line[5]] == ["id"]
    assert ("NodeRecord", "Article", "x:901", None) in written[6]
    assert fast or records == list(fmt_twitter_io.read(path, ["file:x"]))


def test_list_rows_are_the_dict_rows_in_header_order():
    by_name, by_position = read_csv(UNUSUAL), read_csv(UNUSUAL, lists=True)
    named, positional = list(by_name), list(by_position)
    assert len(named) == len(positional)
    for a, b in zip(named, positional):
        if isinstance(a, Reject):
            assert a == b
        else:
            assert a.line == b.line and a.values == dict(zip(by_position.header, b.values))


def test_the_fast_time_parser_gives_what_datetime_gives():
    rng = random.Random(5)
    for _ in range(5000):
        ts = rng.randrange(0, 4102444800)
        text = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert iso(ts) == text
        for shape in (text, text[:-1], text.replace("T", " ")[:-1], text[:16], text[:16] + "Z"):
            expected = int(datetime.fromisoformat(shape).replace(tzinfo=timezone.utc).timestamp())
            assert parse_time(shape) == expected
            assert parse_when(shape, "t") == expected
    for text in ("2021-02-29 10:00", "2021-09-10 24:00", "2021-09-10 23:60", "2021-09-10 23:59:60",
                 "2021-09-10 23:59:5x", "2021-09-10 23:59:٥٥"):
        with pytest.raises(ValueError):
            parse_time(text)
    assert parse_time("2021-09-10T17:21:00+08:00") == parse_time("2021-09-10 09:21")


def _rows_of(reader) -> list:
    return [(type(x).__name__, x.line, x.values if not isinstance(x, Reject) else (x.field, x.reason, x.raw))
            for x in reader] + [reader.header]


def _hostile_csv(path: Path, seed: int) -> Path:
    """Lines the split fast path must leave to the csv module, or split exactly as it would."""
    rng = random.Random(seed)
    pieces = ["a", "", " ", "b c", '"', '""', '"x,y"', '"multi\nline"', "\r", "\x00", "\t", "é", "用户", ",", "\r\n",
              '"never closed', "  ,  "]
    lines = [b"h1,h2,h3\n"]
    for _ in range(3000):
        text = ",".join("".join(rng.choice(pieces) for _ in range(rng.randrange(0, 3))) for _ in range(rng.choice(
            (3, 3, 3, 2, 4, 1))))
        data = text.encode("utf-8")
        if rng.random() < 0.02:
            data += b"\xff"  # not UTF-8
        lines.append(data + rng.choice((b"\n", b"\n", b"\r\n", b"")) if rng.random() < 0.1 else data + b"\n")
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize("seed", [1, 2])
def test_the_csv_split_fast_path_reads_what_the_csv_module_reads(tmp_path, seed):
    files = [_hostile_csv(tmp_path / f"hostile{seed}.csv", seed), UNUSUAL, FORMATS / "bad" / "io_tweets_malformed.csv",
             FORMATS / "twitter_io" / "sample_io_tweets_csv_hashed.csv"]
    for path in files:
        for lists in (True, False):
            fast, careful = read_csv(path, lists=lists), read_csv(path, lists=lists, careful=True)
            assert _rows_of(fast) == _rows_of(careful), path
    hostile = _rows_of(read_csv(files[0], lists=True))
    kinds = {kind for kind, *_ in hostile[:-1]}
    assert kinds == {"Row", "Reject"} and len(hostile) > 1000  # the file exercises both


def test_the_fast_path_takes_every_row_but_an_accounts_first(tmp_path, monkeypatch):
    path = _with_other_time_shapes(write_io_tweets(tmp_path / "tweets.csv", 2000, seed=4))
    general, real = [], fmt_twitter_io._tweet  # the rows that go the general way, by author

    def counted(values, *rest):
        general.append(values[1])
        return real(values, *rest)

    monkeypatch.setattr(fmt_twitter_io, "_tweet", counted)
    records = list(fmt_twitter_io.read(path, ["file:x"]))
    accounts = {r.id for r in records if isinstance(r, NodeRecord) and r.label == "Account" and not r.stub}
    assert len(general) == len(set(general)) == len(accounts) < 200  # the rows that write an account, no other


def test_a_plain_id_is_one_every_rule_takes_unchanged_with_or_without_its_prefix():
    rng = random.Random(7)
    alphabet = ["a", "7", " ", "~", ":", "\t", "\x7f", "é", "用", "\x00", "\u3000", "\ud800"]
    plain = 0
    for _ in range(20000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        if rng.random() < 0.01:
            value = "9" * rng.choice((509, 510, 511, 512))
        if plain_id(value):
            plain += 1
            for text in (value, "x:" + value):
                assert check_id(text) == text and text_problem(text) is None
    assert plain > 100


QUT_UNUSUAL = FORMATS / "bad" / "qut_reposts_unusual.csv"
COORDINATION = Path(__file__).parent / "fixtures" / "coordination"


@pytest.mark.parametrize("path", [QUT_UNUSUAL, COORDINATION / "qut_sample_data.csv",
                                  COORDINATION / "qut_coretweet_test_input.csv"], ids=lambda p: p.name)
def test_qut_reposts_fast_and_general_paths_give_the_same_records_and_rejects(path):
    from graphtool.load import fmt_qut

    fast = list(fmt_qut.read(path, ["file:x"]))
    general = list(fmt_qut.read(path, ["file:x"], fast=False))
    assert len(fast) == len(general)
    for a, b in zip(fast, general):
        assert a == b
        if not isinstance(a, Reject):
            assert list(a.props) == list(b.props)
    if path == QUT_UNUSUAL:
        rejects = {r.line: r.field for r in fast if isinstance(r, Reject)}
        assert rejects == {9: "display_name", 10: "timestamp", 13: "message_id"}  # a NUL, no time, m1 again
        shared = {r.props["id"]: r for r in fast if isinstance(r, RelRecord) and r.type == "SHARED"}
        assert shared["m5"].src == "x:u3" and shared["m6"].dst == "x:t3"  # spaces and a tab around ids go
        assert shared["m7"].dst == "x:t中" and shared["m12"].src == "x:u中"  # not plain: the general path
