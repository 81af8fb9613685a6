"""Refresh the lock files and the extension's wheel list, deliberately (``make lock``).

Everything ``make setup`` installs comes from two hash-locked files:

* ``requirements-build.txt`` — pip, setuptools, wheel and what builds
  llama-cpp-python from its sdist (scikit-build-core, cmake, ninja), from
  ``requirements-build.in``. Installed first, then used without build
  isolation, so no build step fetches an unlocked package.
* ``requirements-lock.txt`` — the project with its ``test``, ``fast``, ``mcp`` and ``ray`` extras
  (bpy, llama-cpp-python, the embedded model package, pydantic, pytest, ...),
  from ``pyproject.toml``, resolved within the versions of ``build.txt``.
  Universal: the resolution covers every Python ``requires-python`` allows
  (3.11 and 3.13, Blender's two lines), so the one file holds both bpy pins
  (5.0.x for 3.11, 5.2.x for 3.13) behind environment markers, and any other
  package whose version must differ by line (numpy); ``read_lock(python=...)``
  gives one line's pins. The extras locked are ``lock_extras()`` (every extra of
  pyproject.toml unless listed in ``UNLOCKED_EXTRAS``), so a new extra another
  change adds is locked at the next ``make lock`` without editing this file.

Both are written by uv (``uv pip compile --universal --generate-hashes``): it
resolves for a Python version and platforms other than the one it runs on,
in seconds, and writes plain requirements files that pip alone installs with
``--require-hashes``, so a fresh machine needs no uv. ``make lock`` is the one
place versions move; nothing else ever resolves.

The ``platforms`` and ``wheels`` of ``blender_manifest.toml`` are then written
from ``lock.txt``: the same versions, as the wheel files pip picks for each
Blender platform and each of Blender's Python lines. The tests check
manifest == lock == installed. ``--export FILE --without NAME`` writes the
lock less some pins (``make setup`` installs llama-cpp-python from the wheel
it builds once into wheels/).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_IN, BUILD_LOCK, LOCK = ROOT / "requirements-build.in", ROOT / "requirements-build.txt", ROOT / "requirements-lock.txt"
MANIFEST = ROOT / "blender_manifest.toml"
UV = "uv==0.13.9"
PYTHON = "3.11"

# What the extension zip carries: the add-on's runtime needs that Blender does not ship
# (Blender has numpy and requests of its own); llguidance is the fast decoder.
EXTENSION_PACKAGES = ["pydantic", "pydantic-core", "typing-extensions", "annotated-types", "typing-inspection",
                      "jinja2", "markupsafe", "diskcache", "llguidance", "llama-cpp-python"]
# Blender's Python lines: 3.11 (Blender 4.2 to 5.0, the LTS line) and 3.13 (Blender 5.1 and later)
PYTHONS = ["3.11", "3.13"]
# Blender platform name -> pip platform tags, most specific first. Blender's installer ignores the glibc
# version of a manylinux wheel (bl_pkg: only the architecture must match); llguidance ships only
# manylinux_2_31 (glibc 2.31+: on older systems the reference decoder runs, and the panel says so).
PLATFORMS = {
    "linux-x64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_31_x86_64"],
    "windows-x64": ["win_amd64"],
    "macos-arm64": ["macosx_11_0_arm64"],
    "macos-x64": ["macosx_11_0_x86_64"],
}
# llama-cpp-python has no binary wheels on the package index: the zip carries one built here
# (tools/build_llama_wheel.py), for the platforms listed; the other zips have no local engine and
# the add-on offers an OpenAI-compatible server instead (and says so).
LLAMA_PLATFORMS = {"linux-x64": "linux_x86_64"}

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*(?:--hash|$)")
# (sys_platform, platform_system, os_name) of the platforms a marker is tried on
_PLATFORM_ENVS = [("linux", "Linux", "posix"), ("win32", "Windows", "nt"), ("darwin", "Darwin", "posix")]


def this_python() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def marker_applies(marker: str | None, python: str) -> bool:
    """Whether a lock line's environment marker holds for Python ``python`` ("3.13") on some platform
    (the lock is universal: colorama's ``sys_platform == 'win32'`` pin belongs to every line)."""
    if not marker:
        return True
    from packaging.markers import Marker
    m = Marker(marker)
    return any(m.evaluate({"python_version": python, "python_full_version": python + ".0", "sys_platform": sp,
                           "platform_system": ps, "os_name": on, "implementation_name": "cpython",
                           "platform_python_implementation": "CPython"}) for sp, ps, on in _PLATFORM_ENVS)


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` become one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_lines(path: Path) -> list[tuple[str, str]]:
    """(joined line, its raw text) for each requirement of a lock file, continuation lines joined."""
    logical, cur, raw_cur = [], "", ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        cur += " " + line.rstrip("\\").strip()
        raw_cur += raw + "\n"
        if not line.endswith("\\"):
            logical.append((cur.strip(), raw_cur))
            cur, raw_cur = "", ""
    return logical


def read_lock_entries(path: Path = LOCK, python: str | None = None) -> dict[str, tuple[str, list[str]]]:
    """``{normalized name: (version, [sha256, ...])}`` of every pin in a requirements lock file that
    belongs to Python line ``python`` (default: this interpreter's): the one lock is universal and
    holds, e.g., ``bpy==5.0.1 ; python_full_version < '3.12'`` and ``bpy==5.2.3 ; ... == '3.13.*'``."""
    python = python or this_python()
    entries = {}
    for line, _raw in _logical_lines(path):
        m = _PIN.match(line)
        if m and marker_applies(m[3], python):
            entries[normalize(m[1])] = (m[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return entries


def lock_without(names: list[str], path: Path = LOCK) -> str:
    """The lock file's text less the pins of ``names`` (markers and hashes of the rest kept), for
    ``make setup``: llama-cpp-python is installed from the wheel built once into wheels/."""
    drop = {normalize(n) for n in names}
    out = []
    for line, raw in _logical_lines(path):
        m = _PIN.match(line)
        if not (m and normalize(m[1]) in drop):
            out.append(raw)
    return "".join(out)


def requirement(name: str, path: Path = LOCK, python: str | None = None) -> str:
    """One pin of the lock as a requirements line with its hashes (for ``pip --require-hashes``)."""
    version, hashes = read_lock_entries(path, python)[normalize(name)]
    return f"{name}=={version} " + " ".join(f"--hash=sha256:{h}" for h in hashes)


def write_requirements(names: list[str], folder: Path, python: str | None = None) -> Path:
    """A requirements file of these pins (for Python line ``python``), hashes included, in ``folder``."""
    f = folder / "locked-requirements.txt"
    f.write_text("".join(requirement(n, python=python) + "\n" for n in names), encoding="utf-8")
    return f


def read_lock(path: Path = LOCK, python: str | None = None) -> dict[str, str]:
    """``{normalized name: version}`` of every pin for Python line ``python`` in a requirements lock file."""
    return {name: ver for name, (ver, _hashes) in read_lock_entries(path, python).items()}


def wheel_name_version(filename: str) -> tuple[str, str]:
    """``("pydantic-core", "2.50.5")`` from a wheel file name."""
    parts = Path(filename).name.split("-")
    return normalize(parts[0]), parts[1]


def _uv(*args: str, upgrade: bool = False) -> None:
    cmd = [sys.executable, "-m", "uv", "pip", "compile", "--universal", "--python-version", PYTHON,
           "--generate-hashes", "--no-header", "--quiet", *(["--upgrade"] if upgrade else []), *args]
    print("lock:", " ".join(cmd[3:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def compile_locks(upgrade: bool = False) -> None:
    """Without ``upgrade`` the pins already in the lock files stay (only new needs are added)."""
    _uv(str(BUILD_IN.relative_to(ROOT)), "-o", str(BUILD_LOCK.relative_to(ROOT)), upgrade=upgrade)
    extras = [a for e in lock_extras() for a in ("--extra", e)]
    _uv("pyproject.toml", *extras, "-c", str(BUILD_LOCK.relative_to(ROOT)),
        "-o", str(LOCK.relative_to(ROOT)), upgrade=upgrade)


UNLOCKED_EXTRAS: set[str] = set()     # extras of pyproject.toml the lock leaves out (none today)


def lock_extras() -> list[str]:
    """Every optional-dependency group of pyproject.toml (test, fast, and whatever is added later)."""
    import tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return sorted(set(data.get("project", {}).get("optional-dependencies", {})) - UNLOCKED_EXTRAS)


def extension_wheels(pins: dict[str, str], platforms: dict[str, list[str]] = PLATFORMS,
                     pythons: list[str] = PYTHONS) -> list[str]:
    """The wheel file names pip picks for each Blender platform and Python line (one wheel per package
    where it is pure or abi3); llama-cpp-python's for ``LLAMA_PLATFORMS`` (built, not downloaded)."""
    names: set[str] = set()
    for blender_platform, tags in platforms.items():
        for python in pythons:
            line = read_lock(python=python)
            specs = [f"{p}=={line[p]}" for p in EXTENSION_PACKAGES if p != "llama-cpp-python"]
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                       "--python-version", python, "--implementation", "cp", "-d", tmp]
                for t in tags:
                    cmd += ["--platform", t]
                subprocess.run(cmd + specs, check=True)
                names.update(p.name for p in Path(tmp).glob("*.whl"))
        if blender_platform in LLAMA_PLATFORMS:
            names.add(f"llama_cpp_python-{pins['llama-cpp-python']}-py3-none-{LLAMA_PLATFORMS[blender_platform]}.whl")
    order = {p: i for i, p in enumerate(EXTENSION_PACKAGES)}
    return sorted(names, key=lambda n: (order[wheel_name_version(n)[0]], n))


def write_manifest_wheels(wheels: list[str], manifest: Path = MANIFEST, platforms: list[str] | None = None) -> None:
    text = manifest.read_text(encoding="utf-8")
    block = "wheels = [\n" + "".join(f'  "./wheels/{w}",\n' for w in wheels) + "]"
    new, n = re.subn(r"^wheels = \[\n(?:.*\n)*?\]", block, text, count=1, flags=re.M)
    if n != 1:
        raise SystemExit(f"lock: no 'wheels = [...]' block in {manifest}")
    if platforms is not None:
        line = "platforms = [" + ", ".join(f'"{p}"' for p in platforms) + "]"
        new, n = re.subn(r"^platforms = \[.*\]$", line, new, count=1, flags=re.M)
        if n != 1:
            raise SystemExit(f"lock: no 'platforms = [...]' line in {manifest}")
    manifest.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--manifest-only", action="store_true", help="rewrite the manifest's wheels from lock.txt")
    p.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed version")
    p.add_argument("--export", type=Path, metavar="FILE",
                   help="write requirements-lock.txt less the --without pins to FILE (for make setup), nothing else")
    p.add_argument("--without", nargs="*", default=[], metavar="NAME")
    a = p.parse_args(argv)
    if a.export:
        a.export.parent.mkdir(parents=True, exist_ok=True)
        a.export.write_text(lock_without(a.without), encoding="utf-8")
        return 0
    if not a.manifest_only:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", UV], check=True)
        compile_locks(a.upgrade)
    write_manifest_wheels(extension_wheels(read_lock()), platforms=list(PLATFORMS))
    print(f"lock: wrote {BUILD_LOCK.relative_to(ROOT)}, {LOCK.relative_to(ROOT)} and the wheels of "
          f"{MANIFEST.name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
