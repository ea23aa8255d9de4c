"""Whatever runs at once: one embedded server per folder, and concurrent imports that never duplicate
(issue 18 items 2 and 3).  Bounded loops, unix sockets and 127.0.0.1 only; each test stops by itself."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphtool.store import open_store
from graphtool.store.embedded import EmbeddedServer

ROUNDS = 3
STARTERS = 4
IMPORTERS = 3


def servers_of(folder: Path) -> list[int]:
    """Pids of every redis-server whose command line names this folder's socket."""
    socket = str(EmbeddedServer(folder).socket).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if socket in cmdline and b"redis-server" in cmdline.split(b"\0")[0]:
                pids.append(int(entry.name))
    return pids


def cli(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "graphtool", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def finish(procs) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=300) for p in procs]
    return [(p.returncode, *out) for p, out in zip(procs, outputs)]


def test_concurrent_starts_run_one_server_and_it_restarts(tmp_path):
    folder = tmp_path / "db"
    url = f"embedded:{folder}"
    try:
        for round_ in range(ROUNDS):
            results = finish([cli("--store", url, "db", "start") for _ in range(STARTERS)])
            assert all(code == 0 for code, _, _ in results), results
            assert len(servers_of(folder)) == 1, results
            store = open_store(url)
            store.run("MERGE (:Narrative {id: $id, name: $id})", {"id": f"n{round_}"})
            assert store.counts()["nodes"]["Narrative"] == round_ + 1  # every earlier round's node survived
            store.close()
            if round_ % 2:  # a killed server: the next starts replay its log (a loading server is running)
                os.kill(servers_of(folder)[0], signal.SIGKILL)
                time.sleep(0.2)
            else:
                stopped = finish([cli("--store", url, "db", "stop") for _ in range(2)])
                assert sorted(out.strip() for _, out, _ in stopped) == ["not running", "stopped"], stopped
            assert servers_of(folder) == []
    finally:
        EmbeddedServer(folder).stop()
        for pid in servers_of(folder):  # never leave a server behind, even when an assertion failed
            os.kill(pid, signal.SIGKILL)


def test_stop_leaves_a_process_that_reuses_a_stale_pid_alone(tmp_path):
    folder = tmp_path / "db"
    server = EmbeddedServer(folder)
    folder.mkdir()
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        server.pidfile.write_text(f"{bystander.pid}\n")  # a pid file left by a dead server, its pid reused
        assert server.pid() is None and server.stop() is False
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_embedded_store_is_private(tmp_path):
    folder = tmp_path / "db"
    url = f"embedded:{folder}"
    try:
        store = open_store(url)
        store.run("CREATE (:Narrative {id: 'n', name: 'private'})")
        store.after_import()
        store.close()
        assert folder.stat().st_mode & 0o777 == 0o700
        for path in folder.rglob("*"):
            if path.is_socket():
                continue
            mode = path.stat().st_mode & 0o777
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    finally:
        EmbeddedServer(folder).stop()


def write_shares(folder: Path, accounts: int = 40, articles: int = 200, shares: int = 4000) -> Path:
    """Canonical files whose keyed SHARED relationships two racing MERGEs would both create."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Account.csv").write_text("id,platform,handle\n" + "".join(
        f"x:a{i},x,a{i}\n" for i in range(accounts)), encoding="utf-8")
    (folder / "Article.csv").write_text("id,platform,title\n" + "".join(
        f"x-{i},x,t{i}\n" for i in range(articles)), encoding="utf-8")
    (folder / "SHARED.csv").write_text("src,dst,id,at\n" + "".join(
        f"x:a{i % accounts},x-{(i * 7) % articles},s{i},2021-09-0{1 + i % 9}T00:00:00Z\n" for i in range(shares)),
        encoding="utf-8")
    return folder


def concurrent_imports_equal_a_clean_one(clean, url: str, data: Path, tmp_path: Path, env=None):
    clean.clear()
    clean_result = subprocess.run([sys.executable, "-m", "graphtool", "--store", clean.url, "import", str(data)],
                                  capture_output=True, text=True, env={**os.environ, **(env or {})})
    assert clean_result.returncode == 0, clean_result.stderr
    expected = clean.snapshot()
    assert sum(r[0] == "SHARED" for r in expected["relationships"]) == 4000
    for round_ in range(2):
        results = finish([cli("--store", url, "import", str(data), env=env) for _ in range(IMPORTERS)])
        assert all(code == 0 for code, _, _ in results), results
        target = open_store(url)
        assert target.snapshot() == expected, f"round {round_}"
        if round_ == 0:
            target.wipe()  # the next round races on creating the schema too
        target.close()


def test_concurrent_imports_never_duplicate_embedded(tmp_path, embedded_store):
    folder = tmp_path / "racing"
    try:
        concurrent_imports_equal_a_clean_one(embedded_store, f"embedded:{folder}", write_shares(tmp_path / "data"),
                                             tmp_path)
    finally:
        EmbeddedServer(folder).stop()


@pytest.mark.slow  # ~13 s; the embedded variant stays in the default run, this one runs with the slow tests in .ci/run
def test_concurrent_imports_never_duplicate_neo4j(tmp_path, neo4j_store, neo4j_server):
    # One server: the clean import and the race take turns on it; wipe() drops the schema between them.
    data = write_shares(tmp_path / "data")
    neo4j_store.clear()
    done = subprocess.run([sys.executable, "-m", "graphtool", "--store", neo4j_store.url, "import", str(data)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = neo4j_store.snapshot()
    for round_ in range(2):
        neo4j_store.wipe()  # fresh: the racing imports also race to create constraints and indexes
        results = finish([cli("--store", neo4j_store.url, "import", str(data)) for _ in range(IMPORTERS)])
        assert all(code == 0 for code, _, _ in results), results
        assert neo4j_store.snapshot() == expected, f"round {round_}"
    neo4j_store.ensure_schema()


@pytest.mark.parametrize("runs", [2])
def test_two_schedule_manifests_at_once_never_duplicate(tmp_path, embedded_store, runs):
    """Two manifests have two run locks; the store's writer lock still makes them take turns."""
    data = write_shares(tmp_path / "data")
    embedded_store.clear()
    subprocess.run([sys.executable, "-m", "graphtool", "--store", embedded_store.url, "import", str(data)],
                   check=True, capture_output=True)
    expected = embedded_store.snapshot()
    folder = tmp_path / "racing"
    try:
        manifests = []
        for i in range(runs):
            manifest = tmp_path / f"m{i}.toml"
            manifest.write_text(f'[[source]]\nname = "m{i}"\npath = "{data}"\n', encoding="utf-8")
            manifests.append(manifest)
        results = finish([cli("--store", f"embedded:{folder}", "schedule", "run", str(m)) for m in manifests])
        assert all(code == 0 for code, _, _ in results), results
        racing = open_store(f"embedded:{folder}")
        got = racing.snapshot()
        racing.close()
        # The manifests add their ImportRun nodes; everything imported from the files is as one clean import.
        imported = {"nodes": [n for n in got["nodes"] if n[0] != "ImportRun"],
                    "relationships": got["relationships"]}
        sources_of = {n[1] for n in got["nodes"] if n[0] == "Source"}
        assert imported["relationships"] == expected["relationships"]
        assert [n for n in imported["nodes"] if n[0] != "Source"] == [n for n in expected["nodes"]
                                                                    if n[0] != "Source"]
        assert sources_of == {n[1] for n in expected["nodes"] if n[0] == "Source"}
    finally:
        EmbeddedServer(folder).stop()
