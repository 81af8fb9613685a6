"""``worldsmith batch``: labelled scenes, many at a time, from a prompts file.

    worldsmith batch prompts.jsonl --out DIR [--jobs N] [--shard i/n] [--variants K]
                     [--engine cycles|eevee|workbench] [--samples S] [--resolution WxH] [model options]

Input: one JSON object a line, ``{"id": "...", "prompt": "...", "seed": 7}``
(``id`` and ``seed`` optional), or plain text with one prompt a line. A line
may give a ready scene DSL document instead of a prompt,
``{"id": "...", "scene": {...}}``: it is validated like a model's reply and
built without the model (re-rendering a dataset needs no model). Blank
lines and lines starting with ``#`` are ignored. A malformed line (bad JSON,
no prompt, an id that is not a safe file name, a repeated id) is reported
with its line number and skipped. Default ids are ``line<N>``; the default
seed is ``--seed``.

Output, per prompt (``K = --variants``, seeds ``seed .. seed+K-1``; the model
writes the scene once, each variant re-solves the layout and asset variants
with its own seed)::

    DIR/<id>/item.json                    prompt, seed, settings, timings, warnings
    DIR/<id>/{scene.json, scene.blend, render.png, labels.json, mask.png}          K == 1
    DIR/<id>/v<k>/{scene.json, scene.blend, render.png, labels.json, mask.png}     K > 1

and for the batch ``annotations.json`` (COCO, all finished prompts of this
run), ``report.json`` (counts, failures with reasons, malformed lines) and
``contact_sheet.png``. With ``--shard i/n`` these three carry the suffix
``.shard<i>of<n>`` so that n machines can share one output folder.

Sharding: prompt ``id`` goes to shard ``crc32(id) % n`` (``i`` counts from 0,
like Slurm array and Kubernetes indexed-job indices); no coordination needed.

Resuming: a prompt folder appears only complete: it is built in
``DIR/.<id>.partial-*`` and renamed into place at the end. On a re-run a
prompt whose folder is complete and valid for the same prompt, seed,
variants and resolution is skipped; anything else (a left-over partial
folder, a damaged or stale result) is redone from scratch.

``--jobs N``: N worker processes (``multiprocessing`` spawn; each loads the
model and bpy once); with ``--backend http`` they all share one server.
CPU threads are split between the workers. (Inside the Blender program,
``blender -b -c worldsmith batch``, workers cannot be spawned and the batch
runs in the one process.)

``--ray [ADDRESS]``: the same batch on a Ray cluster, build workers and model actors sized
separately (``dataset/ray_batch.py``). ``worldsmith batch merge --out DIR``: one COCO file and
report from the shards' outputs (``dataset/merge.py``).

Exit codes: 0 all prompts finished; 1 some prompts failed (see report.json);
2 bad input (missing prompts file, no usable line, unwritable output folder);
3 the model could not be loaded; 4 stopped because the output folder stopped
being writable (disk full, read-only, quota); nothing half-written is left.
"""
from __future__ import annotations

import errno
import json
import math
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .coco import write_mask
from .inputs import Item
from .store import Config, _remove_stale, is_finished, item_key, probe_writable, variant_dirs

EXIT_PARTIAL, EXIT_STOPPED = 1, 4
FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


# --------------------------------------------------------------------------- the work of one prompt

class Fatal(Exception):
    """The output folder cannot be written any more: the batch must stop."""


