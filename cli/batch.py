"""``worldsmith batch``: the command line of dataset batches (see ``dataset/batch.py``)."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ..files.atomic import LOCK_NAME, FolderBusy, folder_lock, write_atomic
from .options import (EXIT_BAD_INPUT, EXIT_MODEL, EXIT_OK, CliError, add_model_options, add_recipes_option,
                      add_render_options, backend_settings, pipeline_options, use_recipes)


# the dataset modules (and the scene core under them) are imported by the commands, not here: every
# `worldsmith` command builds this parser, and `generate` starts its model before those imports
DESCRIPTION = "``worldsmith batch``: labelled scenes, many at a time, from a prompts file."


def register(sub) -> dict:
    p = sub.add_parser("batch", help="a prompts file -> many labelled scenes (renders, masks, COCO)",
                       description=DESCRIPTION)
    p.add_argument("prompts", help="JSONL ({\"id\", \"prompt\", \"seed\"} a line) or plain text, one prompt a line; "
                                   "or 'merge': build DIR's COCO file and report from its shards' outputs")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=1, help="worker processes on this machine (default 1)")
    p.add_argument("--shard", default=None, metavar="i/n",
                   help="process only shard i of n (0 <= i < n), split by a stable hash of the id")
    p.add_argument("--variants", type=int, default=1, help="renders per prompt, seeds seed..seed+K-1")
    r = p.add_argument_group("ray (pip install \".[ray]\"; see dataset/ray_batch.py)")
    r.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on a Ray cluster (HOST:PORT of the head, or 'auto'); no address: a local Ray")
    r.add_argument("--build-workers", type=int, default=None, metavar="N",
                   help="ray: build workers (bpy, one prompt at a time; default: one per cluster CPU)")
    r.add_argument("--model-actors", type=int, default=None, metavar="M",
                   help="ray, local backend: model actors, each loading the model once (default 1)")
    r.add_argument("--build-cpus", type=float, default=None, help="ray: CPUs per build worker (default 1)")
    r.add_argument("--build-gpus", type=float, default=None, help="ray: GPUs per build worker (default 0)")
    r.add_argument("--model-cpus", type=float, default=None, help="ray: CPUs per model actor (default 1)")
    r.add_argument("--model-gpus", type=float, default=None, help="ray: GPUs per model actor (default 0)")
    r.add_argument("--retries", type=int, default=None,
                   help="ray: extra attempts of a prompt whose worker or node died (default 2)")
    add_model_options(p)
    add_render_options(p)
    add_recipes_option(p)
    p.set_defaults(samples=16, resolution=(640, 360))
    return {"batch": cmd_batch}


def cmd_batch(args, backend=None) -> int:
    from ..blender.render import RenderSettings
    from ..dataset.inputs import parse_shard, read_prompts, select_shard
    from ..dataset.store import probe_writable
    if args.prompts == "merge" and not Path("merge").is_file():   # a file called merge: ./merge
        return cmd_merge(args)
    if args.no_render:
        raise CliError("batch always renders (labels come from the render); drop --no-render", EXIT_BAD_INPUT)
    if not 1 <= args.variants <= 1000:
        raise CliError("--variants must be between 1 and 1000", EXIT_BAD_INPUT)
    if not 1 <= args.jobs <= 256:
        raise CliError("--jobs must be between 1 and 256", EXIT_BAD_INPUT)
    use_recipes(args)
    ray_opts = _ray_options(args)
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
    try:
        # one batch at a time in a folder; the shards of one batch share it by design
        with folder_lock(out, f".worldsmith.shard{shard[0]}of{shard[1]}.lock" if shard else LOCK_NAME):
            return _run(args, out, items, bad, shard, backend, log, ray_opts)
    except FolderBusy as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def cmd_merge(args) -> int:
    """``worldsmith batch merge --out DIR`` (see ``dataset/merge.py``)."""
    from ..dataset.batch import EXIT_PARTIAL
    from ..dataset.merge import merge
    log = lambda msg: print(f"worldsmith: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if not Path(args.out).is_dir():
        raise CliError(f"{args.out} is not a folder of batch results", EXIT_BAD_INPUT)
    try:
        with folder_lock(args.out):
            r = merge(args.out)
    except FolderBusy as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    except ValueError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    log(f"merge: {r['done']} prompt(s) from {len(r['shards_merged'])} shard report(s); {r['renders']} render(s), "
        f"{r['annotations']} annotation(s), {len(r['failed'])} failed; {r['status']}")
    if r["missing_shards"]:
        log(f"  shards without a report yet: {', '.join(map(str, r['missing_shards']))}")
    if r["missing"]:
        log(f"  {len(r['missing'])} prompt(s) without a result: {', '.join(r['missing'][:10])}")
    return EXIT_OK if r["status"] == "complete" else EXIT_PARTIAL


RAY_FLAGS = ("build_workers", "model_actors", "build_cpus", "build_gpus", "model_cpus", "model_gpus", "retries")


def _ray_options(args):
    given = [n for n in RAY_FLAGS if getattr(args, n) is not None]
    if args.ray is None:
        if given:
            raise CliError(f"--{given[0].replace('_', '-')} needs --ray", EXIT_BAD_INPUT)
        return None
    from ..dataset.ray_batch import RayOptions
    if args.jobs != 1:
        raise CliError("--jobs is for one machine; with --ray give --build-workers", EXIT_BAD_INPUT)
    o = RayOptions(args.ray or None, **{n: getattr(args, n) for n in given})
    if o.build_workers is not None and not 1 <= o.build_workers <= 10000:
        raise CliError("--build-workers must be between 1 and 10000", EXIT_BAD_INPUT)
    if not 0 <= o.model_actors <= 1000 or not 0 <= o.retries <= 100:
        raise CliError("--model-actors must be 0..1000 and --retries 0..100", EXIT_BAD_INPUT)
    if min(o.build_cpus, o.model_cpus) <= 0 or min(o.build_gpus, o.model_gpus) < 0:
        raise CliError("--build-cpus/--model-cpus must be > 0 and GPU counts >= 0", EXIT_BAD_INPUT)
    return o


def _run(args, out: Path, items: list, bad: list, shard, backend, log, ray_opts=None) -> int:
    from ..dataset.batch import EXIT_PARTIAL, EXIT_STOPPED, run_batch
    from ..dataset.store import Config, finished_renders, write_annotations, write_contact_sheet
    from ..generation.errors import ModelError
    cpus = os.cpu_count() or 1
    jobs = max(1, min(args.jobs, len(items) or 1))
    threads = args.threads or max(1, min(8, cpus // jobs))
    if ray_opts is not None:
        jobs, threads = 1, args.threads or max(1, int(ray_opts.build_cpus))
    bs = backend_settings(args)
    bs.threads = threads
    cfg = Config(str(out), args.variants, args.engine, args.device, args.samples, tuple(args.resolution),
                 backend=asdict(bs), options=asdict(pipeline_options(args)),
                 threads=threads if jobs > 1 or ray_opts else None, dressing=args.dressing)
    suffix = f".shard{shard[0]}of{shard[1]}" if shard else ""
    t0 = time.perf_counter()
    try:
        if ray_opts is not None:
            from ..dataset.ray_batch import RayBatchError, run_ray
            try:
                summary = run_ray(items, cfg, ray_opts, log=log)
            except RayBatchError as exc:
                raise CliError(str(exc), EXIT_BAD_INPUT) from None
        else:
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
    if getattr(summary, "ray", None):
        report["ray"] = summary.ray
    try:
        write_atomic(out / f"report{suffix}.json", json.dumps(report, indent=2) + "\n")
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
