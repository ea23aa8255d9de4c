"""A store that cannot be used is one line naming it (password redacted) and what to do, exit 2 — never a
traceback; and no command ever prints a password from a store URL (issue 12 item 2, issue 18 items 6 and 11)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphtool.store import redact
from graphtool.store.embedded import EmbeddedServer, _binaries
from graphtool.testing import _free_port

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "Sup3rSecretPw"


def cli(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if k != "GRAPHTOOL_STORE"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "graphtool", *args], capture_output=True, text=True,
                          env=full_env, timeout=120)


def one_line(result) -> str:
    """The whole output of a failed command, which must be exactly one line on stderr and exit 2."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_redact_keeps_the_user_and_hides_the_password():
    assert redact(f"bolt://neo4j:{SECRET}@db:7687") == "bolt://neo4j:***@db:7687"
    assert redact(f"x neo4j+s://u:{SECRET}@a.databases.neo4j.io y") == "x neo4j+s://u:***@a.databases.neo4j.io y"
    assert redact(f"bolt://u:p@ss{SECRET}@host/x") == "bolt://u:***@host/x"  # an '@' inside the password
    assert redact(f"falkordb://h:1/g?password={SECRET}&x=1") == "falkordb://h:1/g?password=***&x=1"
    assert redact("embedded:/srv/db") == "embedded:/srv/db"


def test_falkordb_server_refusing_the_connection():
    port = _free_port()
    line = one_line(cli("--store", f"falkordb://127.0.0.1:{port}/g", "stats"))
    assert line == (f"error: falkordb://127.0.0.1:{port}/g: cannot connect (Error 111 connecting to "
                    f"127.0.0.1:{port}. Connection refused); is the server running?")


def test_neo4j_server_refusing_the_connection_never_shows_the_password():
    port = _free_port()
    line = one_line(cli("--store", f"bolt://neo4j:{SECRET}@127.0.0.1:{port}", "stats"))
    assert line == (f"error: cannot reach Neo4j at bolt://neo4j:***@127.0.0.1:{port}: connection refused; "
                    "is the server running, is the URL right?")


def test_embedded_folder_that_cannot_be_created():
    line = one_line(cli("--store", "embedded:/proc/nope", "stats"))
    assert line == ("error: embedded store /proc/nope: cannot create or write the folder: No such file or "
                    "directory; choose a folder you can write with --store embedded:PATH")


def test_unknown_scheme_does_not_echo_the_password():
    line = one_line(cli("--store", f"mongodb://admin:{SECRET}@db/x", "stats"))
    assert line == ("error: unknown store URL 'mongodb://admin:***@db/x': use embedded:PATH, bolt://..., "
                    "neo4j://... or falkordb://...")


@pytest.fixture
def falkordb_with_password(tmp_path):
    """A real FalkorDB server on 127.0.0.1 that wants a password."""
    server, module = _binaries()
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", SECRET,
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path), "--loadmodule", module],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis(port=port, password=SECRET).ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_falkordb_wrong_password(falkordb_with_password):
    port = falkordb_with_password
    line = one_line(cli("--store", f"falkordb://127.0.0.1:{port}/g", "stats", env={"FALKORDB_PASSWORD": "wrong"}))
    assert line == f"error: falkordb://127.0.0.1:{port}/g: the server refused the password (set FALKORDB_PASSWORD)"
    right = cli("--store", f"falkordb://:{SECRET}@127.0.0.1:{port}/g", "stats")
    assert right.returncode == 0 and SECRET not in right.stdout + right.stderr


def test_neo4j_wrong_password(neo4j_server):
    address = neo4j_server.uri.split("://", 1)[1]
    line = one_line(cli("--store", f"bolt://neo4j:{SECRET}@{address}", "stats"))
    assert line == (f"error: Neo4j at bolt://neo4j:***@{address} refused the credentials of user 'neo4j' "
                    "(set NEO4J_USER / NEO4J_PASSWORD, or user:password@ in the URL)")


# Every command that takes a store, with arguments that make it open the store.
def _store_commands(tmp_path: Path) -> list[list[str]]:
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[source]]\npath = "{FIXTURES / "load"}"\n', encoding="utf-8")
    return [["stats"], ["import", str(FIXTURES / "load")], ["coordination"], ["analyze"], ["explain", "x:1"],
            ["map"], ["copies"], ["trace", "a"], ["timeline", "-n", "n1", "-o", str(tmp_path / "t.png")],
            ["db", "status"], ["db", "wipe", "--yes"], ["query", "run", "account-summary"],
            ["schedule", "run", str(manifest)], ["schedule", "status"]]


# The environment-variable variant is the same 28 commands again (~23 s): it runs with the slow tests in .ci/run.
@pytest.mark.parametrize("how", ["--store", pytest.param("GRAPHTOOL_STORE", marks=pytest.mark.slow)])
def test_no_command_prints_the_password(tmp_path, how):
    port = _free_port()
    for scheme in ("bolt", "neo4j+s"):
        url = f"{scheme}://neo4j:{SECRET}@127.0.0.1:{port}"
        for command in _store_commands(tmp_path):
            result = (cli("--store", url, *command) if how == "--store"
                      else cli(*command, env={"GRAPHTOOL_STORE": url}))
            shown = result.stdout + result.stderr
            assert SECRET not in shown, (command, shown)
            assert "Traceback" not in shown, (command, shown)
            assert result.returncode != 0, command
            assert f"{scheme}://neo4j:***@127.0.0.1:{port}" in shown, (command, shown)  # it did try the store


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def test_full_disk_says_so_and_the_store_recovers(tmp_path):
    """A 4 MB tmpfs holds the store; filling it makes the server stop on its next write."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "4m"):
        pytest.skip("FULL-DISK TEST NEEDS ROOT TO MOUNT A TMPFS")
    url = f"embedded:{disk / 'db'}"
    try:
        assert cli("--store", url, "stats").returncode == 0
        filler = disk / "filler"
        with filler.open("wb") as handle:  # fill every byte left
            try:
                while True:
                    handle.write(b"\0" * 65536)
            except OSError:
                pass
        line = one_line(cli("--store", url, "import", str(FIXTURES / "load")))
        assert line.startswith(f"error: embedded store {disk / 'db'}: the disk is full (")
        assert line.endswith("); free some space and run the command again")
        filler.unlink()
        again = cli("--store", url, "import", str(FIXTURES / "load"))
        assert again.returncode == 0, again.stderr
        stats = cli("--store", url, "stats")
        assert stats.returncode == 0 and "Account" in stats.stdout
    finally:
        EmbeddedServer(disk / "db").stop()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
