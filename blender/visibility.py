"""How much of each named entity the camera actually shows.

An entity's **visible share** is the number of image pixels where it is the
nearest surface (its pixels in an object-index pass of the full scene) divided
by the number of pixels it covers when seen alone from the same camera (its
silhouette). An entity counts as *visible* when the share is at least
``MIN_SHARE`` and it covers at least ``MIN_PIXELS`` pixels of a 480x270 image.

How it is measured: by casting rays, not by rendering. Every mesh gets one
``mathutils.bvhtree.BVHTree`` in its own (local) coordinates, shared by all
objects that use the mesh; for each object, the rays of a pixel grid that fall
inside its projected bounding box are moved into the object's local frame and
cast against that tree. The nearest hit of each pixel over all objects is the
full scene's index pass; every hit of an object is its silhouette alone. That
is exactly what a 1-sample render with an object-index pass gives (a pixel is
sampled at its centre), it needs no GPU, no render engine and no file, and it
costs one cast per pixel of each object's box: ~0.05-0.2 s for a typical scene
on one core at the default 240x135 grid (each grid cell stands for 2x2 pixels
of the 480x270 reference image). Measured in ``benchmarks/perf.py``.

``View`` is a pinhole camera as numbers, so the camera search
(``camera.choose_view``) can score views that no Blender camera has yet.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

MIN_SHARE = 0.30
MIN_PIXELS = 200
REFERENCE = (480, 270)      # the image size MIN_PIXELS is counted at
GRID = (240, 135)           # rays cast for a report
SEARCH_GRID = (96, 54)      # rays cast per candidate view in the camera search


@dataclass(frozen=True)
class View:
    """A pinhole camera: ``origin``, unit axes (``fwd`` is the view direction) and the half-angle tangents."""
    origin: np.ndarray
    right: np.ndarray
    up: np.ndarray
    fwd: np.ndarray
    tan_h: float
    tan_v: float

    @classmethod
    def from_matrix(cls, matrix, lens_mm: float, sensor_mm: float, aspect: float) -> "View":
        m = np.array(matrix, dtype=float)
        right, up, back = (m[:3, k] / max(np.linalg.norm(m[:3, k]), 1e-12) for k in range(3))
        tan_h, tan_v = fov_tangents(lens_mm, sensor_mm, aspect)
        return cls(m[:3, 3].copy(), right, up, -back, tan_h, tan_v)

    @classmethod
    def from_camera(cls, cam, resolution: tuple[int, int]) -> "View":
        """The view of a Blender camera object (perspective; AUTO or HORIZONTAL/VERTICAL sensor fit)."""
        w, h = resolution
        d = cam.data
        m = cam.matrix_basis if cam.parent is None else cam.matrix_world
        aspect = w / max(h, 1)
        fit = d.sensor_fit
        sensor = d.sensor_width if fit != "VERTICAL" else d.sensor_height
        if fit == "VERTICAL":
            tv = (sensor / 2) / d.lens
            return cls.from_matrix(m, d.lens, 2 * d.lens * tv * aspect, aspect)
        if fit == "HORIZONTAL" and aspect < 1:
            th = (sensor / 2) / d.lens
            view = cls.from_matrix(m, d.lens, sensor, aspect)
            return View(view.origin, view.right, view.up, view.fwd, th, th / aspect)
        return cls.from_matrix(m, d.lens, sensor, aspect)

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image coordinates of world points: (u, v) in 0..1 (v down) and the depth along ``fwd``."""
        rel = pts - self.origin
        z = rel @ self.fwd
        with np.errstate(divide="ignore", invalid="ignore"):
            u = 0.5 + 0.5 * (rel @ self.right) / (z * self.tan_h)
            v = 0.5 - 0.5 * (rel @ self.up) / (z * self.tan_v)
        return u, v, z


def fov_tangents(lens_mm: float, sensor_mm: float, aspect: float) -> tuple[float, float]:
    """Half-angle tangents (horizontal, vertical) of Blender's AUTO sensor fit."""
    t = (sensor_mm / 2) / lens_mm
    return (t, t / aspect) if aspect >= 1 else (t * aspect, t)


@dataclass
class Visibility:
    name: str
    share: float        # visible pixels / silhouette pixels (0 when the silhouette is empty)
    pixels: float       # visible pixels, counted at the 480x270 reference size
    silhouette: float   # silhouette pixels alone, at the reference size

    @property
    def visible(self) -> bool:
        return self.share >= MIN_SHARE and self.pixels >= MIN_PIXELS


