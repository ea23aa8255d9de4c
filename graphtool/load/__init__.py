"""Importing files: find them, pick each one's format, validate, write, and keep the rejects.

Each format is a module with ``sniff(path) -> bool`` and ``read(path, default_sources)``,
a generator of validated records and rejects.  ``import_paths`` is the one entry point the
CLI, the demo and the scheduler use.
"""
from __future__ import annotations

import csv
from contextlib import ExitStack
from dataclasses import dataclass
import hashlib
from pathlib import Path
from typing import Callable, Iterable

from ..errors import GraphtoolError, InputError, StoreError
from ..progress import progress_bar
from ..runtime import cycle_collector_paused
from ..store import Store
from ..values import spreadsheet_safe
from . import canonical
from .records import NodeRecord, Notice, Reject, RelRecord, iso
from .writer import BatchWriter, LoadResult

FORMATS: dict = {"canonical": canonical}


def register(name: str, module) -> None:
    """Add a format adapter (a module with ``sniff`` and ``read``)."""
    FORMATS[name] = module


def _load_adapters() -> None:
    # Adapters that live in their own modules register themselves on import.
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("fmt_"):
            importlib.import_module(f"{__name__}.{info.name}")


class TooManyRejects(GraphtoolError):
    """More rows were rejected than --max-rejects allows."""


def find_files(paths: Iterable[str | Path], fmt: str | None = None) -> list[tuple[Path, object]]:
    """Every importable file under ``paths`` with its format, nodes before relationships."""
    _load_adapters()
    if fmt and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    found = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            # A folder's TOML files are its configuration (mapping.toml), never its data.
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                                and p.suffix.lower() != ".toml")
            for p in candidates:
                module = FORMATS[fmt] if fmt else _sniff(p)
                if module is not None:
                    found.append((p, module))
        else:
            module = FORMATS[fmt] if fmt else _sniff(path)
            if module is None:
                raise InputError(f"{path}: unknown format; name it after a label or relationship type "
                                 f"(Account.csv, SHARED.jsonl) or pass --format ({', '.join(sorted(FORMATS))})")
            found.append((path, module))
    if not found:
        raise InputError(f"no importable files in {', '.join(map(str, paths))}")
    return sorted(found, key=lambda pm: (pm[1] is not canonical, canonical.order(pm[0]) if pm[1] is canonical else 0,
                                         str(pm[0])))


def _sniff(path: Path):
    for name, module in FORMATS.items():
        if module is not canonical and module.sniff(path):
            return module
    return canonical if canonical.sniff(path) else None


