"""Benchmarks: SceneBench (``scenebench/``: prompts and the judge), the perf suite, and
``worldsmith bench`` (``cli.py``, plugged in through an entry point). Not shipped in the
extension; the engine never imports this package."""
