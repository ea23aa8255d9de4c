"""graphtool coordination: accounts that act on the same item within a time window."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..analyze.coordination import DEFAULT_SIMILARITY, DEFAULT_WINDOW_S, KINDS, Pair
from ..errors import ConfigError
from ..render.tables import csv_writer
from .common import echo_json, state

Kind = Enum("Kind", {k.replace("-", "_"): k for k in KINDS}, type=str)


def pair_rows(pairs: list[Pair], accounts: dict[str, dict], ids: str = "imported") -> list[list]:
    """CSV rows ``account_1, account_2, weight_12, weight_21`` sorted by the written ids.

    ``ids="imported"`` writes each account as its id in the imported file (its ``handle``),
    unless two accounts in the output share a handle (then store ids for all rows);
    ``ids="store"`` writes the store's account ids (``platform:handle``).
    """
    names = {p: p for pair in pairs for p in (pair.account_1, pair.account_2)}
    if ids == "imported":
        handles = {a: (accounts.get(a) or {}).get("handle") or a for a in names}
        if len(set(handles.values())) == len(handles):
            names = handles
    rows = []
    for p in pairs:
        a, b, w12, w21 = names[p.account_1], names[p.account_2], p.weight_12, p.weight_21
        if b < a:
            a, b, w12, w21 = b, a, w21, w12
        rows.append([a, b, w12, w21])
    return sorted(rows)


def register(app: typer.Typer) -> None:
    @app.command("coordination")
    def coordination(
        kind: Kind = typer.Option(Kind.co_share.value, "--kind", "-k", help="What counts as acting together."),
        window: float = typer.Option(DEFAULT_WINDOW_S, "--window", "-w", min=0,
                                     help="Seconds within which two actions on one item count as coordinated."),
        min_weight: int = typer.Option(1, "--min-weight", min=1,
                                       help="Keep a pair when one account's matched actions reach N (QUT's "
                                            "minimum edge weight)."),
        min_participation: int = typer.Option(1, "--min-participation", min=1,
                                              help="Leave out accounts with fewer than N actions of this kind "
                                                   "(CooRTweet's filter)."),
        similarity: float = typer.Option(DEFAULT_SIMILARITY, "--similarity", min=0.01, max=1.0,
                                         help="Jaccard threshold of co-similar-text."),
        permutations: int = typer.Option(0, "--permutations", min=0,
                                         help="Significance test: N runs with times shuffled within accounts; "
                                              "gives each pair a p-value."),
        seed: int = typer.Option(0, "--seed", help="Seed of the significance test and of Louvain."),
        out: Optional[Path] = typer.Option(None, "--out", "-o",
                                           help="Write pairs as CSV: account_1,account_2,weight_12,weight_21."),
        ids: str = typer.Option("imported", "--ids",
                                help="Account ids in --out: 'imported' (as in the imported file) or 'store'."),
        write: bool = typer.Option(True, "--write/--no-write",
                                   help="Store COORDINATED_WITH and group numbers (default) or only report."),
        top: int = typer.Option(10, "--top", min=0, help="Groups to list."),
        as_json: bool = typer.Option(False, "--json", help="Print the run and its groups as JSON."),
    ):
        """Find accounts that act together: co-share, co-link, co-text, co-similar-text, co-reply (QUT semantics)."""
        from ..analyze.coordination_store import run_coordination

        if ids not in ("imported", "store"):
            raise ConfigError(f"--ids must be 'imported' or 'store', not {ids!r}")
        run = run_coordination(state.store_with_data(), kind.value, window, min_weight=min_weight,
                               min_participation=min_participation, similarity=similarity,
                               permutations=permutations, seed=seed, write=write)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", newline="", encoding="utf-8") as handle:
                writer = csv_writer(handle)  # ids from imported files: no spreadsheet formulas
                writer.writerow(["account_1", "account_2", "weight_12", "weight_21"])
                writer.writerows(pair_rows(run.pairs, run.accounts, ids))
        for warning in run.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if as_json:
            echo_json(run.as_dict())
            return
        typer.echo(f"{run.kind}, window {window:g} s, min weight {min_weight}: {run.actions:,} actions, "
                   f"{len(run.pairs):,} coordinated pairs, {len(run.components):,} groups "
                   f"({len(run.communities):,} Louvain communities)")
        if run.skipped:
            typer.echo(f"{run.skipped:,} actions without a time were left out", err=True)
        if run.actions == 0:
            typer.echo(f"no {run.kind} actions in the store", err=True)
        if write:
            typer.echo(f"wrote {run.written:,} COORDINATED_WITH (run {run.run_id})")
        if out is not None:
            typer.echo(f"pairs written to {out}")
        for g in run.communities[:top]:
            span = ""
            if g.first_ts is not None:
                from ..values import iso

                span = f", {iso(int(g.first_ts))} .. {iso(int(g.last_ts))}"
            share = "" if g.state_affiliated_share is None else f", {g.state_affiliated_share:.0%} state-affiliated"
            plats = ", ".join(f"{k} {v}" for k, v in g.platforms.items())
            typer.echo(f"  community {g.id}: {len(g.members)} accounts, {g.edges} pairs, {len(g.items)} shared "
                       f"items{span} ({plats}){share}: {', '.join(g.members[:5])}"
                       + (" ..." if len(g.members) > 5 else ""))
