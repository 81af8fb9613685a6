"""``worldsmith bench scenebench`` and ``worldsmith bench perf``.

SceneBench: every prompt of ``benchmarks/scenebench/prompts.jsonl`` goes
through the real pipeline (model -> DSL -> built Blender scene) and the built
scene is judged by ``checker.check``. Writes ``report.json``, the renders of
the failed prompts and ``failures.png``, a contact sheet of them.

Perf: ``benchmarks/perf.py`` (build, decoding, layout, compactness, end to
end), printed as a table or as JSON with stable keys.
"""
from __future__ import annotations

import datetime
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

from . import coldstart, nouns
from ..cli.options import EXIT_BAD_INPUT, EXIT_MODEL, EXIT_OK, CliError, add_model_options, open_backend, pipeline_options

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "benchmarks" / "scenebench" / "prompts.jsonl"
SHEET_TILE = (256, 144)


def register(sub) -> dict:
    b = sub.add_parser("bench", help="benchmarks: scenebench (faithfulness), perf (speed and compactness)")
    bs = b.add_subparsers(dest="bench_command", required=True, metavar="BENCH")
    s = bs.add_parser("scenebench", help="prompt -> built scene, judged against each prompt's constraints")
    s.add_argument("--prompts", default=str(PROMPTS), help="a JSONL file of prompts with constraints")
    s.add_argument("--limit", type=int, default=None, help="run only N prompts, taken round-robin over categories")
    s.add_argument("--ids", default=None, help="comma-separated prompt ids to run")
    s.add_argument("--out", default="out/scenebench", help="folder for report.json, renders and failures.png")
    s.add_argument("--render-engine", choices=("workbench", "cycles", "none"), default="workbench",
                   help="engine for the renders of failed prompts (none: no renders, no contact sheet)")
    s.add_argument("--split", choices=("all", "dev", "heldout"), default="all",
                   help="dev: the prompts the reader is tuned on; heldout: the rest (>= 30 %% of each category, "
                        "fixed); all: both, reported apart")
    s.add_argument("--random-weights", action="store_true",
                   help="also run a random-weight twin of the model (same shape, tokenizer and quantisation, "
                        "written at bench time) and report model lift = real - random")
    s.add_argument("--reader-only", action="store_true",
                   help="no model: judge the prompt reading alone (plus what named places imply); seconds, "
                        "not hours, so reader changes can be measured per failure class")
    s.add_argument("--rejudge", default=None, metavar="REPORT",
                   help="no model: rebuild the DSL stored in an earlier report.json and judge it again")
    add_model_options(s)
    p = bs.add_parser("perf", help="build, decoding, layout, compactness and end-to-end timings")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke run)")
    p.add_argument("--eevee", action="store_true", help="also time an Eevee render (about a minute on a CPU)")
    p.add_argument("--out", default=None, help="also write the JSON to this file")
    p.add_argument("--skip", default="", metavar="SECTIONS",
                   help="comma-separated sections to leave out: build, decoding, layout, compactness, end_to_end")
    add_model_options(p)
    m = bs.add_parser("mcp", help="build_scene round trips through worldsmith mcp; agent tokens vs a bpy script")
    m.add_argument("--sizes", default="10,500", help="entity counts of the scenes built (default 10,500)")
    m.add_argument("--repeats", type=int, default=3)
    m.add_argument("--no-tokens", action="store_true", help="skip the token count (needs the embedded model)")
    m.add_argument("--out", default=None, help="also write the JSON to this file")
    nouns.register(bs)
    coldstart.register(bs)
    return {"bench": cmd_bench}


def cmd_bench(args) -> int:
    if args.bench_command == "scenebench":
        return cmd_scenebench(args)
    if args.bench_command == "mcp":
        return cmd_mcp(args)
    if args.bench_command == "coldstart":
        return coldstart.cmd(args)
    if args.bench_command in ("nouns", "coverage"):
        return nouns.cmd(args)
    return cmd_perf(args)


def cmd_mcp(args) -> int:
    from . import bench_mcp
    try:
        sizes = tuple(int(v) for v in args.sizes.split(","))
    except ValueError:
        raise CliError(f"--sizes: numbers separated by commas, not {args.sizes!r}", EXIT_BAD_INPUT) from None
    tokenize, backend = None, None
    if not args.no_tokens:
        from ..generation.backends.local import LocalBackend
        backend = LocalBackend(None, n_threads=2)
        tokenize = backend.tokenize
    try:
        result = bench_mcp.run(sizes, max(1, args.repeats), tokenize, _log)
    finally:
        if backend is not None:
            backend.close()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return EXIT_OK


