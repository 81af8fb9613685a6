"""Recipe kinds: a recipe's parts become one ``MeshData`` (numpy; the builder uploads it once per
kind and variant, exactly like a procedural kind's).

Each part is made unit-sized around its own centre, scaled to its ``size``, turned (X, then Y,
then Z), moved so its base centre sits at ``at``, repeated by its array and mirrored on X. A
``kind`` part places that kind's own geometry (procedural or recipe), its main slot taking the
part's slot and its fixed materials their own slots. The whole is fitted to the kind's size.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ...scene_dsl import catalog
from ...scene_dsl.recipes import loader
from ...scene_dsl.recipes.schema import Part
from . import mesh
from .mesh import MeshData

SEGMENTS = 20


def _flat_front(m: MeshData, n: int) -> MeshData:
    """Turn an n-sided solid of revolution so a flat side faces -Y (four sides make a square, not a
    diamond), then stretch it so its widest ring spans exactly -0.5..0.5 on X and Y."""
    m = mesh.transformed(m, rot_z=math.pi / n)
    lo, hi = m.verts[:, :2].min(axis=0), m.verts[:, :2].max(axis=0)
    k = 1.0 / np.maximum(hi - lo, 1e-9)
    return mesh.transformed(m, (float(k[0]), float(k[1]), 1.0))


def segments_for(size, whole: float) -> int:
    """Round parts get fewer sides the smaller they are beside the whole kind: an eye or a knob needs
    8, a wheel 12, a body 20. Keeps recipe meshes as light as the procedural ones."""
    share = max(size) / max(whole, 1e-9)
    return 8 if share < 0.12 else 12 if share < 0.35 else SEGMENTS


def _unit(p: Part, size, whole: float) -> MeshData:
    """The part's shape at its real size, centred on the origin (before rotation)."""
    n = p.segments or segments_for(size, whole)
    if p.shape == "capsule":
        return _capsule(size, n)
    return mesh.transformed(_unit_shape(p.shape, n, p.round, p.top, p.thickness), size)


