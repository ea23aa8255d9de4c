"""Watch rules: a rule fires once for a planted new copy, never again for the same hit, after
`graphtool watch run` and after `schedule run`; Alerts name their ImportRun; exit codes; bad rules."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from graphtool.errors import ConfigError
from graphtool.load import import_paths
from graphtool.schedule import run_schedule
from graphtool.watch import EXIT_FIRED, EXIT_QUIET, load_rules, run_watch

ORIGINAL = ("据加拿大国会山时报网站近日报道该报梳理了加拿大各主要政党竞选纲领中的对华政策报道称在主要政党之中保守党的纲领"
            "涉华内容最多共有三十一次提到中国专家认为这份纲领对华极为强硬几乎要与中国断交")
RULE = """
[[{table}]]
name = "new uncredited copies of Global Times"
query = "article-copies"
params = {{ article = "art:gt-1" }}
where = {{ attributed = false }}
key = ["copy"]
"""


def _write(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _article(i, text, at, publisher):
    return ({"id": f"art:{i}", "platform": "wechat" if i != "gt-1" else "web", "url": f"https://x.invalid/{i}",
             "title": text[:12], "text": text, "lang": "zh", "published_at": at, "sources": "src:capture"},
            {"src": publisher, "dst": f"art:{i}", "src_label": "Outlet" if publisher.startswith("outlet") else "Account",
             "sources": "src:capture"})


@pytest.fixture
def case(tmp_path):
    base, new = tmp_path / "base", tmp_path / "new"
    _write(base, "Source.csv", [{"id": "src:capture", "kind": "archive", "title": "captures", "sha256": "ab" * 32}])
    _write(base, "Outlet.csv", [{"id": "outlet:gt", "name": "Global Times 环球时报", "state_affiliated": "true"}])
    _write(base, "Account.csv", [{"id": f"wechat:{h}", "platform": "wechat", "handle": h, "display_name": h}
                                 for h in ("copier_one", "copier_two")])
    arts = [_article("gt-1", ORIGINAL, "2021-09-08T02:40:00Z", "outlet:gt"),
            _article("copy-1", "重磅" + ORIGINAL + "欢迎留言说说你的看法", "2021-09-09T00:20:00Z", "wechat:copier_one")]
    _write(base, "Article.csv", [a for a, _ in arts])
    _write(base, "PUBLISHED.csv", [p for _, p in arts])
    planted = [_article("copy-2", "快讯" + ORIGINAL.replace("专家认为", "有评论认为") + "你怎么看", "2021-09-10T00:00:00Z",
                        "wechat:copier_two")]
    _write(new, "Article.csv", [a for a, _ in planted])
    _write(new, "PUBLISHED.csv", [p for _, p in planted])
    _write(base, "Narrative.csv", [{"id": "narrative:ties", "name": "almost break ties"}])
    _write(base, "CARRIES.csv", [{"src": "art:gt-1", "dst": "narrative:ties"}])
    _write(new, "CARRIES.csv", [{"src": "art:copy-2", "dst": "narrative:ties"}])
    rules = tmp_path / "watch.toml"
    rules.write_text('alerts = "alerts.jsonl"\nrefresh = ["copies"]\n' + RULE.format(table="rule"), encoding="utf-8")
    manifest = tmp_path / "schedule.toml"
    manifest.write_text('[schedule]\nalerts = "alerts.jsonl"\nrefresh = ["copies"]\n\n'
                        '[[source]]\nname = "new"\npath = "new"\n' + RULE.format(table="watch"), encoding="utf-8")
    return base, rules, manifest


def test_a_rule_fires_once_for_a_planted_new_copy(store, case):
    base, rules, manifest = case
    assert import_paths(store, [base]).rejected == 0
    first = run_watch(store, rules)
    assert first.exit_code == EXIT_FIRED and first.fired == {"new uncredited copies of Global Times": 1}
    assert [a["key"] for a in first.alerts] == [["art:copy-1"]]
    again = run_watch(store, rules)
    assert again.exit_code == EXIT_QUIET and again.alerts == []

    run = run_schedule(manifest, lambda: store, progress=False)  # imports the planted copy, then asks the rules
    assert run.outcome == "ok" and run.watch is not None, run.error
    assert [a["key"] for a in run.watch.alerts] == [["art:copy-2"]] and run.watch.exit_code == EXIT_FIRED
    stored = store.read("MATCH (a:Alert) RETURN a.id AS id, a.rule AS rule, a.key AS key, a.import_run AS run, "
                        "a.fired_at AS at ORDER BY a.key")
    assert [json.loads(r["key"]) for r in stored] == [["art:copy-1"], ["art:copy-2"]]
    assert stored[1]["run"] == run.run_id and stored[0]["run"] is None
    assert store.read("MATCH (r:ImportRun {id: $id}) RETURN r.id AS id", {"id": run.run_id})

    unchanged = run_schedule(manifest, lambda: store, progress=False)
    assert unchanged.outcome == "unchanged" and unchanged.watch.alerts == [] and unchanged.watch.exit_code == 0
    assert run_watch(store, rules).alerts == []
    lines = [json.loads(x) for x in (rules.parent / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["key"] for x in lines] == [["art:copy-1"], ["art:copy-2"]]  # each hit once, ever
    assert lines[1]["summary"]["copy"] == "art:copy-2" and lines[1]["import_run"] == run.run_id


def test_threshold_waits_for_enough_new_hits(store, case):
    base, rules, _ = case
    import_paths(store, [base])
    text = rules.read_text(encoding="utf-8").replace('key = ["copy"]', 'key = ["copy"]\nthreshold = 2')
    rules.write_text(text, encoding="utf-8")
    assert run_watch(store, rules).fired == {}  # one new hit, two needed: nothing fired, nothing remembered
    import_paths(store, [rules.parent / "new"])
    result = run_watch(store, rules)
    assert result.fired == {"new uncredited copies of Global Times": 2}


def test_cli_exit_codes(store_url, case):
    base, rules, _ = case

    def watch(path):
        return subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "watch", "run", str(path)],
                              capture_output=True, text=True, cwd=ROOT)

    done = subprocess.run([sys.executable, "-m", "graphtool", "--store", store_url, "import", str(base)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    first, second = watch(rules), watch(rules)
    assert first.returncode == 1 and "fired: new uncredited copies of Global Times: 1 new hit" in first.stdout
    assert second.returncode == 0 and second.stdout.strip() == "0 new alert(s) from 1 rule(s)"
    bad = rules.parent / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nquery = "unattributed-copies"\nkey = ["nope"]\n', encoding="utf-8")
    done = watch(bad)
    assert done.returncode == 2 and done.stderr.startswith(f"error: {bad}: [[rule]] #1: unattributed-copies has no "
                                                           "column nope")


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\nquery = "narratives"\nkey = ["narrative"]\n', "name is required"),
    ('[[rule]]\nname = "a"\nkey = ["narrative"]\n', 'give either query'),
    ('[[rule]]\nname = "a"\nquery = "no-such"\nkey = ["x"]\n', "no-such"),
    ('[[rule]]\nname = "a"\nquery = "narratives"\n', "key = [columns"),
    ('[[rule]]\nname = "a"\nquery = "narratives"\nkey = ["narrative"]\n[[rule]]\nname = "a"\nburst = "n"\n',
     "a second rule named 'a'"),
    ('refresh = ["everything"]\n[[rule]]\nname = "a"\nburst = "n"\n', "refresh must list"),
    ('[[rule]]\nname = "a"\nburst = "n"\ncolour = 1\n', "unknown keys colour"),
    ("[[rule]\n", "not a valid TOML"),
    ("", "lists no [[rule]]"),
])
def test_bad_rules_are_clear_errors(tmp_path, text, message):
    path = tmp_path / "watch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=None) as err:
        load_rules(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def test_each_element_of_a_list_column_is_a_hit(store, case):
    """"A narrative reaches a new platform": one hit per (narrative, platform), each told once."""
    base, rules, _ = case
    import_paths(store, [base])
    rules.write_text('[[rule]]\nname = "narrative on a new platform"\nquery = "narratives"\neach = "platforms"\n'
                     'key = ["narrative", "platforms"]\n', encoding="utf-8")
    assert [a["key"] for a in run_watch(store, rules).alerts] == [["narrative:ties", "web"]]
    import_paths(store, [rules.parent / "new"])
    assert [a["key"] for a in run_watch(store, rules).alerts] == [["narrative:ties", "wechat"]]
    assert run_watch(store, rules).alerts == []