def _log(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# SceneBench

def load_prompts(path: str | Path) -> list[dict]:
    from .scenebench.checker import validate_constraints
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CliError(f"cannot read prompts {path}: {exc}", EXIT_BAD_INPUT) from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise CliError(f"{path}:{n}: invalid JSON: {exc}", EXIT_BAD_INPUT) from None
        for key in ("id", "prompt", "constraints"):
            if key not in row:
                raise CliError(f"{path}:{n}: missing {key!r}", EXIT_BAD_INPUT)
        probs = validate_constraints(row["constraints"])
        if probs:
            raise CliError(f"{path}:{n} ({row['id']}): constraints{probs[0]}", EXIT_BAD_INPUT)
        row.setdefault("category", "misc")
        rows.append(row)
    return rows


def select(rows: list[dict], limit: int | None = None, ids: str | None = None) -> list[dict]:
    """``ids`` picks by id; ``limit`` takes prompts round-robin over categories (stable)."""
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        by_id = {r["id"]: r for r in rows}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise CliError(f"unknown prompt id(s): {', '.join(missing)}", EXIT_BAD_INPUT)
        rows = [by_id[i] for i in wanted]
    if limit is None or limit >= len(rows):
        return rows
    cats: dict[str, list[dict]] = {}
    for r in rows:
        cats.setdefault(r["category"], []).append(r)
    out, k = [], 0
    while len(out) < limit:
        for c in cats.values():
            if k < len(c) and len(out) < limit:
                out.append(c[k])
        k += 1
    return out


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]


def _rate(ok: int, n: int) -> float | None:
    return round(ok / n, 4) if n else None


def run_scenebench(rows: list[dict], backend, options, out_dir: Path, render_engine: str = "workbench",
                   progress=_log) -> dict:
    """Run every row through pipeline -> builder -> checker; return the report (also written to out_dir)."""
    from ..blender import builder, scene_io
    from .scenebench import checker
    from ..generation import pipeline
    from ..generation.errors import ModelError
    out_dir.mkdir(parents=True, exist_ok=True)
    renders = out_dir / "renders"
    bl_scene = scene_io.fresh_scene(SHEET_TILE)
    records = []
    for i, row in enumerate(rows, 1):
        rec = {"id": row["id"], "category": row["category"], "split": row.get("split"), "prompt": row["prompt"],
               "status": "ok", **({"class": row["class"]} if row.get("class") else {})}
        t0 = time.perf_counter()
        try:
            res = (pipeline.reader_only(row["prompt"], options) if backend is None
                   else pipeline.generate(row["prompt"], backend, options))
            rec.update(dsl=json.loads(res.scene.to_json()), warnings=res.warnings, tokens=res.tokens,
                       attempts=res.attempts, generate_s=round(res.seconds, 3))
            builder.build_scene(res.scene, bl_scene, resolution=SHEET_TILE)
            rec["latency_s"] = round(time.perf_counter() - t0, 3)
        except ModelError as exc:
            rec.update(status="model_failure", error=str(exc))
        except Exception as exc:  # a crash in the build is a finding, not the end of the run
            rec.update(status="build_failure" if "dsl" in rec else "cli_failure", error=f"{type(exc).__name__}: {exc}")
        if rec["status"] == "ok":
            report = checker.check(bl_scene, row["constraints"])
            rec["all_pass"], rec["explicit_pass"] = report.all_pass, report.explicit_pass
            rec["results"] = [{"name": r.name, "ok": r.ok, "detail": r.detail, "kinds": r.kinds} for r in report.results]
        else:
            rec["all_pass"] = rec["explicit_pass"] = False
            rec["results"] = [{"name": _cname(c), "ok": False, "detail": rec["status"],
                               "kinds": checker.constraint_kinds(c)} for c in row["constraints"]]
        if not rec["all_pass"] and rec["status"] == "ok" and render_engine != "none":
            rec["render"] = _render_failure(bl_scene, renders / f"{row['id']}.png", render_engine)
        mark = "pass" if rec["all_pass"] else ("FAIL" if rec["status"] == "ok" else rec["status"].upper())
        why = "; ".join(r["detail"] for r in rec["results"] if not r["ok"])[:140]
        progress(f"[{i}/{len(rows)}] {mark:13s} {row['id']}: {row['prompt']!r}" + (f" -> {why}" if why else ""))
        records.append(rec)
    builder.clear(bl_scene)
    summary = summarize(records)
    sheet = None
    if render_engine != "none":
        shots = [(r["id"], r["render"]) for r in records if r.get("render")]
        if shots:
            sheet = contact_sheet([p for _, p in shots], out_dir / "failures.png")
            summary["contact_sheet"] = {"path": str(sheet), "tiles": [i for i, _ in shots],
                                        "columns": _columns(len(shots))}
    report = {"summary": summary, "prompts": records}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _cname(c: dict) -> str:
    return f"relation.{c.get('rel')}" if c.get("type") == "relation" else str(c.get("type"))