@lru_cache(maxsize=512)
def _unit_shape(s: str, n: int, round_: float, top_: float, thickness: float) -> MeshData:
    """A shape filling the unit box -0.5..0.5 on every axis (cached: parts share it, then scale it)."""
    if s == "box":
        return mesh.box((1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    if s == "rounded_box":
        return mesh.uv_sphere(0.5, max(n, 12), max(n // 2, 8), (0.0, 0.0, 0.0), power=0.12 + 0.88 * round_)
    if s in ("cylinder", "cone", "frustum"):
        top = {"cylinder": None, "cone": 0.0, "frustum": 0.5 * top_}[s]
        return _flat_front(mesh.cylinder(0.5, 1.0, n, -0.5, radius_top=top, smooth=True), n)
    if s == "sphere":
        return mesh.uv_sphere(0.5, n, max(n // 2, 6), (0.0, 0.0, 0.0))
    if s == "hemisphere":
        k = max(n // 4, 3)
        prof = [(0.5 * math.cos(a), math.sin(a)) for a in np.linspace(0, math.pi / 2, k + 1)]
        prof[-1] = (0.0, 1.0)
        return mesh.transformed(_flat_front(mesh.lathe(prof, n, smooth=True), n), offset=(0.0, 0.0, -0.5))
    if s == "torus":
        minor = 0.25 * thickness + 0.01
        m = mesh.torus(0.5 - minor, minor, max(n, 12), 10, 0.0)
        return mesh.transformed(m, (1.0, 1.0, 1.0 / (2 * minor)))
    if s in ("wedge", "prism"):
        prof = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5)] if s == "wedge" else [(-0.5, -0.5), (0.5, -0.5), (0.0, 0.5)]
        return mesh.prism(prof, -0.5, 0.5, axis="x")
    raise ValueError(f"unknown shape {s!r}")


def _capsule(size, n: int) -> MeshData:
    """A capsule's round ends keep their shape whatever its length, so it is made at its size."""
    sx, sy, sz = size
    r = 0.5
    cap = min(0.5 * sz, 0.5 * max(sx, sy))
    k = max(n // 4, 3)
    prof = [(0.0, 0.0)]
    prof += [(r * math.sin(a), cap * (1 - math.cos(a))) for a in np.linspace(0, math.pi / 2, k + 1)[1:]]
    top = [(r * math.cos(a), sz - cap + cap * math.sin(a)) for a in np.linspace(0, math.pi / 2, k + 1)[:-1]]
    prof += top[1:] if sz - 2 * cap < 1e-6 * sz else top   # no straight middle: the equators are one ring
    prof += [(0.0, sz)]
    m = mesh.lathe(prof, n, smooth=True)
    return mesh.transformed(m, (sx, sy, 1.0), offset=(0.0, 0.0, -0.5 * sz))


def _ref(p: Part, size, m: MeshData) -> MeshData:
    spec = catalog.get(p.kind)
    k = np.asarray(size, dtype=np.float64) / np.asarray(spec.size, dtype=np.float64)
    return mesh.transformed(m, k, offset=(0.0, 0.0, -0.5 * size[2]))


def _placed(m: MeshData, pl: loader.Placed, size) -> MeshData:
    rx, ry, rz = (math.radians(a) for a in pl.part.rotate)
    x = -pl.at[0] if pl.mirrored else pl.at[0]     # a mirrored copy: built where the original is, then reflected
    out = mesh.transformed(m, rot_x=rx, rot_y=ry, rot_z=rz, offset=(x, pl.at[1], pl.at[2] + size[2] / 2))
    if pl.mirrored:
        v = out.verts.copy()
        v[:, 0] = -v[:, 0]
        out = mesh.flipped(MeshData(v, out.loop_verts, out.loop_start, out.loop_total, out.face_slot, out.smooth))
    return out


def _slot_map(spec, ref: str, slot_index: int) -> np.ndarray:
    """Slot i of kind ``ref`` -> slot of ``spec``: its main one goes to ``slot_index``, fixed ones to theirs."""
    rs = catalog.get(ref)
    values = list(spec.parts.values())
    out = []
    for v in rs.parts.values():
        out.append(slot_index if v == "main" else values.index(v) if v in values else slot_index)
    return np.asarray(out, dtype=np.int32)


def build(kind: str, variant: int, kind_mesh) -> MeshData:
    """Geometry of recipe kind ``kind``; ``kind_mesh(kind, variant)`` gives a referenced kind's."""
    spec = catalog.get(kind)
    loaded = catalog.RECIPES[kind]
    return build_parts(kind, loaded.recipe.parts, spec, variant, kind_mesh)


def build_parts(kind: str, parts, spec, variant: int, kind_mesh) -> MeshData:
    slot_names = list(spec.parts)
    pieces, smooth = [], []
    def size_of(p):
        return p.size if p.size is not None else catalog.get(p.kind).size
    for pl in loader.placements(parts, size_of, variant):
        p = pl.part
        slot = slot_names.index(p.slot or spec.main_part)
        size = size_of(p)
        if p.kind:
            ref = kind_mesh(p.kind, p.variant)
            flags = ref.face_smooth if ref.face_smooth is not None else np.full(ref.n_faces, ref.smooth)
            m = _ref(p, size, ref)
            m = MeshData(m.verts, m.loop_verts, m.loop_start, m.loop_total,
                         _slot_map(spec, p.kind, slot)[m.face_slot], False)
        else:
            m = mesh.with_slot(_unit(p, size, max(spec.size)), slot)
            faceted = p.shape in ("box", "wedge", "prism") or (p.segments is not None and p.segments <= 8)
            flags = np.full(m.n_faces, not faceted)
        pieces.append(_placed(m, pl, size))
        smooth.append(np.asarray(flags, dtype=bool))
    if not pieces:   # a variant that leaves every part out: a small box, never an empty mesh
        pieces, smooth = [mesh.box((0.1, 0.1, 0.1), slot=slot_names.index(spec.main_part))], [np.zeros(6, bool)]
    merged = mesh.merge(pieces)
    merged = mesh.fit_size(merged, spec.size)
    merged.smooth = False
    merged.face_smooth = np.concatenate(smooth)
    return merged


_COMPOSITES: dict[str, MeshData] = {}
MAX_CACHED = 256


def build_composite(key: str, parts, spec, kind_mesh) -> MeshData:
    """Geometry of a composite entity's parts (DSL v2), one mesh per distinct part list (``key``)."""
    m = _COMPOSITES.get(key)
    if m is None:
        if len(_COMPOSITES) >= MAX_CACHED:
            _COMPOSITES.pop(next(iter(_COMPOSITES)))
        m = _COMPOSITES[key] = build_parts(key, parts, spec, 0, kind_mesh)
    return m
