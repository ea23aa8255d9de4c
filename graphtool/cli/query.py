"""graphtool query list|show|run"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import QueryError
from ..render.tables import FORMATS, render, rich_table, table_fits, terminal_width, vertical
from .common import echo_json, state

query_app = typer.Typer(help="Canned Cypher queries: list them, show one, run one read-only with typed parameters.",
                        no_args_is_help=True)


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"-p {pair[:40]!r}: expected key=value")
        if key.strip() in given:
            raise QueryError(f"-p {key.strip()}: given twice")
        given[key.strip()] = value
    return given


def query_entry(q) -> dict:
    """One query for ``query list --json`` (docs/json.md)."""
    return {"name": q.name, "question": q.question, "description": q.description,
            "params": [{"name": p.name, "type": p.type, "required": p.required,
                        "default": None if p.required else p.default, "doc": p.doc} for p in q.params],
            "columns": [{"name": c.name, "doc": c.doc} for c in q.columns]}


@query_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print the queries with their parameters and columns "
                                                             "as JSON.")):
    """List the canned queries with the question each answers."""
    from ..queries import load_queries  # here, as below: the queries' module is no other command's start-up

    if as_json:
        echo_json([query_entry(q) for q in load_queries().values()])
        return
    for q in load_queries().values():
        typer.echo(f"{q.name:<32} {q.question}")


@query_app.command()
def show(name: str = typer.Argument(..., help="Query name (see `graphtool query list`) or a .cypher file.")):
    """Show a query: what it answers, its parameters, its columns and its Cypher."""
    from ..queries import get_query
    from ..render.text import query_lines

    for line in query_lines(get_query(name)):
        typer.echo(line)


@query_app.command()
def run(
    name: Optional[str] = typer.Argument(None, help="Query name (see `graphtool query list`) or a .cypher file "
                                                    "(a header is optional)."),
    cypher: Optional[str] = typer.Option(None, "--cypher", "-c", help="Run this Cypher instead: any read-only "
                                         "query, values as $parameters given with -p."),
    param: List[str] = typer.Option([], "--param", "-p", help="A parameter as key=value; repeat for more."),
    fmt: str = typer.Option("table", "--format", "-f", help=f"Output format: {', '.join(FORMATS)}."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0,
                                        help="At most N rows (sets the query's $limit when it has one)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=0.001, help="Give up after S seconds."),
    as_json: bool = typer.Option(False, "--json", help="Print {query, columns, rows, truncated} as JSON "
                                                       "(--format json prints the rows alone)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the output to this file instead of stdout."),
):
    """Run a canned or ad-hoc query read-only; values go in only as parameters.

    Writes, LOAD CSV, administration commands and procedures other than schema listings are refused.
    """
    from ..queries import adhoc_query, get_query, run_query

    if fmt not in FORMATS:
        raise QueryError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if (name is None) == (cypher is None):
        raise QueryError("give a query NAME (or a .cypher file) or --cypher 'MATCH ... RETURN ...', not both")
    q = adhoc_query(cypher) if cypher is not None else get_query(name)
    result = run_query(state.store_with_data(), q, _parse_pairs(param), limit=limit, timeout=timeout)
    if as_json:
        echo_json({"query": q.name, "columns": list(result.columns), "rows": result.rows,
                   "truncated": bool(result.truncated)}, out)
    elif out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(result.columns, result.rows, fmt), encoding="utf-8", newline="")
    elif fmt == "table" and not table_fits(result.columns, result.rows, terminal_width()):
        typer.echo(vertical(result.columns, result.rows), nl=False)  # too wide: one record per block
    elif fmt == "table" and sys.stdout.isatty():
        from rich.console import Console

        Console().print(rich_table(result.columns, result.rows, title=q.name))
    else:
        typer.echo(render(result.columns, result.rows, fmt), nl=False)
    if fmt == "table" and not as_json:
        typer.echo(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}", err=True)
    if result.truncated:
        typer.echo(f"(stopped at --limit {limit} rows)", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(query_app, name="query")
