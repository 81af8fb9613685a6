"""Per-render labels for dataset builders: boxes, instance masks, COCO.

For each placed entity instance of a built scene: its id, kind, colour, 3D box
(world axis-aligned box of the evaluated mesh), 2D box in image pixels (the
evaluated mesh's world vertices projected through ``scene.camera`` the way
``bpy_extras.object_utils.world_to_camera_view`` does it, vectorised, then
clipped to the image) and an instance mask.

How the mask is read headless (bpy 5.0, no GUI): every root object gets
``pass_index = 1..N`` and the view layer's Object Index pass is turned on.
After ``bpy.ops.render.render(write_still=False)`` the ``Render Result``
image has no readable ``pixels`` in background mode, but
``Image.save_render`` works: once with the scene's PNG settings for
``render.png`` (colour managed, as ``write_still`` would write it) and once
as a multi-layer OpenEXR (``media_type = 'MULTI_LAYER_IMAGE'``, codec NONE,
32-bit float). Blender writes that file as a *multi-part* EXR with one part
per pass (``ViewLayer.Object Index`` holds the index); ``read_exr_part``
below reads such uncompressed files with numpy, so no OpenEXR package is
needed. Only Cycles fills the Object Index pass: for Workbench and Eevee the
index comes from a second 1-sample Cycles render of the same scene.

Masks are written as 8-bit (or 16-bit when there are more than 255
instances) grayscale PNGs whose value is the instance's ``mask_value``
(0 = background). COCO segmentations are compressed RLE strings, the same
encoding as pycocotools' ``rleToString`` (column-major counts).
"""
from __future__ import annotations

import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

INDEX_PART = "Object Index"


# --------------------------------------------------------------------------- EXR

class ExrError(ValueError):
    """The EXR file is not one this small reader understands."""


def _exr_header(data: bytes, pos: int) -> tuple[dict, int]:
    attrs = {}
    while data[pos] != 0:
        e = data.index(b"\0", pos)
        name = data[pos:e].decode()
        pos = e + 1
        e = data.index(b"\0", pos)
        typ = data[pos:e].decode()
        pos = e + 1
        (size,) = struct.unpack_from("<i", data, pos)
        pos += 4
        attrs[name] = (typ, data[pos:pos + size])
        pos += size
    return attrs, pos + 1


def _exr_channels(raw: bytes) -> list[tuple[str, int]]:
    out, q = [], 0
    while raw[q] != 0:
        e = raw.index(b"\0", q)
        name = raw[q:e].decode()
        (ptype,) = struct.unpack_from("<i", raw, e + 1)
        out.append((name, ptype))
        q = e + 17
    return out