class Trees:
    """Local-space BVH trees, one per mesh, built on first use and kept for later views."""

    def __init__(self):
        self._trees: dict[int, BVHTree | None] = {}
        self._boxes: dict[int, np.ndarray] = {}

    def get(self, me) -> tuple[BVHTree | None, np.ndarray]:
        key = me.as_pointer()
        if key not in self._trees:
            n = len(me.vertices)
            co = np.empty(n * 3, np.float64)
            me.vertices.foreach_get("co", co)
            co = co.reshape(-1, 3)
            nl = len(me.loops)
            lv = np.empty(nl, np.int32)
            me.loops.foreach_get("vertex_index", lv)
            starts = np.empty(len(me.polygons), np.int32)
            me.polygons.foreach_get("loop_start", starts)
            polys = [lv[a:b].tolist() for a, b in zip(starts.tolist(), starts[1:].tolist() + [nl])]
            self._trees[key] = BVHTree.FromPolygons(co.tolist(), polys) if n and polys else None
            corners = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=float)
            lo, hi = (co.min(axis=0), co.max(axis=0)) if n else (np.zeros(3), np.zeros(3))
            self._boxes[key] = lo + corners * (hi - lo)
        return self._trees[key], self._boxes[key]


def _matrix(obj) -> Matrix:
    return obj.matrix_basis if obj.parent is None else obj.matrix_world


def _invert_affine(mats: np.ndarray) -> np.ndarray:
    """Inverses of (n, 4, 4) affine matrices by cofactors: no BLAS call, whose threads only contend
    with each other on a busy machine (np.linalg.inv made a 0.1 s search take over a second there)."""
    a = mats[:, :3, :3]
    c0, c1, c2 = a[:, :, 0], a[:, :, 1], a[:, :, 2]
    rows = np.stack([np.cross(c1, c2), np.cross(c2, c0), np.cross(c0, c1)], axis=1)
    det = np.einsum("ni,ni->n", c0, rows[:, 0])
    inv3 = rows / np.where(np.abs(det) < 1e-300, 1e-300, det)[:, None, None]
    out = np.zeros_like(mats)
    out[:, :3, :3] = inv3
    out[:, :3, 3] = -np.einsum("nij,nj->ni", inv3, mats[:, :3, 3])
    out[:, 3, 3] = 1.0
    return out


