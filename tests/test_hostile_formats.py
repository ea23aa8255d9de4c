"""A hostile corpus for the peer and capture formats (issue 18): QUT and CooRTweet coordination files,
a state-media register, 4CAT exports and Zeeschuimer captures.

Each real-shaped fixture is rewritten with its clean rows first, then one row per way a file goes
wrong (a NUL byte, bytes that are not UTF-8, a 10 MB field, a time that is not a time, a field whose
quote never closes at the end of the file) and one row of markup and Cypher that is valid data.
The adapter must reject exactly the broken rows, each with its line and a reason, keep every
record of the clean rows, and keep the markup row's text literally.  No store is needed: this is
the parser's contract, and test_load.py already shows that what the parser keeps is what lands.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import FIXTURES
from graphtool.load import fmt_coortweet, fmt_fourcat, fmt_qut, fmt_register, fmt_zeeschuimer
from graphtool.load.records import NodeRecord, Reject, RelRecord

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)> ') MATCH (n) DETACH DELETE n //"
BAD_BYTES = "\U0010fffd"  # a placeholder, replaced by bytes that are not UTF-8 once the file is encoded
HUGE = "x" * 10_000_001


# (adapter, fixture, id column, time column or None, text column, new id for the markup row)
CSV_FORMATS = {
    "qut": (fmt_qut, FIXTURES / "coordination" / "qut_sample_data.csv", "message_id", "timestamp", "message",
            "990001"),
    "coortweet": (fmt_coortweet, FIXTURES / "coordination" / "russian_coord_tweets.csv", "content_id",
                  "timestamp_share", None, "ffffffffffffffffffffffffffff0001"),
    "register": (fmt_register, FIXTURES / "ownership" / "register" / "state_media_register.csv", "x_id", None,
                 "name", "1999999999999999999"),
    "fourcat": (fmt_fourcat, FIXTURES / "captures" / "fourcat-x.csv", "id", "unix_timestamp", "body",
                "1999999999999"),
}


def split(items):
    items = list(items)
    keys = {("node", i.label, i.id) for i in items if isinstance(i, NodeRecord)}
    keys |= {("rel", i.type, i.src, i.dst) for i in items if isinstance(i, RelRecord)}
    return keys, [i for i in items if isinstance(i, NodeRecord)], [i for i in items if isinstance(i, Reject)]


def _csv_text(header: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _hostile_csv(fixture: Path, id_col: str, time_col: str | None, text_col: str | None, new_id: str,
                 tmp_path: Path) -> tuple[Path, Path, dict[int, str]]:
    """(clean file, hostile file, {line: what is wrong there}) — each row is one line."""
    with fixture.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames), [dict(r) for r in reader][:4]
    assert all("\n" not in v for r in rows for v in r.values() if v), "the rows must be one line each"
    base = rows[0]
    field = text_col or "account_id"  # where a damaged value goes (CooRTweet's files carry no text)
    broken = {"NUL": {field: base[field] + "\0"}, "UTF-8": {field: base[field] + BAD_BYTES},
              "8 MiB": {field: HUGE}}
    if time_col:
        broken["not a time"] = {time_col: "yesterday-ish"}
    # each broken row has an id of its own, so no other check (a duplicate id) can stand in for the one meant
    hostile_rows = rows + [{**base, id_col: new_id[:-1] + str(k + 2), **change}
                           for k, change in enumerate(broken.values())]
    lines = {len(rows) + 2 + k: why for k, why in enumerate(broken)}
    if text_col:
        hostile_rows.append({**base, id_col: new_id, text_col: MARKUP})
    text = _csv_text(header, hostile_rows)
    # The last line: a quoted field that never closes (a file cut mid-field).
    cut_line = len(hostile_rows) + 2
    text += f'{base[header[0]]},"never closed' + "\n"
    lines[cut_line] = "never closed"
    clean, hostile = tmp_path / f"clean-{fixture.name}", tmp_path / f"hostile-{fixture.name}"
    clean.write_text(_csv_text(header, rows), encoding="utf-8")
    hostile.write_bytes(text.encode("utf-8", "surrogatepass").replace(BAD_BYTES.encode(), b"\xff\xfe"))
    return clean, hostile, lines


@pytest.mark.parametrize("name", sorted(CSV_FORMATS))
def test_hostile_rows_of_peer_and_capture_csv_formats(name, tmp_path):
    adapter, fixture, id_col, time_col, text_col, new_id = CSV_FORMATS[name]
    clean, hostile, lines = _hostile_csv(fixture, id_col, time_col, text_col, new_id, tmp_path)
    kept_clean, _, clean_rejects = split(adapter.read(clean, ["file:clean"]))
    assert kept_clean and not clean_rejects
    kept, nodes, rejects = split(adapter.read(hostile, ["file:hostile"]))
    assert kept_clean <= kept, kept_clean - kept  # nothing of the clean rows is lost
    assert {r.line for r in rejects} == set(lines), [(r.line, r.field, r.reason) for r in rejects]
    for r in rejects:
        assert lines[r.line] in r.reason and r.file == str(hostile), (lines[r.line], r.reason)
        assert len(r.raw) < 2_000_000, "a reject keeps its row, not 10 MB of it"
    if text_col:
        assert any(MARKUP in str(v) for n in nodes for v in n.props.values()), "markup is data, kept literally"


def test_hostile_lines_of_a_zeeschuimer_capture(tmp_path):
    fixture = FIXTURES / "captures" / "zeeschuimer-x.ndjson"
    clean_lines = fixture.read_text(encoding="utf-8").splitlines()
    first = json.loads(clean_lines[0])
    bad = [b"{not json", json.dumps({**first, "data": None}).encode(), b"\xff\xfe" + clean_lines[0].encode(),
           clean_lines[0].encode()[: len(clean_lines[0]) // 2]]
    hostile = tmp_path / "hostile.ndjson"
    hostile.write_bytes(b"\n".join([line.encode() for line in clean_lines] + bad) + b"\n")
    kept_clean, _, clean_rejects = split(fmt_zeeschuimer.read(fixture, ["file:clean"]))
    assert kept_clean and not clean_rejects
    kept, _, rejects = split(fmt_zeeschuimer.read(hostile, ["file:hostile"]))
    assert kept_clean <= kept
    first_bad = len(clean_lines) + 1
    assert {r.line for r in rejects} == set(range(first_bad, first_bad + len(bad))), \
        [(r.line, r.field, r.reason) for r in rejects]
    assert all(r.reason for r in rejects)
