"""graphtool report | export stix | watch run: findings others can read, import and be alerted by."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import echo_json, state

export_app = typer.Typer(help="Export findings for other tools: STIX 2.1 bundles (OpenCTI, MISP).",
                         no_args_is_help=True)
watch_app = typer.Typer(help="Watch rules: canned questions asked again, alerting once per new hit.",
                        no_args_is_help=True)


@export_app.command("stix")
def stix(
    out: Path = typer.Option(..., "--out", "-o", help="The bundle file to write (.json)."),
    narrative: Optional[str] = typer.Option(None, "--narrative", "-n", help="Only this narrative's findings."),
    account: Optional[str] = typer.Option(None, "--account", "-a", help="Only this account's findings."),
    as_json: bool = typer.Option(False, "--json", help="Print {written: [path]} as JSON."),
):
    """Write the findings as a STIX 2.1 bundle with DISARM techniques (deterministic: same store, same bytes)."""
    from ..render.stix import write_stix

    written = write_stix(state.store_with_data(), out, narrative, account)
    if as_json:
        echo_json({"written": [written]})
        return
    typer.echo(f"wrote {written}")


@watch_app.command("run")
def watch_run(
    rules: Path = typer.Argument(..., help="watch.toml ([[rule]]) or a schedule manifest with [[watch]] rules."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
):
    """Ask every rule; append new hits to the alerts file and store them as Alerts.

    Exit codes: 0 nothing new, 1 a rule fired (new alerts written), 2 the rules file is unusable.
    """
    from ..watch import run_watch

    result = run_watch(state.store_with_data(), rules)
    if as_json:
        echo_json(result.as_dict())
    else:
        for name, n in result.fired.items():
            typer.echo(f"fired: {name}: {n} new hit{'s' if n != 1 else ''}")
        typer.echo(f"{len(result.alerts)} new alert(s) from {result.rules} rule(s)"
                   + (f", appended to {result.alerts_file}" if result.alerts else ""))
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        out: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write."),
        narrative: Optional[str] = typer.Option(None, "--narrative", "-n", help="Report on this narrative only."),
        account: Optional[str] = typer.Option(None, "--account", "-a", help="Report on this account only."),
        pdf: bool = typer.Option(False, "--pdf", help="Also print it to PDF (beside it) with headless Chromium."),
        as_json: bool = typer.Option(False, "--json", help="Print {written: [paths]} as JSON."),
    ):
        """Write a self-contained investigation report (HTML, optionally PDF) of what the analyses found."""
        from ..render.report import write_report

        written = list(write_report(state.store_with_data(), out, narrative, account, pdf=pdf))
        if as_json:
            echo_json({"written": written})
            return
        for path in written:
            typer.echo(f"wrote {path}")

    app.add_typer(export_app, name="export")
    app.add_typer(watch_app, name="watch")
