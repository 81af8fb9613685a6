"""``worldsmith gallery``: contact sheets of every kind and of every time of day.

``worldsmith gallery --out docs/gallery.png`` builds every catalog kind alone,
through the real builder, in a fresh scene framed by its own camera, renders
it with Cycles on the CPU at a few samples, and lays the tiles out on one
labelled sheet. ``worldsmith gallery --times --out docs/times.png`` renders a
small village once per time of day instead.

Labels are drawn with the tiny bitmap font below straight into the pixels,
and the sheet is written as an 8-bit RGB PNG with ``zlib``: no imaging
package is needed.
"""
from __future__ import annotations

import os
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from ..scene_dsl import catalog
from ..scene_dsl.models import TIMES_OF_DAY, parse_scene

# kinds that look best on their own ground
KIND_GROUND = {"boat": "water", "snowman": "snow", "cactus": "sand", "palm_tree": "sand",
               "bridge": "grass", "campfire": "dirt", "tent": "grass"}

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
_FONT = {
    "a": "01110 10001 10001 11111 10001 10001 10001", "b": "11110 10001 10001 11110 10001 10001 11110",
    "c": "01110 10001 10000 10000 10000 10001 01110", "d": "11110 10001 10001 10001 10001 10001 11110",
    "e": "11111 10000 10000 11110 10000 10000 11111", "f": "11111 10000 10000 11110 10000 10000 10000",
    "g": "01110 10001 10000 10111 10001 10001 01111", "h": "10001 10001 10001 11111 10001 10001 10001",
    "i": "01110 00100 00100 00100 00100 00100 01110", "j": "00111 00010 00010 00010 00010 10010 01100",
    "k": "10001 10010 10100 11000 10100 10010 10001", "l": "10000 10000 10000 10000 10000 10000 11111",
    "m": "10001 11011 10101 10101 10001 10001 10001", "n": "10001 10001 11001 10101 10011 10001 10001",
    "o": "01110 10001 10001 10001 10001 10001 01110", "p": "11110 10001 10001 11110 10000 10000 10000",
    "q": "01110 10001 10001 10001 10101 10010 01101", "r": "11110 10001 10001 11110 10100 10010 10001",
    "s": "01111 10000 10000 01110 00001 00001 11110", "t": "11111 00100 00100 00100 00100 00100 00100",
    "u": "10001 10001 10001 10001 10001 10001 01110", "v": "10001 10001 10001 10001 10001 01010 00100",
    "w": "10001 10001 10001 10101 10101 10101 01010", "x": "10001 10001 01010 00100 01010 10001 10001",
    "y": "10001 10001 01010 00100 00100 00100 00100", "z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "_": "00000 00000 00000 00000 00000 00000 11111", " ": "00000 00000 00000 00000 00000 00000 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000", ".": "00000 00000 00000 00000 00000 01100 01100",
}
_GLYPHS = {c: np.array([[b == "1" for b in row] for row in g.split()], dtype=bool) for c, g in _FONT.items()}


def text_mask(text: str, scale: int = 2) -> np.ndarray:
    """A boolean image (rows top-down) of ``text`` in the 5x7 font, one pixel of spacing."""
    cols = []
    for ch in text.lower():
        cols.append(_GLYPHS.get(ch, _GLYPHS[" "]))
        cols.append(np.zeros((7, 1), dtype=bool))
    m = np.concatenate(cols[:-1], axis=1) if cols else np.zeros((7, 1), dtype=bool)
    return np.kron(m, np.ones((scale, scale), dtype=bool))


def label(tile: np.ndarray, text: str, scale: int = 2) -> None:
    """Write ``text`` in white on a dark band along the bottom of ``tile`` (H, W, 3 uint8, top-down)."""
    m = text_mask(text, scale)
    h, w = tile.shape[:2]
    band = m.shape[0] + 2 * scale + 2
    tile[h - band:] = (tile[h - band:].astype(np.uint16) * 2 // 5).astype(np.uint8)
    m = m[:, : w - 2 * scale]
    y0, x0 = h - band + scale + 1, 2 * scale
    tile[y0:y0 + m.shape[0], x0:x0 + m.shape[1]][m] = 255


def write_png(path: str | os.PathLike, img: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 top-down image as an 8-bit RGB PNG."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    rows = img.reshape(h, w * 3)
    # filter type 2 ("Up": each byte minus the byte above) packs rendered images far smaller than none
    up = rows.copy()
    up[1:] = rows[1:] - rows[:-1]   # uint8 arithmetic wraps modulo 256, as PNG wants
    raw = np.concatenate([np.full((h, 1), 2, dtype=np.uint8), up], axis=1).tobytes()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)


def read_render(path: str) -> np.ndarray:
    """A PNG Blender wrote, as (H, W, 3) uint8 top-down."""
    import bpy
    img = bpy.data.images.load(path, check_existing=False)
    try:
        w, h = img.size
        px = np.empty(w * h * 4, dtype=np.float32)
        img.pixels.foreach_get(px)
    finally:
        bpy.data.images.remove(img)
    rgb = px.reshape(h, w, 4)[::-1, :, :3]
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def render_scene(doc: dict, size: tuple[int, int], samples: int, tmp: str) -> np.ndarray:
    """Build ``doc`` in a fresh file with the real builder and render it (Cycles, CPU)."""
    from . import builder, engine, render
    bl_scene = engine.fresh_scene()
    bl_scene.render.resolution_x, bl_scene.render.resolution_y = size
    builder.build_scene(parse_scene(doc), bl_scene, resolution=size)
    settings = render.RenderSettings("cycles", "cpu", samples, size, denoise=True)
    render.apply(bl_scene, settings)
    bl_scene.cycles.tile_size = 256
    bl_scene.cycles.max_bounces = 4
    render.render_still(bl_scene, tmp, settings)
    return read_render(tmp)


def kind_doc(kind: str) -> dict:
    return {"time_of_day": "afternoon", "ground": KIND_GROUND.get(kind, "grass"),
            "entities": [{"id": "it", "kind": kind}]}


def sheet(tiles: list[np.ndarray], columns: int, gap: int = 2, bg: int = 24) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    out = np.full((rows * h + (rows + 1) * gap, columns * w + (columns + 1) * gap, 3), bg, dtype=np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        out[y:y + h, x:x + w] = t
    return out


def make_gallery(out: str, tile: int = 160, samples: int = 8, columns: int = 8, kinds=None,
                 progress=None) -> str:
    """Render every kind (or ``kinds``) into one labelled contact sheet at ``out``."""
    import tempfile
    kinds = list(kinds or catalog.KIND_NAMES)
    tiles = []
    with tempfile.TemporaryDirectory(prefix="ws-gallery-") as tmp:
        for i, kind in enumerate(kinds):
            t0 = time.perf_counter()
            img = render_scene(kind_doc(kind), (tile, tile), samples, os.path.join(tmp, f"{kind}.png"))
            label(img, kind, 2 if tile >= 128 else 1)
            tiles.append(img)
            if progress:
                progress(f"{i + 1}/{len(kinds)} {kind} ({time.perf_counter() - t0:.1f} s)")
    write_png(out, sheet(tiles, min(columns, len(tiles))))
    return out


def make_times(out: str, size: tuple[int, int] = (400, 225), samples: int = 16, columns: int = 4,
               times=None, progress=None) -> str:
    """Render the village once per time of day into one labelled sheet at ``out``."""
    import tempfile
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
    write_png(out, sheet(tiles, min(columns, len(tiles))))
    return out


def _progress(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


def cmd_gallery(args) -> int:
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
                     progress=_progress)
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
    return {"gallery": cmd_gallery}
