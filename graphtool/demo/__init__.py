"""``graphtool demo``: the one command that shows what graphtool does, on the Canada 2021 case.

It makes a fresh embedded store in a new directory, then runs each step in ``STEPS`` in
order.  A step is ``(title, function)``; the function (in :mod:`graphtool.demo.steps`) takes a
:class:`DemoContext` and returns lines to print.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ConfigError
from ..resources import data_dir as packaged_dir
from ..store import Store, open_store
from ..store.embedded import EmbeddedServer
from . import steps

CASE_DIR = packaged_dir("imports") / "cases" / "canada-2021"  # shipped in the package (graphtool.resources)


@dataclass
class DemoContext:
    store: Store
    out: Path
    case_dir: Path
    seed: int = 42
    results: dict = field(default_factory=dict)  # what earlier steps found, for later ones


def case_dir() -> Path:
    """The case folder, as shipped with graphtool (a wheel or a checkout)."""
    if not (CASE_DIR / "Account.csv").is_file():
        raise ConfigError(f"the demo case is missing from this installation ({CASE_DIR}): reinstall graphtool")
    return CASE_DIR


def _fresh_dir(out: Path | None) -> Path:
    if out is not None:
        out = Path(out)
        for store_dir in (out / "store", out):  # a demo's store, or a store itself (falkordb.pid, appendonlydir)
            if any((store_dir / name).exists() for name in ("falkordb.pid", "falkordb.sock", "appendonlydir")):
                raise ConfigError(f"--out {out}: {store_dir} already holds a store; the demo needs a new directory "
                                  "(or delete that one)")
        return out
    n = 1
    while Path(f"graphtool-demo-{n}").exists():
        n += 1
    return Path(f"graphtool-demo-{n}")


STEPS: list[tuple[str, Callable[[DemoContext], list[str]]]] = [
    ("Import the case", steps.import_case),
    ("Scheduled imports: incremental, one run at a time, crash-safe", steps.scheduled_imports),
    ("Find coordinated groups", steps.coordinated_groups),
    ("Detect copies, trace each narrative's cascade, draw its timeline", steps.copies_and_cascades),
    # after copy detection and coordination: the affiliation score reads COPIES and COORDINATED_WITH
    ("Score accounts: centrality, communities, state affiliation", steps.scores),
    ("Ask the canned queries", steps.canned_queries),
    ("Write the report and the STIX bundle", steps.report_and_stix),
    ("Write the maps", steps.maps),  # keep last: draws the scores the analyses stored
]


def run_demo(out: Path | None = None, echo: Callable[[str], None] = print, keep_running: bool = False) -> DemoContext:
    out = _fresh_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = out / "store"
    echo(f"graphtool demo: the Canada 2021 case (synthetic reconstruction) in {out}/")
    store = open_store(f"embedded:{data_dir}")
    ctx = DemoContext(store=store, out=out, case_dir=case_dir())
    try:
        for number, (title, step) in enumerate(STEPS, start=1):
            echo(f"\n[{number}/{len(STEPS)}] {title}")
            for line in step(ctx):
                echo(f"  {line}")
    finally:
        store.close()
        if not keep_running:
            EmbeddedServer(data_dir).stop()
    echo(f"\nDone. Explore further with: graphtool --store embedded:{data_dir} stats")
    echo(f"Open it in the browser workspace: graphtool --store embedded:{data_dir} serve --demo (prints a one-time "
         "account; docs/serve.md says how to add accounts for a team)")
    return ctx
