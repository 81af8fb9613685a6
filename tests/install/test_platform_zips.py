"""The per-platform extension zips: one for each platform of the manifest, each passing Blender's own
validator, each holding exactly the wheels Blender's packager assigns to that platform, and, for each
native package, a wheel Blender's installer accepts on both Python lines (3.11: Blender 4.2-5.0;
3.13: Blender 5.1+). The rules are bl_pkg's own functions from the bpy wheel, not a copy of them."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NATIVE = {"pydantic-core", "markupsafe", "llguidance"}


def _bl_pkg(tools_module):
    tool = tools_module("build_extension").blender_ext()
    sys.path.insert(0, str(tool.parent))
    try:
        import blender_ext
    finally:
        sys.path.remove(str(tool.parent))
    return tool, blender_ext


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_extension.py"), "--no-model",
                           "--output-dir", str(out)], capture_output=True, text=True, timeout=1200, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {p.stem.split("-")[-1].replace("_", "-"): p for p in out.glob("*.zip")}


def test_one_zip_per_platform_each_valid_with_its_own_wheels(zips, tools_module):
    lock = tools_module("lock")
    tool, bext = _bl_pkg(tools_module)
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    assert set(zips) == set(manifest["platforms"]) == set(lock.PLATFORMS)
    for platform, path in zips.items():
        proc = subprocess.run([sys.executable, str(tool), "validate", str(path)], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0 and "Success" in proc.stdout, (platform, proc.stdout + proc.stderr)
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            inner = tomllib.loads(z.read("blender_manifest.toml").decode())
        assert inner["build"]["generated"]["platforms"] == [platform]
        bext.pkg_manifest_dict_apply_build_generated_table(inner)    # as Blender reads it when installing
        assert inner["platforms"] == [platform]
        listed = [w.removeprefix("./") for w in inner["wheels"]]
        assert listed and all(w in names for w in listed), f"{platform}: a listed wheel is not in the zip"
        assert {n for n in names if n.startswith("wheels/")} == set(listed), f"{platform}: unlisted wheels"
        for w in listed:
            tag = Path(w).stem.split("-")[-1]
            assert bext.blender_platform_compatible_with_wheel_platform(platform, tag), (platform, w)
        # every native package has a wheel for each Python line, by bl_pkg's reading of the wheel tags
        for name in NATIVE:
            for python in ((3, 11), (3, 13)):
                ok = [w for w in listed if lock.wheel_name_version(w)[0] == name and
                      (python in (v := bext.python_versions_from_wheel(Path(w).name)) or (python[0],) in v)]
                assert ok, f"{platform}: no {name} wheel for Python {python[0]}.{python[1]}"
        engine = any(lock.wheel_name_version(w)[0] == "llama-cpp-python" for w in listed)
        assert engine == (platform in lock.LLAMA_PLATFORMS), platform
        # a zip with a local engine says which CPU features it needs, and of which library (the add-on
        # checks both before it loads it); the record's SHA-256 is the library's inside the zip's wheel
        assert ("llama_build.json" in names) == engine, platform
        if engine:
            with zipfile.ZipFile(path) as z:
                record = json.loads(z.read("llama_build.json"))
                wheel = next(w for w in listed if lock.wheel_name_version(w)[0] == "llama-cpp-python")
                with zipfile.ZipFile(io.BytesIO(z.read(wheel))) as inner:
                    lib = inner.read(record["cpu_library"]["path"])
            assert hashlib.sha256(lib).hexdigest() == record["cpu_library"]["sha256"]
            assert record["wheel"] == Path(wheel).name
            assert set(record["x86_64_baseline"]) == set(tools_module("build_llama_wheel").X86_BASELINE.values())
        assert not any("gemma3_270m" in w for w in listed), "the slim zips carry no model"
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, {len(listed)} wheels")


WRONG = r'''
import json, sys
import bpy
out = {}
try:
    out["result"] = sorted(bpy.ops.extensions.package_install_files(
        filepath=sys.argv[1], repo="user_default", enable_on_install=True))
except RuntimeError as exc:
    out["error"] = str(exc)
out["enabled"] = "bl_ext.user_default.worldsmith" in bpy.context.preferences.addons
print("RESULT " + json.dumps(out))
'''


def test_a_zip_for_another_platform_is_refused_by_name(zips, tmp_path):
    """Blender refuses the Windows zip on Linux with a message naming the platform; nothing is enabled."""
    import os
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLENDER_USER", "WORLDSMITH_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONNOUSERSITE="1")
    script = tmp_path / "child.py"
    script.write_text(WRONG)
    proc = subprocess.run([sys.executable, str(script), str(zips["windows-x64"])], capture_output=True, text=True,
                          env=env, timeout=300, cwd=str(tmp_path))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    r = json.loads(lines[-1][len("RESULT "):])
    assert not r["enabled"]
    said = (r.get("error", "") + proc.stdout + proc.stderr).lower()
    assert "windows-x64" in said and "platform" in said, said[-2000:]
