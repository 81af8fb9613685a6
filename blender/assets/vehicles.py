"""Vehicles: long along Y, front toward -Y, wheels are cylinders along X.

Pure numpy (no bpy); shapes are designed in metres near the catalog size and
fitted exactly with ``mesh.fit_size``.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh, slots
from .mesh import MeshData


def _wheel_x(center, radius, width, slot: int = 0, seg: int = 16) -> MeshData:
    """Cylinder with its axis along X (a wheel), centred on ``center``."""
    c = mesh.cylinder(radius, width, seg, -width / 2, slot, smooth=False)
    return mesh.transformed(c, rot_y=np.pi / 2, offset=center)


def _newell(poly) -> np.ndarray:
    """Newell normal of a 3D polygon (length: twice its area)."""
    p = np.asarray(poly, dtype=np.float64)
    q = np.roll(p, -1, axis=0)
    return np.array([np.sum((p[:, 1] - q[:, 1]) * (p[:, 2] + q[:, 2])),
                     np.sum((p[:, 2] - q[:, 2]) * (p[:, 0] + q[:, 0])),
                     np.sum((p[:, 0] - q[:, 0]) * (p[:, 1] + q[:, 1]))])


def _inset(poly, margin: float) -> np.ndarray:
    """Shrink a planar convex 3D polygon by ``margin`` (mitred offset of every edge)."""
    p = np.asarray(poly, dtype=np.float64)
    n = _newell(p)
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


def _panel(poly, slot: int, margin: float = 0.0, thick: float = 0.02, out=None) -> MeshData:
    """A thin slab on a planar polygon: inset by ``margin``, raised ``thick`` along the side
    facing ``out`` (a direction), sunk ``thick`` below it so it never floats."""
    p = _inset(poly, margin) if margin else np.asarray(poly, dtype=np.float64)
    n = _newell(p)
    n /= np.linalg.norm(n)
    if out is not None and np.dot(n, out) < 0:
        n = -n
    return mesh.orient_outward(mesh.loft_rings([p - n * thick, p + n * thick], slot=slot))


def _clip(poly2d, axis: int, value: float, keep_below: bool):
    """Sutherland-Hodgman clip of a 2D polygon against coordinate[axis] <= / >= value."""
    def inside(p):
        return p[axis] <= value if keep_below else p[axis] >= value

    def cut(a, b):
        t = (value - a[axis]) / (b[axis] - a[axis])
        return tuple(a[k] + t * (b[k] - a[k]) for k in range(len(a)))

    out = []
    pts = [tuple(map(float, p)) for p in poly2d]
    for i, cur in enumerate(pts):
        prev = pts[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(cut(prev, cur))
            out.append(cur)
        elif inside(prev):
            out.append(cut(prev, cur))
    return out


def _arched_bottom(y_from, y_to, z, wheels, arch_r, wheel_z, n=7):
    """Bottom edge of a side profile (y increasing) with an arch over each wheel centre."""
    pts = [(y_from, z)]
    for wy in sorted(wheels):
        pts.append((wy - arch_r, z))
        pts += mesh.arc(wy, wheel_z, arch_r, np.pi, 0.0, n)[1:-1]
        pts.append((wy + arch_r, z))
    pts.append((y_to, z))
    return pts


def _wheel(center, r, width, S, hub_slot, seg=16):
    x, y, z = center
    side = 1.0 if x >= 0 else -1.0
    return [_wheel_x(center, r, width, S, seg),
            _wheel_x((x + side * (width / 2 + 0.008), y, z), r * 0.55, 0.02, hub_slot, 12)]


def _side_windows(profile, half_x, x_at, slot, z_min, cuts, margin, thick=0.012):
    """Glass panes on both flanks: ``profile`` (y, z) clipped above ``z_min`` and split into
    the y-ranges of ``cuts``; ``x_at(z)`` gives the flank's |x| at height z."""
    parts = []
    base = _clip(profile, 1, z_min, keep_below=False)
    for y0, y1 in cuts:
        poly = _clip(_clip(base, 0, y0, keep_below=False), 0, y1, keep_below=True)
        if len(poly) < 3:
            continue
        for sx in (-1.0, 1.0):
            pts = [(sx * x_at(z), y, z) for y, z in poly]
            parts.append(_panel(pts, slot, margin, thick, out=(sx, 0.0, 0.0)))
    return parts


