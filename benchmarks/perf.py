"""Worldsmith's performance suite: ``make bench`` / ``worldsmith bench perf [--json] [--quick]``.

One run, side by side, as a table and as JSON with stable keys
(``schema: worldsmith.perf/1``):

* ``build``: the same 1,000- and 10,000-entity scenes built by Worldsmith
  (``builder.build_scene``, layout included) and by a naive script that calls
  ``bpy.ops.mesh.primitive_*_add`` once per entity at the same positions with
  one material per colour; seconds, the naive/Worldsmith ratio, and growth
  exponents (t ~ n^k between the two sizes). A naive run that passes
  ``NAIVE_BUDGET_S`` stops and is extrapolated linearly (``naive_extrapolated``).
* ``decoding``: ``benchmarks/bench_decoding.py``'s ``run(quick)`` when that
  file exists (tokens/s constrained vs unconstrained, mask time per token),
  else ``{"available": false}``.
* ``layout``: ``benchmarks/bench_layout.py``'s ``run()`` when present.
* ``compactness``: tokens (the model's own tokenizer) of the DSL of a set of
  everyday scenes vs an equivalent hand-written-style bpy script that builds
  them from primitives with the same positions, colours, light and camera.
  The script is a lower bound: it stands one primitive in for each asset.
* ``end_to_end``: model load time, prompt -> built scene median and p90 over
  SceneBench prompts, decoding tokens/s seen there, render seconds per engine
  (Workbench and Cycles always, Eevee with ``eevee=True``).
* ``cold_start``: ``benchmarks/coldstart.py``: whole fresh processes of
  ``worldsmith generate ... --no-render`` with the embedded model and warm caches
  (min, median, max of 5 runs, 3 with ``quick``).

Run directly: ``python -m worldsmith.benchmarks.perf [--quick] [--json] [--eevee]`` (or ``worldsmith bench perf``).
"""
from __future__ import annotations

import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = "worldsmith.perf/1"
SIZES = (1000, 10000)
QUICK_SIZES = (50, 200)
NAIVE_BUDGET_S = 240.0
E2E_PROMPTS, QUICK_E2E_PROMPTS = 12, 2
RENDER_RES, QUICK_RENDER_RES = (480, 270), (128, 72)

