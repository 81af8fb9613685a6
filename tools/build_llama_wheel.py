"""Build the llama-cpp-python wheel for this platform (or take it from wheels/ or the build cache).

llama-cpp-python publishes no binary wheels on PyPI, so the extension zip carries one built here,
and both test venvs install that same file.

    python tools/build_llama_wheel.py                 # CPU build into wheels/ (portable: see below)
    python tools/build_llama_wheel.py --native        # for this machine's CPU only: never for a zip
    python tools/build_llama_wheel.py --cuda          # NVIDIA GPU (needs the CUDA toolkit, nvcc)
    python tools/build_llama_wheel.py --cmake-args "-DGGML_VULKAN=on"

**Portable by default.** llama.cpp compiles for the building machine's CPU (``GGML_NATIVE``); a wheel
built on a machine with AVX-512 stops Blender with an illegal instruction on most desktop CPUs. On
x86-64 the build here targets a fixed baseline instead (``X86_BASELINE``: SSE4.2, AVX, AVX2, FMA, F16C,
BMI2: Intel Haswell, 2013, AMD Excavator, 2015, and later), and the add-on checks a user's CPU for it
before it loads the library (``generation/cpu_support.py``).

Leaving out what the Python package never loads: the multimodal library (``-DLLAVA_BUILD=OFF``) and
llama.cpp's ``common`` with cpp-httplib (``tools/llama_cpp_slim.cmake``), half of the compile.

Each wheel has a record beside it (``<wheel>.build.json``: the CMake options, the CPU baseline, the
SHA-256 of its CPU library); a wheel is reused only when its record matches the build asked for, and
``tools/build_extension.py`` puts the record into the zip. Built wheels are kept in the build cache
(``$WORLDSMITH_CACHE/llama-wheels``, else ``~/.cache/worldsmith/llama-wheels``) under a key of the
locked sdist and the options, so another checkout on this machine takes seconds. A GPU build has the
same file name as the CPU one (the wheel tag does not record the backend); its record tells them
apart. On macOS the default build already uses Metal.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
DEFAULT_VERSION = "0.3.36"
SLIM = ROOT / "tools" / "llama_cpp_slim.cmake"
SLIM_PLACEHOLDER = "<tools/llama_cpp_slim.cmake>"
# ggml's option -> /proc/cpuinfo's flag (generation/cpu_support.py checks these names)
X86_BASELINE = {"SSE42": "sse4_2", "AVX": "avx", "AVX2": "avx2", "FMA": "fma", "F16C": "f16c", "BMI2": "bmi2"}
X86_OFF = ("AVX_VNNI", "AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AMX_TILE", "AMX_INT8", "AMX_BF16")
CPU_LIBRARY = "llama_cpp/lib/libggml-cpu"      # + .so / .dylib / .dll: where the CPU-specific code is
RECORD_SUFFIX = ".build.json"


def is_x86(machine: str | None = None) -> bool:
    return (machine or platform.machine()).lower() in ("x86_64", "amd64")


def portable_args() -> str:
    """The CMake options of the portable x86-64 baseline ('' elsewhere: the build's own defaults)."""
    if not is_x86():
        return ""
    return " ".join(["-DGGML_NATIVE=OFF", *(f"-DGGML_{k}=ON" for k in X86_BASELINE),
                     *(f"-DGGML_{k}=OFF" for k in X86_OFF)])


def wanted_record(version: str, cmake_args: str | None, native: bool) -> dict:
    """What the wheel to use must have been built with (compared with each wheel's record)."""
    import lock
    base = os.environ.get("CMAKE_ARGS") or "-DLLAVA_BUILD=OFF"   # the multimodal library is never loaded
    args = [base]
    if "CMAKE_PROJECT_llama.cpp_INCLUDE" not in base:
        # the file by a placeholder, its text in the record: the same build from any checkout's path
        args.append(f"-DCMAKE_PROJECT_llama.cpp_INCLUDE={SLIM_PLACEHOLDER}")
    portable = "" if native else portable_args()
    args += [a for a in (portable, cmake_args or "") if a]
    return {"llama_cpp_python": version, "sdist": lock.requirement("llama-cpp-python"),
            "cmake_args": " ".join(args), "machine": platform.machine().lower(), "native": bool(native),
            "x86_64_baseline": sorted(X86_BASELINE.values()) if portable else None,
            "slim": SLIM.read_text(encoding="utf-8")}


def read_record(wheel: Path) -> dict | None:
    try:
        data = json.loads(wheel.with_name(wheel.name + RECORD_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _same(record: dict | None, wanted: dict) -> bool:
    return isinstance(record, dict) and all(record.get(k) == v for k, v in wanted.items())


def cpu_library(wheel: Path) -> dict | None:
    """``{"path", "sha256"}`` of the CPU backend library inside ``wheel`` (None when it has none)."""
    with zipfile.ZipFile(wheel) as z:
        names = sorted(n for n in z.namelist() if n.startswith(CPU_LIBRARY)
                       and n[len(CPU_LIBRARY):] in (".so", ".dylib", ".dll"))
        if not names:
            return None
        return {"path": names[0], "sha256": hashlib.sha256(z.read(names[0])).hexdigest()}


def cache_root() -> Path:
    base = os.environ.get("WORLDSMITH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "worldsmith")
    return Path(base) / "llama-wheels"


def _place(wheel: Path, record: dict, out: Path) -> Path:
    """Copy ``wheel`` and its record into ``out`` (replacing a wheel of the same name built otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / wheel.name
    if wheel.resolve() != target.resolve():
        tmp = target.with_name(target.name + ".partial")
        shutil.copyfile(wheel, tmp)
        tmp.replace(target)
    target.with_name(target.name + RECORD_SUFFIX).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                                             encoding="utf-8")
    return target


def build(version: str = DEFAULT_VERSION, out: Path = ROOT / "wheels", cmake_args: str | None = None,
          native: bool = False) -> Path:
    """The path of ``llama_cpp_python-<version>-*.whl`` in ``out`` built as asked, building it if needed.

    The sdist is the locked one (its SHA-256 is checked) and the build uses the locked build tools of
    this environment (no build isolation), exactly as ``make setup`` builds it. pip's own wheel cache
    is not used: it keys a build by the sdist alone, and would hand back a wheel built with other options.
    """
    import lock
    if lock.read_lock().get("llama-cpp-python") != version:
        raise SystemExit(f"build_llama_wheel: the lock pins llama-cpp-python {lock.read_lock().get('llama-cpp-python')}, "
                         f"not {version}")
    wanted = wanted_record(version, cmake_args, native)
    for found in sorted(out.glob(f"llama_cpp_python-{version}-*.whl"), reverse=True):
        if _same(read_record(found), wanted):
            return found
    key = hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:24]
    cached = cache_root() / key
    for found in sorted(cached.glob(f"llama_cpp_python-{version}-*.whl")):
        if _same(read_record(found), wanted):
            print(f"build_llama_wheel: {found.name} from the build cache ({cached})", flush=True)
            return _place(found, read_record(found), out)
    cmake = wanted["cmake_args"].replace(SLIM_PLACEHOLDER, SLIM.as_posix())
    env = dict(os.environ, CMAKE_ARGS=cmake, FORCE_CMAKE="1")
    with tempfile.TemporaryDirectory() as tmp:
        req = lock.write_requirements(["llama-cpp-python"], Path(tmp))
        built_dir = Path(tmp) / "built"
        cmd = [sys.executable, "-m", "pip", "wheel", "--require-hashes", "--no-deps", "--no-build-isolation",
               "--no-cache-dir", "-r", str(req), "-w", str(built_dir)]
        print("build_llama_wheel: CMAKE_ARGS=" + cmake, flush=True)
        print("build_llama_wheel:", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, env=env)
        built = sorted(built_dir.glob(f"llama_cpp_python-{version}-*.whl"))
        if not built:
            raise SystemExit(f"build_llama_wheel: pip produced no llama_cpp_python-{version} wheel")
        record = {**wanted, "cpu_library": cpu_library(built[-1])}
        placed = _place(built[-1], record, out)
    try:
        _place(placed, record, cached)
    except OSError as exc:      # a cache that cannot be written costs the next checkout a build, nothing else
        print(f"build_llama_wheel: not cached ({exc})", flush=True)
    return placed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--version", default=DEFAULT_VERSION)
    p.add_argument("--out", type=Path, default=ROOT / "wheels")
    p.add_argument("--cuda", action="store_true", help="build with -DGGML_CUDA=on")
    p.add_argument("--native", action="store_true",
                   help="optimise for this machine's CPU (GGML_NATIVE): faster here, never for a zip")
    p.add_argument("--cmake-args", default=None, help="any other llama.cpp CMake options")
    a = p.parse_args(argv)
    cmake = " ".join(x for x in (("-DGGML_CUDA=on" if a.cuda else ""), a.cmake_args or "") if x) or None
    print(build(a.version, a.out, cmake, native=a.native))
    return 0


if __name__ == "__main__":
    sys.exit(main())
