"""graphtool export stix: the case bundle validates (stix2-validator), parses back (stix2), carries the
DISARM techniques of the planted laundering, and is byte-identical across two runs; both stores."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import CASE, ROOT
from graphtool.render import stix
from graphtool.render.report import build_report
from report_case import case_store

pytestmark = pytest.mark.skipif(not (CASE / "answers.json").exists(), reason="no case data")


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def case(request, tmp_path_factory):
    """(store, answers, bundle text) for the whole case, on each store."""
    with case_store(request, tmp_path_factory, "stix-case") as (store, truth):
        out = tmp_path_factory.mktemp("stix") / "bundle.json"
        stix.write_stix(store, out)
        yield store, truth, out


def test_bundle_validates_and_parses_back(case):
    import stix2
    from stix2validator import ValidationOptions, validate_string

    _, _, out = case
    text = out.read_text(encoding="utf-8")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = stix2.parse(text, allow_custom=False)
    kinds = {o.type for o in bundle.objects}
    assert {"identity", "user-account", "url", "grouping", "relationship", "note", "opinion", "attack-pattern",
            "report", "marking-definition"} <= kinds


def test_disarm_techniques_for_the_planted_laundering(case):
    _, truth, out = case
    objects = json.loads(out.read_text(encoding="utf-8"))["objects"]
    by_id = {o["id"]: o for o in objects}
    patterns = {o["external_references"][0]["external_id"]: o for o in objects if o["type"] == "attack-pattern"}
    shipped = {t["id"]: t for t in stix.disarm()["techniques"]}
    assert {"T0084", "T0084.002", "T0118"} <= set(patterns)
    for code, o in patterns.items():
        assert o["id"] == shipped[code]["stix_id"] and o["name"] == shipped[code]["name"]  # DISARM's own
        assert o["object_marking_refs"] and "CC BY-SA 4.0" in by_id[o["object_marking_refs"][0]]["definition"]["statement"]
    plagiarise = patterns["T0084.002"]["id"]
    notes = [o for o in objects if o["type"] == "note" and plagiarise in o["object_refs"]]
    for pair in (p for p in truth["copy_pairs"] if not p["attributed"] and p["original"] in truth["originals"]):
        assert any(pair["copy"] in n["content"] for n in notes), pair
    for n in notes:  # the evidence: Source records with their hashes
        assert n["external_references"] and all("SHA-256" in r["hashes"] for r in n["external_references"]
                                                if r["source_name"].startswith("src:archive"))
    copies = [o for o in objects if o["type"] == "relationship" and o["description"].startswith("COPIES")]
    assert len(copies) >= len([p for p in truth["copy_pairs"] if not p["attributed"]])


def test_accounts_ownership_and_opinions(case):
    _, truth, out = case
    objects = json.loads(out.read_text(encoding="utf-8"))["objects"]
    accounts = {o["user_id"]: o for o in objects if o["type"] == "user-account"}
    assert set(truth["unclear_ownership"]) <= set(accounts)
    opinions = {o["object_refs"][0]: o for o in objects if o["type"] == "opinion"}
    for account in truth["unclear_ownership"]:
        o = opinions[accounts[account]["id"]]
        assert o["opinion"] == "neutral" and "lead to verify" in o["explanation"]
        assert "state-run" not in o["explanation"].lower()
    owned = [o for o in objects if o["type"] == "relationship" and o["description"].startswith("REGISTERED_TO")]
    assert owned and all("confidence" in o for o in owned)
    names = {o["name"] for o in objects if o["type"] == "identity"}
    assert "Global Times 环球时报" in names
    coordinated = [o for o in objects if o["type"] == "relationship" and o["description"].startswith("COORDINATED")]
    assert coordinated


def test_identical_across_two_runs(case, tmp_path):
    store, _, out = case
    again = stix.write_stix(store, tmp_path / "again.json")
    assert again.read_bytes() == out.read_bytes()
    stamps = {o.get("created") for o in json.loads(out.read_text(encoding="utf-8"))["objects"]} - {None}
    assert len(stamps) == 1  # one timestamp, from the data: the latest capture or publication


def test_scope_and_shared_report_data(case):
    store, _, _ = case
    data = build_report(store, account="wechat:sim_fengqiao_news", figures=False)
    bundle = json.loads(stix.bundle_json(stix.build_bundle(store, data=data)))
    logins = {o["user_id"] for o in bundle["objects"] if o["type"] == "user-account"}
    assert "wechat:sim_fengqiao_news" in logins and "weibo:sim_coasteats_06" not in logins  # another group


def test_cli_export_stix(case, tmp_path):
    store, _, out = case
    if not store.url.startswith("embedded:"):
        pytest.skip("the CLI is a thin call: tested on the embedded store")
    target = tmp_path / "b.json"
    done = subprocess.run([sys.executable, "-m", "graphtool", "--store", store.url, "export", "stix", "--out",
                           str(target)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {target}" and target.read_bytes() == out.read_bytes()