# ---------------------------------------------------------------------------

@asset("car")
def car(spec, variant):
    S = slots(spec)
    body, glass, wheel, light = S["body"], S["window"], S["wheel"], S["light"]
    hatch = variant % 2 == 1
    half_l = 2.2
    wr, wz = 0.33, 0.33
    wy = (-1.38, 1.35) if not hatch else (-1.38, 1.3)
    bx = 0.88
    rear_top = 0.95 if not hatch else 0.92
    prof = _arched_bottom(-2.12, 2.12, 0.28, wy, 0.41, wz)
    prof += [(2.2, 0.38), (2.22, 0.8), (2.05, rear_top), (1.4, 0.95), (-0.8, 0.93),
             (-1.9, 0.83), (-2.2, 0.74), (-2.22, 0.4)]
    parts = [mesh.prism(prof, -bx, bx, "x", body)]

    # greenhouse: base front, base rear, roof rear, roof front (y, z)
    if hatch:
        gh = [(-0.85, 0.88), (2.08, 0.9), (1.72, 1.4), (-0.1, 1.44)]
    else:
        gh = [(-0.85, 0.88), (1.5, 0.9), (0.85, 1.42), (-0.12, 1.44)]
    z_lo, z_hi = 0.88, 1.44
    x_lo, x_hi = 0.86, 0.64

    def gx(z):
        return x_lo + (x_hi - x_lo) * (z - z_lo) / (z_hi - z_lo)

    cab = mesh.prism(gh, -1.0, 1.0, "x", body)
    v = cab.verts.astype(np.float64)
    v[:, 0] = np.sign(v[:, 0]) * gx(v[:, 2])
    parts.append(MeshData(v.astype(np.float32), cab.loop_verts, cab.loop_start, cab.loop_total, cab.face_slot))

    def slope_pane(a, b, t0, t1, out):
        pa = np.array(a) + t0 * (np.array(b) - np.array(a))
        pb = np.array(a) + t1 * (np.array(b) - np.array(a))
        pts = [(-gx(pa[1]), pa[0], pa[1]), (gx(pa[1]), pa[0], pa[1]), (gx(pb[1]), pb[0], pb[1]),
               (-gx(pb[1]), pb[0], pb[1])]
        return _panel(pts, glass, 0.07, 0.012, out=out)

    parts.append(slope_pane(gh[0], gh[3], 0.1, 0.97, (0, -1, 0.6)))     # windscreen
    parts.append(slope_pane(gh[1], gh[2], 0.12, 0.95, (0, 1, 0.6)))     # rear glass
    b_pillar = 0.38 if not hatch else 0.5
    cuts = [(-1.0, b_pillar - 0.05), (b_pillar + 0.05, 2.5)]
    if hatch:
        cuts = [(-1.0, b_pillar - 0.05), (b_pillar + 0.05, 1.45)]
    parts += _side_windows(gh, 1.0, gx, glass, 0.97, cuts, 0.05)

    # lights, grille, bumpers, mirrors
    for sx in (-1, 1):
        parts.append(mesh.box((0.34, 0.05, 0.1), (sx * 0.6, -2.205, 0.63), light))
        parts.append(mesh.box((0.3, 0.04, 0.08), (sx * 0.68, 2.215, 0.7), wheel))
        parts.append(mesh.box((0.07, 0.06, 0.08), (sx * (bx + 0.03), -0.7, 1.0), body))
    parts.append(mesh.box((0.7, 0.04, 0.12), (0, -2.21, 0.5), wheel))
    parts.append(mesh.box((1.78, 0.1, 0.13), (0, -2.23, 0.33), wheel))
    parts.append(mesh.box((1.78, 0.1, 0.13), (0, 2.23, 0.36), wheel))
    for y in wy:
        for sx in (-1, 1):
            parts += _wheel((sx * (bx - 0.12), y, wz), wr, 0.22, wheel, body)
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("truck")
def truck(spec, variant):
    S = slots(spec)
    body, cargo, glass, wheel, light = S["body"], S["cargo"], S["window"], S["wheel"], S["light"]
    hx = 1.2
    wr, wz = 0.5, 0.5
    fy, ry = -2.6, (1.7, 2.85)
    # cab
    prof = _arched_bottom(-3.5, -1.75, 0.55, [fy], 0.6, wz)
    prof += [(-1.75, 2.85), (-3.12, 2.85), (-3.34, 2.72), (-3.5, 1.55)]
    parts = [mesh.prism(prof, -hx, hx, "x", body)]
    ws = [(-hx, -3.5, 1.55), (hx, -3.5, 1.55), (hx, -3.34, 2.72), (-hx, -3.34, 2.72)]
    parts.append(_panel(ws, glass, 0.12, 0.015, out=(0, -1, 0.2)))
    side = [(-3.5, 1.55), (-2.3, 1.55), (-2.3, 2.85), (-3.12, 2.85), (-3.34, 2.72)]
    parts += _side_windows(side, hx, lambda z: hx, glass, 1.7, [(-4, -2.3)], 0.1, 0.015)
    # grille, lights, bumper, step
    parts.append(mesh.box((1.3, 0.04, 0.7), (0, -3.51, 1.05), wheel))
    for sx in (-1, 1):
        parts.append(mesh.box((0.3, 0.05, 0.2), (sx * 0.93, -3.515, 0.95), light))
        parts.append(mesh.box((0.06, 0.08, 0.4), (sx * (hx + 0.04), -3.05, 2.1), wheel))
    parts.append(mesh.box((2.45, 0.16, 0.3), (0, -3.55, 0.62), wheel))
    # chassis and cargo box
    parts.append(mesh.box((1.1, 6.8, 0.3), (0, 0.0, 0.72), wheel))
    cy0, cy1 = -1.6, 3.5
    parts.append(mesh.box((2.5, cy1 - cy0, 2.25), (0, (cy0 + cy1) / 2, 2.175), cargo))
    for y in np.linspace(cy0 + 0.4, cy1 - 0.4, 7):
        for sx in (-1, 1):
            parts.append(mesh.box((0.03, 0.08, 2.15), (sx * 1.255, y, 2.175), cargo))
    parts.append(mesh.box((0.04, 0.03, 2.1), (0, cy1 + 0.005, 2.175), wheel))  # rear door seam
    parts.append(mesh.box((2.4, 0.25, 0.12), (0, cy1 - 0.1, 0.95), wheel))
    for y in (fy,) + ry:
        for sx in (-1, 1):
            parts += _wheel((sx * (hx - 0.2), y, wz), wr, 0.36, wheel, cargo)
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("bus")
def bus(spec, variant):
    S = slots(spec)
    body, glass, wheel, light = S["body"], S["window"], S["wheel"], S["light"]
    hx, hl, top = 1.27, 5.5, 3.2
    wr, wz = 0.5, 0.5
    wys = (-3.6, 3.3)
    prof = _arched_bottom(-hl + 0.05, hl - 0.05, 0.4, wys, 0.6, wz)
    prof += [(hl, 0.5), (hl, top - 0.2), (hl - 0.12, top - 0.04), (hl - 0.3, top),
             (-hl + 0.3, top), (-hl + 0.12, top - 0.04), (-hl, top - 0.2), (-hl, 0.5)]
    parts = [mesh.prism(prof, -hx, hx, "x", body)]
    # side windows (both flanks), driver's window and the door on the right (+X)
    z0, z1 = 1.75, 2.8
    n = 9
    y_a, y_b = -4.25, 5.15
    gap = 0.14
    ww = (y_b - y_a - gap * (n - 1)) / n
    for k in range(n):
        ya = y_a + k * (ww + gap)
        for sx in (-1, 1):
            pts = [(sx * hx, ya, z0), (sx * hx, ya + ww, z0), (sx * hx, ya + ww, z1), (sx * hx, ya, z1)]
            parts.append(_panel(pts, glass, 0.0, 0.015, out=(sx, 0, 0)))
    pts = [(-hx, -5.3, 1.6), (-hx, -4.45, 1.6), (-hx, -4.45, z1), (-hx, -5.3, z1)]
    parts.append(_panel(pts, glass, 0.0, 0.015, out=(-1, 0, 0)))
    for ya in (-5.3, -4.88):
        pts = [(hx, ya, 0.55), (hx, ya + 0.4, 0.55), (hx, ya + 0.4, z1), (hx, ya, z1)]
        parts.append(_panel(pts, glass, 0.0, 0.015, out=(1, 0, 0)))
    # windscreen, destination sign, rear window
    pts = [(-hx + 0.08, -hl, 1.35), (hx - 0.08, -hl, 1.35), (hx - 0.08, -hl, 2.7), (-hx + 0.08, -hl, 2.7)]
    parts.append(_panel(pts, glass, 0.0, 0.015, out=(0, -1, 0)))
    parts.append(mesh.box((1.6, 0.03, 0.2), (0, -hl - 0.005, 2.88), wheel))
    pts = [(-hx + 0.2, hl, 2.0), (hx - 0.2, hl, 2.0), (hx - 0.2, hl, 2.85), (-hx + 0.2, hl, 2.85)]
    parts.append(_panel(pts, glass, 0.0, 0.015, out=(0, 1, 0)))
    # dark trim stripe under the windows
    for sx in (-1, 1):
        parts.append(mesh.box((0.02, 9.9, 0.08), (sx * (hx + 0.005), 0.4, 1.6), wheel))
    # lights and bumpers
    for sx in (-1, 1):
        parts.append(mesh.box((0.32, 0.04, 0.16), (sx * 0.95, -hl - 0.01, 0.8), light))
    parts.append(mesh.box((2.5, 0.12, 0.22), (0, -hl - 0.05, 0.5), wheel))
    parts.append(mesh.box((2.5, 0.12, 0.22), (0, hl + 0.05, 0.5), wheel))
    for y in wys:
        for sx in (-1, 1):
            parts += _wheel((sx * (hx - 0.18), y, wz), wr, 0.32, wheel, body)
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


