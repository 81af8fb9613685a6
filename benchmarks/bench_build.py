"""Benchmark the builder: 10,000 mixed entities into a fresh Blender scene.

``run()`` returns a dict of seconds (medians over ``repeats``) and prints it;
``python benchmarks/bench_build.py [n] [--profile] [--kinds procedural|recipe|all]`` runs it from
the shell; ``--compare`` builds a 1,000-entity scene of recipe kinds and one of procedural kinds
(``compare()``: cold, with every kind's geometry made afresh, and warm).
``--dressing [--no-render]`` times ``--dressing none/light/full`` at 10, 100 and 1,000 entities.

* ``build_s``: ``builder.build_scene`` with a precomputed layout, so only the
  bpy side is timed (meshes, materials, objects, links, world, camera);
* ``layout_s``: ``layout.solve`` alone;
* ``build_with_layout_s``: ``builder.build_scene`` solving the layout itself.

The scene mixes every kind, several colours and presets per kind, in groups
of 50 (the DSL's cap of 2,000 entities per prompt does not apply to this
engine-side benchmark, so the document is validated without that check).
Target: ``build_s`` <= 1 s for 10,000 entities.
"""
from __future__ import annotations

import statistics
import sys
import time

import bpy
from worldsmith.blender import builder
from worldsmith.scene_dsl import catalog, layout as layout_mod
from worldsmith.scene_dsl.models import MATERIALS, Scene

COLORS = ("red", "steelblue", "#8b5a2b", "gold", "forestgreen", "white", "slategray", "#c0392b")


def kinds_of(origin: str = "procedural") -> list[str]:
    """The kinds a benchmark scene mixes: the procedural ones (the figures recorded so far), the
    recipe kinds, or all."""
    if origin == "all":
        return [k for k in catalog.KIND_NAMES if k != "hill"]
    want = "recipe" if origin == "recipe" else "procedural"
    return [k for k, v in catalog.KINDS.items() if v.origin == want and k != "hill"]


def make_scene(n: int = 10_000, group: int = 50, seed: int = 0, origin: str = "procedural") -> Scene:
    kinds = kinds_of(origin)
    ents, total, i = [], 0, 0
    while total < n:
        kind = kinds[i % len(kinds)]
        count = min(group, n - total)
        e = {"id": f"e{i}", "kind": kind, "count": count, "color": COLORS[i % len(COLORS)]}
        if i % 3 == 0:
            e["material"] = MATERIALS[i % len(MATERIALS)]
        ents.append(e)
        total += count
        i += 1
    return Scene.model_validate({"entities": ents, "seed": seed, "time_of_day": "noon"})


def _fresh():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene


def run(n: int = 10_000, repeats: int = 3, origin: str = "procedural") -> dict:
    scene = make_scene(n, origin=origin)
    t0 = time.perf_counter()
    lay = layout_mod.solve(scene)
    layout_s = time.perf_counter() - t0
    build, full = [], []
    for _ in range(repeats):
        bl = _fresh()
        t0 = time.perf_counter()
        res = builder.build_scene(scene, bl, layout=lay, resolution=(960, 540), dressing="none")
        build.append(time.perf_counter() - t0)
        assert len(res.objects) == n
    for _ in range(max(1, repeats - 2)):
        bl = _fresh()
        t0 = time.perf_counter()
        builder.build_scene(scene, bl, resolution=(960, 540), dressing="none")
        full.append(time.perf_counter() - t0)
    bl = _fresh()
    builder.build_scene(scene, bl, layout=lay)
    t0 = time.perf_counter()
    builder.clear(bl)
    clear_s = time.perf_counter() - t0
    out = {"entities": n, "build_s": statistics.median(build), "layout_s": layout_s,
           "build_with_layout_s": statistics.median(full), "clear_s": clear_s,
           "per_entity_us": 1e6 * statistics.median(build) / n}
    for k, v in out.items():
        print(f"{k:>22}: {v:.3f}" if isinstance(v, float) else f"{k:>22}: {v}")
    return out