def summarize(records: list[dict], by_split: bool = True) -> dict:
    n = len(records)
    ok_runs = [r for r in records if r["status"] == "ok"]
    explicit = [x for r in records for x in r["results"] if not x["name"].startswith(("plausible.", "implied"))]
    implied = [x for r in records for x in r["results"] if x["name"] == "implied"]
    plaus = [x for r in ok_runs for x in r["results"] if x["name"].startswith("plausible.")]

    def table(items, key):
        out: dict[str, list[int]] = {}
        for x in items:
            for k in key(x):
                t = out.setdefault(k, [0, 0])
                t[0] += bool(x["ok"])
                t[1] += 1
        return {k: {"rate": _rate(a, b), "n": b} for k, (a, b) in sorted(out.items())}
    per_cat: dict[str, dict] = {}
    for cat in sorted({r["category"] for r in records}):
        rs = [r for r in records if r["category"] == cat]
        cons = [x for r in rs for x in r["results"] if not x["name"].startswith(("plausible.", "implied"))]
        per_cat[cat] = {"prompts": len(rs), "all_pass": _rate(sum(r["all_pass"] for r in rs), len(rs)),
                        "explicit_pass": _rate(sum(r["explicit_pass"] for r in rs), len(rs)),
                        "constraints": _rate(sum(x["ok"] for x in cons), len(cons))}
    per_class: dict[str, dict] = {}
    for cls in sorted({r["class"] for r in records if r.get("class")}):
        rs = [r for r in records if r.get("class") == cls]
        cons = [x for r in rs for x in r["results"] if not x["name"].startswith(("plausible.", "implied"))]
        per_class[cls] = {"prompts": len(rs), "all_pass": _rate(sum(r["all_pass"] for r in rs), len(rs)),
                          "constraints": _rate(sum(x["ok"] for x in cons), len(cons))}
    lat = [r["latency_s"] for r in ok_runs if "latency_s" in r]
    return {
        "prompts": n,
        "all_pass": _rate(sum(r["all_pass"] for r in records), n),
        "explicit_pass": _rate(sum(r["explicit_pass"] for r in records), n),
        "constraint_rate": _rate(sum(x["ok"] for x in explicit), len(explicit)),
        "constraints": len(explicit),
        "implied_rate": _rate(sum(x["ok"] for x in implied), len(implied)),
        "implied_checks": len(implied),
        "plausibility": table(plaus, lambda x: [x["name"]]),
        "per_category": per_cat,
        "per_class": per_class,
        "per_constraint": table(explicit, lambda x: [x["name"]]),
        "per_kind": table(explicit, lambda x: x["kinds"]),
        "failures": {"model": sum(r["status"] == "model_failure" for r in records),
                     "build": sum(r["status"] == "build_failure" for r in records),
                     "cli": sum(r["status"] == "cli_failure" for r in records),
                     "rate": _rate(sum(r["status"] != "ok" for r in records), n)},
        "latency_s": {"median": round(statistics.median(lat), 3) if lat else None,
                      "p90": _pct(lat, 0.9), "mean": round(statistics.fmean(lat), 3) if lat else None},
        "tokens_mean": round(statistics.fmean([r.get("tokens", 0) for r in ok_runs]), 1) if ok_runs else None,
        "grounding_warnings": sum(len(r.get("warnings", [])) for r in ok_runs),
        "splits": {sp: summarize([r for r in records if r.get("split") == sp], by_split=False)
                   for sp in ("dev", "heldout") if by_split and any(r.get("split") == sp for r in records)},
    }