def file_source(path: Path) -> NodeRecord:
    """A Source node for an imported file: the evidence of last resort for what it holds."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return NodeRecord("Source", f"file:{digest[:16]}",
                      {"kind": "import", "title": path.name, "sha256": digest})


class RejectsFile:
    """Rejected rows as CSV: file, line, field, reason, raw."""

    def __init__(self, path: Path | None):
        self.path = path
        self._handle = None
        self._writer = None

    def write(self, reject: Reject) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["file", "line", "field", "reason", "raw"])
        # Opened in a spreadsheet, a hostile row must not run as a formula (OWASP CSV injection).
        self._writer.writerow([spreadsheet_safe(str(v)) for v in (reject.file, reject.line, reject.field,
                                                                   reject.reason, reject.raw.replace("\x00", "\\x00"))])

    def close(self) -> None:
        if self._handle:
            self._handle.close()


@dataclass
class ImportFile:
    """One file to import: read with ``module`` (plus ``options``), evidenced by ``source``."""

    path: Path
    module: object
    source: NodeRecord
    options: dict


def write_files(store: Store, files: Iterable[ImportFile], result: LoadResult, reject: Callable[[Reject], None], *,
                progress: bool | None = None, batch_size: int | None = None,
                on_file_done: Callable[[ImportFile], None] | None = None,
                on_file_error: Callable[[ImportFile, Exception], bool] | None = None,
                bulk: bool | None = None) -> None:
    """The one import pipeline (``graphtool import``, the demo and ``schedule run``): stream each file
    into the store in batches under the store's writer lock, then compact the store.

    A first load (an empty store that has a bulk path) is staged in memory by the same pipeline
    and written with the engine's bulk insert (load/bulk.py): ``bulk`` True asks for it (an error
    when the store is not empty), False never, None when the input is at least
    ``bulk.BULK_MIN_BYTES``.  ``on_file_done`` is called once every batch of a file is committed
    (after a bulk load: once it is written).  ``on_file_error`` gets a file whose reading failed (a
    store failure or too many rejects still stops everything); it returns whether the file counts as
    done.  Without it the error is raised.
    """
    from .bulk import StagedGraph, StagingWriter, wants_bulk

    files = list(files)
    kwargs = {"batch_size": batch_size} if batch_size else {}
    with store.writing(), cycle_collector_paused(), ExitStack() as stack, progress_bar(progress) as bar:
        staged = StagedGraph() if wants_bulk(store, [item.path for item in files], bulk, result.notes.append) else None
        committed = []  # files done, told once the bulk insert has written them
        target = store if staged is None else staged
        # a staging graph (this first load's, or one neo4j-admin's import passes in) takes records directly
        writer = (StagingWriter if isinstance(target, StagedGraph) else BatchWriter)(target, result, on_reject=reject,
                                                                                     **kwargs)
        stack.callback(writer.close)
        for item in files:
            # the file's own records as they are read (the writer's batches mix files)
            task = bar.task(f"importing {item.path.name}", unit="records")
            writer.add(item.source)
            done = True
            unshown = 0  # records read since the display was told: a display update per record costs 10% of a load
            add = writer.add
            try:
                for record in item.module.read(item.path, default_sources=[item.source.id], **item.options):
                    unshown += 1
                    if unshown == 1000:
                        task.advance(unshown)
                        unshown = 0
                    kind = type(record)
                    if kind is RelRecord or kind is NodeRecord:  # the common case first: one test per record
                        add(record)
                    elif isinstance(record, Notice):  # loads, but the user should know
                        result.warn(record)
                    elif isinstance(record, Reject):
                        reject(record)
                    else:
                        add(record)
                task.advance(unshown)
            except (StoreError, TooManyRejects):
                raise
            except Exception as exc:
                if on_file_error is None:
                    raise
                done = on_file_error(item, exc)
            if on_file_done is None:
                writer.flush_nodes()  # a later file's relationships may need this file's nodes
            else:
                writer.flush()  # returns when every batch of the file is committed
                if done and staged is not None:
                    committed.append(item)
                elif done:
                    on_file_done(item)
        writer.flush()
        if staged is not None:
            store.bulk_load(staged, bar.task("bulk insert", total=len(staged), unit="entities").advance)
            # freed while the collector is paused: resumed, its first pass would walk every staged object
            staged = target = writer = add = None
            for item in committed:
                on_file_done(item)
        store.after_import(sum(result.nodes.values()) + sum(result.relationships.values()))


def import_paths(store: Store, paths: Iterable[str | Path], *, fmt: str | None = None,
                 rejects_path: Path | None = None, max_rejects: int | None = None,
                 progress: bool | None = None, on_reject: Callable[[Reject], None] | None = None,
                 batch_size: int | None = None, bulk: bool | None = None) -> LoadResult:
    """Import files or folders into ``store``; returns counts and rejects (``bulk``: see :func:`write_files`)."""
    files = find_files(paths, fmt)
    result = LoadResult(files=[str(p) for p, _ in files])
    rejects = RejectsFile(Path(rejects_path) if rejects_path else None)

    def reject(r: Reject) -> None:
        result.rejects.append(r)
        rejects.write(r)
        if on_reject:
            on_reject(r)
        if max_rejects is not None and len(result.rejects) > max_rejects:
            raise TooManyRejects(f"stopped after {len(result.rejects)} rejected rows (--max-rejects {max_rejects}); "
                                 f"first: {result.rejects[0]}")

    try:
        write_files(store, (ImportFile(path, module, file_source(path), {}) for path, module in files), result,
                    reject, progress=progress, batch_size=batch_size, bulk=bulk)
    finally:
        for row in result.warning_rows:  # rows that loaded but need a look (identity conflicts)
            rejects.write(row)
        rejects.close()
    return result


__all__ = ["import_paths", "write_files", "ImportFile", "find_files", "register", "FORMATS", "LoadResult", "iso"]
