"""The CLI's surface: help everywhere, docs generated from it and from the model, version."""
from __future__ import annotations

import subprocess
import sys

import typer.main

from graphtool import __version__, docs
from graphtool.cli import app


def commands(cmd=None, path=()):
    cmd = cmd or typer.main.get_command(app)
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def test_every_command_has_help_and_is_documented():
    reference = (docs.DOCS / "cli.md").read_text(encoding="utf-8")
    for path, cmd in commands():
        assert (cmd.help or "").strip(), f"graphtool {' '.join(path)} has no help text"
        assert f"## {' '.join(('graphtool', *path))}\n" in reference


def test_generated_docs_are_current():
    for name, make in docs.GENERATED.items():
        assert (docs.DOCS / name).read_text(encoding="utf-8") == make(), \
            f"docs/{name} is stale: run python -m graphtool.docs"


def test_version():
    out = subprocess.run([sys.executable, "-m", "graphtool", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"graphtool {__version__}"


def test_bad_store_url_is_one_line_exit_2():
    out = subprocess.run([sys.executable, "-m", "graphtool", "--store", "mysql://x", "stats"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == "error: unknown store URL 'mysql://x': use embedded:PATH, bolt://..., neo4j://... or falkordb://..."


def test_wrong_neo4j_password_is_one_line_and_secret_free(neo4j_server):
    env = {**__import__("os").environ, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": "wrong-secret-123"}
    out = subprocess.run([sys.executable, "-m", "graphtool", "--store", neo4j_server.uri, "stats"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "refused the credentials" in out.stderr
    assert "wrong-secret-123" not in out.stderr + out.stdout
