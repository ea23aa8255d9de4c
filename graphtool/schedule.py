"""Scheduled imports: the unit a cron job or a systemd timer runs, safe to repeat and to kill.

``graphtool schedule run MANIFEST.toml`` imports what a manifest lists (``docs/scheduling.md``;
``imports/schedules/example.toml``):

- **incremental** — each file's fingerprint (SHA-256 of its bytes, plus its format, mapping
  and Source settings) is kept in the store, on the ``ImportRun`` that finished it; a file
  whose fingerprint is there is not read again, so an unchanged manifest writes nothing;
- **one run at a time** — an exclusive ``flock`` on a lock file that also names the
  holder's pid; the kernel drops the lock when the holder dies (even by SIGKILL), so a lock
  left by a dead process is taken over and reported as stale;
- **crash-safe** — every batch is one transaction, loading is MERGE-idempotent and a file's
  fingerprint is stored only after its last batch, so a killed run's files are simply read
  again by the next run, which ends with the graph one clean run gives; it marks the killed
  run ``crashed`` in the run log;
- **a run log** — an ``ImportRun`` node per run that had work (start, end, files, counts,
  rejects, outcome), and one JSON line per run on stdout and in the manifest's log file.

Exit codes: 0 ok, 1 finished with rejects, 2 could not run, 3 another run holds the lock,
4 failed: a file (or the run) stopped on an unexpected error; the other files were still
imported, the run is recorded ``failed`` with the reason, and the file is read again next time.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import inspect
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import internal_queries as Q
from . import model
from .errors import ConfigError, GraphtoolError, InputError, LockedError
from .resources import read_toml
from .load import FORMATS, ImportFile, RejectsFile, _load_adapters, canonical, file_source, find_files, write_files
from .load.records import Reject, node_record
from .load.writer import BATCH_SIZE, LoadResult, write_records
from .store import Store, redact
from .values import iso

RUN = model.node("ImportRun").label
EXIT_OK, EXIT_REJECTS, EXIT_FAILED, EXIT_LOCKED, EXIT_CRASHED = 0, 1, 2, 3, 4
SOURCE_KEYS = {"name", "path", "format", "mapping", "collector", "kind", "title"}
SCHEDULE_KEYS = {"name", "lock", "log", "rejects", "batch_size", "alerts", "refresh"}  # alerts, refresh: [[watch]]


# ----------------------------------------------------------------------------- the manifest

@dataclass
class SourceSpec:
    """One ``[[source]]`` of a manifest: which files, read how, recorded as what evidence."""

    name: str
    patterns: list[str]
    format: str | None = None
    mapping: Path | None = None
    collector: str | None = None
    kind: str = "import"
    title: str | None = None
    options: dict = field(default_factory=dict)  # passed to the adapter's read()
    settings: str = ""  # what, besides the bytes, decides what the file's import writes


@dataclass
class Manifest:
    path: Path
    name: str
    sources: list[SourceSpec]
    lock: Path
    log: Path | None = None
    rejects: str | None = None
    batch_size: int = BATCH_SIZE


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def load_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest; anything unusable is a :class:`ConfigError` (exit 2)."""
    path = Path(path).resolve()
    data = read_toml(path, "manifest")
    here = path.parent
    schedule = data.get("schedule", {})
    unknown = set(schedule) - SCHEDULE_KEYS
    if unknown:
        raise ConfigError(f"{path}: [schedule] has unknown keys {', '.join(sorted(unknown))}")
    _load_adapters()
    sources = []
    for number, raw in enumerate(data.get("source") or [], start=1):
        where = f"{path}: [[source]] #{number}"
        unknown = set(raw) - SOURCE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        patterns = raw.get("path")
        patterns = [patterns] if isinstance(patterns, str) else patterns
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            raise ConfigError(f"{where}: path = \"file, folder or glob\" (or a list of them) is required")
        fmt = raw.get("format")
        if fmt is not None and fmt not in FORMATS:
            raise ConfigError(f"{where}: unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
        spec = SourceSpec(name=raw.get("name") or f"source-{number}",
                          patterns=[os.path.normpath(here / p) for p in patterns], format=fmt,
                          collector=raw.get("collector"), kind=raw.get("kind", "import"), title=raw.get("title"))
        mapping_digest = ""
        if raw.get("mapping"):
            module = FORMATS.get(fmt) if fmt else None
            if module is None or "mapping" not in inspect.signature(module.read).parameters:
                raise ConfigError(f"{where}: a mapping needs a format that takes one (format = \"mapped\")")
            spec.mapping = (here / raw["mapping"]).resolve()
            loader = getattr(module, "load_mapping", None)
            spec.options["mapping"] = loader(spec.mapping) if loader else spec.mapping  # fails fast when bad
            mapping_digest = _digest(spec.mapping)
        spec.settings = json.dumps([fmt, mapping_digest, spec.collector, spec.kind, spec.title])
        sources.append(spec)
    if not sources:
        raise ConfigError(f"{path}: lists no [[source]]")
    batch_size = schedule.get("batch_size", BATCH_SIZE)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"{path}: batch_size must be a positive integer")
    lock = here / schedule["lock"] if schedule.get("lock") else here / f".{path.name}.lock"
    return Manifest(path=path, name=schedule.get("name") or path.stem, sources=sources, lock=lock,
                    log=here / schedule["log"] if schedule.get("log") else None,
                    rejects=str(here / schedule["rejects"]) if schedule.get("rejects") else None,
                    batch_size=batch_size)