def _render_failure(bl_scene, path: Path, engine: str) -> str | None:
    from ..blender import render
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        render.render_still(bl_scene, str(path), render.RenderSettings(engine, samples=8, resolution=SHEET_TILE))
    except Exception as exc:  # a missing render must not stop the benchmark
        _log(f"could not render {path.name}: {exc}")
        return None
    return str(path)


def _columns(n: int) -> int:
    return max(1, min(8, math.ceil(math.sqrt(n * 1.5))))


def contact_sheet(paths: list[str], out: Path, tile: tuple[int, int] = SHEET_TILE, pad: int = 4) -> Path:
    """Tile PNGs into one PNG (row-major, in the order given)."""
    from ..blender.images import read_rgb8
    from ..files.images import contact_sheet as sheet, thumbnail, write_png
    tiles = [thumbnail(read_rgb8(p), *tile) for p in paths]
    write_png(out, sheet(tiles, _columns(len(paths)), pad=pad, bg=31))
    return out


def format_summary(s: dict, meta: dict) -> str:
    def pct(v):
        return "  -  " if v is None else f"{100 * v:5.1f}%"
    lines = [f"SceneBench: {s['prompts']} prompts, {meta.get('model')} ({meta.get('backend')}), "
             f"grounding {meta.get('grounding')}, split {meta.get('split', 'all')}",
             f"  all-pass (explicit + plausibility) {pct(s['all_pass'])}",
             f"  explicit constraints all met        {pct(s['explicit_pass'])}",
             f"  constraint satisfaction             {pct(s['constraint_rate'])}  ({s['constraints']} constraints)",
             f"  implied content (places)            {pct(s.get('implied_rate'))}  ({s.get('implied_checks', 0)} checks)",
             f"  model/CLI failures                  {pct(s['failures']['rate'])}  "
             f"(model {s['failures']['model']}, build {s['failures']['build']}, cli {s['failures']['cli']})",
             f"  latency prompt -> built scene       median {s['latency_s']['median']} s, p90 {s['latency_s']['p90']} s",
             "  plausibility: " + ", ".join(f"{k.split('.')[1]} {pct(v['rate'])}" for k, v in s["plausibility"].items()),
             "", f"  {'category':12s} {'prompts':>7s} {'all-pass':>9s} {'explicit':>9s} {'constr.':>8s}"]
    for cat, v in s["per_category"].items():
        lines.append(f"  {cat:12s} {v['prompts']:7d} {pct(v['all_pass']):>9s} {pct(v['explicit_pass']):>9s} "
                     f"{pct(v['constraints']):>8s}")
    for cls, v in s.get("per_class", {}).items():
        lines.append(f"  {'class ' + cls:12s} {v['prompts']:7d} {pct(v['all_pass']):>9s} {'':>9s} {pct(v['constraints']):>8s}")
    for sp, v in s.get("splits", {}).items():
        lines.append(f"  {'split ' + sp:12s} {v['prompts']:7d} {pct(v['all_pass']):>9s} {pct(v['explicit_pass']):>9s} "
                     f"{pct(v['constraint_rate']):>8s}")
    lines += ["", "  constraint types: " + ", ".join(f"{k} {pct(v['rate'])} (n={v['n']})"
                                                      for k, v in s["per_constraint"].items())]
    worst = sorted(s["per_kind"].items(), key=lambda kv: (kv[1]["rate"], -kv[1]["n"]))[:10]
    lines.append("  weakest kinds: " + ", ".join(f"{k} {pct(v['rate'])} (n={v['n']})" for k, v in worst))
    if s.get("contact_sheet"):
        lines.append(f"  failed renders: {s['contact_sheet']['path']}")
    return "\n".join(lines)


