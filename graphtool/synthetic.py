"""Synthetic inputs in real formats, for tests and benchmarks (deterministic for a seed).

Why it ships in the package: ``tests/`` and ``bench/`` both use it and neither imports the
other, and it writes the format from the loader's own header
(:data:`graphtool.load.fmt_twitter_io.TWEETS_HEADER`), so it changes with the adapter.
Users can size their own machine with it (``bench/import_run.py`` shows how).
"""
from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

from .load.fmt_twitter_io import TWEETS_HEADER

WORDS = ("platform election Canada China ties experts say voters debate policy registry community news "
         "保守党 纲领 加中关系 华人 选民 大选 投票 专家 表示").split()


def write_io_tweets(path: str | Path, tweets: int, seed: int = 7, accounts: int | None = None) -> Path:
    """A tweets file of an information-operations archive: 20% originals, 60% retweets, 10% quotes, 10% replies.

    Accounts (``accounts``, default one per 200 tweets, at least 50) have hashed ids as in
    the releases; retweets, quotes and replies point at one of the last 10,000 originals, so
    memory stays bounded however many rows are written.
    """
    rng = random.Random(seed)
    n_accounts = accounts or max(50, tweets // 200)
    users = [hashlib.sha256(f"synthetic-account-{seed}-{i}".encode()).hexdigest() for i in range(n_accounts)]
    recent: list[tuple[str, str]] = []  # (tweetid, userid) of recent originals
    start = 1628985600  # 2021-08-15T00:00:00Z
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TWEETS_HEADER)
        for i in range(tweets):
            user = users[rng.randrange(n_accounts)]
            tweetid = str(1427000000000000000 + i)
            ts = start + i * 3 + rng.randrange(3)
            minute = f"{_ymd_hm(ts)}"
            kind = rng.random()
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 25)))
            reply_u = reply_t = quoted = rt_u = rt_t = ""
            is_rt = "False"
            if recent and kind < 0.6:
                rt_t, rt_u = recent[rng.randrange(len(recent))]
                is_rt, text = "True", "RT " + text
            elif recent and kind < 0.7:
                quoted = recent[rng.randrange(len(recent))][0]
            elif recent and kind < 0.8:
                reply_t, reply_u = recent[rng.randrange(len(recent))]
            else:
                recent.append((tweetid, user))
                if len(recent) > 10_000:
                    recent.pop(rng.randrange(len(recent)))
            tags = "['CanadaElection']" if rng.random() < 0.3 else "[]"
            writer.writerow([tweetid, user, user, user, "", "", "", rng.randrange(5000), rng.randrange(2000),
                             "2019-03-14", "zh-cn", "zh", text, minute, "Twitter Web App", reply_u, reply_t, quoted,
                             is_rt, rt_u, rt_t, "absent", "absent", 0, 0, rng.randrange(100), rng.randrange(50),
                             tags, "[]", "[]", ""])
    return path


def _ymd_hm(ts: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