def _pixel_rays(view: View, grid: tuple[int, int], x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    gw, gh = grid
    xs = (np.arange(x0, x1) + 0.5) / gw
    ys = (np.arange(y0, y1) + 0.5) / gh
    u, v = np.meshgrid(xs, ys)
    d = (view.fwd[None, :] + ((2 * u.ravel() - 1) * view.tan_h)[:, None] * view.right[None, :]
         + ((1 - 2 * v.ravel()) * view.tan_v)[:, None] * view.up[None, :])
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def measure(objects, view: View, occluders=(), grid: tuple[int, int] = GRID,
            trees: Trees | None = None, clip: bool = False) -> dict[str, Visibility]:
    """Visible share of each of ``objects`` (mesh objects) seen from ``view``; ``occluders`` are further
    mesh objects that can hide them but are not measured themselves. ``clip``: cast rays only inside
    the image area of the measured objects' boxes (the same result for them, cheaper when they are small
    and the occluders large)."""
    trees = trees or Trees()
    gw, gh = grid
    depth = np.full(gw * gh, np.inf)
    owner = np.full(gw * gh, -1, np.int64)
    alone = np.zeros(len(objects), np.int64)
    named = set(objects)
    every = [o for o in list(objects) + [o for o in occluders if o not in named]]
    pix_ids = np.arange(gw * gh).reshape(gh, gw)
    items = []
    for k, obj in enumerate(every):
        if obj.type != "MESH" or obj.data is None:
            continue
        tree, box = trees.get(obj.data)
        if tree is not None:
            items.append((k, obj, tree, box, _matrix(obj)))
    if not items:
        return {o.name: Visibility(o.name, 0.0, 0.0, 0.0) for o in objects}
    mats = np.array([np.array(it[4], dtype=float) for it in items])            # (n, 4, 4)
    boxes = np.array([it[3] for it in items])                                   # (n, 8, 3)
    world = np.einsum("nij,nkj->nki", mats[:, :3, :3], boxes) + mats[:, None, :3, 3]
    u, v, z = view.project(world.reshape(-1, 3))
    u, v, z = u.reshape(-1, 8), v.reshape(-1, 8), z.reshape(-1, 8)
    invs = _invert_affine(mats)
    win = (0, 0, gw, gh)
    if clip:
        mine = [n for n, it in enumerate(items) if it[0] < len(objects)]
        if mine and (z[mine] > 1e-6).all():
            win = (max(0, int(math.floor(u[mine].min() * gw))), max(0, int(math.floor(v[mine].min() * gh))),
                   min(gw, int(math.ceil(u[mine].max() * gw))), min(gh, int(math.ceil(v[mine].max() * gh))))
    wx0, wy0, wx1, wy1 = win
    rays = _pixel_rays(view, grid, wx0, wy0, max(wx1, wx0 + 1), max(wy1, wy0 + 1)).reshape(
        max(wy1 - wy0, 1), max(wx1 - wx0, 1), 3)        # only the window's rays are ever cast
    for n, (k, obj, tree, _box, m) in enumerate(items):
        zn = z[n]
        if (zn <= 1e-6).all():
            continue
        if (zn <= 1e-6).any():
            x0, y0, x1, y1 = 0, 0, gw, gh   # the box reaches behind the camera: test the whole frame
        else:
            x0 = max(0, int(math.floor(u[n].min() * gw)))
            x1 = min(gw, int(math.ceil(u[n].max() * gw)))
            y0 = max(0, int(math.floor(v[n].min() * gh)))
            y1 = min(gh, int(math.ceil(v[n].max() * gh)))
        x0, y0, x1, y1 = max(x0, win[0]), max(y0, win[1]), min(x1, win[2]), min(y1, win[3])
        if x1 <= x0 or y1 <= y0:
            continue
        inv = invs[n]
        local_o = Vector(inv[:3, :3] @ view.origin + inv[:3, 3])
        ldirs = np.einsum("ij,nj->ni", inv[:3, :3], rays[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0].reshape(-1, 3))
        idx = pix_ids[y0:y1, x0:x1].ravel()
        cast = tree.ray_cast
        hi, hd = [], []
        for i, d in enumerate(ldirs.tolist()):
            dist = cast(local_o, d)[3]
            if dist is not None:
                hi.append(i)
                hd.append(dist)
        if not hi:
            continue
        hi = np.array(hi, np.int64)
        hd = np.array(hd) / np.linalg.norm(ldirs[hi], axis=1)
        pix = idx[hi]
        if k < len(objects):
            alone[k] = len(hi)
        nearer = hd < depth[pix]
        depth[pix[nearer]] = hd[nearer]
        owner[pix[nearer]] = k
    seen = np.bincount(owner[owner >= 0], minlength=len(every))[:len(objects)]
    per_px = (REFERENCE[0] * REFERENCE[1]) / (gw * gh)
    out = {}
    for k, obj in enumerate(objects):
        share = float(seen[k] / alone[k]) if alone[k] else 0.0
        out[obj.name] = Visibility(obj.name, round(share, 4), round(float(seen[k]) * per_px, 1),
                                   round(float(alone[k]) * per_px, 1))
    return out


def scene_objects(bl_scene, dressing: bool = False):
    """(named roots, occluders) of a built scene: roots carry ``worldsmith_id``; occluders are the other
    visible mesh objects except the ground (nothing stands below it) and, unless ``dressing``, the
    dressing (placed by construction where it hides nothing named; its many small pieces would only
    slow the measurement down: the dressing tests measure with it)."""
    roots, others = [], []
    for o in bl_scene.objects:
        if o.type != "MESH" or o.hide_render:
            continue
        if "worldsmith_id" in o and "worldsmith_kind" in o:
            roots.append(o)
        elif o.get("worldsmith_role") not in ("ground", None if dressing else "dressing"):
            others.append(o)
    return roots, others


def measure_scene(bl_scene, resolution: tuple[int, int] | None = None, grid: tuple[int, int] = GRID,
                  camera=None, dressing: bool = False) -> dict[str, Visibility]:
    """Visible share of every named entity of a built scene from its camera."""
    cam = camera or bl_scene.camera
    if cam is None:
        return {}
    res = resolution or (bl_scene.render.resolution_x, bl_scene.render.resolution_y)
    roots, others = scene_objects(bl_scene, dressing)
    return measure(roots, View.from_camera(cam, res), others, grid)


def hidden_warning(vis: dict[str, Visibility], limit: int = 6) -> str | None:
    """One readable warning naming the entities the camera does not show, or ``None``."""
    hidden = [v for v in vis.values() if not v.visible]
    if not hidden:
        return None
    words = [f"{v.name} ({100 * v.share:.0f}% of it, {v.pixels:.0f} px)" for v in hidden[:limit]]
    more = f" and {len(hidden) - limit} more" if len(hidden) > limit else ""
    return (f"hidden from the camera: {', '.join(words)}{more} - an entity counts as visible at "
            f">= {100 * MIN_SHARE:.0f}% of its silhouette and >= {MIN_PIXELS} px at 480x270")
