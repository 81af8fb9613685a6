"""``worldsmith doctor`` and the messages when the local engine is missing or cannot load.

The broken installs are real: a copy of llama_cpp whose native library is replaced by bytes that are
no library for this machine (as a zip for another platform would give), and an environment that
has every installed package but llama_cpp."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, env_extra: dict | None = None, timeout: int = 300):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=str(ROOT.parent))


DOCTOR = "import sys; from worldsmith import cli; sys.exit(cli.main(['doctor', '--json']))"


def test_doctor_reports_this_install():
    proc = _run(DOCTOR)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rep = json.loads(proc.stdout)
    rows = dict(rep["rows"])
    assert rows["python"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert rows["platform"].startswith("linux-x64")
    assert rows["local engine"].startswith("llama-cpp-python ")
    assert rows["decoder"].startswith("fast (llguidance ")
    assert "gpu offload" in rows and "model" in rows and rep["missing"] == []


def test_a_native_library_for_another_machine_is_named_with_the_fix(tmp_path):
    import llama_cpp
    shadow = tmp_path / "shadow"
    pkg = Path(llama_cpp.__file__).parent
    shutil.copytree(pkg, shadow / "llama_cpp", ignore=shutil.ignore_patterns("__pycache__"))
    libs = [p for p in (shadow / "llama_cpp").rglob("*") if p.suffix in (".so", ".dylib", ".dll")]
    assert libs
    for lib in libs:
        lib.write_bytes(b"MZ\x90\x00" + b"\x00" * 4096)     # a Windows DLL header: no library for Linux
    proc = _run(DOCTOR, {"PYTHONPATH": str(shadow)})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    rep = json.loads(proc.stdout)
    problem, fix = rep["missing"][0]
    assert "native library does not load" in problem and "invalid ELF header" in problem
    assert "pip install" in fix and "Remote server" in fix
    # generate says so too, and exits with the model-failure code, no traceback
    code = ("import sys; from worldsmith import cli; "
            f"sys.exit(cli.main(['generate', 'a red car', '--no-render', '--out', {str(tmp_path / 'o')!r}]))")
    proc = _run(code, {"PYTHONPATH": str(shadow)})
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "llama-cpp-python is not available or its native library failed to load" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_an_install_without_the_local_engine_says_what_to_do(tmp_path):
    site = Path(sysconfig.get_paths()["purelib"])
    shadow = tmp_path / "site"
    shadow.mkdir()
    for entry in site.iterdir():          # every installed package but llama_cpp
        if not entry.name.startswith("llama_cpp"):
            (shadow / entry.name).symlink_to(entry)
    code = ("import sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p] + "
            f"[{str(shadow)!r}]; import importlib.util; assert importlib.util.find_spec('llama_cpp') is None; "
            "from worldsmith.generation import jobs; from worldsmith.generation.backends import BackendSettings; "
            "print('PANEL', jobs.missing_reason(BackendSettings())); " + DOCTOR.split(';', 1)[1])
    proc = _run(code)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    panel = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PANEL "))
    assert "no local engine (llama-cpp-python) for linux-x64" in panel and "Remote server" in panel
    rep = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert dict(rep["rows"])["decoder"].startswith(("fast", "reference"))
    assert any("no local engine" in p and "--target" in f for p, f in rep["missing"])


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "ftp://x"])
def test_doctor_names_an_unusable_server(endpoint):
    proc = _run("import sys; from worldsmith import cli; "
                f"sys.exit(cli.main(['doctor', '--backend', 'http', '--endpoint', {endpoint!r}]))")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "Missing:" in proc.stdout and "fix:" in proc.stdout