def cmd_scenebench(args) -> int:
    from .scenebench import split
    rows = split.pick(load_prompts(args.prompts), args.split)
    rows = select(rows, args.limit, args.ids)
    if not rows:
        raise CliError("no prompts selected", EXIT_BAD_INPUT)
    if args.rejudge:
        return _rejudge(args, rows)
    out = Path(args.out)
    if args.reader_only:
        report = run_scenebench(rows, None, pipeline_options(args), out, args.render_engine)
        report["meta"] = {"model": "none (reader only)", "grounding": "strict", "split": args.split,
                          "prompts_file": str(args.prompts)}
        (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(format_summary(report["summary"], report["meta"]))
        _log(f"wrote {out / 'report.json'}")
        return EXIT_OK
    report = _scenebench_once(args, rows, out, args.model)
    if args.random_weights:
        twin = _random_twin(args)
        _log(f"random-weight twin: {twin}")
        rand = _scenebench_once(args, rows, out / "random-weights", str(twin))
        report["random_weights"] = {"summary": rand["summary"], "meta": rand["meta"],
                                    "report": str(out / "random-weights" / "report.json")}
        report["model_lift"] = split.lift(report["summary"], rand["summary"])
        (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print()
        print(format_summary(rand["summary"], rand["meta"]))
        print()
        print(format_lift(report["model_lift"]))
    _log(f"wrote {out / 'report.json'}")
    return EXIT_OK


def _random_twin(args) -> Path:
    from ..generation import model_files
    from ..generation.errors import ModelError
    from .random_weights import random_twin_path
    if args.backend != "local":
        raise CliError("--random-weights needs the local backend (it writes a GGUF file)", EXIT_BAD_INPUT)
    try:
        return random_twin_path(model_files.resolve(args.model), seed=args.seed)
    except (ModelError, ValueError, OSError) as exc:
        raise CliError(f"cannot write the random-weight twin: {exc}", EXIT_MODEL) from None


def _scenebench_once(args, rows: list[dict], out: Path, model: str | None) -> dict:
    saved = args.model
    args.model = model
    try:
        backend = open_backend(args)
    finally:
        args.model = saved
    try:
        info = backend.info()
        t0 = time.perf_counter()
        report = run_scenebench(rows, backend, pipeline_options(args), out, args.render_engine)
    finally:
        backend.close()
    meta = {"model": Path(str(info.get("model", model or "embedded"))).name, "backend": args.backend,
            **({"lora": Path(info["lora"]).name} if info.get("lora") else {}),
            "grounding": pipeline_options(args).grounding, "seed": args.seed, "temperature": args.temperature,
            "device": info.get("device"), "prompts_file": str(args.prompts), "split": args.split,
            "limit": args.limit, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": platform.machine(), "wall_s": round(time.perf_counter() - t0, 1)}
    report["meta"] = meta
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(format_summary(report["summary"], meta))
    return report


def format_lift(lift: dict) -> str:
    def pp(v):
        return "   -  " if v is None else f"{100 * v:+5.1f}"
    lines = ["Model lift (real - random weights), percentage points:",
             f"  {'split':8s} {'all-pass':>9s} {'explicit':>9s} {'constr.':>8s} {'implied':>8s}"]
    for sp, v in lift.items():
        lines.append(f"  {sp:8s} {pp(v['all_pass']):>9s} {pp(v['explicit_pass']):>9s} {pp(v['constraint_rate']):>8s}"
                     f" {pp(v.get('implied_rate')):>8s}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# perf

def cmd_perf(args) -> int:
    from . import perf
    skip = [x.strip() for x in args.skip.split(",") if x.strip()]
    unknown = [x for x in skip if x not in perf.SECTIONS]
    if unknown:
        raise CliError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(perf.SECTIONS)}", EXIT_BAD_INPUT)
    result = perf.run(quick=args.quick, eevee=args.eevee, backend_args=args, log=_log, skip=skip)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text if args.json else perf.format_table(result))
    return EXIT_OK


def _rejudge(args, rows: list[dict]) -> int:
    from ..blender import builder, scene_io
    from .scenebench import checker
    from ..scene_dsl.models import parse_scene
    try:
        old = json.loads(Path(args.rejudge).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {args.rejudge}: {exc}", EXIT_BAD_INPUT) from None
    by_id = {r["id"]: r for r in rows}
    bl_scene = scene_io.fresh_scene()
    records = []
    for rec in old.get("prompts", []):
        row = by_id.get(rec.get("id"))
        if row is None:
            continue
        if rec.get("status") == "ok":
            builder.build_scene(parse_scene(rec["dsl"]), bl_scene, resolution=SHEET_TILE)
            report = checker.check(bl_scene, row["constraints"])
            rec["all_pass"], rec["explicit_pass"] = report.all_pass, report.explicit_pass
            rec["results"] = [{"name": r.name, "ok": r.ok, "detail": r.detail, "kinds": r.kinds}
                              for r in report.results]
        records.append(rec)
    builder.clear(bl_scene)
    report = {"summary": summarize(records), "prompts": records,
              "meta": {**old.get("meta", {}), "rejudged_from": str(args.rejudge)}}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(format_summary(report["summary"], report["meta"]))
    _log(f"wrote {out / 'report.json'}")
    return EXIT_OK
