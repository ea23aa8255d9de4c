"""Media reuse as coordination evidence (issue 17 item 4): ``co-media`` pairs accounts whose posts carry
the same sound, media id or file hash, matched exactly, within the window.

The fixtures are the captures in tests/fixtures/captures/ (see the README there): three TikTok
accounts use one sound, two Douyin accounts one sound, and a Bilibili account posts one video twice.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graphtool.analyze.coordination import Message, coordination
from graphtool.analyze.coordination_store import read_actions, run_coordination
from graphtool.load import import_paths

CAPTURES = Path(__file__).parent / "fixtures" / "captures"
DAY = 86400


def _import(store):
    import_paths(store, [*sorted(CAPTURES.glob("zeeschuimer-*.ndjson")), CAPTURES / "fourcat-tiktok.csv",
                         CAPTURES / "telegram" / "result.json"])


def handles(store, pairs):
    names = {r["id"]: f"{r['p']}:{r['h']}" for r in
             store.read("MATCH (a:Account) RETURN a.id AS id, a.platform AS p, a.handle AS h")}
    return sorted(tuple(sorted((names[p.account_1], names[p.account_2]))) for p in pairs)


def test_co_media_on_messages_matches_exact_media_ids():
    ms = [Message("1", "a", 0, media=("music:9", "video:x")), Message("2", "b", 5, media=("music:9",)),
          Message("3", "c", 6, media=("video:y",)), Message("4", "d", 7, text="music:9")]
    assert [(p.account_1, p.account_2) for p in coordination(ms, "co-media", 10).pairs()] == [("a", "b")]


def test_co_media_pairs_in_the_store(store):
    _import(store)
    actions, skipped = read_actions(store, "co-media")
    assert skipped == 0
    items = set(actions.item)
    assert "music:6990000000000000001" in items and "video:v0200fg10000c4northernstar01" in items
    assert any(i.startswith("sha256:") for i in items)  # Telegram's photo file hash
    run = run_coordination(store, "co-media", DAY, write=True)
    assert handles(store, run.pairs) == [
        ("douyin:MS4wLjABAAAAmaple_daily_secuid", "douyin:northernstar_tv"),  # one Douyin sound, 1 h apart
        ("tiktok:maple_daily", "tiktok:northernstar_tv"), ("tiktok:maple_daily", "tiktok:prairie_voice"),
        ("tiktok:northernstar_tv", "tiktok:prairie_voice")]
    stored = store.read("MATCH (:Account)-[r:COORDINATED_WITH {kind: 'co-media'}]->(:Account) RETURN count(r) AS n")
    assert stored == [{"n": 4}]
    # The window still holds: the TikTok posts are 1000 s apart, the Douyin ones 3600 s.
    assert len(run_coordination(store, "co-media", 1200, write=False).pairs) == 2


def test_cli_kind_co_media(store, store_url):
    _import(store)
    out = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "coordination", "--kind",
                          "co-media", "--window", "86400", "--no-write", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["kind"] == "co-media" and found["pairs"] == 4
    refused = subprocess.run([sys.executable, "-m", "graphtool", "coordination", "--kind", "co-media",
                              str(Path(__file__).parent / "fixtures" / "coordination" / "missing.csv")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "co-media reads media ids from the store" in refused.stderr
