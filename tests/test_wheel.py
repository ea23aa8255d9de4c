"""The wheel is the product: build it (from an sdist, as PyPI users get it), install it into a fresh
virtualenv outside the checkout with the pinned dependencies, and use it there as a new user would.

Slow (a virtualenv with every dependency, then the whole demo): `scripts/test -m slow tests/test_wheel.py`;
`.ci/run` runs it.  Needs the package index or pip's cache for the dependencies.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from graphtool.queries import load_queries

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(args, cwd, env=None, timeout=1800):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _cli_value(param) -> str:
    """A required parameter's documented example as `-p` text."""
    value = json.loads(param.example_text)
    return value if isinstance(value, str) else json.dumps(value)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(graphtool executable, a working directory outside the checkout, environment)."""
    base = tmp_path_factory.mktemp("wheel")
    assert ROOT not in base.parents
    dist = base / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=base)  # sdist, then a wheel from it
    (sdist,), (wheel,) = list(dist.glob("*.tar.gz")), list(dist.glob("*.whl"))
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert any(n.endswith("/cypher/narratives.cypher") for n in names)
    assert any(n.endswith("/imports/cases/canada-2021/Article.csv") for n in names)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {"graphtool/cypher/narratives.cypher", "graphtool/imports/cases/canada-2021/Account.csv",
            "graphtool/render/static/map.js"} <= names
    assert not any(n.startswith(("tests/", "bench/", "cypher/", "imports/")) for n in names)

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GRAPHTOOL_STORE", "GRAPHTOOL_QUERIES")}
    _run([str(venv / "bin" / "pip"), "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
         cwd=base, env=env)
    work = base / "work"
    work.mkdir()
    return venv / "bin" / "graphtool", work, env


def test_installed_wheel_runs_the_demo_and_every_query(installed):
    graphtool, work, env = installed
    where = _run([str(graphtool.parent / "python"), "-c", "import graphtool; print(graphtool.__file__)"],
                 cwd=work, env=env)
    assert ROOT.as_posix() not in where.stdout  # the installed copy, not the checkout

    demo = _run([str(graphtool), "demo", "--out", "demo"], cwd=work, env=env)
    assert "[1/" in demo.stdout and "Done." in demo.stdout
    assert f"{len(load_queries())} canned queries" in demo.stdout

    listing = _run([str(graphtool), "query", "list"], cwd=work, env=env)
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert names == list(load_queries()) and len(names) >= 22  # every query of the checkout, in file order

    store = ["--store", "embedded:demo/store"]
    try:
        for q in load_queries().values():
            params = [a for p in q.params if p.required for a in ("-p", f"{p.name}={_cli_value(p)}")]
            result = _run([str(graphtool), *store, "query", "run", q.name, *params, "--format", "json"],
                          cwd=work, env=env)
            assert isinstance(json.loads(result.stdout), list), q.name
    finally:
        subprocess.run([str(graphtool), *store, "db", "stop"], cwd=work, env=env, capture_output=True)