# everyday scenes for the compactness comparison (what a model writes for a prompt)
COMPACT_SCENES = {
    "red car, white house, sunset, two pines": {
        "time_of_day": "sunset", "entities": [
            {"id": "house", "kind": "house", "color": "white"},
            {"id": "car", "kind": "car", "color": "red", "relations": [{"type": "in_front_of", "target": "house"}]},
            {"id": "pines", "kind": "pine_tree", "count": 2, "relations": [{"type": "behind", "target": "house"}]}]},
    "cat on a table, four chairs around it": {
        "ground": "wood", "entities": [
            {"id": "table", "kind": "table"},
            {"id": "cat", "kind": "cat", "relations": [{"type": "on", "target": "table"}]},
            {"id": "chairs", "kind": "chair", "count": 4, "relations": [{"type": "around", "target": "table"}]}]},
    "campsite at night": {
        "time_of_day": "night", "entities": [
            {"id": "fire", "kind": "campfire"},
            {"id": "tent", "kind": "tent", "color": "orange", "relations": [{"type": "left_of", "target": "fire"}]},
            {"id": "rocks", "kind": "rock", "count": 6, "relations": [{"type": "around", "target": "fire"}]},
            {"id": "pines", "kind": "pine_tree", "count": 5, "relations": [{"type": "behind", "target": "tent"}]}]},
    "farm": {
        "ground": "dirt", "entities": [
            {"id": "barn", "kind": "barn", "color": "red"},
            {"id": "mill", "kind": "windmill", "relations": [{"type": "right_of", "target": "barn"}]},
            {"id": "cows", "kind": "cow", "count": 3, "relations": [{"type": "in_front_of", "target": "barn"}]},
            {"id": "fence", "kind": "fence", "count": 4, "arrangement": "row",
             "relations": [{"type": "in_front_of", "target": "cows"}]}]},
    "beach": {
        "ground": "sand", "time_of_day": "afternoon", "entities": [
            {"id": "palms", "kind": "palm_tree", "count": 3},
            {"id": "boat", "kind": "boat", "color": "blue", "relations": [{"type": "in_front_of", "target": "palms"}]},
            {"id": "lighthouse", "kind": "lighthouse", "relations": [{"type": "behind", "target": "palms"}]}]},
    "street": {
        "ground": "concrete", "time_of_day": "dusk", "entities": [
            {"id": "bus", "kind": "bus"},
            {"id": "cars", "kind": "car", "count": 3, "color": "silver", "relations": [{"type": "behind", "target": "bus"}]},
            {"id": "lamps", "kind": "street_lamp", "count": 4, "arrangement": "row",
             "relations": [{"type": "left_of", "target": "bus"}]},
            {"id": "person", "kind": "person", "relations": [{"type": "next_to", "target": "bus"}]}]},
    "twelve flowers in a garden": {"entities": [{"id": "flowers", "kind": "flower", "count": 12, "color": "pink"}]},
    "a single blue cube": {"entities": [{"id": "cube", "kind": "cube", "color": "blue"}]},
}
PRIMITIVE_FOR = {"sphere": "uv_sphere", "cylinder": "cylinder", "cone": "cone", "torus": "torus",
                 "plane": "plane", "pyramid": "cone", "tree": "cone", "pine_tree": "cone", "palm_tree": "cylinder",
                 "bush": "uv_sphere", "flower": "uv_sphere", "rock": "ico_sphere", "mushroom": "uv_sphere",
                 "cactus": "cylinder", "log": "cylinder", "hill": "uv_sphere", "tower": "cylinder",
                 "lighthouse": "cylinder", "tent": "cone", "well": "cylinder", "lamp": "cylinder",
                 "street_lamp": "cylinder", "barrel": "cylinder", "campfire": "cone", "snowman": "uv_sphere",
                 "bird": "uv_sphere"}
# what a script writer would pick for the light and the ground (deg elevation, deg azimuth, strength)
SCRIPT_SUN = {"dawn": (8, 120, 3), "morning": (25, 120, 3.5), "noon": (65, 170, 4.5), "afternoon": (35, 230, 4),
              "sunset": (4, 260, 2), "dusk": (-4, 275, 0.5), "night": (45, 200, 0.15)}
SCRIPT_GROUND = {"grass": "#4f8a32", "sand": "#d8c08a", "snow": "#f4f6fa", "dirt": "#6b4f34", "stone": "#8a8782",
                 "water": "#1f5f7f", "concrete": "#9c9c98", "wood": "#9a6b43"}




def _quiet(*_a, **_k):
    return None


def _growth(sizes, times) -> float | None:
    if len(sizes) < 2 or not all(times) or times[0] <= 0:
        return None
    return round(math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0]), 3)


# ---------------------------------------------------------------------------
# build

def big_scene(n: int, group: int = 50):
    """``n`` entities of every kind in groups (engine-side: the DSL's per-prompt cap is not applied)."""
    from worldsmith.scene_dsl import catalog
    from worldsmith.scene_dsl.models import Scene
    kinds = [k for k in catalog.KIND_NAMES if k != "hill"]
    palette = ("red", "steelblue", "#8b5a2b", "gold", "forestgreen", "white", "slategray", "#c0392b")
    ents, total, i = [], 0, 0
    while total < n:
        count = min(group, n - total)
        ents.append({"id": f"e{i}", "kind": kinds[i % len(kinds)], "count": count, "color": palette[i % len(palette)]})
        total += count
        i += 1
    return Scene.model_validate({"entities": ents, "seed": 0})


