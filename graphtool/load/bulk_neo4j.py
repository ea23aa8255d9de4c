"""A staged first load into Neo4j with ``neo4j-admin database import full``.

``neo4j-admin`` writes the store files directly (no transactions, no Cypher): Neo4j's own
fastest way to create a database, for a database that does not exist yet or is empty, with
the server stopped.  graphtool stages the load with the same pipeline as every import
(load/bulk.py), writes one CSV file per label and per relationship type and endpoint labels,
with every column typed from the staged values, and runs the tool on them:

- from a Neo4j installation: ``NEO4J_HOME/bin/neo4j-admin`` (``graphtool import --neo4j-home``);
- from the Maven jars graphtool's test server runs on (``graphtool.testing``): the same tool's
  main class, ``org.neo4j.cli.AdminTool``, with ``java -cp lib/*``.

Constraints and indexes are not part of the import: the next ``open_store`` on the started
server creates them (``Store.ensure_schema``), as for any store.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ConfigError, StoreError
from .bulk import StagedGraph

ARRAY_DELIMITER = "\x1f"  # the unit separator: no text a source gives uses it (a value that does is refused)


_TYPE_NAMES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _type_name(kind: type) -> str:
    for base in (bool, int, float, str):  # bool first: it is an int
        if issubclass(kind, base):
            return _TYPE_NAMES[base]
    raise StoreError(f"neo4j-admin import: a {kind.__name__} value cannot be stored")


def _column_type(name: str, values: list, where: str) -> str:
    """The import type of one column (``long``, ``string[]`` ...) from the Python types of its values."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    items = set()
    if list in kinds:
        for v in values:
            if type(v) is list:
                items.update(map(type, v))
    kinds = {"list" if k is list else _type_name(k) for k in kinds}
    items = {_type_name(k) for k in items}
    if len(kinds) > 1 or len(items) > 1:
        raise StoreError(f"neo4j-admin import: {where}.{name} holds values of several types "
                         f"({', '.join(sorted(kinds | items))}); load it without --neo4j-home (MERGE)")
    kind = kinds.pop() if kinds else "string"
    return f"{items.pop() if items else 'string'}[]" if kind == "list" else kind


def _text(v, where: str) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str) and ARRAY_DELIMITER in v:
        raise StoreError(f"neo4j-admin import: a value of {where} contains U+001F, the array delimiter; "
                         "load it without --neo4j-home (MERGE)")
    return str(v)


def _field(v, where: str) -> str:
    """One CSV field: absent is an empty unquoted field, anything else is quoted (so "" is an empty string).

    An empty list reads back as absent (the CSV format has no empty array): see :func:`empty_lists`.
    """
    if v is None or v == []:
        return ""
    if isinstance(v, list):
        if any(x == "" for x in v):  # [""] and [] would read back alike
            raise StoreError(f"neo4j-admin import: a list of {where} holds an empty string; "
                             "load it without --neo4j-home (MERGE)")
        text = ARRAY_DELIMITER.join(_text(x, where) for x in v)
    else:
        text = _text(v, where)
    return '"' + text.replace('"', '""') + '"'


def _fields(values: list, where: str) -> list[str]:
    """:func:`_field` for a column of values: text and whole-number columns (the common cases) in one
    comprehension each, and each distinct list (sources, mostly) once."""
    kinds = set(map(type, values))
    if kinds <= _TEXT and ARRAY_DELIMITER not in "".join(values if kinds == _STR else filter(None, values)):
        return ["" if v is None else '"' + v.replace('"', '""') + '"' for v in values]
    if kinds <= _WHOLE:  # a typed long column: digits need no quotes (and bool, an int, is not in _WHOLE)
        return ["" if v is None else str(v) for v in values]
    seen: dict[tuple, str] = {}
    out = []
    for v in values:
        if type(v) is list:
            key = (tuple(v), tuple(map(type, v)))  # [1] and [True] are equal, and are written apart
            text = seen.get(key)
            if text is None:
                text = seen[key] = _field(v, where)
            out.append(text)
        else:
            out.append(_field(v, where))
    return out


_STR, _TEXT, _WHOLE = {str}, {str, type(None)}, {int, type(None)}
_CHUNK = 20_000  # rows written at a time: bounds the column texts held next to the staged graph


def _write(path: Path, head: list[str], columns: list[list], wheres: list[str]) -> bool:
    """Write one CSV file of whole columns of values (ids or ends, then each property's), a chunk of rows
    at a time; returns whether a field spans lines."""
    multiline = False
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(head) + "\n")
        for start in range(0, len(columns[0]), _CHUNK):
            fields = [_fields(values[start:start + _CHUNK], where) for values, where in zip(columns, wheres)]
            text = "\n".join(map(",".join, zip(*fields)))
            if not multiline and ("\r" in text or text.count("\n") != len(fields[0]) - 1):
                multiline = True
            out.write(text + "\n")
    return multiline


def _props_of(maps: list[dict], skip: tuple = ()) -> list[str]:
    names: set[str] = set()
    for m in maps:
        names.update(m)
    return sorted(names.difference(skip))


