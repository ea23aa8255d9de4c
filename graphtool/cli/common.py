"""What every command shares: the open store and how results are printed."""
from __future__ import annotations

import json
from dataclasses import dataclass

import typer

from ..store import Store, open_store


@dataclass
class State:
    store_url: str | None = None
    database: str | None = None
    verbose: int = 0
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.store_url, database=self.database)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


state = State()


def echo_json(value) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False))