def _fresh():
    from worldsmith.blender import scene_io
    return scene_io.fresh_scene()


def naive_build(scene, layout, budget_s: float = NAIVE_BUDGET_S) -> tuple[float, int]:
    """What a straightforward script does: one bpy.ops primitive per entity, a material per colour.
    Returns (seconds, entities built); stops early once ``budget_s`` is spent."""
    import bpy
    from worldsmith.scene_dsl import colors
    ents = {e.id: e for e in scene.entities}
    mats: dict[str, object] = {}
    ops = bpy.ops.mesh
    t0 = time.perf_counter()
    done = 0
    for p in layout.placements:
        e = ents[p.entity_id]
        hex_ = e.resolved_color()
        mat = mats.get(hex_)
        if mat is None:
            mat = mats[hex_] = bpy.data.materials.new(hex_)
            mat.diffuse_color = (*colors.hex_to_linear(hex_), 1.0)
        prim = PRIMITIVE_FOR.get(p.kind, "cube")
        w, d, h = p.size
        loc = (p.position[0], p.position[1], p.position[2] + h / 2)
        getattr(ops, f"primitive_{prim}_add")(location=loc, rotation=(0.0, 0.0, p.rotation))
        obj = bpy.context.object
        obj.scale = (w / 2, d / 2, h / 2)
        obj.data.materials.append(mat)
        done += 1
        if time.perf_counter() - t0 > budget_s:
            break
    return time.perf_counter() - t0, done


def bench_build(sizes, log=_quiet) -> dict:
    import bpy
    from worldsmith.blender import builder
    from worldsmith.scene_dsl import layout as layout_mod
    _fresh()
    builder.build_scene(big_scene(60), bpy.context.scene)   # warm-up: asset meshes, materials
    out = {"entities": list(sizes), "worldsmith_s": [], "worldsmith_layout_s": [], "naive_ops_s": [],
           "naive_extrapolated": [], "ratio_naive_over_worldsmith": []}
    for n in sizes:
        scene = big_scene(n)
        bl = _fresh()
        t0 = time.perf_counter()
        lay = layout_mod.solve(scene)
        t_layout = time.perf_counter() - t0
        res = builder.build_scene(scene, bl, layout=lay, resolution=(960, 540), dressing="none")
        t_ws = time.perf_counter() - t0
        assert len(res.objects) == n
        bl = _fresh()
        t_naive, done = naive_build(scene, lay)
        extrapolated = done < n
        if extrapolated:
            t_naive *= n / max(done, 1)
        log(f"build {n}: worldsmith {t_ws:.2f} s (layout {t_layout:.2f} s), naive bpy.ops {t_naive:.1f} s"
            + (" (extrapolated)" if extrapolated else ""))
        out["worldsmith_s"].append(round(t_ws, 3))
        out["worldsmith_layout_s"].append(round(t_layout, 3))
        out["naive_ops_s"].append(round(t_naive, 3))
        out["naive_extrapolated"].append(extrapolated)
        out["ratio_naive_over_worldsmith"].append(round(t_naive / max(t_ws, 1e-9), 1))
    _fresh()
    out["growth_exponent_worldsmith"] = _growth(sizes, out["worldsmith_s"])
    out["growth_exponent_naive"] = _growth(sizes, out["naive_ops_s"])
    return out


# ---------------------------------------------------------------------------
# compactness

