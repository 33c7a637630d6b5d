"""Benchmarks: `python -m bench [--quick]` (see bench/__main__.py and docs/benchmarks.md)."""