def _ring_wall(outer, inner, z0, z1, slot):
    """A closed band standing on a closed outline: ``outer``/``inner`` are (N, 2) xy loops."""
    n = len(outer)
    verts = []
    for k in range(n):
        a, b = z0[k], z1[k]
        verts += [(outer[k][0], outer[k][1], a), (outer[k][0], outer[k][1], b),
                  (inner[k][0], inner[k][1], b), (inner[k][0], inner[k][1], a)]
    polys = []
    for k in range(n):
        c, d = 4 * k, 4 * ((k + 1) % n)
        for q in range(4):
            polys.append((c + q, c + (q + 1) % 4, d + (q + 1) % 4, d + q))
    return mesh.orient_outward(mesh.from_polys(np.asarray(verts, dtype=np.float64), polys, slot))


@asset("boat")
def boat(spec, variant):
    S = slots(spec)
    hull, deck, trim = S["hull"], S["deck"], S["trim"]
    motor = variant % 2 == 1
    half_l, beam = 2.75, 1.05
    ts = np.linspace(0.0, 1.0, 12)          # stern (0) .. bow (1)

    def half_w(t):
        if t < 0.4:
            return beam * (0.86 + 0.14 * t / 0.4)
        return max(beam * np.cos((t - 0.4) / 0.6 * np.pi / 2) ** 0.75, 0.025)

    def sheer(t):
        return 0.92 + 0.26 * max(0.0, (t - 0.45) / 0.55) ** 2

    def keel(t):
        return 0.42 * max(0.0, (t - 0.55) / 0.45) ** 2

    drop = 0.14 if motor else 0.32        # deck sits this far below the gunwale
    th = np.linspace(0.0, np.pi, 9)
    secs, outline_r, outline_z = [], [], []
    for t in ts:
        y = half_l - 2 * half_l * t
        b, zs, zk = half_w(t), sheer(t), keel(t)
        zd = zs - drop
        ring = [(b * np.cos(a), y, zd - (zd - zk) * np.sin(a) ** 0.55) for a in th]
        secs.append(ring)
        outline_r.append((b, y))
        outline_z.append(zs)
    m = mesh.orient_outward(mesh.loft_rings(secs, slot=hull))
    # faces joining the two gunwale points of consecutive sections (the last ring edge) are deck
    nring = len(th)
    fs = m.face_slot.copy()
    for k in range(len(ts) - 1):
        fs[k * nring + nring - 1] = deck
    parts = [MeshData(m.verts, m.loop_verts, m.loop_start, m.loop_total, fs)]

    # raised sides (hull) and a gunwale cap (trim) around the deck outline
    outer = [(b, y) for b, y in outline_r] + [(-b, y) for b, y in reversed(outline_r)]
    zs_loop = outline_z + list(reversed(outline_z))
    zd_loop = [z - drop - 0.01 for z in zs_loop]

    def inward(loop, d):
        res = []
        for x, y in loop:
            nx = max(abs(x) - d, 0.004) * np.sign(x)
            res.append((nx, y - d * 0.8 if y < -half_l + 0.3 else (y + d * 0.6 if y > half_l - 0.05 else y)))
        return res

    outer = outer[:len(ts)] + outer[len(ts) + 1:]    # drop the duplicated bow point
    zs_loop = zs_loop[:len(ts)] + zs_loop[len(ts) + 1:]
    zd_loop = zd_loop[:len(ts)] + zd_loop[len(ts) + 1:]
    inner = inward(outer, 0.06)
    parts.append(_ring_wall(outer, inner, zd_loop, zs_loop, hull))
    cap_o = [(x * 1.0 + np.sign(x) * 0.02, y) for x, y in outer]
    cap_i = inward(outer, 0.085)
    parts.append(_ring_wall(cap_o, cap_i, [z - 0.01 for z in zs_loop], [z + 0.06 for z in zs_loop], trim))
    # a trim stripe along both flanks, just below the deck line
    for sx in (-1, 1):
        band = []
        for t in ts[:-1]:
            y = half_l - 2 * half_l * t
            zd = sheer(t) - drop
            band.append((sx * (half_w(t) + 0.012), y, zd - 0.05))
        band = np.array(band)
        for a, b in zip(band[:-1], band[1:]):
            parts.append(mesh.rod(a, b, 0.035, trim, 4))

    if not motor:
        for t in (0.28, 0.5, 0.72):
            y = half_l - 2 * half_l * t
            zd = sheer(t) - drop
            parts.append(mesh.box((2 * half_w(t) - 0.1, 0.24, 0.05), (0, y, zd + 0.2), deck))
        for sx in (-1, 1):   # oars lying across the seats
            parts.append(mesh.rod((sx * 0.45, -1.7, sheer(0.5) - drop + 0.25),
                                  (sx * 0.38, 1.5, sheer(0.5) - drop + 0.25), 0.03, deck, 6))
            parts.append(mesh.box((0.14, 0.4, 0.02), (sx * 0.38, 1.65, sheer(0.5) - drop + 0.25), deck))
    else:
        # small cabin with a slanted windscreen, seats and an outboard motor
        zd = sheer(0.45) - drop
        prof = [(-1.3, zd - 0.02), (0.2, zd - 0.02), (0.2, zd + 0.38), (-0.6, zd + 0.38), (-1.3, zd + 0.05)]
        parts.append(mesh.prism(prof, -0.6, 0.6, "x", hull))
        ws = [(-0.55, -0.6, zd + 0.38), (0.55, -0.6, zd + 0.38), (0.55, -1.2, zd + 0.09), (-0.55, -1.2, zd + 0.09)]
        parts.append(_panel(ws, trim, 0.05, 0.01, out=(0, -1, 1)))
        for sx in (-1, 1):
            sw = [(sx * 0.6, -0.55, zd + 0.15), (sx * 0.6, 0.1, zd + 0.15), (sx * 0.6, 0.1, zd + 0.33),
                  (sx * 0.6, -0.55, zd + 0.33)]
            parts.append(_panel(sw, trim, 0.0, 0.01, out=(sx, 0, 0)))
            parts.append(mesh.box((0.5, 0.5, 0.3), (sx * 0.42, 0.9, zd + 0.15), deck))
        zt = sheer(0.0) - drop
        parts.append(mesh.box((0.3, 0.3, 0.45), (0, half_l + 0.12, zt + 0.1), trim))
        parts.append(mesh.box((0.12, 0.16, 0.5), (0, half_l + 0.16, zt - 0.35), trim))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("bicycle")