def bpy_script(scene, layout) -> str:
    """A hand-written-style bpy script that builds ``scene`` from primitives at ``layout``'s positions."""
    from worldsmith.blender import camera as camera_mod
    from worldsmith.scene_dsl import colors
    import numpy as np
    lines = ["import bpy", "import math", "",
             "def material(name, rgb):",
             "    mat = bpy.data.materials.new(name)",
             "    mat.use_nodes = True",
             "    mat.node_tree.nodes['Principled BSDF'].inputs['Base Color'].default_value = (*rgb, 1.0)",
             "    return mat", "",
             "def add(prim, location, scale, rotation, mat):",
             "    getattr(bpy.ops.mesh, 'primitive_' + prim + '_add')(location=location, rotation=(0, 0, rotation))",
             "    obj = bpy.context.object",
             "    obj.scale = scale",
             "    obj.data.materials.append(mat)",
             "    return obj", ""]
    names = {}
    for e in scene.entities:
        hex_ = e.resolved_color()
        if hex_ not in names:
            names[hex_] = f"m{len(names)}"
            rgb = ", ".join(f"{c:.2f}" for c in colors.hex_to_srgb(hex_))
            lines.append(f"{names[hex_]} = material('{e.color or e.kind}', ({rgb}))")
    lines.append("")

    def r2(v):
        return f"{v:.2f}".rstrip("0").rstrip(".") or "0"
    for e in scene.entities:
        ps = layout.by_entity(e.id)
        prim = PRIMITIVE_FOR.get(e.kind, "cube")
        w, d, h = (r2(s / 2) for s in ps[0].size)
        spots = [f"({r2(p.position[0])}, {r2(p.position[1])}, {r2(p.position[2] + p.size[2] / 2)}, {r2(p.rotation)})"
                 for p in ps]
        lines.append(f"# {e.id}: {e.count} {e.kind}")
        if len(ps) == 1:
            x, y, z, rot = spots[0][1:-1].split(", ")
            lines.append(f"add('{prim}', ({x}, {y}, {z}), ({w}, {d}, {h}), {rot}, {names[e.resolved_color()]})")
        else:
            lines.append(f"for x, y, z, rot in [{', '.join(spots)}]:")
            lines.append(f"    add('{prim}', (x, y, z), ({w}, {d}, {h}), rot, {names[e.resolved_color()]})")
    elev, azim, strength = SCRIPT_SUN[scene.time_of_day]
    g_hex = SCRIPT_GROUND[scene.ground]
    rgb = ", ".join(f"{c:.2f}" for c in colors.hex_to_srgb(g_hex))
    lines += ["", "bpy.ops.mesh.primitive_plane_add(size=400)",
              f"bpy.context.object.data.materials.append(material('{scene.ground}', ({rgb})))",
              f"bpy.ops.object.light_add(type='SUN', rotation=(math.radians({r2(90 - elev)}), 0, math.radians({r2(azim + 180)})))",
              f"bpy.context.object.data.energy = {r2(strength)}"]
    pts = []
    for p in layout.placements:
        hx, hy = p.half_extents
        for dx in (-hx, hx):
            for dy in (-hy, hy):
                for dz in (0.0, p.size[2]):
                    pts.append((p.position[0] + dx, p.position[1] + dy, p.position[2] + dz))
    loc, rot, _ = camera_mod.frame(np.asarray(pts), None)
    lines += [f"bpy.ops.object.camera_add(location=({', '.join(r2(v) for v in loc)}), "
              f"rotation=({', '.join(r2(v) for v in rot)}))",
              "bpy.context.scene.camera = bpy.context.object",
              "world = bpy.data.worlds.new('sky')",
              "world.use_nodes = True",
              "bpy.context.scene.world = world"]
    return "\n".join(lines) + "\n"


def bench_compactness(tokenize, log=_quiet) -> dict:
    from worldsmith.scene_dsl import layout as layout_mod
    from worldsmith.scene_dsl.models import parse_scene
    rows = []
    for name, doc in COMPACT_SCENES.items():
        scene = parse_scene(doc)
        dsl = scene.to_json()
        script = bpy_script(scene, layout_mod.solve(scene))
        a, b = len(tokenize(dsl)), len(tokenize(script))
        rows.append({"scene": name, "entities": scene.total_count(), "dsl_tokens": a, "script_tokens": b,
                     "ratio_script_over_dsl": round(b / a, 2)})
    dsl_t = sum(r["dsl_tokens"] for r in rows)
    scr_t = sum(r["script_tokens"] for r in rows)
    log(f"compactness: DSL {dsl_t} tokens vs bpy script {scr_t} tokens over {len(rows)} scenes")
    return {"scenes": rows, "dsl_tokens_total": dsl_t, "script_tokens_total": scr_t,
            "ratio_script_over_dsl": round(scr_t / max(dsl_t, 1), 2),
            "tokenizer": "model", "note": "the bpy script stands one primitive in for each asset: a lower bound"}


