"""The llama.cpp build the extension ships runs on other people's CPUs, and a CPU it cannot run on gets
a message, not an illegal instruction.

* The wheel both venvs install (the one the linux zip carries) is the portable x86-64 baseline, not a
  build for this machine's CPU: this machine has AVX-512, the wheel must not use it.
* ``cpu_support`` reads the real /proc/cpuinfo and the real installed CPU library: a CPU without a
  recorded feature is refused; a library other than the recorded one (a user's own build) never is.
* End to end: an installed add-on whose record needs a feature no CPU has (a shadow copy of the
  package with that ``llama_build.json``) makes ``doctor`` and ``generate`` say what is missing and
  what to do, with the model-failure exit code, no traceback and no output folder; the library is
  never loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from worldsmith.generation import cpu_support, diagnose

ROOT = Path(__file__).resolve().parents[2]
X86_LINUX = sys.platform.startswith("linux") and platform.machine().lower() in ("x86_64", "amd64")
needs_x86_linux = pytest.mark.skipif(not X86_LINUX, reason="the portable baseline is an x86-64 Linux build")


def _installed_cpu_library() -> tuple[str, Path]:
    import importlib.util
    base = Path(importlib.util.find_spec("llama_cpp").submodule_search_locations[0])
    lib = base / "lib" / "libggml-cpu.so"
    assert lib.is_file(), f"no CPU library in {base / 'lib'}"
    return "llama_cpp/lib/libggml-cpu.so", lib


def _record(baseline: list[str], sha: str | None = None) -> dict:
    rel, lib = _installed_cpu_library()
    return {"llama_cpp_python": "0.3.36", "wheel": "llama_cpp_python.whl", "x86_64_baseline": baseline,
            "cpu_library": {"path": rel, "sha256": sha or hashlib.sha256(lib.read_bytes()).hexdigest()}}


@needs_x86_linux
def test_the_installed_engine_is_the_portable_build(tools_module):
    import llama_cpp
    info = llama_cpp.llama_print_system_info().decode()
    features = {k.strip(): v.strip() for k, _, v in (part.partition("=") for part in info.split("|")) if v}
    for name in ("AVX", "AVX2", "FMA", "F16C", "BMI2"):
        assert features.get(name) == "1", (name, info)
    assert "AVX512" not in features or features["AVX512"] == "0", info
    here = cpu_support.cpu_flags(Path("/proc/cpuinfo").read_text())
    assert set(tools_module("build_llama_wheel").X86_BASELINE.values()) <= here
    # the wheel's own record says the same, and names the library the venv loads
    wheels = sorted((ROOT / "wheels").glob("llama_cpp_python-*.whl"))
    if wheels:
        rec = tools_module("build_llama_wheel").read_record(wheels[-1])
        assert rec and rec["x86_64_baseline"] and not rec["native"], rec
        assert rec["cpu_library"]["sha256"] == hashlib.sha256(_installed_cpu_library()[1].read_bytes()).hexdigest()


@needs_x86_linux
def test_a_cpu_without_a_recorded_feature_is_refused_and_a_users_own_build_never(tools_module):
    cpuinfo = Path("/proc/cpuinfo").read_text()
    baseline = sorted(tools_module("build_llama_wheel").X86_BASELINE.values())
    assert cpu_support.missing_features(_record(baseline), cpuinfo) == []
    # the same computer's text without AVX2 and FMA (as an older CPU's /proc/cpuinfo reads)
    older = "\n".join(" ".join(w for w in line.split(" ") if w not in ("avx2", "fma")) if line.startswith("flags")
                      else line for line in cpuinfo.splitlines())
    assert cpu_support.missing_features(_record(baseline), older) == ["avx2", "fma"]
    assert "AVX2, FMA" in cpu_support.problem_text(["avx2", "fma"])
    # another library than the zip shipped (built on this computer by its user): not ours to refuse
    assert cpu_support.missing_features(_record(baseline, sha="0" * 64), older) == []
    # elsewhere, or with no record, nothing is checked
    assert cpu_support.missing_features(_record(baseline), older, machine="aarch64") == []
    assert cpu_support.missing_features(None, older) == []
    assert cpu_support.read_record(ROOT) is None, "a checkout carries no zip record"


SHADOW_IGNORE = shutil.ignore_patterns(".git", ".venv", ".venv313", "wheels", "build", "dist", "out", "tests", "docs",
                                       "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", ".dl313")


@needs_x86_linux
def test_an_add_on_on_a_cpu_it_cannot_run_says_so_and_never_loads_the_library(tmp_path):
    shadow = tmp_path / "site"
    shutil.copytree(ROOT, shadow / "worldsmith", ignore=SHADOW_IGNORE)
    (shadow / "worldsmith" / cpu_support.RECORD).write_text(json.dumps(_record(["avx2", "no_cpu_has_this"])))
    env = {**os.environ, "PYTHONPATH": str(shadow), "PYTHONUNBUFFERED": "1"}
    probe = ("import sys, json; from worldsmith import cli; code = cli.main(ARGS); "
             "print('LOADED', 'llama_cpp' in sys.modules); sys.exit(code)")

    def run(args):
        return subprocess.run([sys.executable, "-c", probe.replace("ARGS", repr(args))], capture_output=True,
                              text=True, env=env, timeout=300, cwd=str(tmp_path))

    proc = run(["doctor", "--json"])
    assert proc.returncode == 3, proc.stdout + proc.stderr
    rep = json.loads(proc.stdout[proc.stdout.index("{"):proc.stdout.rindex("}") + 1])
    problem, fix = rep["missing"][0]
    assert "lacks NO_CPU_HAS_THIS" in problem and "AVX2" not in problem, problem
    assert "Remote server" in fix and "pip install" in fix, fix
    assert "LOADED False" in proc.stdout
    out = tmp_path / "scene"
    proc = run(["generate", "a red car", "--no-render", "--out", str(out)])
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "lacks NO_CPU_HAS_THIS" in proc.stderr and "Remote server" in proc.stderr, proc.stderr
    assert "LOADED False" in proc.stdout and not out.exists()
    # the panel's line (drawn without importing anything) says the same
    code = ("from worldsmith.generation import diagnose; e = diagnose.local_engine(load=False); "
            "print('PANEL', e.loads, e.problem)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "PANEL False this computer's CPU lacks NO_CPU_HAS_THIS" in proc.stdout, proc.stdout + proc.stderr


def test_this_checkout_is_not_refused():
    assert diagnose.cpu_refusal() is None
