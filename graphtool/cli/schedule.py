"""graphtool schedule run|status"""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Optional

import typer

from ..store import redact
from ..render.tables import terminal_width, vertical
from .common import RejectPrinter, echo_json, state

schedule_app = typer.Typer(help="Scheduled imports for cron or systemd timers: run a manifest, show recent runs.",
                           no_args_is_help=True)


def _terminate(signum, frame):
    raise KeyboardInterrupt  # recorded as a failed run, and the lock is released


@schedule_app.command("run")
def run(
    manifest: Path = typer.Argument(..., help="The schedule manifest (TOML); see docs/scheduling.md."),
    lock: Optional[Path] = typer.Option(None, "--lock", help="Lock file (default: from the manifest, or "
                                                             ".MANIFEST.lock beside it)."),
    log: Optional[Path] = typer.Option(None, "--log", help="Also append the run's JSON line to this file."),
):
    """Import the new or changed files a manifest lists, once at a time; print the run as one JSON line.

    Exit codes: 0 ok (or nothing new), 1 finished with rejects, 2 could not run, 3 another run holds the lock,
    4 failed on an unexpected error (the other files were imported; the run log says why).
    """
    from ..schedule import run_schedule  # here, as below: the scheduler is no other command's start-up

    signal.signal(signal.SIGTERM, _terminate)
    show = RejectPrinter()
    report = run_schedule(manifest, state.store, lock_path=lock, log_path=log, on_reject=show)
    typer.echo(report.line())
    if report.error:
        typer.echo(f"error: {redact(report.error)}", err=True)
    raise typer.Exit(report.exit_code)


@schedule_app.command("status")
def status(
    manifest: Optional[Path] = typer.Argument(None, help="Only this manifest's runs, and its lock."),
    limit: int = typer.Option(10, "--limit", "-n", help="How many runs to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """Show the latest scheduled runs from the store's run log (and who holds a manifest's lock)."""
    from ..schedule import _alive, load_manifest, read_lock, recent_runs

    holder = None
    if manifest is not None:
        info = read_lock(load_manifest(manifest).lock)
        if info:
            holder = {**info, "state": "held" if _alive(int(info.get("pid", 0) or 0)) else "stale (pid gone)"}
    runs = recent_runs(state.store(), manifest, limit)
    if as_json:
        echo_json({"lock": holder, "runs": runs})
        return
    if manifest is not None:
        if holder is None:
            typer.echo("lock: free")
        else:
            typer.echo(f"lock: {holder['state']}, pid {holder.get('pid')} since {holder.get('since')}")
    if not runs:
        typer.echo("no scheduled runs in the store yet")
        return
    table = [{"started": r["started_at"] or "", "ended": r["ended_at"] or "-", "outcome": r["outcome"],
              "files": len(r["files"]), "skipped": r["skipped"] or 0,
              "rows": sum(r["counts"].get("nodes", {}).values()) + sum(r["counts"].get("relationships", {}).values()),
              "rejects": r["rejects"] or 0, "run": r["id"], "error": r.get("error") if state.verbose else None}
             for r in runs]
    lines = [f"{'started':<21} {'ended':<21} {'outcome':<9} {'files':>5} {'skipped':>7} {'rows':>9} {'rejects':>7}  run"]
    for t in table:
        lines.append(f"{t['started']:<21} {t['ended']:<21} {t['outcome']:<9} {t['files']:>5} {t['skipped']:>7} "
                     f"{t['rows']:>9,} {t['rejects']:>7}  {t['run']}")
        if t["error"]:
            lines.append(f"    {t['error']}")
    if max(map(len, lines)) > terminal_width():  # too wide for the terminal: one record per block
        typer.echo(vertical([c for c in table[0] if state.verbose or c != "error"], table), nl=False)
        return
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")
