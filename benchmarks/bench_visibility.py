"""Benchmark: are the named things of SceneBench's scenes visible in the picture?

Model-free: each SceneBench prompt is read by the lexicon (``lexicon.analyze(prompt).draft_scene()``, the
prompt's own words as a scene, no language model), built into a fresh scene at 480x270 and measured by
``blender.visibility``. Prints and returns: the share of scenes where every named entity is visible, the
median visible share over all entity instances and over each scene's least visible one, and the time the
build and the measurement took.

``python -m worldsmith.benchmarks.bench_visibility [--dressing none|light|full] [--limit N] [--json]``
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

PROMPTS = Path(__file__).resolve().parent / "scenebench" / "prompts.jsonl"


def run(limit: int | None = None, log=print, **build_kw) -> dict:
    from ..blender import builder, scene_io, visibility
    from ..scene_dsl import lexicon
    rows = [json.loads(line) for line in PROMPTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[:limit] if limit else rows
    bl_scene = scene_io.fresh_scene(visibility.REFERENCE)
    scenes, shares, minima, build_s, measure_s, hidden_ids, cam_s, cam_ids = 0, [], [], [], [], [], [], []
    for row in rows:
        scene = lexicon.analyze(row["prompt"]).draft_scene()
        if scene is None:
            continue
        t0 = time.perf_counter()
        res = builder.build_scene(scene, bl_scene, resolution=visibility.REFERENCE, **build_kw)
        cam_s.append(res.camera_s)
        cam_ids.append(row["id"])
        t1 = time.perf_counter()
        vis = visibility.measure_scene(bl_scene, visibility.REFERENCE)
        measure_s.append(time.perf_counter() - t1)
        build_s.append(t1 - t0)
        scenes += 1
        shares += [v.share for v in vis.values()]
        minima.append(min(v.share for v in vis.values()) if vis else 1.0)
        if not all(v.visible for v in vis.values()):
            hidden_ids.append(row["id"])
            log(f"hidden in {row['id']} {row['prompt']!r}: {visibility.hidden_warning(vis)}")
    builder.clear(bl_scene)
    return {"scenes": scenes, "all_visible": round(1 - len(hidden_ids) / max(scenes, 1), 4),
            "median_share": round(statistics.median(shares), 4) if shares else None,
            "median_scene_min_share": round(statistics.median(minima), 4) if minima else None,
            "build_s_median": round(statistics.median(build_s), 4) if build_s else None,
            "measure_s_median": round(statistics.median(measure_s), 4) if measure_s else None,
            "measure_s_max": round(max(measure_s), 4) if measure_s else None,
            "camera_search_s_median": round(statistics.median(cam_s), 4) if cam_s else None,
            "camera_search_s_max": round(max(cam_s), 4) if cam_s else None,
            "camera_search_slowest": cam_ids[int(np.argmax(cam_s))] if cam_s else None,
            "hidden": hidden_ids}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    ns = ap.parse_args(argv)
    result = run(ns.limit, log=(lambda *_: None) if ns.json else print)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
