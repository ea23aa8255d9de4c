"""The audit trail: an append-only JSON-lines file in which each record carries the SHA-256 of the line before it.

A record: ``time`` (ISO-8601 UTC), ``user``, ``address``, ``action``, ``detail`` (a dict) and
``prev`` (the previous line's SHA-256; 64 zeros for the first).  Changing, removing or
reordering a line breaks the chain at the next line, which :func:`verify` names.  Cutting lines
off the end is not detectable from the file alone: keep a copy of the last hash elsewhere
(``graphtool audit verify`` prints it).  Callers never pass a password or a token.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..values import iso, parse_time

GENESIS = "0" * 64
SECRET_WORDS = ("password", "token", "secret", "csrf")  # detail keys that are never written


def _digest(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _last_line(f) -> bytes:
    f.seek(0, os.SEEK_END)
    end = f.tell()
    pos, chunk = end, b""
    while pos > 0:
        step = min(4096, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step) + chunk
        lines = chunk.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or pos == 0:
            return lines[-1]
    return b""


class AuditLog:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def record(self, action: str, user: str | None, address: str | None, **detail) -> dict:
        """Append one record under an exclusive lock (the server and the CLI may write at once)."""
        detail = {k: v for k, v in detail.items() if not any(w in k.lower() for w in SECRET_WORDS)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                last = _last_line(f)
                entry = {"time": iso(int(time.time())), "user": user, "address": address, "action": action,
                         "detail": detail, "prev": _digest(last) if last else GENESIS}
                f.seek(0, os.SEEK_END)
                f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n")
                f.flush()
                os.fsync(f.fileno())
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        return entry


@dataclass
class Verdict:
    ok: bool
    records: int
    last_hash: str
    problem: str = ""  # names the line


def verify(path: str | os.PathLike) -> Verdict:
    """Check the chain from the first line to the last."""
    path = Path(path)
    prev, n = GENESIS, 0
    if not path.exists():
        return Verdict(True, 0, GENESIS)
    with open(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            try:
                entry = json.loads(line)
                claimed = entry["prev"]
            except (ValueError, KeyError, TypeError):
                return Verdict(False, n - 1, prev, f"{path} line {n}: not an audit record")
            if claimed != prev:
                return Verdict(False, n - 1, prev, f"{path} line {n}: the chain is broken (prev {claimed[:12]}... "
                                                   f"is not the hash of line {n - 1}): line {n - 1} or {n} was "
                                                   "changed, or lines were removed or reordered")
            prev = _digest(line)
    return Verdict(True, n, prev)


def read(path: str | os.PathLike, user: str | None = None, since: str | None = None,
         action: str | None = None) -> list[dict]:
    """The records, filtered: by user, from a time on (anything graphtool.values.parse_time reads), by action."""
    path = Path(path)
    since_ts = parse_time(since) if since else None
    out = []
    if not path.exists():
        return out
    with open(path, "rb") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if user and entry.get("user") != user:
                continue
            if action and entry.get("action") != action:
                continue
            if since_ts is not None and parse_time(entry["time"]) < since_ts:
                continue
            out.append(entry)
    return out
