"""Shared fixtures: one real embedded model per test session, fresh bpy files."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests are deterministic in `make test` (the same examples on every run and
# machine, no example database, no deadline on a busy machine); `make fuzz` explores
# freely with many more examples. A failure fuzz finds is added as an explicit @example.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=100,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def backend():
    """The real embedded Gemma 3 270M, loaded once for the whole session."""
    from worldsmith.generation.backends.local import LocalBackend
    b = LocalBackend(None, n_threads=os.cpu_count() or 2)
    yield b
    b.close()


@pytest.fixture
def bl_scene():
    """An empty Blender file's scene."""
    import bpy
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene


@pytest.fixture
def cli_env(tmp_path):
    """Environment for running ``python -m worldsmith`` as a subprocess."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run_cli(args, env=None, timeout=600):
    import subprocess
    return subprocess.run([sys.executable, "-m", "worldsmith", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=str(ROOT.parent))


@pytest.fixture
def run_cli():
    """Run ``python -m worldsmith ARGS`` as a real subprocess; returns the CompletedProcess."""
    return _run_cli


@pytest.fixture(scope="module")
def addon():
    """The Worldsmith add-on enabled in the bpy module for one test module, disabled afterwards."""
    import addon_utils
    import bpy
    mod = addon_utils.enable("worldsmith", default_set=True, handle_error=None)
    assert mod is not None and hasattr(bpy.types.Scene, "worldsmith")
    yield mod
    if "worldsmith" in bpy.context.preferences.addons:
        addon_utils.disable("worldsmith", default_set=True, handle_error=None)