def empty_lists(staged: StagedGraph) -> dict[str, list[dict]]:
    """``label -> [{"id", "props"}]``: the empty lists nodes hold (a file's Source cites no source), which
    :func:`set_empty_lists` writes once the server runs.  A relationship holding one is refused."""
    fixes: dict[str, list[dict]] = {}
    for label, table in sorted(staged.nodes.items()):
        for node_id in sorted(table):
            props = {k: [] for k, v in table[node_id].items() if v == []}
            if props:
                fixes.setdefault(label, []).append({"id": node_id, "props": props})
    for key, props in staged.rels.items():
        if any(v == [] for v in props.values()):
            raise StoreError(f"neo4j-admin import: a {key[0]} relationship holds an empty list, which its CSV "
                             "cannot say; load it without --neo4j-home (MERGE)")
    return fixes


def set_empty_lists(store, fixes: dict[str, list[dict]]) -> None:
    """Write the empty lists neo4j-admin could not (on the started server)."""
    from .. import internal_queries as Q

    for label, rows in fixes.items():
        for start in range(0, len(rows), 5000):
            Q.SET_NODE_PROPS.run(store, {"rows": rows[start:start + 5000]}, label=label)


def write_csv(staged: StagedGraph, folder: Path) -> list[str]:
    """The staged graph as typed CSV files in ``folder``; returns neo4j-admin's file arguments."""
    args, multiline = [], []
    for label in sorted(staged.nodes):
        table = staged.nodes[label]
        if not table:
            continue
        maps = [table[i] for i in sorted(table)]
        props = _props_of(maps, skip=("id",))
        columns = [[m.get(p) for m in maps] for p in props]
        head = [f"id:ID({label})"] + [f"{p}:{_column_type(p, values, label)}" for p, values in zip(props, columns)]
        path = folder / f"nodes-{label}.csv"
        if _write(path, head, [[m["id"] for m in maps], *columns], [label] + [f"{label}.{p}" for p in props]):
            multiline.append(str(path))
        args.append(f"--nodes={label}={path}")
    groups: dict[tuple, list[tuple]] = {}
    for key in staged.rels:
        groups.setdefault((key[0], key[1], key[3]), []).append(key)
    for (type_, src_label, dst_label), keys in sorted(groups.items()):
        if {type(k[5]) for k in keys} in ({str}, {type(None)}):
            keys.sort()  # the order below (type and labels are the group's), without a key tuple per key
        else:
            keys.sort(key=lambda k: (k[2], k[4], "" if k[5] is None else str(k[5])))
        maps = [staged.rels[k] for k in keys]
        props = _props_of(maps)
        where = f"{type_}"
        columns = [[m.get(p) for m in maps] for p in props]
        head = [f":START_ID({src_label})", f":END_ID({dst_label})"] + [
            f"{p}:{_column_type(p, values, where)}" for p, values in zip(props, columns)]
        path = folder / f"rels-{type_}-{src_label}-{dst_label}.csv"
        if _write(path, head, [[k[2] for k in keys], [k[4] for k in keys], *columns],
                  [where, where] + [f"{where}.{p}" for p in props]):
            multiline.append(str(path))
        args.append(f"--relationships={type_}={path}")
    if multiline:  # only the files that need it: multi-line parsing is the importer's slow mode
        args += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"]
    return args


