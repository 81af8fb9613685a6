"""The install tests' shared fixture: the repository's tools/ scripts as modules (they are scripts,
not a package)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tools_module(name: str):
    """``tools/<name>.py`` imported (once; later calls get the same module)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "tools"))


@pytest.fixture
def tools_module():
    return _tools_module