def read_exr_part(path: str | os.PathLike, part_suffix: str = INDEX_PART) -> np.ndarray:
    """The first channel of the part (or channel prefix) whose name ends with ``part_suffix``,
    as a float32 ``(height, width)`` array, row 0 at the top of the image.

    Reads uncompressed scanline EXR files, single- or multi-part (what Blender
    writes with ``exr_codec='NONE'``); anything else raises ``ExrError``."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x76\x2f\x31\x01":
        raise ExrError(f"{path} is not an OpenEXR file")
    (flags,) = struct.unpack_from("<I", data, 4)
    if flags & 0x200:
        raise ExrError("tiled EXR files are not supported")
    multipart = bool(flags & 0x1000)
    parts, pos = [], 8
    while True:
        attrs, pos = _exr_header(data, pos)
        parts.append(attrs)
        if not multipart or data[pos] == 0:
            break
    if multipart:
        pos += 1
    tables = []
    for attrs in parts:
        x0, y0, x1, y1 = struct.unpack("<4i", attrs["dataWindow"][1])
        h = y1 - y0 + 1
        n = struct.unpack("<i", attrs["chunkCount"][1])[0] if "chunkCount" in attrs else h
        tables.append(struct.unpack_from(f"<{n}Q", data, pos))
        pos += 8 * n
    for pi, attrs in enumerate(parts):
        chans = _exr_channels(attrs["channels"][1])
        pname = attrs.get("name", ("", b""))[1].decode()
        want = [i for i, (c, _) in enumerate(chans)
                if pname.endswith(part_suffix) or c.rsplit(".", 1)[0].endswith(part_suffix)]
        if not want:
            continue
        if attrs["compression"][1] != b"\x00":
            raise ExrError("compressed EXR files are not supported (write with exr_codec='NONE')")
        x0, y0, x1, y1 = struct.unpack("<4i", attrs["dataWindow"][1])
        w, h = x1 - x0 + 1, y1 - y0 + 1
        sizes = [2 if t == 1 else 4 for _, t in chans]
        dtypes = ["<u4", "<f2", "<f4"]
        ci = want[0]
        start = sum(sizes[:ci]) * w
        out = np.zeros((h, w), np.float32)
        head = 12 if multipart else 8
        for off in tables[pi]:
            y = struct.unpack_from("<i", data, off + head - 8)[0]
            out[y - y0] = np.frombuffer(data, dtypes[chans[ci][1]], w, off + head + start)
        return out
    raise ExrError(f"{path} has no {part_suffix!r} pass")


# --------------------------------------------------------------------------- PNG

def write_png(path: str | os.PathLike, img: np.ndarray) -> None:
    """Write a uint8/uint16 image, (h, w) grayscale or (h, w, 3|4) colour, row 0 at the top."""
    img = np.ascontiguousarray(img)
    if img.dtype not in (np.uint8, np.uint16):
        raise ValueError("write_png takes uint8 or uint16 arrays")
    h, w = img.shape[:2]
    ch = 1 if img.ndim == 2 else img.shape[2]
    ctype = {1: 0, 3: 2, 4: 6}[ch]
    depth = 8 if img.dtype == np.uint8 else 16
    rows = img.astype(">u2" if depth == 16 else np.uint8).reshape(h, -1).view(np.uint8)
    raw = np.hstack([np.zeros((h, 1), np.uint8), rows]).tobytes()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    Path(path).write_bytes(png)


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Read a non-interlaced PNG as written by ``write_png`` (any filter; no palette)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        tag = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    ch = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if ch is None or interlace or depth not in (8, 16):
        raise ValueError(f"{path}: unsupported PNG layout")
    bpp = ch * depth // 8
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(h, 1 + w * bpp)
    out = np.zeros((h, w * bpp), np.int32)
    prev = np.zeros(w * bpp, np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 2:
            line = (line + prev) & 255
        elif f in (1, 3, 4):
            cur = np.zeros_like(line)
            for x in range(len(line)):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 255
            line = cur
        out[y] = line
        prev = line
    arr = out.astype(np.uint8)
    if depth == 16:
        arr = arr.reshape(h, -1, 2)
        arr = (arr[..., 0].astype(np.uint16) << 8) | arr[..., 1]
    return arr.reshape(h, w) if ch == 1 else arr.reshape(h, w, ch)


# --------------------------------------------------------------------------- RLE

def rle_encode(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a boolean (h, w) mask: ``{"size": [h, w], "counts": str}``."""
    h, w = mask.shape
    flat = np.asarray(mask, bool).ravel(order="F")
    change = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return {"size": [int(h), int(w)], "counts": "".join(out)}


def rle_decode(rle: dict) -> np.ndarray:
    """The boolean (h, w) mask of a COCO compressed RLE."""
    h, w = rle["size"]
    s, counts, p = rle["counts"], [], 0
    while p < len(s):
        x = k = 0
        more = True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    flat = np.zeros(h * w, bool)
    pos, val = 0, False
    for n in counts:
        if val:
            flat[pos:pos + n] = True
        pos += n
        val = not val
    return flat.reshape((h, w), order="F")


# --------------------------------------------------------------------------- bpy side

def assign_pass_indices(bl_scene, roots) -> None:
    """``pass_index = 1..N`` on the root objects and the Object Index pass on every view layer."""
    for i, obj in enumerate(roots, 1):
        obj.pass_index = i
    for vl in bl_scene.view_layers:
        vl.use_pass_object_index = True


def _save_index_exr(bl_scene, path: str) -> np.ndarray:
    import bpy
    ims = bl_scene.render.image_settings
    saved = (ims.media_type, ims.file_format, ims.color_depth, ims.exr_codec)
    try:
        ims.media_type = "MULTI_LAYER_IMAGE"
        ims.exr_codec = "NONE"
        ims.color_depth = "32"
        bpy.data.images["Render Result"].save_render(path, scene=bl_scene)
    finally:
        ims.media_type = saved[0]
        ims.file_format = saved[1]
        ims.color_depth = saved[2]
    try:
        return np.rint(read_exr_part(path)).astype(np.int32)
    finally:
        os.remove(path)


