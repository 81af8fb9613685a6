"""Furniture and props, plus the small shape kit shared with vehicles and creatures.

Every function here is pure numpy (no bpy). Shapes are designed in real metres
close to the catalog size, then ``fit`` rescales the merged mesh to exactly
``spec.size`` with the base centre at the origin.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh
from .mesh import MeshData

# ---------------------------------------------------------------------------
# shape kit (generic helpers; vehicles.py and creatures.py import these)
# ---------------------------------------------------------------------------

TAU = 2.0 * np.pi


def slots(spec) -> dict[str, int]:
    """Part name -> material slot index (catalog order)."""
    return {name: i for i, name in enumerate(spec.parts)}


def _from_arrays(verts, polys, slot: int, smooth: bool = False) -> MeshData:
    return mesh.from_polys(np.asarray(verts, dtype=np.float64), polys, slot, smooth)


# winding helpers live in mesh.py; these names are what the other asset modules import
signed_volume = mesh.signed_volume
flipped = mesh.flipped
outward = mesh.orient_outward


def fit(m: MeshData, size, smooth: bool = False) -> MeshData:
    """Scale to exactly ``size`` (x, y, z) with the bounding-box base centre at the origin.
    ``smooth`` sets the whole mesh's shading (the builder smooths all faces or none)."""
    lo, hi = m.bounds()
    lo, hi = lo.astype(np.float64), hi.astype(np.float64)
    ext = np.maximum(hi - lo, 1e-9)
    s = np.asarray(size, dtype=np.float64) / ext
    c = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    v = (m.verts.astype(np.float64) - c) * s
    return MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot, smooth)


def merge(*parts) -> MeshData:
    flat = []
    for p in parts:
        if isinstance(p, (list, tuple)):
            flat.extend(p)
        else:
            flat.append(p)
    return mesh.merge(flat)


def cube(center, size, slot: int = 0, rot=(0.0, 0.0, 0.0)) -> MeshData:
    """Box of ``size`` centred on ``center``, rotated (x, y, z radians) about its centre."""
    m = mesh.box(size, (0.0, 0.0, 0.0), slot)
    return mesh.transformed(m, offset=center, rot_x=rot[0], rot_y=rot[1], rot_z=rot[2])


def ball(center, radii, slot: int = 0, seg: int = 12, rings: int = 8) -> MeshData:
    if np.isscalar(radii):
        radii = (radii, radii, radii)
    return mesh.uv_sphere(1.0, seg, rings, tuple(center), slot, scale=tuple(radii))


