"""graphtool audit verify|show"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

AUDIT_OPTION = typer.Option(None, "--audit", help="Audit log (default: serve/audit.jsonl in the embedded store's "
                                                 "folder, else ./graphtool-serve/audit.jsonl).")


def _path(audit: Optional[Path]) -> Path:
    from .serve import paths

    return paths(None, audit)[1]


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The audit trail of graphtool serve.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def verify(audit: Optional[Path] = AUDIT_OPTION):
        """Check the hash chain; exit 1 naming the first broken line."""
        from ..serve.audit import verify as check

        path = _path(audit)
        verdict = check(path)
        if not verdict.ok:
            typer.echo(f"audit log BROKEN: {verdict.problem}", err=True)
            raise typer.Exit(1)
        typer.echo(f"audit log intact: {verdict.records} records in {path}; last hash {verdict.last_hash} "
                   "(keep it elsewhere: cutting lines off the end is only seen against it)")

    @audit_app.command("show")
    def show(user: Optional[str] = typer.Option(None, "--user", help="Only this user's records."),
             since: Optional[str] = typer.Option(None, "--since", help="From this time on (e.g. 2026-12-01)."),
             action: Optional[str] = typer.Option(None, "--action", help="login, logout, search, view, query, "
                                                                         "export, denied or user-change."),
             as_json: bool = typer.Option(False, "--json", help="JSON lines, as stored."),
             audit: Optional[Path] = AUDIT_OPTION):
        """The records, filtered."""
        from ..serve.audit import read
        from .common import _when

        _when(since, "--since")  # a clear error for a time it cannot read
        for entry in read(_path(audit), user=user, since=since, action=action):
            if as_json:
                typer.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
            else:
                detail = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in entry["detail"].items())
                typer.echo(f"{entry['time']}  {entry['user'] or '-'}  {entry['address'] or '-'}  {entry['action']}"
                           f"  {detail}")
