"""Watch rules: canned questions asked again after every import, and told once when the answer grows.

A rules file (``watch.toml``, or ``[[watch]]`` tables in a schedule manifest) lists rules::

    alerts = "alerts.jsonl"          # JSON lines, relative to the file (default: alerts.jsonl beside it)
    refresh = ["copies", "analyze"]  # analyses to bring up to date before the rules are asked

    [[rule]]
    name = "new uncredited copies of Global Times"
    query = "unattributed-copies"              # a canned query (graphtool query list)
    params = { limit = 10000 }
    where = { outlet = "outlet:global-times" } # rows whose columns equal these values
    key = ["copy", "original"]                 # the columns that identify a hit
    threshold = 1                              # fire when at least this many hits are new

    [[rule]]
    name = "an account newly joins a coordinated group"
    query = "coordinated-groups"
    params = { components = true }
    each = "members"                           # one hit per element of this list column
    key = ["members"]

    [[rule]]
    name = "the narrative's volume bursts"
    burst = "narrative:conservative-platform-breaks-ties"   # a narrative: one hit per burst
    z = 3.0
    min_count = 3

A hit's key is the rule name and its key values; its Alert id is a digest of that key, so a hit fires
once, ever: the next run finds its Alert in the store and stays silent.  New hits are appended to
the alerts file and stored as ``Alert`` nodes naming the ImportRun they followed.  ``run_watch``
returns a :class:`WatchReport`; its ``exit_code`` is 0 when nothing fired, 1 when something did
(2, from the CLI: the rules file is unusable).
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import internal_queries as Q
from . import model
from .errors import ConfigError, GraphtoolError
from .resources import read_toml
from .store import Store
from .values import iso

ALERT = model.node("Alert").label
EXIT_QUIET, EXIT_FIRED = 0, 1
RULE_KEYS = {"name", "query", "params", "where", "min", "key", "each", "threshold", "burst", "z", "min_count", "bin_s"}
FILE_KEYS = {"alerts", "refresh", "rule", "coordination"}
REFRESH = ("copies", "coordination", "analyze")


@dataclass
class Rule:
    name: str
    query: str | None = None
    params: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)
    min: dict = field(default_factory=dict)
    key: list[str] = field(default_factory=list)
    each: str | None = None
    threshold: int = 1
    burst: str | None = None   # narrative id: a burst rule
    z: float = 3.0
    min_count: int = 3
    bin_s: int = 3600


@dataclass
class Rules:
    path: Path
    rules: list[Rule]
    alerts: Path
    refresh: list[str] = field(default_factory=list)
    coordination: dict = field(default_factory=dict)


def parse_rules(data: dict, path: Path, rule_table: str = "rule") -> Rules:
    """Check a rules table; anything unusable is a :class:`ConfigError` naming the file and rule."""
    top = {k: v for k, v in data.items() if k in FILE_KEYS or k == rule_table}
    if rule_table == "rule":
        unknown = set(data) - FILE_KEYS
        if unknown:
            raise ConfigError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    refresh = top.get("refresh", [])
    if not isinstance(refresh, list) or any(r not in REFRESH for r in refresh):
        raise ConfigError(f"{path}: refresh must list some of {', '.join(REFRESH)}")
    rules, names = [], set()
    for number, raw in enumerate(top.get(rule_table) or [], start=1):
        where = f"{path}: [[{rule_table}]] #{number}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: not a table")
        unknown = set(raw) - RULE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        if not raw.get("name"):
            raise ConfigError(f"{where}: name is required")
        if raw["name"] in names:
            raise ConfigError(f"{where}: a second rule named {raw['name']!r}: names identify hits, keep them unique")
        names.add(raw["name"])
        if bool(raw.get("query")) == bool(raw.get("burst")):
            raise ConfigError(f"{where}: give either query = \"canned query\" or burst = \"narrative id\"")
        try:
            rule = Rule(**raw)
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if rule.query:
            from .queries import get_query

            try:
                q = get_query(rule.query)
            except GraphtoolError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            column_names = [c.name for c in q.columns]
            columns = set(column_names)
            bad = [c for c in [*rule.key, *rule.where, *rule.min, *([rule.each] if rule.each else [])]
                   if c not in columns]
            if bad:
                raise ConfigError(f"{where}: {rule.query} has no column {', '.join(bad)} "
                                  f"(columns: {', '.join(column_names)})")
            if not rule.key:
                raise ConfigError(f"{where}: key = [columns that identify a hit] is required")
        if not isinstance(rule.threshold, int) or rule.threshold < 1:
            raise ConfigError(f"{where}: threshold must be a positive integer")
        rules.append(rule)
    if not rules:
        raise ConfigError(f"{path}: lists no [[{rule_table}]]")
    alerts = path.parent / top.get("alerts", "alerts.jsonl")
    return Rules(path, rules, alerts, refresh, dict(top.get("coordination") or {}))


def load_rules(path: str | Path) -> Rules:
    """A ``watch.toml`` (``[[rule]]``), or a schedule manifest's ``[[watch]]`` rules."""
    path = Path(path).resolve()
    data = read_toml(path, "rules file")
    if "watch" in data or "source" in data:  # a schedule manifest
        section = data.get("schedule", {})
        return parse_rules({"rule": data.get("watch") or [], "alerts": section.get("alerts", "alerts.jsonl"),
                            "refresh": section.get("refresh", [])}, path)
    return parse_rules(data, path)


