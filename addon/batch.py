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
import re
import shutil
import sys
import time
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

EXIT_PARTIAL, EXIT_STOPPED = 1, 4
OUTPUTS = ("scene.json", "scene.blend", "render.png", "labels.json", "mask.png")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
SHEET_MAX = 400


# --------------------------------------------------------------------------- prompts

@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    seed: int
    line: int
    scene: str | None = None   # a DSL document given instead of a prompt (JSON text)


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


def read_prompts(path: str | os.PathLike, default_seed: int = 0) -> tuple[list[Item], list[BadLine]]:
    """The prompts of a JSONL or plain-text file, and the lines that could not be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the prompts file {path}: {exc}") from None
    items: list[Item] = []
    bad: list[BadLine] = []
    first_line: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError as exc:
                bad.append(BadLine(n, f"not valid JSON: {exc}"))
                continue
            if not isinstance(doc, dict):
                bad.append(BadLine(n, "a JSON line must be an object with id, prompt and seed"))
                continue
            unknown = set(doc) - {"id", "prompt", "seed", "scene"}
            if unknown:
                bad.append(BadLine(n, f"unknown field(s) {', '.join(sorted(unknown))}; "
                                      "a line holds id, prompt and seed"))
                continue
            prompt, item_id, seed = doc.get("prompt"), doc.get("id"), doc.get("seed", default_seed)
            scene = doc.get("scene")
            if scene is not None:
                if not isinstance(scene, dict):
                    bad.append(BadLine(n, "scene: must be a DSL document (a JSON object)"))
                    continue
                scene = json.dumps(scene, sort_keys=True)
                prompt = prompt if isinstance(prompt, str) else ""
        else:
            prompt, item_id, seed, scene = line, None, default_seed, None
        if scene is None and (not isinstance(prompt, str) or not prompt.strip()):
            bad.append(BadLine(n, "prompt: missing or empty (a non-empty string is needed)"))
            continue
        if len(prompt) > 2000:
            bad.append(BadLine(n, f"prompt: {len(prompt)} characters long; at most 2000"))
            continue
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 31:
            bad.append(BadLine(n, f"seed: must be an integer from 0 to 2^31-1, not {seed!r}"))
            continue
        if item_id is None:
            item_id = f"line{n}"
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            item_id = str(item_id)
        if not isinstance(item_id, str) or not ID_RE.match(item_id):
            bad.append(BadLine(n, f"id: {item_id!r} is not a safe folder name "
                                  "(letters, digits, '.', '_', '-'; at most 100; not starting with '.' or '-')"))
            continue
        if item_id in first_line:
            bad.append(BadLine(n, f"id: {item_id!r} repeats line {first_line[item_id]}"))
            continue
        first_line[item_id] = n
        items.append(Item(item_id, prompt.strip(), seed, n, scene))
    return items, bad


def parse_shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
        raise ValueError(f"--shard must look like i/n with 0 <= i < n (e.g. 0/4), not {text!r}")
    return int(m.group(1)), int(m.group(2))


def shard_of(item_id: str, n: int) -> int:
    """The shard (0..n-1) of an id: a stable hash, the same on every machine and Python."""
    return zlib.crc32(item_id.encode("utf-8")) % n


def select_shard(items: list[Item], i: int, n: int) -> list[Item]:
    return [it for it in items if shard_of(it.id, n) == i]


# --------------------------------------------------------------------------- outputs on disk

@dataclass
class Config:
    out: str
    variants: int = 1
    engine: str = "cycles"
    device: str = "cpu"
    samples: int = 16
    resolution: tuple[int, int] = (640, 360)
    backend: dict = field(default_factory=dict)    # BackendSettings fields
    options: dict = field(default_factory=dict)    # pipeline.Options fields
    threads: int | None = None                     # Cycles threads (None: Blender's default)


def variant_dirs(item_dir: Path, variants: int) -> list[Path]:
    return [item_dir] if variants == 1 else [item_dir / f"v{k}" for k in range(variants)]


def item_key(item: Item, cfg: Config) -> dict:
    key = {"prompt": item.prompt, "seed": item.seed, "variants": cfg.variants,
           "resolution": list(cfg.resolution)}
    if item.scene is not None:
        key["scene_crc"] = zlib.crc32(item.scene.encode("utf-8"))
    return key


def is_finished(item: Item, cfg: Config) -> bool:
    """Whether ``DIR/<id>`` holds a complete, valid result for this prompt and these settings."""
    d = Path(cfg.out) / item.id
    try:
        meta = json.loads((d / "item.json").read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in item_key(item, cfg)} != item_key(item, cfg):
            return False
        for vd in variant_dirs(d, cfg.variants):
            for name in OUTPUTS:
                if (vd / name).stat().st_size == 0:
                    return False
            for name in ("render.png", "mask.png"):
                with open(vd / name, "rb") as f:
                    if f.read(8) != b"\x89PNG\r\n\x1a\n":
                        return False
            labels = json.loads((vd / "labels.json").read_text(encoding="utf-8"))
            if not isinstance(labels.get("instances"), list):
                return False
    except (OSError, ValueError, AttributeError):
        return False
    return True


def _remove_stale(out: Path, item_id: str) -> None:
    for p in list(out.glob(f".{item_id}.partial-*")) + list(out.glob(f".{item_id}.old-*")):
        shutil.rmtree(p, ignore_errors=True)


def probe_writable(out: Path, size: int = 1 << 16) -> None:
    """Raise ``OSError`` unless ``size`` bytes can be written in ``out`` (then removed)."""
    p = out / f".worldsmith-probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        with open(p, "wb") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    finally:
        try:
            p.unlink()
        except OSError:
            pass


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
            from .backends import BackendSettings, create
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
        from . import pipeline
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
        import bpy
        from . import builder, engine, labels, render
        cfg = self.cfg
        settings = render.RenderSettings(cfg.engine, cfg.device, cfg.samples, tuple(cfg.resolution))
        bl = engine.fresh_scene()
        if cfg.threads:
            bl.render.threads_mode = "FIXED"
            bl.render.threads = cfg.threads
        bl.render.resolution_x, bl.render.resolution_y = settings.resolution
        result = builder.build_scene(scene, bl, resolution=settings.resolution)
        labels.assign_pass_indices(bl, result.objects)
        (vd / "scene.json").write_text(scene.to_json(indent=2) + "\n", encoding="utf-8")
        index = labels.render_with_index(bl, settings, str(vd / "render.png"), str(vd))
        lab = labels.compute(bl, result.objects, index)
        lab["seed"] = scene.seed
        labels.write_mask(vd / "mask.png", index)
        (vd / "labels.json").write_text(json.dumps(lab, indent=2) + "\n", encoding="utf-8")
        bpy.ops.wm.save_as_mainfile(filepath=str(vd / "scene.blend"), copy=True, compress=True)
        if not (vd / "scene.blend").exists():
            raise OSError(errno.EIO, f"Blender could not write {vd / 'scene.blend'}")
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


def _init_worker(cfg: Config, needs_model: bool = True, drop_paths: tuple = ()) -> None:
    global _WORKER, _WORKER_ERROR
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
                                   initializer=_init_worker, initargs=(cfg, any(it.scene is None for it in todo), tuple(_blender_paths())))
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


def finished_renders(items: list[Item], cfg: Config) -> list[tuple[str, Path]]:
    out = Path(cfg.out)
    rows = []
    for it in items:
        if is_finished(it, cfg):
            for vd in variant_dirs(out / it.id, cfg.variants):
                rows.append((vd.relative_to(out).as_posix(), vd))
    return rows


def write_annotations(rows: list[tuple[str, Path]], path: Path) -> int:
    from . import labels
    entries = []
    for rel, vd in rows:
        lab = json.loads((vd / "labels.json").read_text(encoding="utf-8"))
        entries.append((f"{rel}/render.png", lab, labels.read_png(vd / "mask.png").astype("int32")))
    doc = labels.coco_document(entries)
    _atomic_write(path, json.dumps(doc).encode("utf-8"))
    return len(doc["annotations"])


def write_contact_sheet(rows: list[tuple[str, Path]], path: Path, thumb_width: int = 160) -> int:
    import bpy
    import numpy as np
    from . import labels
    thumbs = []
    for _, vd in rows[:SHEET_MAX]:
        img = bpy.data.images.load(str(vd / "render.png"), check_existing=False)
        try:
            w, h = img.size
            px = np.empty(w * h * 4, np.float32)
            img.pixels.foreach_get(px)
        finally:
            bpy.data.images.remove(img)
        px = px.reshape(h, w, 4)[::-1, :, :3]
        tw = min(thumb_width, w)
        th = max(1, round(h * tw / w))
        ys = (np.arange(th) * h / th).astype(int)
        xs = (np.arange(tw) * w / tw).astype(int)
        thumbs.append((np.clip(px[ys][:, xs], 0, 1) * 255 + 0.5).astype(np.uint8))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    try:
        labels.write_png(tmp, labels.sheet(thumbs))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(thumbs)


# --------------------------------------------------------------------------- command line

def register(sub) -> dict:
    from .cli import add_model_options, add_render_options
    p = sub.add_parser("batch", help="a prompts file -> many labelled scenes (renders, masks, COCO)",
                       description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("prompts", help="JSONL ({\"id\", \"prompt\", \"seed\"} a line) or plain text, one prompt a line")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=1, help="worker processes on this machine (default 1)")
    p.add_argument("--shard", default=None, metavar="i/n",
                   help="process only shard i of n (0 <= i < n), split by a stable hash of the id")
    p.add_argument("--variants", type=int, default=1, help="renders per prompt, seeds seed..seed+K-1")
    add_model_options(p)
    add_render_options(p)
    p.set_defaults(samples=16, resolution=(640, 360))
    return {"batch": cmd_batch}


def cmd_batch(args, backend=None) -> int:
    from .cli import EXIT_BAD_INPUT, EXIT_MODEL, EXIT_OK, CliError, backend_settings, pipeline_options
    from .models import ModelError
    from .render import RenderSettings
    if args.no_render:
        raise CliError("batch always renders (labels come from the render); drop --no-render", EXIT_BAD_INPUT)
    if not 1 <= args.variants <= 1000:
        raise CliError("--variants must be between 1 and 1000", EXIT_BAD_INPUT)
    if not 1 <= args.jobs <= 256:
        raise CliError("--jobs must be between 1 and 256", EXIT_BAD_INPUT)
    try:
        RenderSettings(args.engine, args.device, args.samples, tuple(args.resolution))
        shard = parse_shard(args.shard) if args.shard else None
        items, bad = read_prompts(args.prompts, args.seed)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    log = lambda msg: print(f"worldsmith: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    for b in bad:
        log(f"{args.prompts}:{b.line}: skipped: {b.reason}")
    if not items:
        raise CliError(f"{args.prompts} holds no usable prompt", EXIT_BAD_INPUT)
    total_lines = len(items)
    if shard:
        items = select_shard(items, *shard)
        log(f"shard {shard[0]}/{shard[1]}: {len(items)} of {total_lines} prompts")

    out = Path(args.out).absolute()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe_writable(out)
    except OSError as exc:
        raise CliError(f"the output folder {out} is not writable: {exc}", EXIT_BAD_INPUT) from None

    cpus = os.cpu_count() or 1
    jobs = max(1, min(args.jobs, len(items) or 1))
    threads = args.threads or max(1, min(8, cpus // jobs))
    bs = backend_settings(args)
    bs.threads = threads
    cfg = Config(str(out), args.variants, args.engine, args.device, args.samples, tuple(args.resolution),
                 backend=asdict(bs), options=asdict(pipeline_options(args)),
                 threads=threads if jobs > 1 else None)
    suffix = f".shard{shard[0]}of{shard[1]}" if shard else ""
    t0 = time.perf_counter()
    try:
        summary = run_batch(items, cfg, jobs, backend=backend, log=log)
    except ModelError as exc:
        raise CliError(str(exc), EXIT_MODEL) from None
    seconds = time.perf_counter() - t0

    rows = finished_renders(items, cfg) if not summary.stopped else []
    n_ann = 0
    if not summary.stopped:
        try:
            n_ann = write_annotations(rows, out / f"annotations{suffix}.json")
            write_contact_sheet(rows, out / f"contact_sheet{suffix}.png")
        except OSError as exc:
            summary.stopped = f"cannot write to {out}: {exc}"
    report = {"prompts_file": str(Path(args.prompts).absolute()), "out": str(out),
              "shard": list(shard) if shard else None, "prompts": len(items),
              "done": len(summary.done), "skipped": len(summary.skipped), "failed": summary.failed,
              "malformed_lines": [asdict(b) for b in bad], "renders": len(rows), "annotations": n_ann,
              "seconds": round(seconds, 2),
              "per_prompt_seconds": round(seconds / len(summary.done), 2) if summary.done else None,
              "status": "stopped" if summary.stopped else "complete", "stop_reason": summary.stopped,
              "settings": {"engine": args.engine, "samples": args.samples, "resolution": list(args.resolution),
                           "variants": args.variants, "jobs": jobs, "backend": args.backend}}
    try:
        _atomic_write(out / f"report{suffix}.json", (json.dumps(report, indent=2) + "\n").encode("utf-8"))
    except OSError:
        pass
    log(f"batch: {len(summary.done)} done, {len(summary.skipped)} skipped, {len(summary.failed)} failed, "
        f"{len(bad)} malformed line(s) in {seconds:.1f} s; {len(rows)} render(s), {n_ann} annotation(s)")
    for f in summary.failed:
        log(f"  failed: {f['id']} (line {f['line']}): {f['reason']}")
    if summary.stopped:
        if summary.stopped.startswith("the model could not be loaded"):
            raise CliError(summary.stopped, EXIT_MODEL)
        raise CliError(f"batch stopped: {summary.stopped}; re-run the same command to resume", EXIT_STOPPED)
    return EXIT_PARTIAL if summary.failed else EXIT_OK
