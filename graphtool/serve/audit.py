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
import threading
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
    """Appends records; :meth:`record` returns once its line is on disk (fsync'd).

    Group commit: requests that record at the same time share one fsync (each waits for an fsync that
    began after its line was written), so twenty concurrent requests cost a few fsyncs, not twenty.  The
    file stays open; the hash of the last line is kept while the file's size says nobody else appended
    (the CLI may: then the last line is read again).  The chain and the durability are the same as with
    one fsync per record: no request is answered before its line is durable.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._file = None
        self._write_lock = threading.Lock()  # threads of this process, in order; flock orders processes
        self._sync_lock = threading.Lock()
        self._written = self._synced = 0  # records written / known durable, by this process
        self._end, self._last_hash = -1, GENESIS  # the file's size after our last line, and its hash

    def _open(self):
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._file = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "r+b")
        return self._file

    def record(self, action: str, user: str | None, address: str | None, **detail) -> dict:
        """Append one record under an exclusive lock (the server and the CLI may write at once)."""
        detail = {k: v for k, v in detail.items() if not any(w in k.lower() for w in SECRET_WORDS)}
        with self._write_lock:
            f = self._open()
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                if os.fstat(f.fileno()).st_size != self._end:  # first record, or another process appended
                    last = _last_line(f)
                    self._last_hash = _digest(last) if last else GENESIS
                entry = {"time": iso(int(time.time())), "user": user, "address": address, "action": action,
                         "detail": detail, "prev": self._last_hash}
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
                f.seek(0, os.SEEK_END)
                f.write(line + b"\n")
                f.flush()
                self._end, self._last_hash = f.tell(), _digest(line)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
            self._written += 1
            mine = self._written
        with self._sync_lock:  # one fsync covers every line written before it began
            if self._synced < mine:
                covered = self._written
                os.fsync(f.fileno())
                self._synced = max(self._synced, covered)
        return entry

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


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
