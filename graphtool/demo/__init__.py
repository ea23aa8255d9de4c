"""``graphtool demo``: the one command that shows what graphtool does, on the Canada 2021 case.

It makes a fresh embedded store in a new directory, then runs each step in ``STEPS`` in
order.  A step is ``(title, function)``; the function (in :mod:`graphtool.demo.steps`) takes a
:class:`DemoContext` and returns lines to print.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..store import Store, open_store
from ..store.embedded import EmbeddedServer
from . import steps

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # graphtool/
CASE_DIR = PACKAGE_DIR.parent / "imports" / "cases" / "canada-2021"


@dataclass
class DemoContext:
    store: Store
    out: Path
    case_dir: Path
    seed: int = 42
    results: dict = field(default_factory=dict)  # what earlier steps found, for later ones


def case_dir() -> Path:
    """The case folder: next to the package in a checkout, or bundled in an installed wheel."""
    bundled = PACKAGE_DIR / "cases" / "canada-2021"
    return CASE_DIR if CASE_DIR.exists() else bundled


def _fresh_dir(out: Path | None) -> Path:
    if out is not None:
        return Path(out)
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
    return ctx
