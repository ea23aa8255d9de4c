"""The embedded store's life: start on demand, reattach, stop, and durability under kill -9."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from graphtool.store import open_store
from graphtool.store.embedded import EmbeddedServer


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "graphtool", *args], capture_output=True, text=True)


def accounts(store):
    return store.read("MATCH (n:Account) RETURN count(n) AS c")[0]["c"]


def test_start_reattach_stop(tmp_path):
    url = f"embedded:{tmp_path / 'db'}"
    server = EmbeddedServer(tmp_path / "db")
    assert not server.running()
    assert run_cli("--store", url, "db", "status").returncode == 1
    store = open_store(url)  # started on demand
    pid = server.pid()
    store.run("CREATE (:Account {id: 'x:1', platform: 'x', handle: '1'})")
    store.close()
    again = open_store(url)  # reattached: same server, same data
    assert server.pid() == pid and accounts(again) == 1
    again.close()
    status = run_cli("--store", url, "db", "status")
    assert status.returncode == 0 and f"pid {pid}" in status.stdout
    assert run_cli("--store", url, "db", "stop").stdout.strip() == "stopped"
    assert not server.running()
    assert run_cli("--store", url, "db", "stop").stdout.strip() == "not running"
    restarted = open_store(url)  # the append-only log brings the data back
    assert accounts(restarted) == 1
    restarted.close()
    server.stop()


def test_wipe_needs_yes(tmp_path):
    url = f"embedded:{tmp_path / 'db'}"
    try:
        store = open_store(url)
        store.run("CREATE (:Narrative {id: 'n', name: 'n'})")
        refused = run_cli("--store", url, "db", "wipe")
        assert refused.returncode == 2 and store.counts()["nodes"]["Narrative"] == 1
        assert run_cli("--store", url, "db", "wipe", "--yes").returncode == 0
        assert store.counts()["nodes"]["Narrative"] == 0
        store.close()
    finally:
        EmbeddedServer(tmp_path / "db").stop()


def test_committed_batches_survive_kill_9_of_graphtool_and_server(tmp_path):
    rows = 60_000
    data = tmp_path / "Account.csv"
    with data.open("w") as handle:
        handle.write("platform,handle,followers\n")
        for i in range(rows):
            handle.write(f"x,user{i},{i}\n")
    url = f"embedded:{tmp_path / 'db'}"
    server = EmbeddedServer(tmp_path / "db")
    try:
        store = open_store(url)
        proc = subprocess.Popen([sys.executable, "-m", "graphtool", "--store", url, "import", str(data),
                                 "--batch-size", "500"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while accounts(store) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # graphtool dies mid-import
        proc.wait()
        committed = accounts(store)
        assert 0 < committed < rows, "kill the import while it runs"
        assert committed % 500 == 0, "a batch is all or nothing"
        store.close()

        os.kill(server.pid(), signal.SIGKILL)  # and then the server
        time.sleep(0.2)
        store = open_store(url)
        assert accounts(store) == committed

        done = run_cli("--store", url, "import", str(data))  # finishing the import is safe
        assert done.returncode == 0, done.stderr
        assert accounts(store) == rows
        store.close()
    finally:
        server.stop()


def test_profile_is_a_public_store_method(store):
    """Benchmarks read plans through Store.profile, not the drivers' private attributes (issue 13 item 6)."""
    store.run("CREATE (:Account {id: 'x:p', platform: 'x', handle: 'p'})")
    text = store.profile("MATCH (n:Account) WHERE n.platform = $p RETURN count(n) AS c", {"p": "x"})
    assert "Account" in text and ("Records produced" in text or "Rows" in text)


def test_a_server_that_is_loading_counts_as_running(tmp_path):
    """Issue 18 item 2: starts while the log replays wait for that server instead of starting another."""
    folder = tmp_path / "db"
    server = EmbeddedServer(folder)
    store = open_store(f"embedded:{folder}")
    try:
        for i in range(30):  # an uncompacted log of many small queries replays slowly enough to be caught
            store.run("UNWIND range(1, 200) AS k CREATE (:Narrative {id: $p + toString(k), name: 'n'})",
                      {"p": f"b{i}-"})
        store.close()
        os.kill(server.pid(), signal.SIGKILL)
        time.sleep(0.2)
        starters = [subprocess.Popen([sys.executable, "-c", "import sys; from graphtool.store.embedded import "
                                      "EmbeddedServer; print(EmbeddedServer(sys.argv[1]).start())", str(folder)],
                                     stdout=subprocess.PIPE, text=True) for _ in range(3)]
        said = sorted(p.communicate(timeout=300)[0].strip() for p in starters)
        assert said == ["False", "False", "True"]
        again = open_store(f"embedded:{folder}", start=False)
        assert again.counts()["nodes"]["Narrative"] == 6000
        again.close()
    finally:
        server.stop()
