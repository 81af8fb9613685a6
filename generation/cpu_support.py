"""Can this computer's CPU run the llama.cpp library the extension zip carries?

The linux-x64 zip's llama-cpp-python is built for a portable x86-64 baseline, not for the machine that
built it (``tools/build_llama_wheel.py``): SSE4.2, AVX, AVX2, FMA, F16C and BMI2, which Intel CPUs have
had since Haswell (2013) and AMD's since Excavator (2015). On a CPU without one of them the library's
code would stop Blender with an illegal instruction, so the add-on checks before it loads the library
and says what is missing, with the fix.

The zip records its build in ``llama_build.json`` at the extension's root: the CPU features it needs
(as Linux's /proc/cpuinfo names them) and the SHA-256 of the CPU backend library it shipped. The check
applies only while that library is the one installed: a llama-cpp-python the user built on their own
computer (the documented fix) is never refused. Elsewhere (no record, not Linux x86-64) nothing is
checked. Pure Python; never imports llama_cpp or bpy.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import platform
import sys
from pathlib import Path

RECORD = "llama_build.json"
ROOT = Path(__file__).resolve().parent.parent      # the extension's root (the package folder)
# /proc/cpuinfo's names of what the CMake flags of tools/build_llama_wheel.py turn on, in words
FEATURE_WORDS = {"sse4_2": "SSE4.2", "avx": "AVX", "avx2": "AVX2", "fma": "FMA", "f16c": "F16C", "bmi2": "BMI2"}


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first processor in /proc/cpuinfo's text (``flags : fpu vme ...``)."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return set(value.split())
    return set()


def read_record(root: Path = ROOT) -> dict | None:
    """The zip's build record, or None (a checkout, or a zip without a local engine)."""
    try:
        data = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _installed_library(relative: str) -> Path | None:
    """Where the installed llama_cpp package's ``relative`` file is (found, not imported)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        path = Path(base).parent / relative
        if path.is_file():
            return path
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def missing_features(record: dict | None, cpuinfo: str | None = None, machine: str | None = None) -> list[str]:
    """The features the recorded build needs that this CPU lacks (empty: fine, or nothing to check).
    ``cpuinfo`` is /proc/cpuinfo's text (read here when None); ``machine`` is ``platform.machine()``."""
    if not record:
        return []
    needed = record.get("x86_64_baseline")
    machine = (machine or platform.machine()).lower()
    if not isinstance(needed, list) or machine not in ("x86_64", "amd64") or not sys.platform.startswith("linux"):
        return []
    library = record.get("cpu_library")
    if isinstance(library, dict) and library.get("path") and library.get("sha256"):
        installed = _installed_library(str(library["path"]))
        try:
            if installed is None or _sha256(installed) != library["sha256"]:
                return []       # not the library the zip shipped: built for this computer, or absent
        except OSError:
            return []
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []       # nothing to read the CPU from: the library's own load says what it says
    flags = cpu_flags(cpuinfo)
    if not flags:
        return []
    return [str(f) for f in needed if str(f) not in flags]


def problem_text(missing: list[str]) -> str:
    words = ", ".join(FEATURE_WORDS.get(f, f.upper()) for f in missing)
    return (f"this computer's CPU lacks {words}, which the local engine bundled with Worldsmith needs (it is built "
            "for x86-64 CPUs from 2013 on: Intel Haswell, AMD Excavator and later); loading it would stop Blender")


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """Why the bundled llama.cpp library must not be loaded on this computer, or None (cached: the
    panel asks at every draw)."""
    missing = missing_features(read_record())
    return problem_text(missing) if missing else None