def render_with_index(bl_scene, settings, png_path: str, scratch_dir: str) -> np.ndarray:
    """Render ``bl_scene`` to ``png_path`` and return its instance index image (h, w)."""
    import bpy
    from . import render
    if bl_scene.camera is None:
        raise ValueError("the scene has no camera to render from")
    render.apply(bl_scene, settings)
    for vl in bl_scene.view_layers:
        vl.use_pass_object_index = True
    exr = os.path.join(scratch_dir, ".index.exr")
    bpy.ops.render.render(write_still=False, scene=bl_scene.name)
    bpy.data.images["Render Result"].save_render(os.path.abspath(png_path), scene=bl_scene)
    if not os.path.exists(png_path):
        raise RuntimeError(f"the renderer wrote no image at {png_path}")
    if settings.engine == "cycles":
        return _save_index_exr(bl_scene, exr)
    # Workbench and Eevee have no Object Index pass: a cheap 1-sample Cycles pass gives it.
    c = bl_scene.cycles
    saved = (bl_scene.render.engine, c.samples, c.use_denoising, c.use_adaptive_sampling)
    try:
        bl_scene.render.engine = "CYCLES"
        c.samples, c.use_denoising, c.use_adaptive_sampling = 1, False, False
        bpy.ops.render.render(write_still=False, scene=bl_scene.name)
        return _save_index_exr(bl_scene, exr)
    finally:
        bl_scene.render.engine = saved[0]
        c.samples, c.use_denoising, c.use_adaptive_sampling = saved[1:]


def _world_vertices(obj, depsgraph) -> np.ndarray:
    ev = obj.evaluated_get(depsgraph)
    me = ev.to_mesh()
    try:
        co = np.empty(len(me.vertices) * 3, np.float64)
        me.vertices.foreach_get("co", co)
    finally:
        ev.to_mesh_clear()
    co = co.reshape(-1, 3)
    m = np.array(ev.matrix_world, dtype=np.float64)
    return co @ m[:3, :3].T + m[:3, 3]


