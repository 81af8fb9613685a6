"""Pure mesh data and primitive generators (numpy, no bpy).

A ``MeshData`` is what every asset function returns: vertices, polygons as a
flat loop-vertex array with per-polygon start/total, and a material slot index
per polygon. ``slots`` names the parts (catalog ``parts`` keys, same order).
The builder uploads it to Blender with ``foreach_set``.
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

def box(size=(1.0, 1.0, 1.0), center=(0.0, 0.0, 0.5), slot: int = 0) -> MeshData:
    """Axis-aligned box of ``size`` whose centre is ``center`` (default: base at z=0)."""
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
              scale=(1.0, 1.0, 1.0)) -> MeshData:
    cx, cy, cz = center
    sx, sy, sz = scale
    v = [(cx, cy, cz - radius * sz)]
    for r in range(1, rings):
        phi = np.pi * r / rings - np.pi / 2
        for s in range(segments):
            th = 2 * np.pi * s / segments
            v.append((cx + radius * sx * np.cos(phi) * np.cos(th), cy + radius * sy * np.cos(phi) * np.sin(th),
                      cz + radius * sz * np.sin(phi)))
    v.append((cx, cy, cz + radius * sz))
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