# The import's JVM from the jars (``java -cp``) with the quick compiler only and the serial
# collector: at 5*10^4 entities the optimising compiler and the parallel collector's threads were
# half of the tool's CPU (13.4 -> 6.2 CPU s).  ``JAVA_OPTS``, if set, replaces them.  An
# installation's own script keeps its own JVM settings (JAVA_OPTS would override its conf).
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def admin_command(home: Path, lib: Path | None = None) -> tuple[list[str], dict, Path | None]:
    """How to run neo4j-admin for the Neo4j in ``home``: its own script, or the jars in ``lib``; and the
    class-data-sharing archive for the jars' JVM (:func:`class_archive`), None for a script or JAVA_OPTS."""
    env = dict(os.environ)
    script = home / "bin" / "neo4j-admin"
    if lib is None and script.exists():
        return [str(script)], env, None
    lib = lib or home / "lib"
    java = shutil.which("java")
    if not any(lib.glob("neo4j-*.jar")) or not java:
        raise ConfigError(f"{home} is not a Neo4j installation (no bin/neo4j-admin, no lib/neo4j-*.jar with java)")
    env.update(NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    own = env.get("JAVA_OPTS", "").split()
    command = ["java", *(own or JVM_OPTIONS), "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool"]
    return command, env, None if own else class_archive(Path(java), lib)


# The jars' JVM spends ~5 CPU s on an import of any size (1,869 entities: 5.2 s; 171,194: ~12 s), much
# of it loading and verifying ~6,400 classes.  A class-data-sharing archive of them (JDK 17: made by
# -XX:ArchiveClassesAtExit on the first import, mapped by -XX:SharedArchiveFile on later ones) takes
# 0.85 CPU s off the small import and 2.0 off the large one (medians of 3 alternating runs) and costs
# 3-5 CPU s once, on the import that makes it (docs/benchmarks.md, "First load with neo4j-admin").
# It lives in the user's cache, never in the Neo4j home; the JVM itself ignores an archive made for
# other jars or another JVM build (checked: a warning, which -Xlog:cds*=off silences, and a normal run).
def class_archive(java: Path, lib: Path) -> Path:
    """The archive's path for this java and jar set (names, sizes, times) and :data:`JVM_OPTIONS`."""
    java = java.resolve()
    key = [str(java), str(java.stat().st_mtime_ns), *JVM_OPTIONS]
    key += [f"{jar.name}:{jar.stat().st_size}:{jar.stat().st_mtime_ns}" for jar in sorted(lib.glob("*.jar"))]
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "graphtool" / f"neo4j-admin-{digest}.jsa"


def _run_tool(command: list[str], env: dict, archive: Path | None, tmp: Path) -> subprocess.CompletedProcess:
    """Run neo4j-admin, with the class archive where there is one, making it where there is none.

    An archive never fails an import: one that crashes the JVM (a truncated file: SIGBUS at start in
    17.0.15) is deleted and the import run again without; a failure to write one after the import
    is done (the JVM then exits 1) leaves the import done.
    """
    def run(*options: str) -> subprocess.CompletedProcess:  # JVM options go after "java"
        return subprocess.run([command[0], *options, *command[1:]], env=env, capture_output=True, text=True)

    if archive is None:
        return run()
    quiet = ("-Xlog:cds*=off", f"-XX:ErrorFile={tmp / 'hs_err_pid%p.log'}")  # a crash report: not in the cwd
    if archive.is_file():
        result = run(*quiet, f"-XX:SharedArchiveFile={archive}")
        if result.returncode < 0 or "A fatal error has been detected" in result.stdout + result.stderr:
            with contextlib.suppress(OSError):
                archive.unlink(missing_ok=True)
            result = run()
        return result
    partial = archive.with_name(f"{archive.name}.{os.getpid()}.partial")  # renamed whole: never a torn archive
    try:
        archive.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return run()
    result = run(*quiet, f"-XX:ArchiveClassesAtExit={partial}")
    if result.returncode == 0 and partial.is_file():
        with contextlib.suppress(OSError):
            os.replace(partial, archive)
        return result
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)
    if result.returncode == 1 and "IMPORT DONE" in result.stdout and "shared archive" in result.stdout + result.stderr:
        return subprocess.CompletedProcess(result.args, 0, result.stdout, result.stderr)
    return result


def admin_import(staged: StagedGraph, home: str | os.PathLike, database: str = "neo4j", *,
                 overwrite: bool = False, lib: Path | None = None) -> str:
    """Create ``database`` in the (stopped) Neo4j at ``home`` from a staged load; returns the tool's summary.

    Empty lists on nodes are not in the import (see :func:`empty_lists`): whoever starts the server
    writes them with :func:`set_empty_lists`.
    """
    home = Path(home)
    empty_lists(staged)  # refuses what the import could not say before any file is written
    command, env, archive = admin_command(home, lib)
    with tempfile.TemporaryDirectory(prefix="graphtool-neo4j-import-") as tmp:
        files = write_csv(staged, Path(tmp))
        if not files:
            raise ConfigError("nothing to import")
        # The files first: an option after them ends --nodes/--relationships' file lists before the database name.
        command += ["database", "import", "full", *files, "--id-type=string", "--array-delimiter=U+001F",
                    "--bad-tolerance=0", f"--report-file={Path(tmp) / 'import.report'}",
                    f"--overwrite-destination={'true' if overwrite else 'false'}", database]
        result = _run_tool(command, env, archive, Path(tmp))
        if result.returncode != 0:
            said = [line.strip() for line in (result.stderr + "\n" + result.stdout).splitlines()
                    if line.strip() and not line.strip().startswith("at ")]  # not the Java stack
            reason = next((line for line in said if "exist" in line.lower()), said[0] if said else "no output")
            reason = reason.split("Exception: ", 1)[-1]
            hint = " (stop the server; --overwrite replaces an existing database)" if "exist" in reason.lower() else ""
            raise StoreError(f"neo4j-admin database import into {home} failed: {reason.strip()}{hint}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def import_neo4j_home(paths, home: str | os.PathLike, *, database: str = "neo4j", overwrite: bool = False,
                      **import_options):
    """``graphtool import --neo4j-home``: the import pipeline into memory, then neo4j-admin into ``home``.

    Returns the :class:`~graphtool.load.writer.LoadResult` (counts and rejects, as a MERGE import
    gives them) and how many nodes hold an empty list the import leaves absent (:func:`empty_lists`).
    """
    from . import import_paths

    admin_command(Path(home))  # a folder that is no Neo4j installation is said before any file is read
    staged = StagedGraph()
    result = import_paths(staged, paths, **import_options)
    admin_import(staged, home, database, overwrite=overwrite)
    return result, sum(len(rows) for rows in empty_lists(staged).values())