# ---------------------------------------------------------------------------
# end to end

def bench_render(res, eevee: bool, quick: bool, log=_quiet) -> dict:
    import tempfile
    from worldsmith.blender import builder, render
    from worldsmith.scene_dsl.models import parse_scene
    scene = parse_scene(COMPACT_SCENES["red car, white house, sunset, two pines"])
    bl = _fresh()
    builder.build_scene(scene, bl, resolution=res)
    out = {"resolution": list(res), "cycles_samples": 4 if quick else 16}
    engines = ["workbench", "cycles"] + (["eevee"] if eevee else [])
    with tempfile.TemporaryDirectory() as tmp:
        for eng in ("workbench", "cycles", "eevee"):
            if eng not in engines:
                out[f"{eng}_s"] = None
                continue
            s = render.RenderSettings(eng, "cpu", out["cycles_samples"] if eng == "cycles" else 16, tuple(res))
            t0 = time.perf_counter()
            render.render_still(bl, f"{tmp}/{eng}.png", s)
            out[f"{eng}_s"] = round(time.perf_counter() - t0, 3)
            log(f"render {eng}: {out[f'{eng}_s']:.2f} s at {res[0]}x{res[1]}")
    _fresh()
    return out


def bench_end_to_end(backend, options, n_prompts: int, log=_quiet) -> dict:
    import bpy
    from worldsmith.blender import builder
    from worldsmith.generation import pipeline
    from worldsmith.benchmarks.cli import PROMPTS, load_prompts, select
    rows = select(load_prompts(PROMPTS), n_prompts)
    bl = _fresh()
    t0 = time.perf_counter()   # the first request compiles the grammar: timed apart
    try:
        pipeline.generate("a red cube", backend, options)
    except Exception as exc:
        log(f"end to end: warm-up failed: {exc}")
    first = time.perf_counter() - t0
    times, tok, gen_s, failures = [], 0, 0.0, 0
    for row in rows:
        t0 = time.perf_counter()
        try:
            res = pipeline.generate(row["prompt"], backend, options)
            builder.build_scene(res.scene, bl, resolution=(480, 270))
        except Exception as exc:  # a failed prompt is counted, not fatal
            failures += 1
            log(f"end to end: {row['id']} failed: {exc}")
            continue
        times.append(time.perf_counter() - t0)
        tok += res.tokens
        gen_s += res.seconds
    builder.clear(bl)
    del bpy
    return {"prompts": len(rows), "failures": failures, "first_request_s": round(first, 3),
            "median_s": round(statistics.median(times), 3) if times else None,
            "p90_s": round(sorted(times)[min(len(times) - 1, math.ceil(0.9 * len(times)) - 1)], 3) if times else None,
            "tokens_per_s_pipeline": round(tok / gen_s, 1) if gen_s else None}


# ---------------------------------------------------------------------------
# the suite

def _backend(backend_args):
    if backend_args is not None:
        from worldsmith.cli.options import open_backend
        return open_backend(backend_args)
    from worldsmith.generation.backends.local import LocalBackend
    return LocalBackend(None)


def _options(backend_args):
    if backend_args is not None:
        from worldsmith.cli.options import pipeline_options
        return pipeline_options(backend_args)
    from worldsmith.generation.pipeline import Options
    return Options()


SECTIONS = ("build", "decoding", "layout", "compactness", "end_to_end", "cold_start")


