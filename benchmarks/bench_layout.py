"""Benchmark the layout solver: solve time for scenes of 100-2000 entities with relations.

``run()`` returns {n_entities: {"median_s", "cpu_median_s", "entries", "warnings"}}
(CPU time is reported too: on a shared, loaded machine wall time overstates it); ``python benchmarks/bench_layout.py`` prints it.
Scenes mix singletons and groups (counts 1-10, every arrangement), every relation type
(each entry relates to one or two earlier entries), so the solver's spatial hash,
sweeps, surfaces, rings and between/near searches all run.
"""
from __future__ import annotations

import random
import statistics
import time

from worldsmith.scene_dsl import catalog
from worldsmith.scene_dsl.layout import solve
from worldsmith.scene_dsl.models import Scene

SIZES = (100, 500, 1000, 2000)
REL = ("left_of", "right_of", "in_front_of", "behind", "near", "next_to", "between", "around",
       "facing", "on", "under")
SMALL = ("lamp", "crate", "barrel", "flower", "mushroom", "cat", "bird")


def make_scene(n_entities: int, seed: int = 0) -> Scene:
    rng = random.Random(seed)
    kinds = [k for k in catalog.KIND_NAMES if k not in ("hill",)]
    ents: list[dict] = []
    total = 0
    while total < n_entities:
        i = len(ents)
        count = 1 if rng.random() < 0.35 else rng.randint(3, 10)
        count = min(count, n_entities - total)
        kind = rng.choice(kinds)
        e: dict = {"id": f"e{i}", "kind": kind, "count": count}
        if count > 1:
            e["arrangement"] = rng.choice(("row", "grid", "ring", "cluster", "scatter", None))
        if i > 0 and rng.random() < 0.9:
            typ = rng.choice(REL)
            t = rng.randrange(i)
            if typ == "on":
                supports = [j for j in range(i) if catalog.get(ents[j]["kind"]).top is not None]
                if supports:
                    t = rng.choice(supports)
                    e["kind"] = rng.choice(SMALL)
                else:
                    typ = "near"
            if typ == "under":
                e["kind"] = rng.choice(SMALL)
            rel = {"type": typ, "target": f"e{t}"}
            if typ == "between":
                if i < 2:
                    rel["type"] = "near"
                else:
                    t2 = rng.randrange(i - 1)
                    rel["target2"] = f"e{t2 if t2 < t else t2 + 1}"
            e["relations"] = [rel]
            if typ != "facing" and rng.random() < 0.2:
                e["relations"].append({"type": "facing", "target": f"e{rng.randrange(i)}"})
        e = {k: v for k, v in e.items() if v is not None}
        ents.append(e)
        total += count
    return Scene.model_validate({"entities": ents, "seed": seed})


def run(sizes=SIZES, repeats: int = 5) -> dict:
    out = {}
    for n in sizes:
        scene = make_scene(n, seed=n)
        times, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            layout = solve(scene)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert len(layout.placements) == n
        out[n] = {"median_s": statistics.median(times), "cpu_median_s": statistics.median(cpu),
                  "entries": len(scene.entities), "warnings": len(layout.warnings)}
    return out


if __name__ == "__main__":
    for n, r in run().items():
        print(f"{n:5d} entities ({r['entries']:4d} entries): {r['median_s'] * 1000:7.1f} ms median wall, "
              f"{r['cpu_median_s'] * 1000:7.1f} ms CPU, {r['warnings']} warnings")