def _frame(direction):
    w = np.asarray(direction, dtype=np.float64)
    w = w / np.linalg.norm(w)
    a = np.array([0.0, 0.0, 1.0]) if abs(w[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(a, w)
    u /= np.linalg.norm(u)
    v = np.cross(w, u)
    return u, v, w


def place(m: MeshData, origin, direction, up=None) -> MeshData:
    """Map local (x, y, z) to origin + x*u + y*v + z*w with w along ``direction``."""
    u, v, w = _frame(direction)
    if up is not None:  # choose v as close to ``up`` as possible
        upv = np.asarray(up, dtype=np.float64)
        v = upv - w * np.dot(upv, w)
        v /= np.linalg.norm(v)
        u = np.cross(v, w)
    p = m.verts.astype(np.float64)
    out = np.asarray(origin, dtype=np.float64) + p[:, :1] * u + p[:, 1:2] * v + p[:, 2:3] * w
    return MeshData(out.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot.copy(), m.smooth)


def rod(p0, p1, r, slot: int = 0, seg: int = 8, r1=None, smooth: bool = False) -> MeshData:
    """Cylinder (or cone when ``r1`` is 0) from point ``p0`` to ``p1``."""
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    length = float(np.linalg.norm(p1 - p0))
    c = mesh.cylinder(r, length, seg, 0.0, slot, radius_top=r1, smooth=smooth)
    return place(c, p0, p1 - p0)


def wheel_x(center, radius, width, slot: int = 0, seg: int = 16) -> MeshData:
    """Cylinder with its axis along X (a wheel), centred on ``center``."""
    c = mesh.cylinder(radius, width, seg, -width / 2, slot, smooth=False)
    return mesh.transformed(c, rot_y=np.pi / 2, offset=center)


def lathe(profile, slot: int = 0, seg: int = 16, center=(0.0, 0.0, 0.0), closed: bool = False,
          smooth: bool = False, scale_xy=(1.0, 1.0)) -> MeshData:
    """Revolve a (radius, z) profile around the Z axis. Radius 0 at an end makes a pole,
    otherwise open ends are capped. ``closed`` joins the last point to the first (a ring)."""
    prof = [(float(r), float(z)) for r, z in profile]
    a = np.linspace(0.0, TAU, seg, endpoint=False)
    ca, sa = np.cos(a) * scale_xy[0], np.sin(a) * scale_xy[1]
    cx, cy, cz = center
    verts, rows = [], []
    for r, z in prof:
        if r <= 1e-9:
            rows.append([len(verts)])
            verts.append((cx, cy, cz + z))
        else:
            rows.append(list(range(len(verts), len(verts) + seg)))
            verts.extend((cx + r * c, cy + r * s, cz + z) for c, s in zip(ca, sa))
    polys = []
    pairs = list(zip(rows[:-1], rows[1:]))
    if closed:
        pairs.append((rows[-1], rows[0]))
    for r0, r1 in pairs:
        for i in range(seg):
            j = (i + 1) % seg
            if len(r0) == 1 and len(r1) == 1:
                continue
            if len(r0) == 1:
                polys.append((r0[0], r1[j], r1[i]))
            elif len(r1) == 1:
                polys.append((r0[i], r0[j], r1[0]))
            else:
                polys.append((r0[i], r0[j], r1[j], r1[i]))
    if not closed:
        if len(rows[0]) > 1:
            polys.append(tuple(reversed(rows[0])))
        if len(rows[-1]) > 1:
            polys.append(tuple(rows[-1]))
    return outward(_from_arrays(verts, polys, slot, smooth))


_AXES = {"x": (1, 2, 0), "y": (0, 2, 1), "z": (0, 1, 2)}


def prism(profile, axis: str, lo: float, hi: float, slot: int = 0) -> MeshData:
    """Extrude a 2D polygon along ``axis`` from ``lo`` to ``hi``.
    Profile coordinates: axis x -> (y, z); axis y -> (x, z); axis z -> (x, y)."""
    i, j, k = _AXES[axis]
    n = len(profile)
    verts = []
    for d in (lo, hi):
        for a, b in profile:
            p = [0.0, 0.0, 0.0]
            p[i], p[j], p[k] = a, b, d
            verts.append(p)
    polys = [tuple(range(n)), tuple(range(n, 2 * n))]
    polys += [(q, (q + 1) % n, n + (q + 1) % n, n + q) for q in range(n)]
    return outward(_from_arrays(verts, polys, slot))


def loft(sections, slot: int = 0, caps: bool = True, smooth: bool = False) -> MeshData:
    """Join equal-length rings of 3D points with quads; cap the first and last rings."""
    secs = [np.asarray(s, dtype=np.float64) for s in sections]
    n = len(secs[0])
    verts = np.concatenate(secs)
    polys = []
    for k in range(len(secs) - 1):
        b0, b1 = k * n, (k + 1) * n
        for i in range(n):
            j = (i + 1) % n
            polys.append((b0 + i, b0 + j, b1 + j, b1 + i))
    if caps:
        polys.append(tuple(range(n)))
        polys.append(tuple(range((len(secs) - 1) * n, len(secs) * n)))
    m = _from_arrays(verts, polys, slot, smooth)
    return outward(m) if caps else m


def newell(poly) -> np.ndarray:
    p = np.asarray(poly, dtype=np.float64)
    q = np.roll(p, -1, axis=0)
    return np.array([np.sum((p[:, 1] - q[:, 1]) * (p[:, 2] + q[:, 2])),
                     np.sum((p[:, 2] - q[:, 2]) * (p[:, 0] + q[:, 0])),
                     np.sum((p[:, 0] - q[:, 0]) * (p[:, 1] + q[:, 1]))])


def inset(poly, margin: float) -> np.ndarray:
    """Shrink a planar convex 3D polygon by ``margin`` (mitred offset of every edge)."""
    p = np.asarray(poly, dtype=np.float64)
    n = newell(p)
    n /= np.linalg.norm(n)
    out = []
    for i in range(len(p)):
        e0 = p[i] - p[i - 1]
        e1 = p[(i + 1) % len(p)] - p[i]
        e0 /= np.linalg.norm(e0)
        e1 /= np.linalg.norm(e1)
        a, b = np.cross(n, e0), np.cross(n, e1)
        out.append(p[i] + margin * (a + b) / max(1.0 + float(np.dot(a, b)), 0.2))
    return np.array(out)


def panel(poly, slot: int, margin: float = 0.0, thick: float = 0.02, out=None) -> MeshData:
    """A thin slab on a planar polygon: inset by ``margin``, raised ``thick`` along the side
    facing ``out`` (a direction), sunk ``thick`` below it so it never floats."""
    p = inset(poly, margin) if margin else np.asarray(poly, dtype=np.float64)
    n = newell(p)
    n /= np.linalg.norm(n)
    if out is not None and np.dot(n, out) < 0:
        n = -n
    return loft([p - n * thick, p + n * thick], slot)


def clip(poly2d, axis: int, value: float, keep_below: bool):
    """Sutherland-Hodgman clip of a 2D polygon against coordinate[axis] <= / >= value."""
    def inside(p):
        return p[axis] <= value if keep_below else p[axis] >= value

    out = []
    pts = [tuple(map(float, p)) for p in poly2d]
    for i, cur in enumerate(pts):
        prev = pts[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(_cut(prev, cur, axis, value))
            out.append(cur)
        elif inside(prev):
            out.append(_cut(prev, cur, axis, value))
    return out


def _cut(a, b, axis, value):
    t = (value - a[axis]) / (b[axis] - a[axis])
    return tuple(a[k] + t * (b[k] - a[k]) for k in range(len(a)))


def arc(cx, cz, r, a0, a1, n):
    """Points on a circle arc in a 2D plane, from angle a0 to a1 (inclusive)."""
    return [(cx + r * np.cos(t), cz + r * np.sin(t)) for t in np.linspace(a0, a1, n)]


def superball(center, radii, slot: int = 0, power: float = 0.6, seg: int = 16, rings: int = 10) -> MeshData:
    """A rounded box: a unit sphere pushed toward a cube (power < 1), then scaled."""
    s = mesh.uv_sphere(1.0, seg, rings, (0.0, 0.0, 0.0), slot)
    v = s.verts.astype(np.float64)
    v = np.sign(v) * np.abs(v) ** power
    v = v * np.asarray(radii, dtype=np.float64) + np.asarray(center, dtype=np.float64)
    return MeshData(v.astype(np.float32), s.loop_verts, s.loop_start, s.loop_total, s.face_slot, True)


# ---------------------------------------------------------------------------
# furniture
# ---------------------------------------------------------------------------

@asset("table")
def table(spec, variant):
    w, d, h = spec.size
    top_t, leg, ins = 0.05, 0.07, 0.09
    hx, hy = w / 2 - ins, d / 2 - ins
    parts = [cube((0, 0, h - top_t / 2), (w, d, top_t))]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(cube((sx * hx, sy * hy, (h - top_t) / 2), (leg, leg, h - top_t)))
    apron = 0.1
    za = h - top_t - apron / 2
    for sy in (-1, 1):
        parts.append(cube((0, sy * hy, za), (2 * hx - leg, 0.025, apron)))
    for sx in (-1, 1):
        parts.append(cube((sx * hx, 0, za), (0.025, 2 * hy - leg, apron)))
    return fit(merge(parts), spec.size)


@asset("chair")
def chair(spec, variant):
    w, d, h = spec.size
    seat_z, seat_t, leg = 0.46, 0.05, 0.045
    sd = d - 0.06
    y0, y1 = -d / 2, -d / 2 + sd
    hx = w / 2 - leg / 2
    parts = [cube((0, (y0 + y1) / 2, seat_z - seat_t / 2), (w, sd, seat_t))]
    for sx in (-1, 1):
        parts.append(cube((sx * hx, y0 + leg / 2 + 0.01, (seat_z - seat_t) / 2), (leg, leg, seat_z - seat_t)))
        # back leg runs from the floor up to the top of the backrest, leaning back slightly
        parts.append(rod((sx * hx, y1 - leg, 0.0), (sx * hx, d / 2 - leg / 2, h), leg * 0.55, 0, seg=6))
    lean = 0.05
    for k, z in enumerate((0.62, 0.75, 0.87)):
        t = (z - seat_z) / (h - seat_z)
        y = y1 - leg + t * lean + 0.005
        parts.append(cube((0, y, z), (2 * hx, 0.025, 0.07 if k < 2 else 0.1)))
    # stretchers between the legs
    for sx in (-1, 1):
        parts.append(cube((sx * hx, (y0 + y1) / 2, 0.15), (0.025, sd - 0.06, 0.025)))
    return fit(merge(parts), spec.size)


@asset("bench")
def bench(spec, variant):
    S = slots(spec)
    body, legs = S["body"], S["legs"]
    w, d, h = spec.size
    seat_z = 0.44
    parts = []
    # seat slats (along X)
    for k in range(4):
        y = -d / 2 + 0.05 + k * 0.095
        parts.append(cube((0, y, seat_z), (w, 0.08, 0.035), body))
    # back slats, leaning back
    lean = 0.22
    for k in range(3):
        z = 0.56 + k * 0.11
        y = d / 2 - 0.12 + (z - 0.5) * lean
        parts.append(cube((0, y, z), (w - 0.04, 0.03, 0.085), body, rot=(-lean, 0, 0)))
    # cast-iron side frames
    for x in (-w / 2 + 0.18, w / 2 - 0.18):
        fr = (x, -d / 2 + 0.06, 0.0)
        parts.append(rod(fr, (x, -d / 2 + 0.08, seat_z), 0.025, legs, 6))
        parts.append(rod((x, d / 2 - 0.12, 0.0), (x, d / 2 - 0.03, h), 0.025, legs, 6))
        parts.append(rod((x, -d / 2 + 0.04, seat_z - 0.03), (x, d / 2 - 0.09, seat_z - 0.03), 0.02, legs, 6))
        # armrest
        parts.append(rod((x, -d / 2 + 0.06, seat_z + 0.2), (x, d / 2 - 0.1, seat_z + 0.22), 0.02, legs, 6))
        parts.append(rod((x, -d / 2 + 0.07, seat_z), (x, -d / 2 + 0.06, seat_z + 0.2), 0.018, legs, 6))
        for y in (-d / 2 + 0.06, d / 2 - 0.12):
            parts.append(cube((x, y, 0.015), (0.07, 0.1, 0.03), legs))
    return fit(merge(parts), spec.size)


@asset("sofa")
def sofa(spec, variant):
    S = slots(spec)
    body, legs = S["body"], S["legs"]
    w, d, h = spec.size
    lz = 0.09
    arm = 0.2
    parts = [superball((0, 0.02, lz + 0.13), (w / 2 - 0.02, d / 2 - 0.02, 0.13), body, 0.35, 12, 8)]
    # back
    parts.append(superball((0, d / 2 - 0.14, lz + (h - lz) / 2), (w / 2 - 0.02, 0.14, (h - lz) / 2), body, 0.35, 12, 8))
    # arms
    for sx in (-1, 1):
        parts.append(superball((sx * (w / 2 - arm / 2), 0, lz + 0.28), (arm / 2, d / 2, 0.28), body, 0.35, 10, 8))
    # seat cushions
    inner = w - 2 * arm
    n = 3 if variant % 2 == 0 else 2
    cw = inner / n
    for k in range(n):
        x = -inner / 2 + cw * (k + 0.5)
        parts.append(superball((x, -0.06, lz + 0.3), (cw / 2 - 0.01, (d - 0.3) / 2, 0.07), body, 0.4, 10, 6))
        parts.append(superball((x, d / 2 - 0.3, lz + 0.48), (cw / 2 - 0.01, 0.08, 0.2), body, 0.4, 10, 6))
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(rod((sx * (w / 2 - 0.08), sy * (d / 2 - 0.08), 0), (sx * (w / 2 - 0.08), sy * (d / 2 - 0.08), lz + 0.02),
                             0.03, legs, 8, r1=0.04))
    return fit(merge(parts), spec.size)


@asset("bed")
def bed(spec, variant):
    S = slots(spec)
    frame, body, pillow = S["frame"], S["body"], S["pillow"]
    w, d, h = spec.size
    parts = []
    # base frame and legs
    parts.append(cube((0, 0, 0.25), (w, d - 0.1, 0.16), frame))
    for sx in (-1, 1):
        for y in (-d / 2 + 0.08, d / 2 - 0.12):
            parts.append(cube((sx * (w / 2 - 0.05), y, 0.09), (0.08, 0.08, 0.18), frame))
    # headboard at +Y, footboard at -Y
    parts.append(cube((0, d / 2 - 0.03, h / 2), (w, 0.06, h), frame))
    parts.append(cube((0, d / 2 - 0.065, h - 0.05), (w + 0.0, 0.01, 0.1), frame))
    parts.append(cube((0, -d / 2 + 0.03, 0.25), (w, 0.06, 0.5), frame))
    # mattress and duvet
    parts.append(superball((0, 0.02, 0.42), (w / 2 - 0.05, d / 2 - 0.1, 0.09), body, 0.3, 12, 8))
    parts.append(superball((0, -0.2, 0.5), (w / 2 - 0.03, d / 2 - 0.32, 0.06), body, 0.3, 12, 8))
    # pillows at +Y
    n = 2 if w > 1.2 else 1
    pw = (w - 0.2) / n
    for k in range(n):
        x = -w / 2 + 0.1 + pw * (k + 0.5)
        parts.append(superball((x, d / 2 - 0.3, 0.56), (pw / 2 - 0.03, 0.17, 0.07), pillow, 0.5, 10, 6))
    return fit(merge(parts), spec.size)


@asset("bookshelf")
def bookshelf(spec, variant):
    S = slots(spec)
    body, books = S["body"], S["books"]
    w, d, h = spec.size
    t = 0.03
    parts = [cube((sx * (w / 2 - t / 2), 0, h / 2), (t, d, h), body) for sx in (-1, 1)]
    parts.append(cube((0, d / 2 - 0.01, h / 2), (w - 2 * t, 0.02, h), body))
    n_shelves = 5
    zs = np.linspace(0.06, h - t, n_shelves + 1)
    for z in zs:
        parts.append(cube((0, 0, z - t / 2 if z > 0.1 else z / 2), (w - 2 * t, d - 0.02, t if z > 0.1 else z), body))
    parts.append(cube((0, -d / 2 + 0.01, 0.03), (w - 2 * t, 0.02, 0.06), body))
    rng = np.random.default_rng(1234)
    inner_w = w - 2 * t - 0.02
    for s in range(n_shelves):
        z0 = zs[s]
        gap = zs[s + 1] - t - z0
        x = -inner_w / 2
        while True:
            bw = float(rng.uniform(0.025, 0.055))
            if x + bw > inner_w / 2:
                break
            bh = float(rng.uniform(0.62, 0.9)) * gap
            bd = float(rng.uniform(0.7, 0.85)) * (d - 0.04)
            if rng.random() < 0.07:  # a gap on the shelf
                x += bw * 1.5
                continue
            parts.append(cube((x + bw / 2, -d / 2 + 0.02 + bd / 2, z0 + bh / 2), (bw - 0.003, bd, bh), books))
            x += bw
    return fit(merge(parts), spec.size)


@asset("lamp")
def lamp(spec, variant):
    S = slots(spec)
    shade, base, bulb = S["shade"], S["base"], S["bulb"]
    w, d, h = spec.size
    r = w / 2
    parts = [lathe([(0, 0), (0.1, 0), (0.1, 0.02), (0.07, 0.04), (0, 0.045)], base, 16)]
    parts.append(rod((0, 0, 0.04), (0, 0, 0.34), 0.012, base, 8))
    parts.append(ball((0, 0, 0.36), 0.045, bulb, 10, 6))
    zb, zt = h * 0.45, h
    parts.append(lathe([(r, zb), (r * 0.58, zt), (r * 0.58 - 0.008, zt - 0.004), (r - 0.008, zb + 0.004)],
                       shade, 20, closed=True))
    return fit(merge(parts), spec.size)


@asset("street_lamp")
def street_lamp(spec, variant):
    S = slots(spec)
    body, bulb = S["body"], S["bulb"]
    w, d, h = spec.size
    py = 0.05   # pole sits a little behind centre; the arm reaches forward (-Y)
    parts = [lathe([(0, 0), (0.28, 0), (0.28, 0.1), (0.17, 0.2), (0.11, 0.6), (0.07, 0.66), (0, 0.66)],
                   body, 12, center=(0, py, 0))]
    top = h - 0.35
    parts.append(rod((0, py, 0.6), (0, py, top), 0.055, body, 10, r1=0.04))
    parts.append(ball((0, py, top), 0.055, body, 8, 6))
    # curved arm toward -Y
    pts = [(0, py, top - 0.05)] + [(0, py - 0.22 * np.sin(a), top - 0.05 + 0.25 * (1 - np.cos(a)) * 0.8)
                                   for a in np.linspace(0.3, np.pi / 2, 4)]
    for a, b in zip(pts[:-1], pts[1:]):
        parts.append(rod(a, b, 0.028, body, 6))
    hx, hy, hz = pts[-1]
    hy -= 0.02
    parts.append(lathe([(0, hz + 0.1), (0.06, hz + 0.08), (0.15, hz - 0.06), (0.14, hz - 0.09), (0, hz - 0.05)],
                       body, 12, center=(0, hy, 0)))
    parts.append(ball((0, hy, hz - 0.11), (0.08, 0.08, 0.07), bulb, 10, 6))
    return fit(merge(parts), spec.size)


@asset("barrel")
def barrel(spec, variant):
    S = slots(spec)
    body, hoops = S["body"], S["hoops"]
    w, d, h = spec.size
    rm = w / 2 - 0.01
    re = rm * 0.82

    def radius(z):
        t = (z / h) * 2 - 1
        return re + (rm - re) * (1 - t * t)

    zs = np.linspace(0, h, 9)
    prof = [(0, 0.03)] + [(radius(z), z) for z in zs] + [(re - 0.03, h), (re - 0.03, h - 0.03), (0, h - 0.03)]
    parts = [lathe(prof, body, 18)]
    for zc in (0.08 * h, 0.3 * h, 0.7 * h, 0.92 * h):
        r = radius(zc)
        parts.append(lathe([(r - 0.01, zc - 0.025), (r + 0.012, zc - 0.025), (r + 0.012, zc + 0.025),
                            (r - 0.01, zc + 0.025)], hoops, 18, closed=True))
    # a bung on the lid
    parts.append(rod((0.12, 0, h - 0.04), (0.12, 0, h - 0.01), 0.03, hoops, 8))
    return fit(merge(parts), spec.size)


@asset("crate")
def crate(spec, variant):
    w, d, h = spec.size
    b = 0.08   # plank width
    t = 0.02   # how far the planks stand proud
    parts = [cube((0, 0, h / 2), (w - 2 * t, d - 2 * t, h - 2 * t))]
    hx, hy, hz = w / 2 - b / 2, d / 2 - b / 2, h / 2 - b / 2
    for sy in (-1, 1):
        for sz in (-1, 1):
            parts.append(cube((0, sy * hy, h / 2 + sz * hz), (w, b, b)))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(cube((sx * hx, 0, h / 2 + sz * hz), (b, d - 0.002, b - 0.002)))
        for sy in (-1, 1):
            parts.append(cube((sx * hx, sy * hy, h / 2), (b - 0.002, b - 0.002, h - 0.002)))
    # diagonal braces on the four sides
    inner = h - 2 * b
    diag = np.arctan2(inner, w - 2 * b)
    length = float(np.hypot(inner, w - 2 * b))
    for sy in (-1, 1):
        parts.append(cube((0, sy * (d / 2 - t / 2 - 0.001), h / 2), (length, t + 0.002, b * 0.9), rot=(0, -diag * sy, 0)))
    for sx in (-1, 1):
        parts.append(cube((sx * (w / 2 - t / 2 - 0.001), 0, h / 2), (t + 0.002, length, b * 0.9), rot=(diag * sx, 0, 0)))
    # plank seams: shallow grooves suggested by thin proud strips
    for z in (h * 0.37, h * 0.63):
        for sy in (-1, 1):
            parts.append(cube((0, sy * (d / 2 - t - 0.002), z), (w - 2 * b, 0.006, 0.012)))
    return fit(merge(parts), spec.size)


@asset("mailbox")
def mailbox(spec, variant):
    S = slots(spec)
    body, post = S["body"], S["post"]
    w, d, h = spec.size
    box_h = 0.3
    z0 = h - box_h
    r = d / 2 - 0.01
    prof = [(-r, z0), (r, z0)] + [p for p in arc(0, h - r, r, 0.0, np.pi, 9)]
    parts = [prism(prof, "x", -w / 2 + 0.02, w / 2, body)]
    # door at +X end, slightly larger
    door = [(y * 1.04, z0 - 0.005 + (z - z0) * 1.02) for y, z in prof]
    parts.append(prism(door, "x", w / 2 - 0.02, w / 2 + 0.005, body))
    # post and a support plate
    parts.append(cube((0, 0, z0 / 2), (0.09, 0.09, z0), post))
    parts.append(cube((0, 0, z0 - 0.015), (w * 0.8, d * 0.6, 0.03), post))
    parts.append(cube((0.0, 0.06, z0 * 0.72), (0.04, 0.04, 0.2), post, rot=(0.6, 0, 0)))
    # the flag on the -Y side
    fy = -r - 0.015
    parts.append(cube((0.08, fy, z0 + 0.14), (0.025, 0.01, 0.2), body))
    parts.append(cube((0.13, fy, z0 + 0.21), (0.1, 0.01, 0.06), body))
    return fit(merge(parts), spec.size)


@asset("campfire")
def campfire(spec, variant):
    S = slots(spec)
    logs, stones, flames = S["logs"], S["stones"], S["flames"]
    w, d, h = spec.size
    rng = np.random.default_rng(7)
    parts = []
    n = 10
    ring = w / 2 - 0.09
    for k in range(n):
        a = TAU * k / n + 0.1
        rs = 0.09 * float(rng.uniform(0.85, 1.1))
        c = (ring * np.cos(a), ring * np.sin(a), rs * 0.55)
        st = ball((0, 0, 0), (rs * 0.85, rs, rs * 0.6), stones, 7, 4)
        parts.append(mesh.transformed(st, rot_z=a, offset=c))
    # short logs leaning into a low teepee around the fire
    nl = 5
    for k in range(nl):
        a = TAU * k / nl + 0.3
        foot = (0.32 * np.cos(a), 0.32 * np.sin(a), 0.04)
        tip = (0.06 * np.cos(a + 0.4), 0.06 * np.sin(a + 0.4), 0.24)
        parts.append(rod(foot, tip, 0.04, logs, 7))
    # two crossed logs lying flat
    parts.append(rod((-0.32, -0.12, 0.045), (0.32, 0.12, 0.045), 0.045, logs, 7))
    parts.append(rod((-0.3, 0.16, 0.05), (0.3, -0.14, 0.05), 0.045, logs, 7))
    # flames: a cluster of tall cones rising out of the logs
    for (x, y, r, fh, seg) in ((0, 0, 0.2, h, 8), (0.1, -0.07, 0.12, h * 0.75, 6),
                               (-0.11, -0.02, 0.12, h * 0.68, 6), (0.02, 0.11, 0.11, h * 0.6, 6),
                               (-0.05, -0.12, 0.1, h * 0.55, 6), (0.12, 0.06, 0.09, h * 0.5, 6)):
        c = mesh.cylinder(r, fh - 0.05, seg, 0.05, flames, radius_top=0.0)
        parts.append(mesh.transformed(c, offset=(x, y, 0), rot_z=x * 20))
    return fit(merge(parts), spec.size)


@asset("snowman")
def snowman(spec, variant):
    S = slots(spec)
    body, hat, nose = S["body"], S["hat"], S["nose"]
    w, d, h = spec.size
    r0, r1, r2 = 0.4, 0.29, 0.2
    z0 = r0 * 0.92
    z1 = z0 + r0 * 0.8 + r1 * 0.75
    z2 = z1 + r1 * 0.8 + r2 * 0.8
    parts = [ball((0, 0, z0), (r0, r0, r0 * 0.92), body, 16, 10),
             ball((0, 0, z1), r1, body, 16, 10),
             ball((0, 0, z2), r2, body, 14, 9)]
    zb = z2 + r2 * 0.7
    parts.append(rod((0, 0, zb), (0, 0, zb + 0.025), 0.24, hat, 16))
    parts.append(rod((0, 0, zb + 0.02), (0, 0, h), 0.15, hat, 16))
    # carrot nose toward -Y
    parts.append(rod((0, -r2 * 0.85, z2), (0, -r2 - 0.17, z2 - 0.02), 0.035, nose, 8, r1=0.0))
    # coal eyes, mouth and buttons (hat material)
    for sx in (-1, 1):
        a = sx * 0.38
        parts.append(ball((r2 * np.sin(a) * 0.95, -r2 * np.cos(a) * 0.92, z2 + 0.07), 0.025, hat, 6, 4))
    for k in range(5):
        a = (k - 2) * 0.25
        parts.append(ball((r2 * np.sin(a) * 0.9, -r2 * np.cos(a) * 0.88, z2 - 0.09 + abs(k - 2) * 0.015),
                          0.014, hat, 6, 4))
    for k in range(3):
        zc = z1 + 0.12 - k * 0.13
        y = -np.sqrt(max(r1 ** 2 - (zc - z1) ** 2, 0.0)) + 0.005
        parts.append(ball((0, y, zc), 0.028, hat, 6, 4))
    # stick arms (hat material: dark)
    for sx in (-1, 1):
        s0 = (sx * r1 * 0.85, 0, z1 + 0.05)
        s1 = (sx * (w / 2), 0.02, z1 + 0.3)
        parts.append(rod(s0, s1, 0.015, hat, 5))
        parts.append(rod((sx * (w / 2 - 0.06), 0.01, z1 + 0.22), (sx * (w / 2 - 0.02), 0.0, z1 + 0.35), 0.01, hat, 5))
    return fit(merge(parts), spec.size)


@asset("signpost")
def signpost(spec, variant):
    S = slots(spec)
    sign, post = S["sign"], S["post"]
    w, d, h = spec.size
    pw = 0.1
    parts = [prism([(-pw / 2, 0), (pw / 2, 0), (pw / 2, h - 0.06), (0, h), (-pw / 2, h - 0.06)], "y",
                   -pw / 2 + (d - pw) / 2, pw / 2 + (d - pw) / 2, post)]
    y0, y1 = -d / 2, -d / 2 + 0.055
    # two arrow boards pointing opposite ways
    for (z, sgn, x0, x1) in ((h - 0.35, 1, -w / 2 + 0.15, w / 2), (h - 0.65, -1, -w / 2, w / 2 - 0.12)):
        bh = 0.2
        if sgn > 0:
            prof = [(x0, z - bh / 2), (x1 - 0.12, z - bh / 2), (x1, z), (x1 - 0.12, z + bh / 2), (x0, z + bh / 2)]
        else:
            prof = [(x0, z), (x0 + 0.12, z - bh / 2), (x1, z - bh / 2), (x1, z + bh / 2), (x0 + 0.12, z + bh / 2)]
        parts.append(prism(prof, "y", y0, y1, sign))
        for x in (-0.03, 0.03):  # nail heads
            parts.append(cube((x, y0 - 0.004, z), (0.015, 0.01, 0.015), post))
    return fit(merge(parts), spec.size)
