"""Pure mesh data and primitive generators (numpy, no bpy).

A ``MeshData`` is what every asset function returns: vertices, polygons as a
flat loop-vertex array with per-polygon start/total, and a material slot index
per polygon (an index into the kind's catalog ``parts``; see ``assets.slots``).
The builder uploads it to Blender with ``foreach_set``.

This is the one geometry kit of the asset modules: primitives, solids of
revolution and extrusion, lofts, tubes and the final ``fit_size``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class MeshData:
    verts: np.ndarray        # (V, 3) float32
    loop_verts: np.ndarray   # (L,) int32, vertex index of every polygon corner
    loop_start: np.ndarray   # (P,) int32
    loop_total: np.ndarray   # (P,) int32
    face_slot: np.ndarray    # (P,) int32, index into the kind's parts
    smooth: bool = False
    face_smooth: np.ndarray | None = None   # (P,) bool, per-face shading; when set it wins over ``smooth``

    @property
    def n_faces(self) -> int:
        return len(self.loop_start)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.verts.min(axis=0), self.verts.max(axis=0)


def from_polys(verts, polys, slot: int = 0, smooth: bool = False) -> MeshData:
    """Build from a vertex list and a list of polygons (lists of vertex indices)."""
    v = np.asarray(verts, dtype=np.float32).reshape(-1, 3)
    totals = np.fromiter((len(p) for p in polys), dtype=np.int32, count=len(polys))
    starts = np.zeros(len(polys), dtype=np.int32)
    if len(polys):
        starts[1:] = np.cumsum(totals)[:-1]
    loops = np.fromiter((i for p in polys for i in p), dtype=np.int32, count=int(totals.sum()))
    return MeshData(v, loops, starts, totals, np.full(len(polys), slot, dtype=np.int32), smooth)


def merge(parts: list[MeshData]) -> MeshData:
    verts, loops, starts, totals, slots = [], [], [], [], []
    v_off = l_off = 0
    for p in parts:
        verts.append(p.verts)
        loops.append(p.loop_verts + v_off)
        starts.append(p.loop_start + l_off)
        totals.append(p.loop_total)
        slots.append(p.face_slot)
        v_off += len(p.verts)
        l_off += len(p.loop_verts)
    return MeshData(np.concatenate(verts).astype(np.float32), np.concatenate(loops).astype(np.int32),
                    np.concatenate(starts).astype(np.int32), np.concatenate(totals).astype(np.int32),
                    np.concatenate(slots).astype(np.int32), any(p.smooth for p in parts))


def transformed(m: MeshData, scale=(1.0, 1.0, 1.0), rot_z: float = 0.0, offset=(0.0, 0.0, 0.0),
                rot_x: float = 0.0, rot_y: float = 0.0) -> MeshData:
    """Scale, then rotate (X, then Y, then Z; radians), then translate."""
    v = m.verts.astype(np.float64) * np.asarray(scale, dtype=np.float64)
    for axis, ang in ((0, rot_x), (1, rot_y), (2, rot_z)):
        if ang:
            c, s = np.cos(ang), np.sin(ang)
            i, j = [(1, 2), (2, 0), (0, 1)][axis]
            a, b = v[:, i].copy(), v[:, j].copy()
            v[:, i], v[:, j] = c * a - s * b, s * a + c * b
    v += np.asarray(offset, dtype=np.float64)
    return MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot.copy(), m.smooth)


def with_slot(m: MeshData, slot: int) -> MeshData:
    return MeshData(m.verts, m.loop_verts, m.loop_start, m.loop_total,
                    np.full(m.n_faces, slot, dtype=np.int32), m.smooth)


# ---- primitives, unit-sized, base centre at the origin -------------------------

def box(size=(1.0, 1.0, 1.0), center=(0.0, 0.0, 0.5), slot: int = 0, rot=None) -> MeshData:
    """Axis-aligned box of ``size`` whose centre is ``center`` (default: base at z=0).
    ``rot`` = (x, y, z) radians turns it about its own centre (order as in ``transformed``)."""
    if rot is not None:
        return transformed(box(size, (0.0, 0.0, 0.0), slot), offset=center, rot_x=rot[0], rot_y=rot[1],
                           rot_z=rot[2])
    sx, sy, sz = (s / 2 for s in size)
    cx, cy, cz = center
    v = [(cx + x * sx, cy + y * sy, cz + z * sz) for z in (-1, 1) for y in (-1, 1) for x in (-1, 1)]
    f = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4), (2, 6, 7, 3), (0, 4, 6, 2), (1, 3, 7, 5)]
    return from_polys(v, f, slot)


def cylinder(radius=0.5, height=1.0, segments=16, z0=0.0, slot: int = 0, radius_top=None,
             caps=True, smooth=False) -> MeshData:
    """Cylinder (or frustum/cone when ``radius_top`` differs) along Z from ``z0``."""
    rt = radius if radius_top is None else radius_top
    a = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    bottom = [(radius * np.cos(t), radius * np.sin(t), z0) for t in a]
    if rt <= 1e-6:
        v = bottom + [(0.0, 0.0, z0 + height)]
        apex = segments
        f = [(i, (i + 1) % segments, apex) for i in range(segments)]
        if caps:
            f.append(tuple(reversed(range(segments))))
        return from_polys(v, f, slot, smooth)
    top = [(rt * np.cos(t), rt * np.sin(t), z0 + height) for t in a]
    v = bottom + top
    f = [(i, (i + 1) % segments, segments + (i + 1) % segments, segments + i) for i in range(segments)]
    if caps:
        f.append(tuple(reversed(range(segments))))
        f.append(tuple(range(segments, 2 * segments)))
    return from_polys(v, f, slot, smooth)


def cone(radius=0.5, height=1.0, segments=16, z0=0.0, slot: int = 0) -> MeshData:
    return cylinder(radius, height, segments, z0, slot, radius_top=0.0)


def uv_sphere(radius=0.5, segments=16, rings=8, center=(0.0, 0.0, 0.5), slot: int = 0,
              scale=(1.0, 1.0, 1.0), power=None) -> MeshData:
    """Sphere (smooth-shaded); ``radius`` may be per axis (x, y, z), ``scale`` multiplies it.
    ``power`` < 1 pushes the unit sphere toward a cube before scaling: a rounded box."""
    if power is not None:
        unit = uv_sphere(1.0, segments, rings, (0.0, 0.0, 0.0), slot)
        v = unit.verts.astype(np.float64)
        v = np.sign(v) * np.abs(v) ** power
        v = v * (np.broadcast_to(np.asarray(radius, dtype=np.float64), (3,)) * np.asarray(scale, dtype=np.float64))
        v = v + np.asarray(center, dtype=np.float64)
        return MeshData(v.astype(np.float32), unit.loop_verts, unit.loop_start, unit.loop_total, unit.face_slot, True)
    cx, cy, cz = center
    rx, ry, rz = (radius, radius, radius) if np.isscalar(radius) else radius
    sx, sy, sz = rx * scale[0], ry * scale[1], rz * scale[2]
    v = [(cx, cy, cz - sz)]
    for r in range(1, rings):
        phi = np.pi * r / rings - np.pi / 2
        for s in range(segments):
            th = 2 * np.pi * s / segments
            v.append((cx + sx * np.cos(phi) * np.cos(th), cy + sy * np.cos(phi) * np.sin(th), cz + sz * np.sin(phi)))
    v.append((cx, cy, cz + sz))
    top = len(v) - 1
    f = []
    for s in range(segments):
        f.append((0, 1 + (s + 1) % segments, 1 + s))
    for r in range(rings - 2):
        b0, b1 = 1 + r * segments, 1 + (r + 1) * segments
        for s in range(segments):
            s1 = (s + 1) % segments
            f.append((b0 + s, b0 + s1, b1 + s1, b1 + s))
    last = 1 + (rings - 2) * segments
    for s in range(segments):
        f.append((last + s, last + (s + 1) % segments, top))
    return from_polys(v, f, slot, smooth=True)


def torus(major=0.375, minor=0.125, segments=24, sides=10, z_center=0.125, slot: int = 0) -> MeshData:
    v, f = [], []
    for i in range(segments):
        u = 2 * np.pi * i / segments
        for j in range(sides):
            w = 2 * np.pi * j / sides
            r = major + minor * np.cos(w)
            v.append((r * np.cos(u), r * np.sin(u), z_center + minor * np.sin(w)))
    for i in range(segments):
        for j in range(sides):
            a = i * sides + j
            b = ((i + 1) % segments) * sides + j
            c = ((i + 1) % segments) * sides + (j + 1) % sides
            d = i * sides + (j + 1) % sides
            f.append((a, b, c, d))
    return from_polys(v, f, slot, smooth=True)


def pyramid(size=(1.0, 1.0, 1.0), slot: int = 0) -> MeshData:
    w, d, h = size[0] / 2, size[1] / 2, size[2]
    v = [(-w, -d, 0), (w, -d, 0), (w, d, 0), (-w, d, 0), (0, 0, h)]
    f = [(3, 2, 1, 0), (0, 1, 4), (1, 2, 4), (2, 3, 4), (3, 0, 4)]
    return from_polys(v, f, slot)


def plane(size=(2.0, 2.0), thickness=0.02, slot: int = 0) -> MeshData:
    return box((size[0], size[1], thickness), (0, 0, thickness / 2), slot)


# ---- generic helpers (nature/structures assets) ---------------------------------

def signed_volume(m: MeshData) -> float:
    """Signed volume (positive when a closed mesh's faces wind counter-clockwise from outside)."""
    v = m.verts.astype(np.float64)
    total = 0.0
    for s, n in zip(m.loop_start, m.loop_total):
        idx = m.loop_verts[s:s + n]
        a = v[idx[0]]
        b, c = v[idx[1:-1]], v[idx[2:]]
        total += float(np.einsum("ij,ij->", np.broadcast_to(a, b.shape), np.cross(b, c)))
    return total / 6.0


def flipped(m: MeshData) -> MeshData:
    """Reverse the winding of every polygon (keeps the first corner)."""
    loops = m.loop_verts.copy()
    for s, n in zip(m.loop_start, m.loop_total):
        loops[s + 1:s + n] = loops[s + 1:s + n][::-1]
    return MeshData(m.verts, loops, m.loop_start, m.loop_total, m.face_slot, m.smooth)


def orient_outward(m: MeshData) -> MeshData:
    """For a closed, consistently wound mesh: flip everything if it winds inward."""
    return flipped(m) if signed_volume(m) < 0 else m


def fit_size(m: MeshData, size, center_xy: bool = True, smooth: bool | None = None) -> MeshData:
    """Scale each axis so the bounding box is exactly ``size``; base at z=0, XY centred.
    ``smooth`` sets the whole mesh's shading (the builder smooths all faces or none);
    None keeps ``m.smooth``."""
    v = m.verts.astype(np.float64)
    lo, hi = v.min(axis=0), v.max(axis=0)
    ext = np.maximum(hi - lo, 1e-9)
    k = np.asarray(size, dtype=np.float64) / ext
    c = (lo + hi) / 2 if center_xy else np.zeros(3)
    v = (v - np.array([c[0], c[1], lo[2]])) * k
    return MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot,
                    m.smooth if smooth is None else smooth)


