"""``graphtool schedule``: incremental, one run at a time, a run log, and safe to SIGKILL.

The CLI runs as a real subprocess against the test store (``--store`` its URL; the Neo4j
fixture puts NEO4J_USER / NEO4J_PASSWORD in the environment the subprocess inherits).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphtool.schedule import RunLock, load_manifest, read_lock, recent_runs
from graphtool.errors import ConfigError, LockedError
from graphtool.synthetic import write_io_tweets

FORMATS = Path(__file__).parent / "fixtures" / "formats"
MAPPING = Path(__file__).resolve().parent.parent / "imports" / "mappings" / "listening-example.toml"


def cli(url, *args, wait=True):
    cmd = [sys.executable, "-m", "graphtool", "--store", url, "schedule", *map(str, args)]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def report(out) -> dict:
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, (out.stdout, out.stderr)
    return json.loads(lines[0])


def snapshot(store, with_runs=False):
    """The whole graph, sorted (Store.snapshot), without the run log unless asked."""
    snap = store.snapshot()
    if not with_runs:
        snap["nodes"] = [n for n in snap["nodes"] if n[0] != "ImportRun"]
    return snap


def count(store, label):
    return store.read(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]


def drop(folder: Path) -> Path:
    """A drop folder with one file of each format, as a collector would fill it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("twitter_io/sample_io_tweets_csv_hashed.csv", "twitter_io/sample_io_users_csv_hashed.csv",
                 "ftm/ownership.ftm.jsonl", "listening/mentions_export.csv", "warc/pages.warc.gz"):
        shutil.copy(FORMATS / name, folder / Path(name).name)
    return folder


def manifest(path: Path, sources: str, **schedule) -> Path:
    head = "[schedule]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in schedule.items())
    path.write_text(head + sources, encoding="utf-8")
    return path


ALL_FORMATS = f"""
[[source]]
name = "io"
path = "drop/*_csv_hashed.csv"
format = "twitter_io"
kind = "archive"
collector = "X transparency release"

[[source]]
path = "drop/*.ftm.jsonl"
format = "ftm"

[[source]]
path = ["drop/mentions_export.csv"]
format = "mapped"
mapping = "{MAPPING}"
kind = "export"
collector = "listening tool"

[[source]]
path = "drop/*.warc.gz"
format = "warc"
"""