def run(quick: bool = False, eevee: bool = False, backend_args=None, log=_quiet, backend=None,
        skip=()) -> dict:
    """The whole suite; returns the JSON-ready result. ``backend``: an open backend to use (and
    leave open); ``skip``: section names to leave out (they read ``{"available": false, "skipped": true}``)."""
    sizes = QUICK_SIZES if quick else SIZES
    result: dict = {"schema": SCHEMA, "quick": quick,
                    "meta": {"python": platform.python_version(), "machine": platform.machine(),
                             "processor": platform.processor() or None, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}}
    for name in skip:
        result[name] = {"available": False, "skipped": True}
    if "build" not in skip:
        result["build"] = bench_build(sizes, log)
    own = backend is None
    t0 = time.perf_counter()
    if own:
        backend = _backend(backend_args)
    load_s = time.perf_counter() - t0
    try:
        _model_sections(result, backend, backend_args, quick, eevee, skip, load_s, log)
    finally:
        if own:
            backend.close()
    if "cold_start" not in skip:
        from . import coldstart
        log("cold start: fresh `worldsmith generate --no-render` processes")
        try:
            result["cold_start"] = {"available": True, **coldstart.run(runs=3 if quick else 5, log=log)}
        except Exception as exc:    # noqa: BLE001 - reported, the other sections stand
            result["cold_start"] = {"available": False, "error": f"{type(exc).__name__}: {exc}"}
    return result


def _model_sections(result, backend, backend_args, quick, eevee, skip, load_s, log) -> None:
    from . import bench_decoding, bench_layout
    if "decoding" not in skip:
        log("decoding: benchmarks/bench_decoding.py")
        try:
            try:
                figures = bench_decoding.run(quick, backend=backend)
            except TypeError:
                figures = bench_decoding.run(quick)
            result["decoding"] = {"available": True, **figures}
        except Exception as exc:  # someone else's benchmark: report, do not fail the suite
            result["decoding"] = {"available": False, "error": f"{type(exc).__name__}: {exc}"}
    if "layout" not in skip:
        try:
            raw = bench_layout.run(sizes=(100, 500), repeats=1) if quick else bench_layout.run()
            result["layout"] = {"available": True,
                                "median_s": {str(k): round(v["median_s"], 4) for k, v in raw.items()}}
        except Exception as exc:
            result["layout"] = {"available": False, "error": f"{type(exc).__name__}: {exc}"}
    info = backend.info()
    result["meta"]["model"] = Path(str(info.get("model", "?"))).name
    result["meta"]["model_device"] = info.get("device")
    if "compactness" in skip:
        pass
    elif hasattr(backend, "tokenize"):
        result["compactness"] = bench_compactness(backend.tokenize, log)
    else:
        result["compactness"] = {"available": False, "reason": "this backend exposes no tokenizer"}
    if "end_to_end" not in skip:
        e2e = bench_end_to_end(backend, _options(backend_args), QUICK_E2E_PROMPTS if quick else E2E_PROMPTS, log)
        e2e["model_load_s"] = round(float(info.get("load_seconds", load_s)), 3)
        e2e["render"] = bench_render(QUICK_RENDER_RES if quick else RENDER_RES, eevee, quick, log)
        result["end_to_end"] = e2e