def loft_rings(rings, cap_start: bool = True, cap_end: bool = True, slot: int = 0,
               smooth: bool = False, closed: bool = False) -> MeshData:
    """Skin a sequence of rings (each an (S, 3) array wound CCW around the direction of
    travel, or a single point for a pole) into a tube; caps close open ends. ``closed``
    joins the last ring back to the first (a ring-shaped solid, no caps)."""
    rings = [np.asarray(r, dtype=np.float64).reshape(-1, 3) for r in rings]
    segs = max(len(r) for r in rings)
    verts, starts = [], []
    n = 0
    for r in rings:
        starts.append(n)
        verts.append(r)
        n += len(r)
    polys = []
    pairs = [(j, j + 1) for j in range(len(rings) - 1)] + ([(len(rings) - 1, 0)] if closed else [])
    for j0, j1 in pairs:
        a, b = rings[j0], rings[j1]
        sa, sb = starts[j0], starts[j1]
        for s in range(segs):
            s1 = (s + 1) % segs
            if len(a) == 1 and len(b) == 1:
                continue
            if len(a) == 1:
                polys.append((sa, sb + s1, sb + s))
            elif len(b) == 1:
                polys.append((sa + s, sa + s1, sb))
            else:
                polys.append((sa + s, sa + s1, sb + s1, sb + s))
    if cap_start and not closed and len(rings[0]) > 2:
        polys.append(tuple(starts[0] + s for s in reversed(range(len(rings[0])))))
    if cap_end and not closed and len(rings[-1]) > 2:
        polys.append(tuple(starts[-1] + s for s in range(len(rings[-1]))))
    return from_polys(np.concatenate(verts), polys, slot, smooth)


