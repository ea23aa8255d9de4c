"""``graphtool demo``: the one command that shows what graphtool does, on the Canada 2021 case.

It makes a fresh embedded store in a new directory, imports the case, then runs each step
in ``STEPS`` in order.  A step is ``(title, function)``; the function takes a
:class:`DemoContext` and returns lines to print.  Analyses add their step here.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .load import import_paths
from .store import Store, open_store
from .store.embedded import EmbeddedServer

CASE_DIR = Path(__file__).resolve().parent.parent / "imports" / "cases" / "canada-2021"


@dataclass
class DemoContext:
    store: Store
    out: Path
    case_dir: Path
    seed: int = 42
    results: dict = field(default_factory=dict)  # what earlier steps found, for later ones


def case_dir() -> Path:
    """The case folder: next to the package in a checkout, or bundled in an installed wheel."""
    bundled = Path(__file__).resolve().parent / "cases" / "canada-2021"
    return CASE_DIR if CASE_DIR.exists() else bundled


def _fresh_dir(out: Path | None) -> Path:
    if out is not None:
        return Path(out)
    n = 1
    while Path(f"graphtool-demo-{n}").exists():
        n += 1
    return Path(f"graphtool-demo-{n}")


def step_import(ctx: DemoContext) -> list[str]:
    result = import_paths(ctx.store, [ctx.case_dir], rejects_path=ctx.out / "rejects.csv")
    counts = ctx.store.counts()
    ctx.results["import"] = result
    nodes = ", ".join(f"{n:,} {label}" for label, n in counts["nodes"].items() if n)
    rels = ", ".join(f"{n:,} {t}" for t, n in counts["relationships"].items() if n)
    return [f"imported {len(result.files)} files from {ctx.case_dir.name} ({result.rejected} rejected)",
            f"nodes: {nodes}", f"relationships: {rels}"]


# (title, "module:function") — resolved lazily so that one analysis' import cost is paid only here.
STEPS: list[tuple[str, str]] = [
    ("Import the case", "graphtool.demo:step_import"),
    ("Scheduled imports: incremental, one run at a time, crash-safe", "graphtool.schedule:demo_step"),
    ("Find coordinated groups", "graphtool.analyze.coordination_store:demo_step"),
    ("Detect copies, trace each narrative's cascade, draw its timeline", "graphtool.analyze.provenance:demo_step"),
    # after copy detection and coordination: the affiliation score reads COPIES and COORDINATED_WITH
    ("Score accounts: centrality, communities, state affiliation", "graphtool.analyze:demo_step"),
    ("Ask the canned queries", "graphtool.queries:demo_step"),
    ("Write the maps", "graphtool.render.views:demo_step"),  # keep last: draws the scores the analyses stored
]


def _resolve(target: str) -> Callable[[DemoContext], list[str]]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def run_demo(out: Path | None = None, echo: Callable[[str], None] = print, keep_running: bool = False) -> DemoContext:
    out = _fresh_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = out / "store"
    echo(f"graphtool demo: the Canada 2021 case (synthetic reconstruction) in {out}/")
    store = open_store(f"embedded:{data_dir}")
    ctx = DemoContext(store=store, out=out, case_dir=case_dir())
    try:
        for number, (title, target) in enumerate(STEPS, start=1):
            echo(f"\n[{number}/{len(STEPS)}] {title}")
            for line in _resolve(target)(ctx):
                echo(f"  {line}")
    finally:
        store.close()
        if not keep_running:
            EmbeddedServer(data_dir).stop()
    echo(f"\nDone. Explore further with: graphtool --store embedded:{data_dir} stats")
    return ctx