def hit_id(rule: str, key: list) -> str:
    """The Alert id of a hit: the same rule and key give the same id on every run."""
    text = json.dumps([rule, key], ensure_ascii=False, sort_keys=True, default=str)
    return "alert:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _query_hits(store: Store, rule: Rule) -> list[dict]:
    from .queries import get_query, run_query

    rows = run_query(store, get_query(rule.query), rule.params, from_text=False).rows
    hits = []
    for row in rows:
        if any(row.get(k) != v for k, v in rule.where.items()):
            continue
        if any(row.get(k) is None or row[k] < v for k, v in rule.min.items()):
            continue
        for value in (row.get(rule.each) or []) if rule.each else [None]:
            values = {k: (value if k == rule.each else row.get(k)) for k in rule.key}
            hits.append({"key": [values[k] for k in rule.key],
                         "summary": {**row, **({rule.each: value} if rule.each else {})}})
    return hits


def _burst_hits(store: Store, rule: Rule) -> list[dict]:
    from .analyze.timeline_store import build_timeline

    tl = build_timeline(store, rule.burst, bin_s=rule.bin_s, z=rule.z, min_count=rule.min_count)
    return [{"key": [rule.burst, b["start"]], "summary": b} for b in tl.bursts]


def _refresh(store: Store, rules: Rules, seed: int = 0) -> list[str]:
    done = []
    if "copies" in rules.refresh:
        from .analyze.copies_store import detect_copies

        detect_copies(store, show=False)
        done.append("copies")
    if "coordination" in rules.refresh:
        from .analyze.coordination_store import run_coordination

        c = rules.coordination
        run_coordination(store, c.get("kind", "co-share"), float(c.get("window_s", 60)),
                         min_weight=int(c.get("min_weight", 1)), permutations=int(c.get("permutations", 0)),
                         seed=int(c.get("seed", seed)), progress=False)
        done.append("coordination")
    if "analyze" in rules.refresh:
        from .analyze.scores_store import run_analyses

        run_analyses(store, seed=seed, progress=False)
        done.append("analyze")
    return done


@dataclass
class WatchReport:
    rules: int
    fired: dict[str, int]            # rule -> new hits (only rules that fired)
    alerts: list[dict]
    alerts_file: Path
    refreshed: list[str]
    import_run: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_FIRED if self.fired else EXIT_QUIET

    def as_dict(self) -> dict:
        return {"rules": self.rules, "fired": self.fired, "alerts": self.alerts,
                "alerts_file": str(self.alerts_file), "refreshed": self.refreshed, "import_run": self.import_run}


def run_watch(store: Store, rules: Rules | str | Path, import_run: str | None = None,
              now: datetime | None = None) -> WatchReport:
    """Ask every rule; store and append the hits not seen before; say which rules fired."""
    from .load.records import node_record
    from .load.writer import write_records

    rules = rules if isinstance(rules, Rules) else load_rules(rules)
    refreshed = _refresh(store, rules)
    fired_at = iso(int((now or datetime.now(timezone.utc)).timestamp()))
    fired, alerts = {}, []
    for rule in rules.rules:
        hits = _burst_hits(store, rule) if rule.burst else _query_hits(store, rule)
        by_id = {}
        for h in hits:
            by_id.setdefault(hit_id(rule.name, h["key"]), h)
        seen = {r["id"] for r in Q.ALERTS_SEEN.read(store, {"ids": sorted(by_id)})}
        new = [(i, by_id[i]) for i in sorted(by_id) if i not in seen]
        if len(new) < rule.threshold:
            continue
        fired[rule.name] = len(new)
        for i, h in new:
            alerts.append({"id": i, "rule": rule.name, "key": h["key"], "fired_at": fired_at,
                           "import_run": import_run, "summary": h["summary"]})
    if alerts:
        records = [node_record(ALERT, {"id": a["id"], "rule": a["rule"], "fired_at": a["fired_at"],
                                       "key": json.dumps(a["key"], ensure_ascii=False, default=str),
                                       "summary": json.dumps(a["summary"], ensure_ascii=False, default=str,
                                                             sort_keys=True),
                                       **({"import_run": import_run} if import_run else {})}) for a in alerts]
        write_records(store, records)
        rules.alerts.parent.mkdir(parents=True, exist_ok=True)
        with rules.alerts.open("a", encoding="utf-8") as handle:
            for a in alerts:
                handle.write(json.dumps(a, ensure_ascii=False, default=str, sort_keys=True) + "\n")
    return WatchReport(len(rules.rules), fired, alerts, rules.alerts, refreshed, import_run)


def after_schedule(manifest: str | Path, store: Store, import_run: str | None) -> WatchReport | None:
    """The manifest's ``[[watch]]`` rules, asked after a scheduled run (None when it has none)."""
    try:
        data = tomllib.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # the run itself reported the manifest's problem
    if not data.get("watch"):
        return None
    return run_watch(store, load_rules(manifest), import_run=import_run)


__all__ = ["Rule", "Rules", "WatchReport", "load_rules", "parse_rules", "run_watch", "after_schedule", "hit_id",
           "EXIT_QUIET", "EXIT_FIRED"]