class Worker:
    """Turns prompts into finished result folders; one per process (bpy is per process)."""

    def __init__(self, cfg: Config, backend=None):
        self.cfg = cfg
        self._backend = backend
        self._own_backend = backend is None

    def backend(self):
        if self._backend is None:
            from ..generation.backends import BackendSettings, create
            self._backend = create(BackendSettings(**self.cfg.backend))
        return self._backend

    def close(self) -> None:
        if self._own_backend and self._backend is not None:
            self._backend.close()
            self._backend = None

    def process(self, item: Item) -> dict:
        t0 = time.perf_counter()
        try:
            info = self._process(item)
            return {"id": item.id, "line": item.line, "status": "done",
                    "seconds": round(time.perf_counter() - t0, 2), **info}
        except Fatal as exc:
            return {"id": item.id, "line": item.line, "status": "fatal", "reason": str(exc)}
        except Exception as exc:  # one prompt failing never stops the batch
            reason = _describe(exc)
            if isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS:
                return {"id": item.id, "line": item.line, "status": "fatal",
                        "reason": f"cannot write to {self.cfg.out}: {reason}"}
            try:
                probe_writable(Path(self.cfg.out))
            except OSError as probe:
                return {"id": item.id, "line": item.line, "status": "fatal",
                        "reason": f"cannot write to {self.cfg.out} (disk full or read-only?): {probe}"}
            return {"id": item.id, "line": item.line, "status": "failed", "reason": reason,
                    "seconds": round(time.perf_counter() - t0, 2)}

    def _process(self, item: Item) -> dict:
        from ..generation import pipeline
        out = Path(self.cfg.out)
        _remove_stale(out, item.id)
        if item.scene is not None:
            from ..scene_dsl.models import parse_scene
            res = pipeline.Result(parse_scene(item.scene), item.scene, 0)
        else:
            opts = pipeline.Options(**{**self.cfg.options, "seed": item.seed})
            res = pipeline.generate(item.prompt, self.backend(), opts)
        tmp = out / f".{item.id}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir()
            warnings = list(res.warnings)
            counts = []
            for k, vd in enumerate(variant_dirs(tmp, self.cfg.variants)):
                vd.mkdir(exist_ok=True)
                scene = res.scene.model_copy(update={"seed": item.seed + k})
                w, n = self._render_variant(scene, vd)
                warnings += [x for x in w if x not in warnings]
                counts.append(n)
            meta = {"id": item.id, "line": item.line, **item_key(item, self.cfg), "engine": self.cfg.engine,
                    "samples": self.cfg.samples, "attempts": res.attempts, "tokens": res.tokens,
                    "model_seconds": round(res.seconds, 2), "warnings": warnings}
            (tmp / "item.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            final = out / item.id
            if final.exists():  # a stale or damaged result: move it aside, then drop it
                old = out / f".{item.id}.old-{uuid.uuid4().hex[:8]}"
                os.rename(final, old)
                shutil.rmtree(old, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return {"attempts": res.attempts, "instances": counts, "warnings": warnings}

    def _render_variant(self, scene, vd: Path) -> tuple[list[str], int]:
        from ..blender import labels, render, scene_io
        cfg = self.cfg
        settings = render.RenderSettings(cfg.engine, cfg.device, cfg.samples, tuple(cfg.resolution))
        bl, result = scene_io.build_fresh(scene, settings.resolution, cfg.threads, dressing=cfg.dressing)
        labels.assign_pass_indices(bl, result.objects)
        (vd / "scene.json").write_text(scene.to_json(indent=2) + "\n", encoding="utf-8")
        index = labels.render_with_index(bl, settings, str(vd / "render.png"), str(vd))
        lab = labels.compute(bl, result.objects, index)
        lab["seed"] = scene.seed
        write_mask(vd / "mask.png", index)
        (vd / "labels.json").write_text(json.dumps(lab, indent=2) + "\n", encoding="utf-8")
        scene_io.save_blend(vd / "scene.blend")
        return list(result.warnings), len(result.objects)


def _describe(exc: BaseException) -> str:
    from ..scene_dsl.errors import SceneError
    if isinstance(exc, SceneError):
        return exc.describe()
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, (ValueError, RuntimeError)) else str(exc)


# worker-process side of --jobs
_WORKER: Worker | None = None
_WORKER_ERROR: str | None = None


def _blender_paths() -> list[str]:
    """The ``sys.path`` entries ``import bpy`` added in this process. A spawned child inherits
    them, and with them on its path ``import bpy`` finds Blender's script package instead of
    the module (``No module named '_bpy'``): the worker drops them before importing bpy."""
    if "bpy" not in sys.modules:
        return []
    import bpy
    roots = [bpy.utils.resource_path(k) for k in ("LOCAL", "USER", "SYSTEM")]
    roots = [os.path.join(r, "") for r in roots if r]
    return [p for p in sys.path if any(os.path.join(p, "").startswith(r) for r in roots)]


def _die_with(parent: int, every: float = 0.5) -> None:
    """End this worker when the batch process that started it is gone (killed, not only stopped):
    a worker never goes on writing into a folder nobody is running a batch for."""
    import threading

    def watch():
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(70)
    threading.Thread(target=watch, daemon=True, name="worldsmith-parent-watch").start()


def _init_worker(cfg: Config, needs_model: bool = True, drop_paths: tuple = (), parent: int | None = None) -> None:
    global _WORKER, _WORKER_ERROR
    if parent is not None:
        _die_with(parent)
    sys.path[:] = [p for p in sys.path if p not in drop_paths]
    try:
        _WORKER = Worker(cfg)
        if needs_model:
            _WORKER.backend()
    except Exception as exc:  # reported with every item instead of breaking the pool
        _WORKER_ERROR = f"the model could not be loaded in a worker: {exc}"


def _work(item: Item) -> dict:
    if _WORKER_ERROR:
        return {"id": item.id, "line": item.line, "status": "fatal", "reason": _WORKER_ERROR}
    return _WORKER.process(item)


# --------------------------------------------------------------------------- progress

class Progress:
    """One status line on stderr: counts, rate and ETA (redrawn in place on a terminal)."""

    def __init__(self, total: int, skipped: int, stream=None):
        self.total, self.skipped = total, skipped
        self.done = self.failed = 0
        self.t0 = time.perf_counter()
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        finished = self.done + self.failed
        todo = self.total - self.skipped
        elapsed = time.perf_counter() - self.t0
        rate = finished / elapsed if elapsed > 0 else 0.0
        eta = (todo - finished) / rate if rate > 0 else float("nan")
        width = 24
        frac = (self.skipped + finished) / self.total if self.total else 1.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        return (f"[{bar}] {self.skipped + finished}/{self.total}: {self.done} done, {self.skipped} skipped, "
                f"{self.failed} failed | {rate * 60:.1f}/min | elapsed {_hms(elapsed)} | ETA {_hms(eta)}")

    def update(self, status: str) -> None:
        if status == "done":
            self.done += 1
        elif status == "failed":
            self.failed += 1
        self.draw()

    def draw(self, end: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + self.line() + ("\n" if end else ""))
        else:
            self.stream.write("worldsmith: batch " + self.line() + "\n")
        self.stream.flush()


def _hms(s: float) -> str:
    if not math.isfinite(s):
        return "--"
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


# --------------------------------------------------------------------------- the batch

@dataclass
class Summary:
    done: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    stopped: str | None = None


def run_batch(items: list[Item], cfg: Config, jobs: int = 1, backend=None, log=None) -> Summary:
    """Process ``items`` (skipping finished ones) and return what happened.

    ``backend``: an already loaded model to use in this process (``jobs == 1`` only)."""
    log = log or (lambda msg: print(f"worldsmith: {msg}", file=sys.stderr, flush=True))
    summary = Summary()
    todo = []
    for it in items:
        if is_finished(it, cfg):
            summary.skipped.append(it.id)
        else:
            todo.append(it)
    progress = Progress(len(items), len(summary.skipped))
    if summary.skipped:
        log(f"{len(summary.skipped)} prompt(s) already finished in {cfg.out}: skipped")
    if not todo:
        return summary

    def take(res: dict) -> bool:
        if res["status"] == "fatal":
            summary.stopped = res["reason"]
            return False
        (summary.done if res["status"] == "done" else summary.failed).append(res)
        if res["status"] == "failed":
            log(f"{res['id']} (line {res['line']}) failed: {res['reason']}")
        progress.update(res["status"])
        return True

    jobs = max(1, min(jobs, len(todo)))
    if jobs > 1 and not _can_spawn():
        log("worker processes cannot be started inside the Blender program; running with --jobs 1")
        jobs = 1
    if jobs == 1:
        worker = Worker(cfg, backend)
        if any(it.scene is None for it in todo):
            worker.backend()  # a model that cannot load stops the batch before any work
        try:
            for it in todo:
                if not take(worker.process(it)):
                    break
        finally:
            worker.close()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool
        log(f"starting {jobs} worker processes")
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker,
                                   initargs=(cfg, any(it.scene is None for it in todo), tuple(_blender_paths()),
                                             os.getpid()))
        futures = {pool.submit(_work, it): it for it in todo}
        try:
            for fut in as_completed(futures):
                it = futures[fut]
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    summary.stopped = "a worker process died (out of memory or a crash in Blender)"
                    break
                except Exception as exc:
                    res = {"id": it.id, "line": it.line, "status": "failed", "reason": _describe(exc)}
                if not take(res):
                    break
        finally:
            for f in futures:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
    if progress.tty:
        progress.draw(end=True)
    return summary


def _can_spawn() -> bool:
    try:
        import bpy
    except ImportError:
        return True
    return not bpy.app.binary_path  # bpy as a Python module: workers are plain Python processes