def bicycle(spec, variant):
    S = slots(spec)
    frame, wheel, seat = S["frame"], S["wheel"], S["seat"]
    R, tr = 0.34, 0.022
    wy, wz = 0.52, R + tr
    parts = []
    for y in (-wy, wy):
        tor = mesh.torus(R, tr, 24, 6, 0.0, wheel)
        parts.append(mesh.transformed(tor, rot_y=np.pi / 2, offset=(0, y, wz)))
        parts.append(mesh.transformed(mesh.torus(R - 0.03, 0.008, 20, 4, 0.0, frame), rot_y=np.pi / 2,
                                      offset=(0, y, wz)))
        for k in range(6):  # spokes
            a = 2 * np.pi * k / 6
            parts.append(mesh.rod((0, y, wz), (0, y + (R - 0.03) * np.cos(a), wz + (R - 0.03) * np.sin(a)), 0.004,
                                  frame, 3))
        parts.append(mesh.rod((-0.05, y, wz), (0.05, y, wz), 0.02, frame, 6))
    rear, front = np.array([0, wy, wz]), np.array([0, -wy, wz])
    bb = np.array([0, 0.03, 0.3])
    seat_top = np.array([0, 0.2, 0.8])
    head_top = np.array([0, -0.36, 0.84])
    head_bot = np.array([0, -0.4, 0.7])
    r = 0.02
    for a, b in ((rear, bb), (bb, seat_top), (seat_top, head_top), (bb, head_bot), (rear, seat_top),
                 (head_bot, head_top)):
        parts.append(mesh.rod(a, b, r, frame, 6))
    for sx in (-1, 1):   # fork blades
        parts.append(mesh.rod(head_bot + [sx * 0.03, 0, 0], front + [sx * 0.03, 0, 0], 0.013, frame, 6))
    stem_top = np.array([0, -0.34, 0.98])
    parts.append(mesh.rod(head_top, stem_top, 0.018, frame, 6))
    parts.append(mesh.rod((-0.3, -0.34, 0.98), (0.3, -0.34, 0.98), 0.014, frame, 6))
    for sx in (-1, 1):
        parts.append(mesh.rod((sx * 0.3, -0.34, 0.98), (sx * 0.22, -0.34, 0.98), 0.02, seat, 6))
    # saddle
    parts.append(mesh.rod(seat_top, seat_top + [0, 0.02, 0.12], 0.014, frame, 6))
    sp = [(0, 0.3, 0.93), (0.085, 0.27, 0.93), (0.07, 0.16, 0.93), (0.025, 0.07, 0.93),
          (-0.025, 0.07, 0.93), (-0.07, 0.16, 0.93), (-0.085, 0.27, 0.93)]
    sp2 = [(x, y, z + 0.05) for x, y, z in sp]
    parts.append(mesh.orient_outward(mesh.loft_rings([sp, sp2], slot=seat)))
    # cranks and pedals
    parts.append(mesh.transformed(mesh.torus(0.09, 0.012, 16, 4, 0.0, frame), rot_y=np.pi / 2,
                                  offset=(0.07, bb[1], bb[2])))
    for sx, ang in ((1, 0.6), (-1, 0.6 + np.pi)):
        tip = bb + [sx * 0.1, 0.16 * np.cos(ang), 0.16 * np.sin(ang)]
        parts.append(mesh.rod(bb + [sx * 0.07, 0, 0], tip, 0.012, frame, 4))
        parts.append(mesh.box((0.09, 0.05, 0.02), tuple(tip + [sx * 0.05, 0, 0]), seat))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)
