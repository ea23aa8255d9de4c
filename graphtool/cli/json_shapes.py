"""What `--json` prints, command by command: the documented shapes (docs/json.md is generated from here).

Every command that prints results takes `--json` and then prints one JSON value on stdout and
nothing else there (progress, warnings and notices go to stderr); commands whose `--out` / `-o`
names a result file of their own (`map`, `timeline`, `report`, `export stix`,
`coordination`) still write it and list it in the JSON; `query run` and `trace` write the JSON
itself to `-o FILE` when given.  Keys listed here are always present (`null` when there is
no value); a shape may carry more keys, documented in the command's own doc.  Floats are written in
full precision; a value that is not a finite number is `null`.  tests/test_json.py runs every
command below and checks these keys.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """The JSON one command prints: an object with `keys`, or (`array`) a list of such objects."""

    command: str
    doc: str
    keys: dict  # key -> what it holds: always present
    array: bool = False
    optional: dict | None = None  # key -> what it holds: present when that part ran


SHAPES: tuple[Shape, ...] = (
    Shape("import", "What an import wrote.", {
        "files": "the files read", "nodes": "{label: rows written}", "relationships": "{type: rows written}",
        "rejected": "rows rejected (see --rejects)", "warnings": "rows kept with a warning"}),
    Shape("stats", "What the store holds.", {
        "nodes": "{label: count}", "relationships": "{type: count}"}),
    Shape("db status", "Which store, and whether it answers (exit 1 when the embedded server is not running).", {
        "store": "the store URL, password hidden", "kind": "embedded, bolt, neo4j, neo4j+s, falkordb, ...",
        "running": "true when it answers", "pid": "the embedded server's process id (else null)",
        "data_dir": "the embedded store's folder (else null)"}),
    Shape("query list", "The canned queries.", {
        "name": "the name to run it by", "question": "the question it answers", "description": "what it returns",
        "params": "[{name, type, required, default, doc}]", "columns": "[{name, doc}]"}, array=True),
    Shape("query run", "A query's result (`--format json` prints the rows alone).", {
        "query": "the query's name (or adhoc)", "columns": "the columns, in order",
        "rows": "[{column: value}]", "truncated": "true when --limit stopped it"}),
    Shape("analyze", "An analysis run (`--graph follows`: the follow communities, see docs/scores.md).", {
        "run": "the run id stored on every scored node", "at": "when (ISO-8601 UTC)", "seed": "the seed",
        "parts": "the parts run", "graphs": "{projection: {nodes, edges}}", "warnings": "what limits the result",
        "timings": "{step: seconds}", "written": "nodes whose scores were written"},
        optional={"centrality": "tops by PageRank, strength, betweenness", "communities": "engine, modularity, "
                  "count, largest", "affiliation": "clarity counts, top, unclear",
                  "exported": "files written by --export"}),
    Shape("explain", "One account's or outlet's stored scores and reasons (a list: an id may name several nodes).", {
        "label": "Account or Outlet", "id": "the store id", "identifiers": "identifiers matched, with their sources",
        "analysis_run": "the run that scored it (null: not analysed)"}, array=True),
    Shape("copies", "A copy-detection run.", {
        "run_id": "the run id", "articles": "articles considered", "candidates": "candidate pairs compared",
        "copies": "COPIES found", "attributed": "copies that credit the original",
        "unattributed": "copies that do not", "pairs": "[{copy, original, similarity, containment, lag_s, "
        "attributed, credit, ...}]"}),
    Shape("coordination", "A coordination run on the store (with FILES: kind, window_s, rows, actions, rejected, "
          "pairs, out).", {
              "run_id": "the run id", "kind": "co-share, co-link, co-text, co-similar-text, co-reply or co-media",
              "window_s": "the window", "min_weight": "the minimum weight", "actions": "actions read",
              "pairs": "coordinated pairs", "written": "COORDINATED_WITH written", "warnings": "e.g. time resolution",
              "time_resolution_s": "the data's time resolution (null: unknown)",
              "components": "[group]", "communities": "[group: id, members, edges, items, platforms, ...]",
              "out": "the network file written by --out (or null)"}),
    Shape("trace", "Cascade trees (also written to -o FILE).", {
        "article": "the traced article (or null)", "narrative": "the traced narrative (or null)",
        "narrative_name": "its name", "first": "the first article carrying it",
        "trees": "[{origin, hops: [{article, parent, kind, lag_s, credited, attribution_stripped, ...}]}]"}),
    Shape("timeline", "A narrative's timeline (the figure and page are written to --out).", {
        "narrative": "its id", "name": "its name", "bin_s": "bin width", "posts": "posts counted",
        "shares": "shares counted", "volume": "{start, bins, platforms: {platform: [counts]}}",
        "first_appearance": "first post or share per platform", "events": "the events",
        "bursts": "bursts found", "event_alignment": "activity before and after each event",
        "written": "the files written"}),
    Shape("map", "The map written (`--list-narratives --json`: a list of {id, name}).", {
        "path": "the main page", "pages": "every page written", "view": "the view drawn",
        "kind": "full, overview or top", "total_nodes": "nodes in the view", "total_edges": "edges in the view",
        "shown_nodes": "nodes on the main page", "notes": "what was left out and why"}),
    Shape("schedule status", "The latest scheduled runs.", {
        "lock": "who holds the manifest's lock (null: free or no manifest)",
        "runs": "[{id, started_at, ended_at, outcome, files, skipped, counts, rejects, error}]"}),
    Shape("report", "The report written.", {"written": "the files written (HTML, then PDF)"}),
    Shape("export stix", "The STIX bundle written.", {"written": "[the bundle file]"}),
    Shape("watch run", "A watch run.", {
        "rules": "rules asked", "fired": "{rule: new hits}", "alerts": "the new alerts",
        "alerts_file": "where they were appended", "refreshed": "analyses refreshed first",
        "import_run": "the import run it followed (or null)"}),
)

SHAPE_BY_COMMAND = {s.command: s for s in SHAPES}


def json_markdown() -> str:
    """docs/json.md."""
    lines = ["# JSON output", "", "Generated from `graphtool/cli/json_shapes.py` by `python -m graphtool.docs`; "
             "do not edit by hand.", ""]
    lines += [line.strip() for line in __doc__.split("\n\n", 1)[1].strip().splitlines()]
    lines += ["", "Tables (`query run`) that do not fit the terminal (`$COLUMNS`, else its width) print one record "
              "per block instead; CSV (`--format csv`, `coordination --out`) keeps floats at full precision.", ""]
    for s in SHAPES:
        lines += [f"## graphtool {s.command} --json", "", s.doc + (" A JSON array of objects with these keys:"
                                                              if s.array else " A JSON object with these keys:"), "",
                  "| key | holds |", "|---|---|"]
        lines += [f"| `{k}` | {v.replace('|', '/')} |" for k, v in s.keys.items()]
        lines += [f"| `{k}` | {v.replace('|', '/')} (when that part ran) |" for k, v in (s.optional or {}).items()]
        lines.append("")
    return "\n".join(lines)