def test_run_records_evidence_then_an_unchanged_manifest_writes_nothing(store, tmp_path):
    drop(tmp_path / "drop")
    m = manifest(tmp_path / "hourly.toml", ALL_FORMATS, log="logs/runs.jsonl", rejects="logs/rejects-{run}.csv")
    first = cli(store.url, "run", m)
    assert first.returncode == 1, first.stderr  # the WARC holds an image: a reject, with its reason
    run = report(first)
    assert run["outcome"] == "rejects" and run["rejects"] == 1 and len(run["files"]) == 5
    assert "image/png" in run["first_rejects"][0] and "rejected" in first.stderr
    assert run["counts"]["relationships"]["SHARED"] == 5
    rejects_file = tmp_path / "logs" / f"rejects-{run['run']}.csv"
    assert "not an HTML page (image/png)" in rejects_file.read_text()
    # The file's Source records what the manifest says about it.
    source = store.read("MATCH (s:Source) WHERE s.title = 'sample_io_tweets_csv_hashed.csv' "
                        "RETURN s.kind AS k, s.collector AS c, s.sha256 AS sha")[0]
    assert source["k"] == "archive" and source["c"] == "X transparency release" and len(source["sha"]) == 64
    before = snapshot(store, with_runs=True)

    again = cli(store.url, "run", m)
    assert again.returncode == 0, again.stderr
    second = report(again)
    assert second["outcome"] == "unchanged" and second["files"] == [] and second["skipped"] == 5
    assert snapshot(store, with_runs=True) == before  # not one write, not even a run node
    log = [json.loads(line) for line in (tmp_path / "logs" / "runs.jsonl").read_text().splitlines()]
    assert [entry["outcome"] for entry in log] == ["rejects", "unchanged"]

    # A changed file is read again, and only it.
    users = tmp_path / "drop" / "sample_io_users_csv_hashed.csv"
    users.write_text(users.read_text(encoding="utf-8").replace(",1204,", ",1300,"), encoding="utf-8")
    third = report(cli(store.url, "run", m))
    assert third["outcome"] == "ok" and third["files"] == [str(users)] and third["skipped"] == 4
    runs = recent_runs(store, m)
    assert [r["outcome"] for r in runs] == ["ok", "rejects"]
    status = cli(store.url, "status", m, "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["runs"][0]["files"] == [str(users)]
    text = cli(store.url, "status", m).stdout
    assert text.startswith("lock: free") and "rejects" in text


def _kill_mid_run(url: str, m: Path, store, total_articles: int) -> int:
    proc = cli(url, "run", m, wait=False)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if count(store, "Article") >= total_articles // 8:  # some batches of the big file are committed
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.communicate()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = count(store, "Article")
    assert 0 < committed < total_articles, "the kill must land in the middle of the run"
    return proc.pid


def test_sigkill_mid_run_then_rerun_gives_the_graph_of_one_clean_run(store, tmp_path):
    folder = drop(tmp_path / "drop")
    write_io_tweets(folder / "zz_big_tweets_csv_hashed.csv", 10_000, seed=3)
    m = manifest(tmp_path / "hourly.toml", ALL_FORMATS, batch_size=250)

    # The reference: one clean run into an empty store.
    clean = cli(store.url, "run", m)
    assert clean.returncode == 1, clean.stderr
    reference = snapshot(store)
    total = count(store, "Article")
    store.wipe()
    store.ensure_schema()
    (tmp_path / f".{m.name}.lock").unlink()

    killed_pid = _kill_mid_run(store.url, m, store, total)
    assert read_lock(tmp_path / f".{m.name}.lock")["pid"] == killed_pid  # the dead run's lock file stays
    assert [r["outcome"] for r in recent_runs(store, m)] == ["crashed?"]

    rerun = cli(store.url, "run", m)
    assert rerun.returncode == 1, rerun.stderr
    second = report(rerun)
    assert second["stale_lock"]["pid"] == killed_pid and not second["stale_lock"]["pid_alive"]
    assert len(second["crashed_runs"]) == 1
    assert second["skipped"] >= 1 and second["skipped"] + len(second["files"]) == 6
    assert snapshot(store) == reference
    runs = recent_runs(store, m)
    assert [r["outcome"] for r in runs] == ["rejects", "crashed"]
    assert runs[1]["id"] == second["crashed_runs"][0] and "killed" in store.read(
        "MATCH (r:ImportRun {outcome: 'crashed'}) RETURN r.error AS e")[0]["e"]


def test_two_runs_at_once_one_runs_the_other_exits_3_at_once(embedded_store, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    write_io_tweets(folder / "big_tweets.csv", 20_000, seed=5)
    m = manifest(tmp_path / "m.toml", '[[source]]\npath = "drop/*.csv"\nformat = "twitter_io"\n', batch_size=1000)
    procs = [cli(embedded_store.url, "run", m, wait=False) for _ in range(2)]
    results = {}
    while len(results) < 2:
        for i, proc in enumerate(procs):
            if i not in results and proc.poll() is not None:
                results[i] = (time.monotonic(), proc.returncode, *proc.communicate())
        time.sleep(0.02)
    (t_a, code_a, out_a, err_a), (t_b, code_b, out_b, err_b) = sorted(results.values())
    assert code_a == 3 and code_b == 0, (err_a, err_b)
    assert t_b - t_a > 1.0  # the loser left while the winner was still importing
    assert json.loads(out_a)["outcome"] == "locked" and "another run holds the lock" in err_a
    assert json.loads(out_b)["outcome"] == "ok"
    assert count(embedded_store, "ImportRun") == 1  # the refused run wrote nothing


def test_lock_is_exclusive_and_a_dead_holder_is_a_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    held = RunLock(path)
    held.acquire({"pid": os.getpid(), "since": "now"})
    with pytest.raises(LockedError, match=f"pid {os.getpid()}"):
        RunLock(path).acquire({"pid": -1})
    held.release()
    assert read_lock(path) is None  # released: the file stays, empty
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path.write_text(json.dumps({"pid": int(dead.stdout), "since": "earlier"}))
    lock = RunLock(path)
    lock.acquire({"pid": os.getpid()})
    assert lock.stale == {"pid": int(dead.stdout), "since": "earlier", "pid_alive": False}
    lock.release()


def test_exit_codes_cron_can_act_on(embedded_store, tmp_path):
    url = embedded_store.url
    missing = cli(url, "run", tmp_path / "nope.toml")
    assert missing.returncode == 2 and report(missing)["outcome"] == "failed"
    assert "cannot read the manifest" in missing.stderr
    bad = manifest(tmp_path / "bad.toml", '[[source]]\npath = "x/*.csv"\nformat = "nonsense"\n')
    out = cli(url, "run", bad)
    assert out.returncode == 2 and "unknown format 'nonsense'" in out.stderr
    empty = manifest(tmp_path / "empty.toml", '[[source]]\npath = "nothing/*.csv"\nformat = "twitter_io"\n')
    nothing = cli(url, "run", empty)
    assert nothing.returncode == 0 and report(nothing)["unmatched"] == [str(tmp_path / "nothing" / "*.csv")]
    (tmp_path / "drop").mkdir()
    shutil.copy(FORMATS / "bad" / "io_tweets_wrong_header.csv", tmp_path / "drop" / "x_tweets.csv")
    wrong = manifest(tmp_path / "wrong.toml", '[[source]]\npath = "drop/*.csv"\nformat = "twitter_io"\n')
    out = cli(url, "run", wrong)
    assert out.returncode == 1 and "neither tweetid" in report(out)["first_rejects"][0]
    assert cli(url, "run", wrong).returncode == 0  # recorded as done: it is not re-rejected every hour
    unreachable = subprocess.run([sys.executable, "-m", "graphtool", "--store", "bolt://127.0.0.1:9", "schedule",
                                  "run", str(empty)], capture_output=True, text=True, timeout=120)
    assert unreachable.returncode == 2 and "cannot reach Neo4j" in report(unreachable)["error"]


def test_manifest_errors_name_the_problem(tmp_path):
    for text, message in (
        ('[[source]]\npath = "a.csv"\ncolour = "red"\n', "unknown keys colour"),
        ('[schedule]\nbatch_size = 0\n[[source]]\npath = "a.csv"\n', "batch_size"),
        ('[schedule]\n', "lists no"),
        ('[[source]]\nformat = "ftm"\n', "path ="),
        ('[[source]]\npath = "a.csv"\nformat = "ftm"\nmapping = "m.toml"\n', "a mapping needs a format"),
        (f'[[source]]\npath = "a.csv"\nformat = "mapped"\nmapping = "{tmp_path / "none.toml"}"\n', "cannot read"),
    ):
        (tmp_path / "m.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_manifest(tmp_path / "m.toml")


def test_the_example_manifest_and_docs_are_usable():
    root = Path(__file__).resolve().parent.parent
    example = load_manifest(root / "imports" / "schedules" / "example.toml")
    assert [s.format for s in example.sources] == ["twitter_io", "ftm", "mapped", "warc"]
    doc = (root / "docs" / "scheduling.md").read_text(encoding="utf-8")
    assert "graphtool schedule run" in doc and "OnCalendar=" in doc and "crontab" in doc


def test_a_canonical_folder_loads_nodes_before_relationships(embedded_store, tmp_path):
    from graphtool.schedule import run_schedule

    folder = Path(__file__).parent / "fixtures" / "load"  # OPERATED_BY.csv sorts before Outlet.csv
    (tmp_path / "notes.txt").write_text("a folder may hold notes")
    m = manifest(tmp_path / "m.toml", f'[[source]]\npath = ["{folder}", "{tmp_path}"]\n')
    run = run_schedule(m, lambda: embedded_store, progress=False)
    assert run.outcome == "ok" and run.rejects == 0, run.first_rejects
    assert run.result.relationships["OPERATED_BY"] == 1
    assert [Path(f).name for f in run.files][:2] == ["Source.csv", "Account.csv"]


class CrashingFormat:
    """A format adapter with a bug: it raises an unexpected error part-way through its file."""

    @staticmethod
    def sniff(path):
        return path.suffix == ".crash"

    @staticmethod
    def read(path, default_sources=()):
        yield from ()
        raise RuntimeError(f"parser bug at {path.name}")


def test_a_crash_is_a_failure_and_later_files_still_load(store, tmp_path):
    """Issue 18 item 5: exit 4 (not 1), ``failed`` with the reason in the run log, the next files imported."""
    from typer.testing import CliRunner

    from graphtool.cli import app
    from graphtool.load import FORMATS as ADAPTERS, register

    register("crashing", CrashingFormat)
    try:
        (tmp_path / "drop").mkdir()
        (tmp_path / "drop" / "first.crash").write_text("anything\n", encoding="utf-8")
        shutil.copytree(Path(__file__).parent / "fixtures" / "load", tmp_path / "later")
        path = manifest(tmp_path / "m.toml", '[[source]]\nname = "buggy"\npath = "drop/first.crash"\n'
                        'format = "crashing"\n\n[[source]]\nname = "later"\npath = "later"\n')
        runner = CliRunner()
        out = runner.invoke(app, ["--store", store.url, "schedule", "run", str(path)])
        line = json.loads([x for x in out.stdout.splitlines() if x.startswith("{")][0])
        assert out.exit_code == 4, out.output
        assert line["outcome"] == "failed" and line["exit"] == 4
        assert line["error"] == (f"1 file(s) failed: {tmp_path / 'drop' / 'first.crash'}: "
                                 "RuntimeError: parser bug at first.crash")
        assert len(line["files"]) == 7 and all("/later/" in f for f in line["files"])  # the files after it
        assert count(store, "Account") > 0
        logged = recent_runs(store, path)[0]
        assert logged["outcome"] == "failed" and "parser bug" in logged["error"]
        again = runner.invoke(app, ["--store", store.url, "schedule", "run", str(path)])
        assert again.exit_code == 4  # the crashing file is read again; the others are done
        assert json.loads([x for x in again.stdout.splitlines() if x.startswith("{")][0])["skipped"] == 7
    finally:
        from graphtool.cli.common import state

        state.close()  # the in-process CLI keeps its store open between invocations
        ADAPTERS.pop("crashing", None)
