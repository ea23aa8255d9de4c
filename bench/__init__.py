"""Benchmarks: one runnable module each (python -m bench.NAME); results go to docs/benchmarks.md."""
