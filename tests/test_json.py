"""`--json` everywhere (issue 12 item 5): every command that prints results prints one JSON value on stdout
with the keys docs/json.md documents (graphtool/cli/json_shapes.py), on the embedded store and, for a few,
on Neo4j; tables that do not fit a narrow terminal print one record per block; CSV keeps full precision.

The data: the small canonical fixture of tests/fixtures/load plus a narrative written here.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphtool.cli import app
from graphtool.cli.common import state
from graphtool.cli.json_shapes import SHAPE_BY_COMMAND, SHAPES
from graphtool.load import import_paths
from graphtool.store import open_store

LOAD = Path(__file__).parent / "fixtures" / "load"


def case(tmp: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(LOAD, data)
    with (data / "SHARED.csv").open("a", encoding="utf-8") as shares:  # a second account: a coordinated pair
        shares.write("douyin:xinhua,wc-1,share-9,2021-09-09T05:10:00Z,repost\n")
    (data / "Narrative.csv").write_text("id,name\nnarr:ties,Platform breaks ties\n", encoding="utf-8")
    (data / "CARRIES.csv").write_text("src,dst,confidence\ngt-1,narr:ties,1.0\nwc-1,narr:ties,0.9\n",
                                      encoding="utf-8")
    (tmp / "watch.toml").write_text('[[rule]]\nname = "copies"\nquery = "unattributed-copies"\n'
                                    'key = ["copy", "original"]\n', encoding="utf-8")
    return data


def invoke(url: str, *args: str, env: dict | None = None):
    state.close()  # a store another test's CliRunner left open would be used instead of url
    try:
        return CliRunner().invoke(app, list(args), env={"GRAPHTOOL_STORE": url, **(env or {})})
    finally:
        state.close()  # main() closes the store after each command; CliRunner does not call main()


def commands(tmp: Path) -> dict[str, list[str]]:
    """Each documented command as run here, its results asked for as JSON."""
    return {
        "import": ["import", str(tmp / "data")],
        "stats": ["stats"], "db status": ["db", "status"], "query list": ["query", "list"],
        "query run": ["query", "run", "search", "-p", "text=maple"],
        "analyze": ["analyze", "--seed", "1"], "explain": ["explain", "wechat:maple"],
        "copies": ["copies"], "coordination": ["coordination", "--window", "3600", "-o", str(tmp / "pairs.csv")],
        "trace": ["trace", "wc-1"],
        "timeline": ["timeline", "-n", "narr:ties", "-o", str(tmp / "timeline.html")],
        "map": ["map", "--out", str(tmp / "map.html")], "schedule status": ["schedule", "status"],
        "report": ["report", "-o", str(tmp / "report.html")],
        "export stix": ["export", "stix", "-o", str(tmp / "bundle.json")],
        "watch run": ["watch", "run", str(tmp / "watch.toml")],
    }


ORDER = [s.command for s in SHAPES]  # import first: the later commands read what it wrote


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One embedded store for the module, loaded once (the commands only read it, or rewrite scores)."""
    tmp = tmp_path_factory.mktemp("json")
    case(tmp)
    url = f"embedded:{tmp / 'store'}"
    yield url, tmp
    invoke(url, "db", "stop")


def check_shape(command: str, value) -> None:
    shape = SHAPE_BY_COMMAND[command]
    items = value if shape.array else [value]
    assert isinstance(value, list if shape.array else dict), f"{command}: {type(value).__name__}"
    assert items, f"{command}: an empty list proves nothing"
    for item in items:
        missing = [k for k in shape.keys if k not in item]
        assert not missing, f"{command} --json lacks {missing}"


def test_every_documented_command_has_json():
    assert sorted(commands(Path("."))) == sorted(ORDER)


@pytest.mark.parametrize("command", ORDER)
def test_json_parses_and_has_the_documented_keys(loaded, command):
    url, tmp = loaded
    done = invoke(url, *commands(tmp)[command], "--json")
    assert done.exit_code in (0, 1), (command, done.output, done.exception)  # 1: watch fired, import rejects
    check_shape(command, json.loads(done.stdout))