def lathe(profile, segments: int = 16, slot: int = 0, cap_start: bool = True, cap_end: bool = True,
          smooth: bool = False, phase: float = 0.0, center=(0.0, 0.0, 0.0), closed: bool = False) -> MeshData:
    """Revolve a profile of (radius, z) points around Z (trace it bottom to top, outside
    on the right: normals come out outward). Points with radius 0 become poles.
    ``closed`` joins the last point back to the first (a ring, like a hoop; no caps)."""
    a = phase + np.linspace(0, 2 * np.pi, segments, endpoint=False)
    cx, cy, cz = center
    rings = []
    for r, z in profile:
        if r <= 1e-9:
            rings.append([(cx, cy, cz + z)])
        else:
            rings.append(np.stack([cx + r * np.cos(a), cy + r * np.sin(a), np.full(segments, cz + z)], axis=1))
    return loft_rings(rings, cap_start, cap_end, slot, smooth, closed)


def tube(points, radii, sides: int = 8, slot: int = 0, cap_start: bool = True, cap_end: bool = True,
         smooth: bool = False) -> MeshData:
    """A tube along a polyline (rotation-minimising frames); a radius of 0 makes a pointed end."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    radii = np.broadcast_to(np.asarray(radii, dtype=np.float64), (len(p),))
    t = np.gradient(p, axis=0)
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    ref = np.array([0.0, 0.0, 1.0]) if abs(t[0][2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    nrm = np.cross(ref, t[0])
    nrm /= np.linalg.norm(nrm)
    a = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    rings = []
    for i in range(len(p)):
        nrm = nrm - t[i] * np.dot(nrm, t[i])
        nrm /= max(np.linalg.norm(nrm), 1e-12)
        bi = np.cross(t[i], nrm)
        if radii[i] <= 1e-9:
            rings.append(p[i:i + 1])
        else:
            rings.append(p[i] + radii[i] * (np.cos(a)[:, None] * nrm + np.sin(a)[:, None] * bi))
    return loft_rings(rings, cap_start, cap_end, slot, smooth)


def _frame(direction):
    """Orthonormal (u, v, w) with w along ``direction``."""
    w = np.asarray(direction, dtype=np.float64)
    w = w / np.linalg.norm(w)
    a = np.array([0.0, 0.0, 1.0]) if abs(w[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(a, w)
    u /= np.linalg.norm(u)
    return u, np.cross(w, u), w


def rod(p0, p1, radius: float, slot: int = 0, segments: int = 8, radius_top=None,
        smooth: bool = False) -> MeshData:
    """A capped ``cylinder`` from point ``p0`` to ``p1`` (a cone when ``radius_top`` is 0)."""
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    c = cylinder(radius, float(np.linalg.norm(p1 - p0)), segments, 0.0, slot, radius_top=radius_top, smooth=smooth)
    u, v, w = _frame(p1 - p0)
    p = c.verts.astype(np.float64)
    out = p0 + p[:, :1] * u + p[:, 1:2] * v + p[:, 2:3] * w
    return MeshData(out.astype(np.float32), c.loop_verts, c.loop_start, c.loop_total, c.face_slot.copy(), c.smooth)


def arc(cx: float, cy: float, r: float, a0: float, a1: float, n: int) -> list[tuple[float, float]]:
    """``n`` 2D points on a circle arc around (cx, cy), from angle ``a0`` to ``a1`` inclusive."""
    return [(cx + r * np.cos(t), cy + r * np.sin(t)) for t in np.linspace(a0, a1, n)]


def prism(profile, y0: float, y1: float, axis: str = "y", slot: int = 0) -> MeshData:
    """Extrude a 2D polygon (u, v) between ``y0`` and ``y1`` along ``axis``: for axis "y"
    a point is (u, y, v), for "x" it is (x, u, v). Outward winding either way."""
    prof = np.asarray(profile, dtype=np.float64).reshape(-1, 2)
    k = len(prof)
    pts = []
    for d in (y0, y1):
        for u, w in prof:
            pts.append((u, d, w) if axis == "y" else (d, u, w))
    polys = [tuple(range(k)), tuple(range(2 * k - 1, k - 1, -1))]
    for i in range(k):
        i1 = (i + 1) % k
        polys.append((i1, i, k + i, k + i1))
    return orient_outward(from_polys(pts, polys, slot))


def beam(p0, p1, width: float, thickness: float, slot: int = 0, up=(0.0, 0.0, 1.0)) -> MeshData:
    """A box running from ``p0`` to ``p1``: ``width`` across, ``thickness`` along ``up``."""
    p0, p1 = np.asarray(p0, dtype=np.float64), np.asarray(p1, dtype=np.float64)
    d = p1 - p0
    length = float(np.linalg.norm(d))
    ax = d / max(length, 1e-12)
    up = np.asarray(up, dtype=np.float64)
    side = np.cross(up, ax)
    if np.linalg.norm(side) < 1e-6:
        side = np.cross(np.array([0.0, 1.0, 0.0]) if abs(ax[1]) < 0.9 else np.array([1.0, 0.0, 0.0]), ax)
    side /= np.linalg.norm(side)
    upv = np.cross(ax, side)
    b = box((length, width, thickness), (0.0, 0.0, 0.0), slot)
    v = b.verts.astype(np.float64)
    w = v[:, :1] * ax + v[:, 1:2] * side + v[:, 2:3] * upv + (p0 + p1) / 2
    return MeshData(w.astype(np.float32), b.loop_verts, b.loop_start, b.loop_total, b.face_slot, False)


def icosphere(subdiv: int = 1, radius: float = 0.5, center=(0.0, 0.0, 0.0), slot: int = 0,
              scale=(1.0, 1.0, 1.0), smooth: bool = False) -> MeshData:
    """Geodesic sphere (12 verts at subdiv 0, 42 at 1, 162 at 2), triangles wound outward."""
    t = (1 + 5 ** 0.5) / 2
    v = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
         (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    v = [np.array(p, dtype=np.float64) / np.linalg.norm(p) for p in v]
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
         (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5),
         (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    for _ in range(subdiv):
        cache = {}

        def mid(i, j):
            key = (min(i, j), max(i, j))
            if key not in cache:
                p = v[i] + v[j]
                v.append(p / np.linalg.norm(p))
                cache[key] = len(v) - 1
            return cache[key]
        nf = []
        for a, b, c in f:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            nf += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        f = nf
    pts = np.array(v) * radius * np.asarray(scale, dtype=np.float64) + np.asarray(center, dtype=np.float64)
    return from_polys(pts, f, slot, smooth)
