"""Build (or fetch from pip's cache) the llama-cpp-python wheel for this platform.

llama-cpp-python publishes no binary wheels on PyPI, so the extension zip
carries one built here. pip keeps built wheels in its cache, so the second
run takes seconds.

    python tools/build_llama_wheel.py                 # CPU build into wheels/
    python tools/build_llama_wheel.py --cuda          # NVIDIA GPU (needs the CUDA toolkit, nvcc)
    python tools/build_llama_wheel.py --cmake-args "-DGGML_VULKAN=on"

A GPU build has the same file name as the CPU one (the wheel tag does not
record the backend), so build it, then run tools/build_extension.py to make
a zip that offloads layers to the GPU (Preferences > GPU Layers, -1 = all).
On macOS the default build already uses Metal.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
DEFAULT_VERSION = "0.3.36"
SLIM = ROOT / "tools" / "llama_cpp_slim.cmake"


def build(version: str = DEFAULT_VERSION, out: Path = ROOT / "wheels", cmake_args: str | None = None) -> Path:
    """Return the path of ``llama_cpp_python-<version>-*.whl`` in ``out``, building it if needed.

    The sdist is the locked one (its SHA-256 is checked) and the build uses the locked build
    tools of this environment (no build isolation), exactly as ``make setup`` builds it.
    """
    import lock
    out.mkdir(parents=True, exist_ok=True)
    if lock.read_lock().get("llama-cpp-python") != version:
        raise SystemExit(f"build_llama_wheel: the lock pins llama-cpp-python {lock.read_lock().get('llama-cpp-python')}, "
                         f"not {version}")
    if not cmake_args:
        # built once per checkout: both Blender lines' venvs and the extension zips install this one file
        found = sorted(out.glob(f"llama_cpp_python-{version}-*.whl"))
        if found:
            return found[-1]
    env = dict(os.environ)
    env.setdefault("CMAKE_ARGS", "-DLLAVA_BUILD=OFF")   # the multimodal library is never loaded
    if "CMAKE_PROJECT_llama.cpp_INCLUDE" not in env["CMAKE_ARGS"]:
        # llama.cpp's `common` + cpp-httplib: half the compile time, never loaded (tools/llama_cpp_slim.cmake)
        env["CMAKE_ARGS"] = f"{env['CMAKE_ARGS']} -DCMAKE_PROJECT_llama.cpp_INCLUDE={SLIM.as_posix()}"
    extra = []
    if cmake_args:
        # a cached wheel would be the CPU build: compile afresh with the requested backend
        env["CMAKE_ARGS"] = f"{env['CMAKE_ARGS']} {cmake_args}"
        env["FORCE_CMAKE"] = "1"
        extra = ["--no-cache-dir"]
    with tempfile.TemporaryDirectory() as tmp:
        req = lock.write_requirements(["llama-cpp-python"], Path(tmp))
        cmd = [sys.executable, "-m", "pip", "wheel", "--require-hashes", "--no-deps", "--no-build-isolation",
               *extra, "-r", str(req), "-w", str(out)]
        print("build_llama_wheel:", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, env=env)
    found = sorted(out.glob(f"llama_cpp_python-{version}-*.whl"))
    if not found:
        raise SystemExit(f"build_llama_wheel: pip produced no llama_cpp_python-{version} wheel in {out}")
    return found[-1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--version", default=DEFAULT_VERSION)
    p.add_argument("--out", type=Path, default=ROOT / "wheels")
    p.add_argument("--cuda", action="store_true", help="build with -DGGML_CUDA=on")
    p.add_argument("--cmake-args", default=None, help="any other llama.cpp CMake options")
    a = p.parse_args(argv)
    cmake = " ".join(x for x in (("-DGGML_CUDA=on" if a.cuda else ""), a.cmake_args or "") if x) or None
    print(build(a.version, a.out, cmake))
    return 0


if __name__ == "__main__":
    sys.exit(main())
