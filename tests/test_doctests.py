"""The docstring examples in graphtool/ run as part of the default test run (issue 13 item 7).

Every module is imported and its doctests run with :mod:`doctest`; a module with an example
that no longer prints what it says fails here, by name.
"""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import graphtool


def _modules() -> list[str]:
    names = [graphtool.__name__]
    names += [m.name for m in pkgutil.walk_packages(graphtool.__path__, prefix="graphtool.")
              if not m.name.endswith(".__main__")  # importing it runs the CLI
              and not m.name.startswith(("graphtool.cypher", "graphtool.imports"))]
    return sorted(names)


def _with_examples() -> list[str]:
    found = []
    finder = doctest.DocTestFinder()
    for name in _modules():
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module, name)):
            found.append(name)
    return found


MODULES = _with_examples()


def test_the_examples_are_found():
    assert len(MODULES) >= 10, MODULES  # the docstrings of at least ten modules carry examples


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed (run pytest -s)"
