"""Adapter speed: Zeeschuimer, 4CAT, Telegram and preset files against the canonical CSV path, in one run.

    python -m bench.adapters [--items 100000] [--runs 3] [--no-store]

For each adapter it writes ``--items`` generated items in the real shapes (the fixtures of
tests/fixtures/captures/ as templates, with new ids, authors and times), then measures, median
of ``--runs``:

- read: the adapter alone (parse, validate against the model, make records), items per second, and
  how many records (nodes and relationships) an item makes;
- import: ``import_paths`` into an empty embedded store, items per second.

The baseline is the canonical CSV path on the same items (``Account.csv``, ``Article.csv``,
``PUBLISHED.csv``: what a capture item amounts to), written once and measured the same way.
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import random
import tempfile
from pathlib import Path

from bench.common import machine, median_time, write_section
from graphtool.load import FORMATS, _load_adapters, canonical, import_paths
from graphtool.store import open_store

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "captures"
T0 = 1631000000


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def zeeschuimer_items(path: Path, n: int, rng: random.Random) -> None:
    """Douyin, TikTok, X (originals and retweets), Instagram and Weibo items in Zeeschuimer's envelope."""
    templates = {"douyin": _lines("zeeschuimer-douyin-1.ndjson")[0], "tiktok": _lines("zeeschuimer-tiktok.ndjson")[0],
                 "x": _lines("zeeschuimer-x.ndjson")[0], "x_rt": _lines("zeeschuimer-x.ndjson")[1],
                 "instagram": _lines("zeeschuimer-instagram.ndjson")[0], "weibo": _lines("zeeschuimer-weibo.ndjson")[0]}
    kinds = list(templates)
    users = max(10, n // 20)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            kind = kinds[i % len(kinds)]
            env = copy.deepcopy(templates[kind])
            d, u, t = env["data"], rng.randrange(users), T0 + rng.randrange(10**6)
            if kind == "douyin":
                d["aweme_id"] = str(7 * 10**18 + i)
                d["author"].update(uid=str(10**10 + u), sec_uid=f"MS4wLjABAAAA{u}", nickname=f"u{u}")
                d["create_time"], d["desc"] = t, f"item {i} #tag{i % 50}"
            elif kind == "tiktok":
                d["id"], d["createTime"], d["desc"] = str(8 * 10**18 + i), t, f"video {i} #tag{i % 50}"
                d["author"].update(id=str(10**12 + u), uniqueId=f"user{u}")
            elif kind in ("x", "x_rt"):
                d["rest_id"] = d["legacy"]["id_str"] = str(9 * 10**17 + i)
                d["core"]["user_results"]["result"]["core"]["screen_name"] = f"user{u}"
                d["legacy"]["user_id_str"] = str(10**9 + u)
                if kind == "x_rt":
                    d["legacy"]["retweeted_status_result"]["result"]["rest_id"] = str(9 * 10**17 + i - 1)
            elif kind == "instagram":
                d["code"], d["taken_at"] = f"Cx{i}", t
                d["user"].update(pk=str(10**9 + u), username=f"user{u}")
            else:
                d["idstr"], d["text_raw"] = str(4 * 10**15 + i), f"#话题{i % 50}# 第{i}条"
                d["user"].update(idstr=str(10**9 + u), screen_name=f"用户{u}")
            out.write(json.dumps(env, ensure_ascii=False) + "\n")


def fourcat_rows(path: Path, n: int, rng: random.Random) -> None:
    """4CAT's X export: originals, retweets and quotes."""
    with (FIXTURES / "fourcat-x.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)[:3]
    users = max(10, n // 20)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, header)
        writer.writeheader()
        for i in range(n):
            row = dict(rows[i % 3])
            t = T0 + rng.randrange(10**6)
            row.update(id=str(9 * 10**17 + i), thread_id=str(9 * 10**17 + i), unix_timestamp=str(t),
                       author=f"user{rng.randrange(users)}", author_id="", body=row["body"] + f" {i}")
            writer.writerow(row)


def telegram_export(path: Path, n: int, rng: random.Random) -> None:
    """A full Telegram Desktop export: 20 channels, messages with text parts, every tenth a forward."""
    full = json.loads((FIXTURES / "telegram" / "result.json").read_text(encoding="utf-8"))
    chats, per = [], max(1, n // 20)
    template = full["chats"]["list"][0]["messages"][1]
    for c in range(20):
        messages = []
        for i in range(per):
            m = copy.deepcopy(template)
            m.pop("photo", None)
            m["id"], m["date_unixtime"] = i + 1, str(T0 + rng.randrange(10**6))
            m["from_id"], m["from"] = f"channel{10**9 + c}", f"Channel {c}"
            m["text"] = [f"message {i} of channel {c} ", *m["text"][1:]]
            if i % 10 == 9:
                m["forwarded_from"] = f"Channel {(c + 1) % 20}"
            messages.append(m)
        chats.append({"name": f"Channel {c}", "type": "public_channel", "id": 10**9 + c, "messages": messages})
    full["chats"]["list"] = chats
    path.write_text(json.dumps(full, ensure_ascii=False, indent=1), encoding="utf-8")


def crowdtangle_rows(path: Path, n: int, rng: random.Random) -> None:
    lines = (FIXTURES / "listening" / "crowdtangle-historical.csv").read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    template = next(csv.DictReader(lines[:2]))
    users = max(10, n // 20)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, header)
        writer.writeheader()
        for i in range(n):
            u = rng.randrange(users)
            writer.writerow({**template, "User Name": f"page{u}", "Facebook Id": str(10**14 + u),
                             "URL": f"https://www.facebook.com/page{u}/posts/{i}", "Message": f"post {i}"})


def canonical_files(folder: Path, n: int, rng: random.Random) -> list[Path]:
    """The same amount of graph as the captures: an account per 20 items, an article and a PUBLISHED per item."""
    folder.mkdir(parents=True, exist_ok=True)
    users = max(10, n // 20)
    with (folder / "Account.csv").open("w") as f:
        f.write("platform,handle,display_name,followers\n")
        f.writelines(f"douyin,user{u},User {u},{rng.randrange(10**6)}\n" for u in range(users))
    with (folder / "Article.csv").open("w") as f:
        f.write("id,platform,text,published_at,likes,shares,views,hashtags,music_id\n")
        f.writelines(f"douyin:{i},douyin,item {i} #tag{i % 50},{T0 + rng.randrange(10**6)},1,2,3,tag{i % 50},"
                     f"{7013345678901234567}\n" for i in range(n))
    with (folder / "PUBLISHED.csv").open("w") as f:
        f.write("src,dst,src_label\n")
        f.writelines(f"douyin:user{rng.randrange(users)},douyin:{i},Account\n" for i in range(n))
    return [folder / "Account.csv", folder / "Article.csv", folder / "PUBLISHED.csv"]


SECTION = "## Capture and export adapters against canonical CSV"

CASES = {"zeeschuimer": (zeeschuimer_items, "captures.ndjson"), "fourcat": (fourcat_rows, "fourcat-x.csv"),
         "telegram": (telegram_export, "result.json"), "crowdtangle": (crowdtangle_rows, "ct.csv")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-store", action="store_true", help="measure reading only")
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    rows: list[str] = []
    _load_adapters()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = {"canonical CSV (baseline)": (canonical, canonical_files(tmp / "canonical", args.items, rng))}
        for name, (make, filename) in CASES.items():
            path = tmp / filename
            make(path, args.items, rng)
            inputs[name] = (FORMATS[name], [path])
        store = None
        if not args.no_store:
            from graphtool.store.embedded import EmbeddedServer

            store = open_store(f"embedded:{tmp / 'db'}")
        try:
            print(f"{args.items:,} items, median of {args.runs}, on {machine()}")
            base = {}
            for name, (module, paths) in inputs.items():
                made = []

                def read_all():
                    made[:] = [sum(1 for path in paths for _ in module.read(path, default_sources=["file:bench"]))]
                read_s, _ = median_time(read_all, args.runs)
                line = f"{name:26s} {made[0] / args.items:4.1f} records/item   read {args.items / read_s:10,.0f} items/s"
                if store is not None:
                    def wipe():
                        store.wipe()
                        store.ensure_schema()
                    fmt = None if module is canonical else name
                    import_s, _ = median_time(lambda: import_paths(store, paths, fmt=fmt, progress=False),
                                              args.runs, setup=wipe)
                    line += f"   import {args.items / import_s:10,.0f} items/s"
                    base.setdefault("import", import_s)
                    line += f" ({base['import'] / import_s:.2f}x canonical)"
                base.setdefault("read", read_s)
                line += f"   read {base['read'] / read_s:.2f}x canonical"
                print(line, flush=True)
                imported = (f"{args.items / import_s:,.0f} ({base['import'] / import_s:.2f}x)"
                            if store is not None else "not measured")
                rows.append(f"| {name} | {made[0] / args.items:.1f} | {args.items / read_s:,.0f} "
                            f"({base['read'] / read_s:.2f}x) | {imported} |")
        finally:
            if store is not None:
                store.close()
                EmbeddedServer(tmp / "db").stop()
    if args.write:
        flags = f"--items {args.items} --runs {args.runs}" + (" --no-store" if args.no_store else "")
        text = "\n".join([SECTION, "", f"`python -m bench.adapters {flags}` on {machine()}; load average "
                          f"{os.getloadavg()[0]:.1f} when it ended. Items per second, median of {args.runs}; "
                          "the ratio is against the canonical CSV path in the same run.", "",
                          "| adapter | records per item | read items/s | import (embedded) items/s |",
                          "|---|---:|---:|---:|", *rows])
        write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", SECTION, text)


if __name__ == "__main__":
    main()
