"""Packaging that pyproject.toml cannot say: ``cypher/`` and ``imports/`` at the repository root ship
inside the wheel as ``graphtool/cypher`` and ``graphtool/imports`` (read by graphtool.resources)."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["graphtool", "graphtool.*"]) + ["graphtool.cypher", "graphtool.imports"],
    package_dir={"graphtool.cypher": "cypher", "graphtool.imports": "imports"},
    package_data={
        "": ["*.toml"],  # data next to the module that reads it (analyze/state.toml, analyze/copies/*.toml, ...)
        "graphtool": ["py.typed", "render/static/*", "serve/static/*", "serve/static/vendor/*", "serve/templates/*"],
        "graphtool.cypher": ["*.cypher"],
        "graphtool.imports": ["cases/*/*", "mappings/*", "schedules/*"],
    },
    exclude_package_data={"graphtool.imports": ["**/__pycache__/*"]},
)
