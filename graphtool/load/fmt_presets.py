"""Presets: mapping files shipped for the export layouts of common listening tools.

Each ``imports/mappings/*.toml`` with a ``[preset]`` table is a format of its own, named by
``preset.name`` (``graphtool import --format crowdtangle``) and recognised by its header: a CSV
whose header holds every column of ``preset.required`` is read through that mapping.  The rest
of the file is an ordinary mapping (``docs/formats.md``, "Mapped exports"); a preset adds:

- ``required``: the columns that recognise the layout and must be present; the other mapped
  columns are optional (tools drop empty columns from exports);
- ``strip_prefix``: a prefix to remove from a column's values (``"@"`` before handles);
- ``other_platform``: the platform for values of the platform column that ``[values.platform]``
  does not list (a news outlet's name in a column that otherwise names social networks);
- ``zones``: time-zone abbreviations the tool writes after times (``EDT``) and their offsets,
  since abbreviations are ambiguous and :func:`~datetime.datetime.strptime` cannot read them.

Presets are found where the shipped mappings are (:func:`graphtool.resources.data_dir`), so an
installed graphtool has them too.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..errors import ConfigError
from ..resources import data_dir
from . import register
from .fmt_mapped import Mapping, _records, load_mapping
from .fmt_zeeschuimer import records_by_row
from .records import Origin
from .rows import raw_of, read_csv, require_columns
from .shares import header_matches


def presets_dir() -> Path:
    return data_dir("imports") / "mappings"


class Preset:
    """One shipped mapping, usable as a format (``sniff`` / ``read``)."""

    def __init__(self, path: Path, table: dict):
        self.path = path
        self.name = str(table["name"])
        self.required = tuple(str(c) for c in table.get("required") or ())
        self.strip_prefix = {str(k): str(v) for k, v in (table.get("strip_prefix") or {}).items()}
        self.zones = {str(k): str(v) for k, v in (table.get("zones") or {}).items()}
        self.other_platform = table.get("other_platform")
        self._zone_pattern = re.compile(r"\s(" + "|".join(map(re.escape, self.zones)) + r")$") if self.zones else None
        self._mapping: Mapping | None = None
        if not self.required:
            raise ConfigError(f"{path}: [preset] needs the columns that recognise the layout (required = [...])")

    @property
    def mapping(self) -> Mapping:
        if self._mapping is None:
            self._mapping = load_mapping(self.path)
        return self._mapping

    def sniff(self, path: Path) -> bool:
        return Path(path).suffix.lower() == ".csv" and header_matches(path, tuple(c.lower() for c in self.required))

    def _fixed(self, values: dict, mapping: Mapping) -> dict:
        out = dict(values)
        for column, prefix in self.strip_prefix.items():
            if isinstance(out.get(column), str):
                out[column] = out[column].strip().removeprefix(prefix)
        platform_column = mapping.column_for("Article", "platform")
        if self.other_platform and platform_column and str(out.get(platform_column) or "").strip():
            if out[platform_column].strip() not in mapping.values.get("platform", {}):
                out[platform_column] = self.other_platform
        if self._zone_pattern:
            for column, (_, prop) in mapping.columns.items():
                text = out.get(column)
                if prop.endswith("_at") and isinstance(text, str):
                    out[column] = self._zone_pattern.sub(lambda m: " " + self.zones[m.group(1)], text.strip())
        return out

    def read(self, path: Path, default_sources: list[str] | None = None, mapping=None) -> Iterator:
        """Validated records and rejects from one export in this preset's layout."""
        path = Path(path)
        base = load_mapping(mapping) if isinstance(mapping, (str, Path)) else (mapping or self.mapping)
        rows = read_csv(path)
        state: dict = {}

        def to_records(values: dict, origin: Origin) -> list:
            if "mapping" not in state:  # the mapped columns this file has (the others are optional)
                require_columns(path, rows.header, self.required, f"a {self.name} export")
                state["mapping"] = replace(base, columns={c: t for c, t in base.columns.items() if c in rows.header})
            return _records(state["mapping"], self._fixed(values, state["mapping"]), origin)

        return records_by_row(path, rows, to_records, default_sources, raw_of)


def load_presets(folder: Path | None = None) -> dict[str, Preset]:
    """Every preset in ``folder`` (default: the shipped mappings), by name."""
    found: dict[str, Preset] = {}
    for path in sorted((folder or presets_dir()).glob("*.toml")):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("preset")
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not a valid TOML mapping ({exc})") from None
        if isinstance(table, dict) and table.get("name"):
            found[str(table["name"])] = Preset(path, table)
    return found


for _name, _preset in load_presets().items():
    register(_name, _preset)
