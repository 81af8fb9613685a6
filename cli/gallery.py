"""``worldsmith gallery``: contact sheets of every kind and of every time of day.

``worldsmith gallery --out docs/gallery.png`` builds every catalog kind alone,
through the real builder, in a fresh scene framed by its own camera, renders
it with Cycles on the CPU at a few samples, and lays the tiles out on one
labelled sheet. ``worldsmith gallery --times --out docs/times.png`` renders a
small village once per time of day instead.

Labels and the sheet come from ``files/images.py`` (numpy and ``zlib``): no
imaging package is needed.
"""
from __future__ import annotations

import os
import sys
import time

# numpy and the scene core are imported where they are used: every `worldsmith` command builds the
# parser this module registers into, and `generate` starts its model before those imports

# kinds that look best on their own ground
KIND_GROUND = {"boat": "water", "snowman": "snow", "cactus": "sand", "palm_tree": "sand",
               "bridge": "grass", "campfire": "dirt", "tent": "grass", "whale": "water", "dolphin": "water",
               "shark": "water", "tugboat": "water", "cargo_ship": "water", "sailboat": "water", "canoe": "water",
               "submarine": "water", "dock": "water", "swan": "water", "camel": "sand", "crocodile": "dirt",
               "penguin": "snow", "sleigh": "snow"}

VILLAGE = [
    {"id": "house", "kind": "house"},
    {"id": "trees", "kind": "tree", "count": 2, "relations": [{"type": "right_of", "target": "house"}]},
    {"id": "pine", "kind": "pine_tree", "relations": [{"type": "behind", "target": "house"}]},
    {"id": "car", "kind": "car", "color": "steelblue", "relations": [{"type": "in_front_of", "target": "house"}]},
    {"id": "lamp", "kind": "street_lamp", "relations": [{"type": "left_of", "target": "car"}]},
    {"id": "fire", "kind": "campfire", "relations": [{"type": "left_of", "target": "house"}]},
    {"id": "hiker", "kind": "person", "relations": [{"type": "near", "target": "fire"}]},
    {"id": "fence", "kind": "fence", "relations": [{"type": "right_of", "target": "car"}]},
]

# 5x7 bitmap font: seven rows of five bits per glyph
def render_scene(doc: dict, size: tuple[int, int], samples: int, tmp: str, engine: str = "cycles") -> np.ndarray:
    """Build ``doc`` in a fresh file with the real builder and render it (Cycles on the CPU, or
    ``engine``: Workbench is many times faster, for a quick look at many kinds)."""
    from ..blender import images, render, scene_io
    from ..scene_dsl.models import parse_scene
    bl_scene, _ = scene_io.build_fresh(parse_scene(doc), size)
    settings = render.RenderSettings(engine, "cpu", samples, size, denoise=True)
    render.apply(bl_scene, settings)
    if engine == "cycles":
        bl_scene.cycles.tile_size = 256
        bl_scene.cycles.max_bounces = 4
    render.render_still(bl_scene, tmp, settings)
    return images.read_rgb8(tmp)


def kind_doc(kind: str) -> dict:
    from ..scene_dsl import catalog
    doc = {"time_of_day": "afternoon", "ground": KIND_GROUND.get(kind, "grass"),
           "entities": [{"id": "it", "kind": kind}]}
    spec = catalog.get(kind)
    camera = {}
    if spec.origin != "procedural" and spec.category in ("creature", "vehicle"):
        camera["view"] = "front_left"   # a side shows an animal's or a vehicle's shape; the front hides it
    biggest = max(spec.size)
    if biggest < 0.5:   # an apple is a speck even at the closest zoom: the sheet shows it enlarged
        doc["entities"][0]["scale"] = round(0.5 / biggest, 2)
        biggest = 0.5
    if biggest < 1.2:   # the camera stays 1.5 m back unless zoomed: small things would be specks
        camera["zoom"] = round(min(5.0, 1.2 / biggest), 2)
    if camera:
        doc["camera"] = camera
    return doc


def make_gallery(out: str, tile: int = 160, samples: int = 8, columns: int = 8, kinds=None,
                 progress=None, engine: str = "cycles") -> str:
    """Render every kind (or ``kinds``) into one labelled contact sheet at ``out``."""
    import tempfile
    from ..files.images import contact_sheet, label, write_png
    from ..scene_dsl import catalog
    kinds = list(kinds or catalog.KIND_NAMES)
    tiles = []
    with tempfile.TemporaryDirectory(prefix="ws-gallery-") as tmp:
        for i, kind in enumerate(kinds):
            t0 = time.perf_counter()
            img = render_scene(kind_doc(kind), (tile, tile), samples, os.path.join(tmp, f"{kind}.png"), engine)
            label(img, kind, 2 if tile >= 128 else 1)
            tiles.append(img)
            if progress:
                progress(f"{i + 1}/{len(kinds)} {kind} ({time.perf_counter() - t0:.1f} s)")
    write_png(out, contact_sheet(tiles, min(columns, len(tiles))), level=9)
    return out


def make_times(out: str, size: tuple[int, int] = (400, 225), samples: int = 16, columns: int = 4,
               times=None, progress=None) -> str:
    """Render the village once per time of day into one labelled sheet at ``out``."""
    import tempfile
    from ..files.images import contact_sheet, label, write_png
    from ..scene_dsl.models import TIMES_OF_DAY
    times = list(times or TIMES_OF_DAY)
    tiles = []
    with tempfile.TemporaryDirectory(prefix="ws-times-") as tmp:
        for i, t in enumerate(times):
            t0 = time.perf_counter()
            doc = {"time_of_day": t, "ground": "grass", "camera": {"view": "low", "zoom": 0.9},
                   "entities": VILLAGE, "seed": 3}
            img = render_scene(doc, size, samples, os.path.join(tmp, f"{t}.png"))
            label(img, t, 2)
            tiles.append(img)
            if progress:
                progress(f"{i + 1}/{len(times)} {t} ({time.perf_counter() - t0:.1f} s)")
    write_png(out, contact_sheet(tiles, min(columns, len(tiles))), level=9)
    return out


def _progress(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


def cmd_gallery(args) -> int:
    from ..scene_dsl import catalog
    if args.times:
        out = args.out or "docs/times.png"
        make_times(out, samples=args.samples or 16, progress=_progress)
    else:
        out = args.out or "docs/gallery.png"
        kinds = args.kinds.split(",") if args.kinds else None
        for k in kinds or ():
            if k not in catalog.KINDS:
                raise ValueError(f"unknown kind {k!r}")
        make_gallery(out, tile=args.tile, samples=args.samples or 8, columns=args.columns, kinds=kinds,
                     progress=_progress, engine=args.engine)
    print(os.path.abspath(out))
    return 0


def register(sub) -> dict:
    g = sub.add_parser("gallery", help="render every kind (or every time of day) onto a labelled contact sheet")
    g.add_argument("--out", default=None, help="PNG to write (default docs/gallery.png, or docs/times.png with --times)")
    g.add_argument("--times", action="store_true", help="render a small village once per time of day instead")
    g.add_argument("--tile", type=int, default=160, help="tile size in pixels (kinds sheet)")
    g.add_argument("--columns", type=int, default=8)
    g.add_argument("--samples", type=int, default=None, help="Cycles samples (default 8, or 16 with --times)")
    g.add_argument("--kinds", default=None, help="comma-separated kinds (default: all)")
    g.add_argument("--engine", default="cycles", choices=("cycles", "eevee", "workbench"),
                   help="render engine for the kinds sheet (workbench: a quick look at many kinds)")
    return {"gallery": cmd_gallery}
