"""Render docs/showcase/scenes.jsonl (hand-written scene DSL, no model) and tile before/after sheets.

    .venv/bin/python tools/showcase.py render OUT_DIR [--ids a,b] [--samples 16] [--size 400x225]
    .venv/bin/python tools/showcase.py sheet BEFORE_DIR AFTER_DIR docs/showcase.png

``render`` uses whichever ``worldsmith`` package is imported, so the "before" images come from running it
with an older checkout first on PYTHONPATH (builds without a ``dressing`` parameter are built bare).
Cycles on the CPU, small and few samples, to spare shared machines.
"""
from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path

SCENES = Path(__file__).resolve().parents[1] / "docs" / "showcase" / "scenes.jsonl"


def render(out: Path, ids=None, samples: int = 16, size=(400, 225)) -> None:
    from worldsmith.blender import builder, render as render_mod, scene_io
    from worldsmith.scene_dsl.models import parse_scene
    out.mkdir(parents=True, exist_ok=True)
    for line in SCENES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if ids and row["id"] not in ids:
            continue
        scene = parse_scene(json.dumps(row["scene"]))
        bl = scene_io.fresh_scene(size)
        kw = {"dressing": "light"} if "dressing" in inspect.signature(builder.build_scene).parameters else {}
        t0 = time.perf_counter()
        res = builder.build_scene(scene, bl, resolution=size, **kw)
        t1 = time.perf_counter()
        render_mod.render_still(bl, str(out / f"{row['id']}.png"),
                                render_mod.RenderSettings("cycles", samples=samples, resolution=size))
        print(f"{row['id']}: build {t1 - t0:.2f} s, render {time.perf_counter() - t1:.1f} s; "
              f"warnings: {res.warnings}", flush=True)


def sheet(before: Path, after: Path, dest: Path) -> None:
    """Pairs (before | after), two pairs a row, captioned with the scene id."""
    from worldsmith.files.images import contact_sheet, read_png, write_png
    tiles, labels = [], []
    for line in SCENES.read_text(encoding="utf-8").splitlines():
        sid = json.loads(line)["id"]
        if (before / f"{sid}.png").exists() and (after / f"{sid}.png").exists():
            tiles += [read_png(before / f"{sid}.png")[..., :3], read_png(after / f"{sid}.png")[..., :3]]
            labels += [f"{sid} before", f"{sid} after"]
    write_png(dest, contact_sheet(tiles, columns=4, pad=4, labels=labels))


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    if cmd == "render":
        opts = dict(zip(rest[1::2], rest[2::2]))
        ids = set(opts["--ids"].split(",")) if "--ids" in opts else None
        w, h = (int(v) for v in opts.get("--size", "400x225").split("x"))
        render(Path(rest[0]), ids, int(opts.get("--samples", 16)), (w, h))
    elif cmd == "sheet":
        sheet(Path(rest[0]), Path(rest[1]), Path(rest[2]))
    else:
        raise SystemExit(__doc__)