def compare(n: int = 1_000, repeats: int = 3, group: int = 4) -> dict:
    """Recipe kinds against procedural kinds: ``n`` entities in groups of ``group`` (so every kind
    appears), each built cold (geometry caches emptied first) and warm (median of ``repeats``)."""
    from worldsmith.blender import assets
    from worldsmith.blender.assets import recipe
    out = {}
    for origin in ("procedural", "recipe"):
        scene = make_scene(n, group=group, origin=origin)
        lay = layout_mod.solve(scene)
        assets.build.cache_clear()
        recipe._unit_shape.cache_clear()
        bl = _fresh()
        t0 = time.perf_counter()
        res = builder.build_scene(scene, bl, layout=lay, resolution=(960, 540), dressing="none")
        cold = time.perf_counter() - t0
        assert len(res.objects) == n
        warm = []
        for _ in range(repeats):
            bl = _fresh()
            t0 = time.perf_counter()
            builder.build_scene(scene, bl, layout=lay, resolution=(960, 540), dressing="none")
            warm.append(time.perf_counter() - t0)
        out[origin] = {"kinds": len({e.kind for e in scene.entities}), "cold_s": cold,
                       "warm_s": statistics.median(warm)}
        print(f"{origin:>11}: {n} entities of {out[origin]['kinds']} kinds  cold {cold:.3f} s  "
              f"warm {out[origin]['warm_s']:.3f} s")


def dressing_cost(sizes=(10, 100, 1000), levels=("none", "light", "full"), render: bool = True,
                  resolution=(320, 180), samples: int = 4) -> dict:
    """Build (and Cycles render) time of ``make_scene(n)`` on grass with each dressing level.

    ``build_s`` is ``builder.build_scene`` with the layout solved beforehand (camera search, visibility
    and dressing included), wall and CPU time (``build_cpu_s``: honest on a shared machine); ``render_s``
    a Cycles CPU render at ``resolution`` and ``samples``."""
    from worldsmith.blender import render as render_mod
    import tempfile
    out: dict = {}
    for n in sizes:
        scene = make_scene(n, group=max(1, min(50, n // 10)))
        lay = layout_mod.solve(scene)
        for level in levels:
            times, cpu = [], []
            for _ in range(2):
                bl = _fresh()
                t0, c0 = time.perf_counter(), time.process_time()
                builder.build_scene(scene, bl, layout=lay, resolution=resolution, dressing=level)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            rec = {"build_s": round(min(times), 3), "build_cpu_s": round(min(cpu), 3),
                   "dressing_objects": sum(1 for o in bl.objects if o.get("worldsmith_role") == "dressing")}
            if render:
                with tempfile.TemporaryDirectory() as d:
                    t0 = time.perf_counter()
                    render_mod.render_still(bl, f"{d}/r.png", render_mod.RenderSettings(
                        "cycles", samples=samples, resolution=resolution, denoise=False))
                    rec["render_s"] = round(time.perf_counter() - t0, 2)
            out[f"{n}/{level}"] = rec
            print(f"{n:>5} entities, dressing {level:5s}: {rec}", flush=True)
    return out


def profile(n: int = 10_000) -> None:
    import cProfile
    import pstats
    scene = make_scene(n)
    lay = layout_mod.solve(scene)
    _fresh()
    pr = cProfile.Profile()
    pr.enable()
    builder.build_scene(scene, bpy.context.scene, layout=lay)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    origin = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--kinds=")), "procedural")
    if "--compare" in sys.argv:
        compare(int(args[0]) if args else 1_000)
    elif "--profile" in sys.argv:
        profile(int(args[0]) if args else 10_000)
    elif "--dressing" in sys.argv:
        dressing_cost(render="--no-render" not in sys.argv)
    else:
        run(int(args[0]) if args else 10_000, origin=origin)
