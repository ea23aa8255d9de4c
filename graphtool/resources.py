"""Files graphtool reads at run time: the canned queries (``cypher/``), the case data (``imports/``), TOML files.

They live at the repository root (the design names them there) and ``setup.py`` maps them into
the package as ``graphtool/cypher`` and ``graphtool/imports``, so the wheel carries them.
:func:`data_dir` finds them with :mod:`importlib.resources` in an installed package, else in the
checkout the package was imported from (an editable install).
"""
from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from .errors import ConfigError

DATA_DIRS = ("cypher", "imports")
_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``cypher`` or ``imports``) as shipped with graphtool.

    It may be missing from a broken installation: callers say so when they find nothing in it.
    """
    if name not in DATA_DIRS:
        raise ValueError(f"no packaged folder {name!r}")
    packaged = files("graphtool").joinpath(name)
    if isinstance(packaged, Path) and packaged.is_dir():  # an installed wheel (pip unzips it)
        return packaged
    checkout = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():  # a checkout
        return checkout
    return Path(str(packaged))


def read_toml(path: str | Path, what: str) -> dict:
    """A user's TOML file (a mapping, manifest, rules file) as a dict; unreadable or invalid is a
    :class:`ConfigError` naming the file and ``what`` it should have been (exit 2)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML {what} ({exc})") from None