def format_table(r: dict) -> str:
    def f(v, fmt="{:.2f}"):
        return "-" if v is None else fmt.format(v)
    b = r["build"]
    if not b.get("entities"):
        b = {"entities": [], "worldsmith_s": [], "worldsmith_layout_s": [], "naive_ops_s": [], "naive_extrapolated": [],
             "ratio_naive_over_worldsmith": [], "growth_exponent_worldsmith": None, "growth_exponent_naive": None}
    lines = [f"Worldsmith perf ({'quick' if r['quick'] else 'full'}) on {r['meta']['machine']}, "
             f"model {r['meta'].get('model', '?')}", "",
             f"{'build':<28}" + "".join(f"{n:>12,d}" for n in b["entities"])]
    lines.append(f"{'  worldsmith s':<28}" + "".join(f"{v:>12.2f}" for v in b["worldsmith_s"]))
    lines.append(f"{'    of which layout s':<28}" + "".join(f"{v:>12.2f}" for v in b["worldsmith_layout_s"]))
    lines.append(f"{'  naive bpy.ops s':<28}" + "".join(
        f"{v:>11.1f}{'*' if x else ' '}" for v, x in zip(b["naive_ops_s"], b["naive_extrapolated"])))
    lines.append(f"{'  naive / worldsmith':<28}" + "".join(f"{v:>11.1f}x" for v in b["ratio_naive_over_worldsmith"]))
    lines.append(f"  growth exponent: worldsmith {f(b['growth_exponent_worldsmith'])}, "
                 f"naive {f(b['growth_exponent_naive'])}  (* = extrapolated past the time budget)")
    d = r["decoding"]
    lines.append("")
    if d.get("available"):
        lines.append("decoding: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                              for k, v in d.items() if k != "available" and not isinstance(v, (dict, list))))
    else:
        lines.append("decoding: benchmarks/bench_decoding.py not available" + (f" ({d['error']})" if d.get("error") else ""))
    lay = r["layout"]
    if lay.get("available"):
        lines.append("layout solve: " + ", ".join(f"{k} entities {1000 * v:.1f} ms" for k, v in lay["median_s"].items()))
    c = r.get("compactness", {})
    if c.get("scenes"):
        lines += ["", f"{'compactness (model tokens)':<42}{'DSL':>8}{'bpy script':>12}{'ratio':>8}"]
        for row in c["scenes"]:
            lines.append(f"  {row['scene'][:40]:<40}{row['dsl_tokens']:>8}{row['script_tokens']:>12}"
                         f"{row['ratio_script_over_dsl']:>7.1f}x")
        lines.append(f"  {'total':<40}{c['dsl_tokens_total']:>8}{c['script_tokens_total']:>12}"
                     f"{c['ratio_script_over_dsl']:>7.1f}x")
    e = r["end_to_end"]
    if "render" not in e:
        return "\n".join(lines + ["", "end to end: skipped", _cold_start_line(r)])
    rr = e["render"]
    lines += ["", f"end to end: model load {f(e['model_load_s'])} s; prompt -> built scene median "
                  f"{f(e['median_s'])} s, p90 {f(e['p90_s'])} s over {e['prompts']} prompts "
                  f"({e['failures']} failed; first request {f(e['first_request_s'])} s); pipeline {f(e['tokens_per_s_pipeline'], '{:.1f}')} tokens/s",
              f"render {rr['resolution'][0]}x{rr['resolution'][1]}: workbench {f(rr['workbench_s'])} s, "
              f"cycles ({rr['cycles_samples']} spp) {f(rr['cycles_s'])} s, eevee {f(rr['eevee_s'])} s",
              _cold_start_line(r)]
    return "\n".join(lines)


def _cold_start_line(r: dict) -> str:
    c = r.get("cold_start") or {}
    if not c.get("available"):
        return "cold start: " + ("skipped" if c.get("skipped") or not c else f"failed ({c.get('error')})")
    w, m = c["this"]["wall_s"], c["this"].get("model_ready_s") or {}
    return (f"cold start (fresh `generate --no-render`, {c['runs']} runs, load {c['load_before'][0]}): wall "
            f"median {w['median']:.2f} s (min {w['min']:.2f}, max {w['max']:.2f}); model ready median "
            f"{m.get('median', float('nan')):.2f} s")


if __name__ == "__main__":
    res = run(quick="--quick" in sys.argv, eevee="--eevee" in sys.argv,
              log=lambda m: print(m, file=sys.stderr, flush=True),
              skip=[a.split("=", 1)[1] for a in sys.argv if a.startswith("--skip=")])
    print(json.dumps(res, indent=2) if "--json" in sys.argv else format_table(res))