# ----------------------------------------------------------------------------- the lock

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(path: Path) -> dict | None:
    """What a lock file says about its (last) holder: pid, host, since; None when empty."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
        return json.loads(text) if text else None
    except (OSError, ValueError):
        return None


class RunLock:
    """An exclusive, non-blocking ``flock`` on ``path``, with the holder written inside.

    The kernel releases the lock when its process ends in any way, so a crashed run never
    blocks the next one; what the file still says about a holder that is gone is kept in
    :attr:`stale` for the run log.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None
        self.stale: dict | None = None

    def acquire(self, info: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_lock(self.path) or {}
            raise LockedError(f"another run holds the lock {self.path} (pid {holder.get('pid', '?')}, "
                              f"since {holder.get('since', '?')})") from None
        previous = read_lock(self.path)
        if previous and previous.get("pid") != os.getpid():
            self.stale = {**previous, "pid_alive": _alive(int(previous.get("pid", 0) or 0))}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
        os.fsync(fd)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        os.ftruncate(self.fd, 0)  # the file stays: removing a locked file would let two runs lock two files
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


# ----------------------------------------------------------------------------- the run

@dataclass
class PlannedFile(ImportFile):
    """A file the run imports: what the pipeline needs, plus its source spec and fingerprint."""

    spec: SourceSpec
    fingerprint: str


@dataclass
class RunReport:
    """What a run did; ``line()`` is the JSON line for the log."""

    manifest: str
    run_id: str | None = None
    started_at: str = ""
    ended_at: str | None = None
    outcome: str = "running"
    files: list[str] = field(default_factory=list)
    skipped: int = 0
    unmatched: list[str] = field(default_factory=list)
    result: LoadResult = field(default_factory=LoadResult)
    rejects: int = 0
    first_rejects: list[str] = field(default_factory=list)
    crashed_runs: list[str] = field(default_factory=list)
    stale_lock: dict | None = None
    error: str | None = None
    failures: list[str] = field(default_factory=list)  # files whose import stopped on an unexpected error
    crashed: bool = False  # stopped on an unexpected error (exit 4), not "could not run" (exit 2)
    watch: object | None = None  # the manifest's [[watch]] rules, asked after the run (graphtool.watch.WatchReport)

    @property
    def exit_code(self) -> int:
        if self.outcome == "failed" and self.crashed:
            return EXIT_CRASHED
        return {"ok": EXIT_OK, "unchanged": EXIT_OK, "rejects": EXIT_REJECTS, "locked": EXIT_LOCKED}.get(
            self.outcome, EXIT_FAILED)

    def counts(self) -> dict:
        return {"nodes": dict(sorted(self.result.nodes.items())),
                "relationships": dict(sorted(self.result.relationships.items()))}

    def line(self) -> str:
        return json.dumps({
            "run": self.run_id, "manifest": self.manifest, "started_at": self.started_at,
            "ended_at": self.ended_at, "outcome": self.outcome, "exit": self.exit_code, "files": self.files,
            "skipped": self.skipped, "unmatched": self.unmatched, "counts": self.counts(),
            "rejects": self.rejects, "first_rejects": self.first_rejects, "crashed_runs": self.crashed_runs,
            "stale_lock": self.stale_lock, "error": redact(self.error) if self.error else None},
            ensure_ascii=False)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _expand(spec: SourceSpec) -> tuple[list[tuple[Path, bool]], list[str], list[Reject]]:
    """(file, found in a folder) for each file a source's patterns name; patterns that matched
    nothing; plain paths that are missing."""
    files, unmatched, missing = [], [], []
    for pattern in spec.patterns:
        if glob.has_magic(pattern):
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
            if not matches:
                unmatched.append(pattern)
        else:
            matches = [Path(pattern)]
            if not matches[0].exists():
                missing.append(Reject(pattern, 0, "", "no such file or directory (listed in the manifest)"))
                continue
        for match in matches:
            if match.is_dir():
                files += sorted((p, True) for p in match.rglob("*") if p.is_file() and not p.name.startswith("."))
            elif match.is_file():
                files.append((match, False))
    return files, unmatched, missing


def _load_order(item: tuple[Path, object]):
    # As `graphtool import` orders them: canonical node files before relationship files.
    path, module = item
    return (module is not canonical, canonical.order(path) if module is canonical else 0, str(path))


def plan(manifest: Manifest, done: Callable[[list[str]], set[str]]) -> tuple[list[PlannedFile], int, list, list]:
    """The files to import now (in manifest order), how many are unchanged, and what is missing.

    ``done`` answers which of a list of fingerprints were imported before.
    """
    candidates, unmatched, problems, seen = [], [], [], set()
    for spec in manifest.sources:
        files, none, missing = _expand(spec)
        unmatched += none
        problems += missing
        readable = []
        for path, in_folder in files:
            key = (str(path.resolve()), spec.name)
            if key in seen:
                continue
            seen.add(key)
            try:
                ((_, module),) = find_files([path], spec.format)
            except InputError as exc:  # no format recognises the file
                if not in_folder:  # a folder may hold notes and READMEs; a file named in the manifest may not
                    problems.append(Reject(str(path), 0, "", str(exc).removeprefix(f"{path}: ")))
                continue
            readable.append((path, module))
        for path, module in sorted(readable, key=_load_order):
            source = file_source(path)
            source.props.update({k: v for k, v in (("kind", spec.kind), ("collector", spec.collector),
                                                   ("title", spec.title or path.name)) if v})
            fingerprint = hashlib.sha256(f"{source.props['sha256']}\n{spec.settings}".encode()).hexdigest()
            candidates.append(PlannedFile(path, module, source, spec.options, spec, fingerprint))
    imported = done([c.fingerprint for c in candidates]) if candidates else set()
    todo, queued = [], set()
    for c in candidates:
        if c.fingerprint not in imported and c.fingerprint not in queued:
            todo.append(c)
            queued.add(c.fingerprint)
    return todo, len(candidates) - len(todo), unmatched, problems


def imported_fingerprints(store: Store, fingerprints: list[str]) -> set[str]:
    rows = Q.IMPORTED_FINGERPRINTS.read(store, {"fps": fingerprints})
    return {r["h"] for r in rows}


def mark_crashed(store: Store, manifest: Manifest, host: str) -> list[str]:
    """Runs of this manifest on this host still marked running are dead: we hold their lock."""
    rows = Q.RUNNING_IMPORTS.read(store, {"m": str(manifest.path), "h": host})
    ids = sorted(r["id"] for r in rows if r["pid"] != os.getpid())
    if ids:
        Q.MARK_CRASHED.run(store, {"ids": ids})
    return ids


def _save_run(store: Store, report: RunReport, host: str, hashes: list[str]) -> None:
    props = {"id": report.run_id, "manifest": report.manifest, "host": host, "pid": os.getpid(),
             "started_at": report.started_at, "ended_at": report.ended_at, "outcome": report.outcome,
             "files": list(report.files), "hashes": list(hashes), "skipped": report.skipped,
             "counts": json.dumps(report.counts(), sort_keys=True), "rejects": report.rejects,
             "error": redact(report.error) if report.error else None}
    write_records(store, [node_record(RUN, props)])


def run_schedule(manifest_path: str | Path, open_store: Callable[[], Store], *, lock_path: Path | None = None,
                 log_path: Path | None = None, progress: bool | None = None,
                 on_reject: Callable[[Reject], None] | None = None) -> RunReport:
    """One scheduled run; never raises a :class:`GraphtoolError` — the report says what went wrong."""
    report = RunReport(manifest=str(Path(manifest_path).resolve()), started_at=iso(int(_now().timestamp())))
    host = socket.gethostname()
    lock = None
    store = None
    logged = False  # whether the run has its ImportRun node
    rejects_file = RejectsFile(None)
    hashes: list[str] = []
    try:
        manifest = load_manifest(manifest_path)
        log_path = log_path or manifest.log
        lock = RunLock(lock_path or manifest.lock)
        started = _now()
        report.run_id = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{host}-{os.getpid()}"
        report.started_at = iso(int(started.timestamp()))
        lock.acquire({"pid": os.getpid(), "host": host, "since": report.started_at, "run": report.run_id,
                      "manifest": report.manifest})
        report.stale_lock = lock.stale
        store = open_store()
        report.crashed_runs = mark_crashed(store, manifest, host)
        todo, report.skipped, report.unmatched, problems = plan(manifest, lambda f: imported_fingerprints(store, f))
        rejects_file = RejectsFile(Path(manifest.rejects.format(run=report.run_id)) if manifest.rejects else None)

        def reject(r: Reject) -> None:
            report.rejects += 1
            rejects_file.write(r)
            if len(report.first_rejects) < 20:
                report.first_rejects.append(str(r))
            if on_reject:
                on_reject(r)

        for problem in problems:
            reject(problem)
        if not todo:
            report.outcome = "rejects" if report.rejects else "unchanged"
            return report
        _save_run(store, report, host, hashes)  # the run is in the log from its first write on
        logged = True
        def file_done(planned: PlannedFile) -> None:
            # Only now is the file done: a run killed before this reads it again.
            report.files.append(str(planned.path))
            hashes.append(planned.fingerprint)
            _save_run(store, report, host, hashes)

        def file_failed(planned: PlannedFile, exc: Exception) -> bool:
            if isinstance(exc, (InputError, ConfigError)):  # wrong header, not the format it claims to be
                reject(Reject(str(planned.path), 0, "", str(exc).removeprefix(f"{planned.path}: ")))
                return True
            # Anything else is a bug or a broken environment: the run fails, the next files still load,
            # and this file (fingerprint not stored) is read again next time.
            report.failures.append(f"{planned.path}: {type(exc).__name__}: {exc}")
            return False

        write_files(store, todo, report.result, reject, progress=progress, batch_size=manifest.batch_size,
                    on_file_done=file_done, on_file_error=file_failed)
        if report.failures:
            report.outcome, report.crashed = "failed", True
            report.error = f"{len(report.failures)} file(s) failed: " + "; ".join(report.failures)
        else:
            report.outcome = "rejects" if report.rejects else "ok"
    except LockedError as exc:
        report.outcome, report.error = "locked", str(exc)
    except (GraphtoolError, OSError, KeyboardInterrupt) as exc:
        report.outcome = "failed"
        report.error = str(exc) if isinstance(exc, GraphtoolError) else f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug: recorded as a failed run with its own exit code, never left "running"
        report.outcome, report.crashed = "failed", True
        report.error = f"unexpected {type(exc).__name__}: {exc}"
    finally:
        rejects_file.close()
        report.ended_at = iso(int(_now().timestamp()))
        if logged:
            try:
                _save_run(store, report, host, hashes)
            except GraphtoolError:
                pass  # the store is what failed; the JSON line still tells
        if store is not None and report.outcome in ("ok", "rejects", "unchanged"):
            try:  # the manifest's watch rules, still under the lock (graphtool/watch.py)
                from .watch import after_schedule

                report.watch = after_schedule(manifest_path, store, report.run_id if logged else None)
            except GraphtoolError as exc:
                report.error = report.error or f"watch rules: {exc}"
        if lock is not None:
            lock.release()
        if log_path:
            try:
                Path(log_path).parent.mkdir(parents=True, exist_ok=True)
                with Path(log_path).open("a", encoding="utf-8") as handle:
                    handle.write(report.line() + "\n")
            except OSError as exc:
                report.error = report.error or f"cannot write the log {log_path}: {exc.strerror}"
    return report


def recent_runs(store: Store, manifest: str | Path | None = None, limit: int = 10) -> list[dict]:
    """The latest runs in the store's run log, newest first; a dead ``running`` one reads ``crashed?``."""
    rows = Q.RECENT_RUNS.read(store, {"m": str(Path(manifest).resolve()) if manifest else None, "n": limit})
    host = socket.gethostname()
    for row in rows:
        row["counts"] = json.loads(row["counts"]) if row.get("counts") else {}
        row["files"] = row.get("files") or []
        if row["outcome"] == "running" and row["host"] == host and row["pid"] and not _alive(row["pid"]):
            row["outcome"] = "crashed?"  # confirmed (and stored) by the next run
    return rows
