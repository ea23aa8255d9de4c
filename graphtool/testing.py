"""A real Neo4j 5.26 server for tests and benchmarks, without Docker if need be.

In order: ``NEO4J_URI`` when set; else ``docker compose`` where a Docker engine runs; else
Neo4j 5.26 Community assembled from Maven Central (``mvn dependency:copy-dependencies`` of
``org.neo4j:neo4j``, cached under ``.neo4j/`` in the repository) and run with Java 17 on
127.0.0.1 at a free port.  Never a mock.

Why it ships in the package rather than under tests/: both ``tests/conftest.py`` and
``bench/`` start their Neo4j with it, and neither tree imports the other; and anyone testing
code built on graphtool (or running ``python -m bench.X``) gets the same real server the same
way.  It imports nothing else of graphtool and nothing outside the standard library, so it
costs an installation nothing; outside a checkout set ``GRAPHTOOL_NEO4J_CACHE`` for the cache.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

NEO4J_VERSION = "5.26.30"
ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("GRAPHTOOL_NEO4J_CACHE", ROOT / ".neo4j"))
PASSWORD = "graphtool-test"

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>graphtool</groupId><artifactId>neo4j-test-server</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{version}</version></dependency>
  </dependencies>
</project>
"""


@dataclass
class Neo4jServer:
    uri: str
    user: str
    password: str
    how: str

    def env(self) -> dict:
        return {"NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_bolt(uri: str, user: str, password: str, timeout: float, proc=None, log: Path | None = None) -> None:
    import neo4j

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"Neo4j exited with code {proc.returncode}:\n{tail}")
        try:
            with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
                driver.verify_connectivity()
                return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.5)
    raise RuntimeError(f"Neo4j at {uri} did not answer within {timeout:.0f}s: {last}")


def maven_lib(version: str = NEO4J_VERSION) -> Path:
    """The server's jars, fetched once from Maven Central into the cache."""
    lib = CACHE / f"lib-{version}"
    if (lib / f"neo4j-{version}.jar").exists():
        return lib
    if not shutil.which("mvn") or not shutil.which("java"):
        raise RuntimeError("neither NEO4J_URI, a Docker engine, nor Maven + Java 17 is available")
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "pom.xml").write_text(POM.format(version=version))
    partial = CACHE / f"lib-{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    result = subprocess.run(["mvn", "-q", "-B", "-f", str(CACHE / "pom.xml"), "dependency:copy-dependencies",
                             f"-DoutputDirectory={partial}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"mvn could not fetch org.neo4j:neo4j:{version}:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    partial.rename(lib)
    return lib


@contextmanager
def maven_server(version: str = NEO4J_VERSION, heap: str = "768m", pagecache: str = "256m", prepare=None):
    """Run Neo4j Community from Maven jars in a temporary home; yields a :class:`Neo4jServer`.

    ``prepare(home, lib)``, if given, runs before the server starts (a first load with
    ``neo4j-admin database import full``, which needs the server stopped).
    """
    lib = maven_lib(version)
    home = Path(tempfile.mkdtemp(prefix="graphtool-neo4j-"))
    port = _free_port()
    (home / "conf").mkdir()
    (home / "import").mkdir()  # LOAD CSV's only folder (empty)
    (home / "conf" / "neo4j.conf").write_text(
        f"server.bolt.listen_address=127.0.0.1:{port}\n"
        "server.http.enabled=false\nserver.https.enabled=false\n"
        f"server.memory.heap.initial_size={heap}\nserver.memory.heap.max_size={heap}\n"
        f"server.memory.pagecache.size={pagecache}\n"
        "db.tx_log.rotation.retention_policy=1 files\n"
        # confine file access (docs/queries.md): LOAD CSV may not read the file system at all
        f"server.directories.import={home / 'import'}\n"
        "dbms.security.allow_csv_import_from_file_urls=false\n"
        "dbms.usage_report.enabled=false\n")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    classpath = f"{lib}/*"
    subprocess.run(["java", "-cp", classpath, "org.neo4j.cli.AdminTool", "dbms", "set-initial-password", PASSWORD],
                   env=env, check=True, capture_output=True)
    if prepare is not None:
        try:
            prepare(home, lib)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
    log = home / "console.log"
    with log.open("w") as out:
        proc = subprocess.Popen(["java", f"-Xmx{heap}", "-cp", classpath, "org.neo4j.server.CommunityEntryPoint",
                                 f"--home-dir={home}", f"--config-dir={home / 'conf'}"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    uri = f"bolt://127.0.0.1:{port}"
    try:
        _wait_for_bolt(uri, "neo4j", PASSWORD, timeout=180, proc=proc, log=log)
        yield Neo4jServer(uri, "neo4j", PASSWORD, f"Neo4j {version} Community from Maven Central on port {port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(home, ignore_errors=True)


def _docker_engine() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@contextmanager
def docker_server():
    env = {**os.environ, "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", PASSWORD)}
    subprocess.run(["docker", "compose", "up", "-d", "--wait", "neo4j"], cwd=ROOT, env=env, check=True)
    uri = "bolt://127.0.0.1:7687"
    _wait_for_bolt(uri, "neo4j", env["NEO4J_PASSWORD"], timeout=180)
    try:
        yield Neo4jServer(uri, "neo4j", env["NEO4J_PASSWORD"], "docker compose")
    finally:
        subprocess.run(["docker", "compose", "down"], cwd=ROOT, env=env)


@contextmanager
def neo4j_server():
    """The Neo4j server tests and benchmarks use (see the module docstring for the order)."""
    if os.environ.get("NEO4J_URI"):
        yield Neo4jServer(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                          os.environ.get("NEO4J_PASSWORD", ""), "NEO4J_URI")
    elif _docker_engine():
        with docker_server() as server:
            yield server
    else:
        with maven_server() as server:
            yield server