def test_json_values_are_the_results(loaded):
    url, tmp = loaded
    stats = json.loads(invoke(url, "stats", "--json").stdout)
    assert stats["nodes"]["Account"] == 3 and stats["nodes"]["Narrative"] == 1
    run = json.loads(invoke(url, "query", "run", "search", "-p", "text=maple", "--json").stdout)
    assert run["columns"][:2] == ["label", "id"] and run["rows"][0]["id"] == "wechat:maple"
    out = tmp / "search.json"
    assert invoke(url, "query", "run", "search", "-p", "text=maple", "--json", "-o", str(out)).stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == run
    trace = tmp / "trace.json"
    text = invoke(url, "trace", "wc-1", "-o", str(trace))
    assert "origin" in text.stdout and json.loads(trace.read_text(encoding="utf-8"))["article"] == "wc-1"
    assert [q["name"] for q in json.loads(invoke(url, "query", "list", "--json").stdout)][:1] == ["account-follows"]


def test_a_table_too_wide_for_the_terminal_is_printed_vertically(loaded):
    url, _ = loaded
    narrow = invoke(url, "query", "run", "search", "-p", "text=maple", env={"COLUMNS": "40"})
    assert narrow.exit_code == 0, narrow.output
    assert narrow.stdout.splitlines()[:5] == ["-[ 1 ]------", "label     Account", "id        wechat:maple",
                                               "name      枫叶新闻 Maple News", "platform  wechat"]
    wide = invoke(url, "query", "run", "search", "-p", "text=maple", env={"COLUMNS": "200"})
    assert "┃ label" in wide.stdout and "-[ 1 ]" not in wide.stdout


def test_coordination_out_has_store_ids_and_full_precision(loaded):
    url, tmp = loaded
    out = tmp / "pairs-p.csv"
    done = invoke(url, "coordination", "--window", "3600", "--permutations", "20", "-o", str(out))
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert rows[0] == ["account_1", "account_2", "weight_12", "weight_21"]
    assert rows[1:] and all(":" in r[0] and ":" in r[1] for r in rows[1:])  # platform-qualified
    from graphtool.render.tables import csv_cell

    assert csv_cell(1 / 3) == "0.3333333333333333"  # what every CSV writer of graphtool uses


@pytest.mark.parametrize("command", ["stats", "query run", "analyze", "coordination", "db status"])
def test_json_on_neo4j(neo4j_store, tmp_path, command):
    data = case(tmp_path)
    assert import_paths(neo4j_store, [data], progress=False).rejected == 0
    args = commands(tmp_path)[command]
    done = invoke(neo4j_store.url, *args, "--json")
    assert done.exit_code == 0, done.output
    value = json.loads(done.stdout)
    check_shape(command, value)
    if command == "db status":
        assert value["kind"] == "bolt" and value["running"] is True and value["pid"] is None


def test_schedule_status_on_a_narrow_terminal_is_vertical(loaded):
    url, tmp = loaded
    (tmp / "extra").mkdir()
    (tmp / "extra" / "Account.csv").write_text("id,platform,handle\nx:late,x,late\n", encoding="utf-8")
    manifest = tmp / "schedule.toml"
    manifest.write_text('[schedule]\n\n[[source]]\nname = "extra"\npath = "extra/*.csv"\n', encoding="utf-8")
    ran = invoke(url, "schedule", "run", str(manifest))
    assert ran.exit_code == 0, ran.output
    wide = invoke(url, "schedule", "status", env={"COLUMNS": "200"}).stdout.splitlines()
    assert wide[0].startswith("started") and " ok " in wide[1]
    narrow = invoke(url, "schedule", "status", env={"COLUMNS": "40"}).stdout.splitlines()
    assert narrow[0] == "-[ 1 ]-----" and narrow[3] == "outcome  ok" and narrow[-1].startswith("run      ")
