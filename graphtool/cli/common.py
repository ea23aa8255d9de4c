"""What every command shares: the open store and how results are printed."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import typer

from .. import internal_queries as Q
from ..errors import ConfigError, NotFoundError
from ..store import Store, embedded_dir, open_store, store_url


def _embedded_path(url: str) -> Path | None:
    """The data directory of an ``embedded:`` URL; None for any other store."""
    return Path(embedded_dir(url)).resolve() if url.split(":", 1)[0].lower() == "embedded" else None


@dataclass
class State:
    store_url: str | None = None
    database: str | None = None
    verbose: int = 0
    _store: Store | None = None

    def store(self) -> Store:
        """The store, opened once; starting the embedded server is said once, with how to stop it."""
        if self._store is None:
            from ..store.embedded import EmbeddedServer

            data_dir = _embedded_path(store_url(self.store_url))
            was_running = data_dir is None or EmbeddedServer(data_dir).running()
            self._store = open_store(self.store_url, database=self.database)
            if not was_running:
                server = EmbeddedServer(data_dir)
                typer.echo(f"started the embedded FalkorDB server of {data_dir} (pid {server.pid()}); it keeps "
                           f"running for the next commands: `graphtool --store embedded:{data_dir} db stop` "
                           "stops it", err=True)
        return self._store

    def store_with_data(self) -> Store:
        """The store, for a command that reads what was imported: no store there, or an empty one, is an error.

        Without this check ``map`` would write a "0 of 0 nodes" page and ``analyze`` record an empty run.
        """
        url = store_url(self.store_url)
        data_dir = _embedded_path(url)
        if data_dir is not None and not data_dir.is_dir():  # checked before opening: opening creates it
            raise ConfigError(f"no store at {data_dir}: import data first (graphtool --store embedded:{data_dir} "
                              "import FILES) or name another store with --store")
        store = self.store()
        if not Q.ANY_NODE.read(store):
            raise NotFoundError(f"the store {store.describe()} is empty: import data first "
                                f"(graphtool --store {store.describe()} import FILES)")
        return store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


state = State()


class RejectPrinter:
    """``on_reject`` for the CLI: each rejected row on stderr, the first 20 (all with -v); then how many more."""

    SHOWN = 20

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, reject) -> None:
        self.count += 1
        if self.count <= self.SHOWN or state.verbose:
            typer.echo(f"rejected {reject}", err=True)

    def close(self) -> None:
        if self.count > self.SHOWN and not state.verbose:
            typer.echo(f"... and {self.count - self.SHOWN} more rejected rows (-v shows all)", err=True)

    @classmethod
    def show_all(cls, rejects) -> None:
        """Print the rejects of a finished read the same way."""
        show = cls()
        for reject in rejects:
            show(reject)
        show.close()


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _when(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    from ..values import parse_time

    try:
        return parse_time(text)
    except (ValueError, OverflowError) as exc:
        raise ConfigError(f"{option} {text!r}: not a time ({exc}); use e.g. 2021-09-01 or 2021-09-01T12:00:00Z") from None


def time_window(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """``--since`` / ``--until`` as epoch seconds, both inclusive, read as people write them.

    ``--until 2021-09-20`` includes that whole day (to 23:59:59 UTC), as the maps' own date filter
    does; ``--since`` after ``--until`` is an error.
    """
    start, end = _when(since, "--since"), _when(until, "--until")
    if end is not None and _DATE_ONLY.fullmatch(until.strip()):
        end += 86400 - 1
    if start is not None and end is not None and start > end:
        raise ConfigError(f"--since {since} is after --until {until}: nothing can be in that window")
    return start, end


def json_safe(value):
    """Plain JSON data: maps with string keys, lists for tuples and sets, paths and other objects as
    text, and ``null`` for a float that is not finite (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return str(value)


def echo_json(value, out: Path | None = None) -> None:
    """``--json``: the value as JSON (docs/json.md gives each command's shape), to stdout or to ``out``."""
    text = json.dumps(json_safe(value), ensure_ascii=False, indent=2, allow_nan=False)
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