def project(bl_scene, cam, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``world_to_camera_view`` for many points: (n, 3) normalised (x, y, depth); y up."""
    inv = np.array(cam.matrix_world.normalized().inverted(), dtype=np.float64)
    local = world @ inv[:3, :3].T + inv[:3, 3]
    z = -local[:, 2]
    frame = [np.array(v, dtype=np.float64) for v in cam.data.view_frame(scene=bl_scene)]
    if cam.data.type != "ORTHO":
        d = -frame[0][2]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(z > 0, z / d, np.nan)
    else:
        s = np.ones_like(z)
    min_x, max_x = frame[2][0] * s, frame[1][0] * s
    min_y, max_y = frame[1][1] * s, frame[0][1] * s
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (local[:, 0] - min_x) / (max_x - min_x)
        y = (local[:, 1] - min_y) / (max_y - min_y)
    return np.stack([x, y, z], axis=1), z > cam.data.clip_start


def camera_info(bl_scene, cam) -> dict:
    w, h = bl_scene.render.resolution_x, bl_scene.render.resolution_y
    data = cam.data
    fit = data.sensor_fit
    if fit == "AUTO":
        fit = "HORIZONTAL" if w >= h else "VERTICAL"
    f = data.lens / data.sensor_width * w if fit == "HORIZONTAL" else data.lens / data.sensor_width * h
    return {"name": cam.name, "lens_mm": data.lens, "sensor_mm": data.sensor_width,
            "intrinsics": [[f, 0.0, w / 2], [0.0, f, h / 2], [0.0, 0.0, 1.0]],
            "matrix_world": [list(map(float, row)) for row in cam.matrix_world]}


def compute(bl_scene, roots, index: np.ndarray | None) -> dict:
    """The labels of one render: image size, camera and one record per root object."""
    import bpy
    w, h = bl_scene.render.resolution_x, bl_scene.render.resolution_y
    cam = bl_scene.camera
    dg = bpy.context.evaluated_depsgraph_get()
    instances = []
    for obj in roots:
        world = _world_vertices(obj, dg)
        rec = {"mask_value": int(obj.pass_index), "name": obj.name, "id": str(obj["worldsmith_id"]),
               "kind": str(obj["worldsmith_kind"]), "color": str(obj["worldsmith_color"]),
               "index": int(obj["worldsmith_index"]),
               "bbox_3d": {"min": world.min(axis=0).round(5).tolist() if len(world) else None,
                           "max": world.max(axis=0).round(5).tolist() if len(world) else None}}
        ndc, front = project(bl_scene, cam, world) if len(world) else (np.zeros((0, 3)), np.zeros(0, bool))
        box, truncated = None, bool(len(world) and not front.all())
        if front.any():
            px = ndc[front, 0] * w
            py = (1.0 - ndc[front, 1]) * h
            x0, x1, y0, y1 = px.min(), px.max(), py.min(), py.max()
            truncated |= bool(x0 < 0 or y0 < 0 or x1 > w or y1 > h)
            cx0, cx1 = max(0.0, x0), min(float(w), x1)
            cy0, cy1 = max(0.0, y0), min(float(h), y1)
            if cx1 > cx0 and cy1 > cy0:
                box = [round(float(v), 3) for v in (cx0, cy0, cx1, cy1)]
        rec["bbox_2d"] = box
        rec["truncated"] = truncated
        area, mbox = 0, None
        if index is not None:
            ys, xs = np.nonzero(index == obj.pass_index)
            area = int(len(xs))
            if area:
                mbox = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        rec["mask_area"] = area
        rec["mask_bbox"] = mbox
        rec["visible"] = area > 0
        instances.append(rec)
    return {"image": {"width": w, "height": h}, "camera": camera_info(bl_scene, cam),
            "time_of_day": str(bl_scene.get("worldsmith_time_of_day", "")),
            "ground": str(bl_scene.get("worldsmith_ground", "")), "instances": instances}


def write_mask(path: str | os.PathLike, index: np.ndarray) -> None:
    top = int(index.max()) if index.size else 0
    write_png(path, np.clip(index, 0, 65535).astype(np.uint8 if top < 256 else np.uint16))


# --------------------------------------------------------------------------- COCO

def categories() -> list[dict]:
    from ..scene_dsl import catalog
    return [{"id": i, "name": k, "supercategory": catalog.get(k).category}
            for i, k in enumerate(catalog.KINDS, 1)]


def coco_document(renders: list[tuple[str, dict, np.ndarray]]) -> dict:
    """One COCO detection document for ``(file_name, labels, index_image)`` triples."""
    cats = categories()
    cat_id = {c["name"]: c["id"] for c in cats}
    images, anns = [], []
    for image_id, (file_name, labels, index) in enumerate(renders, 1):
        w, h = labels["image"]["width"], labels["image"]["height"]
        images.append({"id": image_id, "file_name": file_name, "width": w, "height": h})
        for rec in labels["instances"]:
            if not rec["mask_area"]:
                continue
            x0, y0, x1, y1 = rec["mask_bbox"]
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": cat_id[rec["kind"]],
                         "bbox": [x0, y0, x1 - x0, y1 - y0], "area": rec["mask_area"], "iscrowd": 0,
                         "segmentation": rle_encode(index == rec["mask_value"]),
                         "attributes": {"entity_id": rec["id"], "name": rec["name"], "color": rec["color"],
                                        "truncated": rec["truncated"]}})
    return {"info": {"description": "Worldsmith synthetic scenes", "version": "1"},
            "images": images, "annotations": anns, "categories": cats}


def sheet(images: list[np.ndarray], columns: int | None = None, pad: int = 2) -> np.ndarray:
    """A contact sheet: equal-size uint8 RGB thumbnails in a grid on a dark background."""
    if not images:
        return np.zeros((16, 16, 3), np.uint8)
    th, tw = images[0].shape[:2]
    cols = columns or max(1, math.ceil(math.sqrt(len(images) * th / max(tw, 1))))
    rows = math.ceil(len(images) / cols)
    out = np.full((rows * (th + pad) + pad, cols * (tw + pad) + pad, 3), 24, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        y, x = pad + r * (th + pad), pad + c * (tw + pad)
        out[y:y + th, x:x + tw] = im[:th, :tw, :3]
    return out
