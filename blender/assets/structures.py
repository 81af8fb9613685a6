"""Structure assets: buildings, towers, tents, fences, walls, bridges (pure numpy, no bpy).

Models are built in rough real-world metres with the front toward -Y, then
fitted to the catalog size (base centre at the origin). Doors and windows are
thin boxes standing slightly proud of the wall so they read from the camera.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh, slots
from .mesh import MeshData


def _box(x0, y0, z0, x1, y1, z1, slot: int) -> MeshData:
    """Axis-aligned box between two corners."""
    return mesh.box((abs(x1 - x0), abs(y1 - y0), abs(z1 - z0)),
                    ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2), slot)


def _roof(line, thickness: float, overhang: float, y0: float, y1: float, axis: str, slot: int) -> list[MeshData]:
    """A roof of slabs over a wall-top polyline ``line`` of (u, v) points, traced from one
    eave across the ridge to the other; mitred joints, eaves extended by ``overhang``;
    extruded between ``y0`` and ``y1`` along ``axis`` (see ``mesh.prism``)."""
    p = np.asarray(line, dtype=np.float64)
    d0 = (p[1] - p[0]) / np.linalg.norm(p[1] - p[0])
    d1 = (p[-1] - p[-2]) / np.linalg.norm(p[-1] - p[-2])
    p = p.copy()
    p[0] -= d0 * overhang
    p[-1] += d1 * overhang
    seg_d = np.diff(p, axis=0)
    seg_d /= np.linalg.norm(seg_d, axis=1, keepdims=True)
    normals = np.stack([-seg_d[:, 1], seg_d[:, 0]], axis=1)      # left of travel = up/outward
    off = np.zeros_like(p)
    off[0], off[-1] = normals[0] * thickness, normals[-1] * thickness
    for i in range(1, len(p) - 1):
        n1, n2 = normals[i - 1], normals[i]
        off[i] = thickness * (n1 + n2) / (1.0 + float(n1 @ n2))
    out = []
    for i in range(len(p) - 1):
        prof = [p[i], p[i + 1], p[i + 1] + off[i + 1], p[i] + off[i]]
        out.append(mesh.prism(prof, y0, y1, axis, slot))
    return out


def _panel(p0, p1, width: float, thickness: float, slot: int, outward) -> MeshData:
    """A thin panel (door, window) centred on the segment p0-p1 (its height direction),
    ``width`` across and ``thickness`` along ``outward``."""
    return mesh.beam(p0, p1, width, thickness, slot, up=outward)


def _window(x, z, w, h, y_face, sl, cross=True, outward=-1.0) -> list[MeshData]:
    """Framed window on a wall facing -Y (outward=-1) or +Y (outward=+1) at ``y_face``."""
    s = outward
    parts = [_box(x - w / 2 - 0.12, y_face, z - h / 2 - 0.12, x + w / 2 + 0.12, y_face + s * 0.05,
                  z + h / 2 + 0.12, sl["trim"]),
             _box(x - w / 2, y_face, z - h / 2, x + w / 2, y_face + s * 0.07, z + h / 2, sl["window"]),
             _box(x - w / 2 - 0.2, y_face, z - h / 2 - 0.2, x + w / 2 + 0.2, y_face + s * 0.12,
                  z - h / 2 - 0.1, sl["trim"])]
    if cross:
        parts += [_box(x - 0.04, y_face, z - h / 2, x + 0.04, y_face + s * 0.1, z + h / 2, sl["trim"]),
                  _box(x - w / 2, y_face, z - 0.04, x + w / 2, y_face + s * 0.1, z + 0.04, sl["trim"])]
    return parts


def _side_window(x_face, y, z, w, h, sl, outward=1.0) -> list[MeshData]:
    """Framed window on a wall facing +X (outward=+1) or -X (outward=-1) at ``x_face``."""
    s = outward
    return [_box(x_face, y - w / 2 - 0.12, z - h / 2 - 0.12, x_face + s * 0.05, y + w / 2 + 0.12,
                 z + h / 2 + 0.12, sl["trim"]),
            _box(x_face, y - w / 2, z - h / 2, x_face + s * 0.07, y + w / 2, z + h / 2, sl["window"]),
            _box(x_face, y - 0.04, z - h / 2, x_face + s * 0.1, y + 0.04, z + h / 2, sl["trim"])]


def _door(x, w, h, y_face, sl, door_slot="door", trim_slot="trim") -> list[MeshData]:
    return [_box(x - w / 2 - 0.12, y_face, 0.0, x + w / 2 + 0.12, y_face - 0.05, h + 0.12, sl[trim_slot]),
            _box(x - w / 2, y_face, 0.0, x + w / 2, y_face - 0.08, h, sl[door_slot]),
            _box(x + w / 2 - 0.22, y_face - 0.08, h * 0.48, x + w / 2 - 0.12, y_face - 0.13, h * 0.52,
                 sl[trim_slot])]


# ---- buildings ------------------------------------------------------------------------

@asset("house")
def house(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    parts = []
    if variant == 0:        # side gable (ridge along X), chimney
        w, d, h, ridge = 6.8, 5.8, 3.0, 5.75
        yf = -d / 2
        parts.append(mesh.prism([(-d / 2, 0), (d / 2, 0), (d / 2, h), (0, ridge), (-d / 2, h)],
                                -w / 2, w / 2, "x", sl["walls"]))
        parts += _roof([(-d / 2, h), (0, ridge), (d / 2, h)], 0.2, 0.5, -w / 2 - 0.45, w / 2 + 0.45, "x",
                       sl["roof"])
        parts += _door(0.0, 1.0, 2.1, yf, sl)
        for x in (-1.95, 1.95):
            parts += _window(x, 1.65, 1.1, 1.05, yf, sl)
        for sx in (-1, 1):
            parts += _side_window(sx * w / 2, 0.0, 1.65, 1.0, 1.0, sl, sx)
            parts.append(_box(sx * w / 2 - 0.12 * (sx > 0), yf - 0.04, 0.0, sx * w / 2 + 0.12 * (sx < 0) - 0.0,
                              yf + 0.12, h, sl["trim"]))
        # chimney on the back slope, poking above the ridge
        parts.append(_box(1.6, 0.35, 3.8, 2.3, 1.05, 6.35, sl["walls"]))
        parts.append(_box(1.5, 0.25, 6.35, 2.4, 1.15, 6.5, sl["trim"]))
        # front step
        parts.append(_box(-0.8, yf - 0.45, 0.0, 0.8, yf, 0.15, sl["trim"]))
    elif variant == 1:      # front gable (ridge along Y), gable window, porch roof
        w, d, h, ridge = 6.2, 6.0, 3.2, 6.3
        yf = -d / 2
        parts.append(mesh.prism([(-w / 2, 0), (w / 2, 0), (w / 2, h), (0, ridge), (-w / 2, h)],
                                -d / 2, d / 2, "y", sl["walls"]))
        parts += _roof([(-w / 2, h), (0, ridge), (w / 2, h)], 0.22, 0.7, -d / 2 - 0.5, d / 2 + 0.3, "y",
                       sl["roof"])
        parts += _door(-1.4, 1.0, 2.2, yf, sl)
        parts += _window(1.2, 1.7, 1.6, 1.1, yf, sl)
        parts += _window(0.0, 4.35, 0.8, 0.8, yf, sl)
        for sx in (-1, 1):
            parts += _side_window(sx * w / 2, 0.3, 1.7, 1.1, 1.0, sl, sx)
        # gable trim along the roof's front edge underside
        parts.append(_box(-w / 2, yf - 0.06, h - 0.1, w / 2, yf + 0.0, h + 0.05, sl["trim"]))
        for sx in (-1, 1):
            parts.append(_box(sx * w / 2 - 0.08, yf - 0.08, 0.0, sx * w / 2 + 0.08, yf + 0.08, h, sl["trim"]))
        # small porch canopy over the door
        parts.append(mesh.prism([(-2.15, 2.55), (-0.65, 2.55), (-0.65, 2.7), (-2.15, 2.7)], yf - 0.9, yf,
                                "y", sl["roof"]))
        for x in (-2.05, -0.75):
            parts.append(_box(x - 0.06, yf - 0.86, 0.0, x + 0.06, yf - 0.74, 2.55, sl["trim"]))
    else:                   # two storeys, hipped roof, chimney
        w, d, h, top = 6.6, 5.4, 4.6, 6.2
        o = 0.45
        yf = -d / 2
        parts.append(_box(-w / 2, -d / 2, 0, w / 2, d / 2, h, sl["walls"]))
        ww, dd = w / 2 + o, d / 2 + o
        ez = h - 0.25
        rl = ww - dd * 0.9
        v = [(-ww, -dd, ez), (ww, -dd, ez), (ww, dd, ez), (-ww, dd, ez), (-rl, 0, top), (rl, 0, top)]
        f = [(3, 2, 1, 0), (0, 1, 5, 4), (2, 3, 4, 5), (1, 2, 5), (3, 0, 4)]
        parts.append(mesh.orient_outward(mesh.from_polys(v, f, sl["roof"])))
        parts.append(_box(-ww, -dd, ez - 0.15, ww, dd, ez, sl["trim"]))
        parts += _door(0.0, 1.05, 2.2, yf, sl)
        parts.append(mesh.prism([(-0.85, 2.45), (0.85, 2.45), (0.0, 2.95)], yf - 0.5, yf, "y", sl["roof"]))
        for x in (-2.0, 2.0):
            parts += _window(x, 1.5, 1.0, 1.1, yf, sl)
        for x in (-2.0, 0.0, 2.0):
            parts += _window(x, 3.5, 0.9, 1.0, yf, sl)
        for sx in (-1, 1):
            parts += _side_window(sx * w / 2, 0.0, 1.5, 1.0, 1.0, sl, sx)
            parts += _side_window(sx * w / 2, 0.0, 3.5, 1.0, 1.0, sl, sx)
        parts.append(_box(-w / 2, yf - 0.06, 2.55, w / 2, yf, 2.7, sl["trim"]))
        parts.append(_box(-2.4, 0.6, 4.5, -1.75, 1.25, 6.5, sl["walls"]))
        parts.append(_box(-2.5, 0.5, 6.35, -1.65, 1.35, 6.5, sl["trim"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("barn")
def barn(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    w, d = 9.0, 7.2
    h1, x2, h2, h3 = 3.8, 2.9, 5.9, 7.2
    yf = -d / 2
    prof = [(-w / 2, 0), (w / 2, 0), (w / 2, h1), (x2, h2), (0, h3), (-x2, h2), (-w / 2, h1)]
    parts = [mesh.prism(prof, -d / 2, d / 2, "y", sl["walls"])]
    parts += _roof([(-w / 2, h1), (-x2, h2), (0, h3), (x2, h2), (w / 2, h1)], 0.25, 0.45, -d / 2 - 0.4,
                   d / 2 + 0.4, "y", sl["roof"])
    # big double door with white frame and X braces
    dw, dh = 3.4, 3.3
    parts.append(_box(-dw / 2, yf, 0.0, dw / 2, yf - 0.06, dh, sl["door"]))
    t = 0.18
    for x0, x1, z0, z1 in ((-dw / 2 - t, -dw / 2, 0, dh + t), (dw / 2, dw / 2 + t, 0, dh + t),
                           (-dw / 2 - t, dw / 2 + t, dh, dh + t), (-0.06, 0.06, 0, dh)):
        parts.append(_box(x0, yf, z0, x1, yf - 0.14, z1, sl["trim"]))
    for x0, x1 in ((-dw / 2, 0.0), (0.0, dw / 2)):
        parts.append(mesh.beam((x0 + 0.1, yf - 0.11, 0.15), (x1 - 0.1, yf - 0.11, dh - 0.15), 0.14, 0.06,
                               sl["trim"], up=(0, -1, 0)))
        parts.append(mesh.beam((x1 - 0.1, yf - 0.11, 0.15), (x0 + 0.1, yf - 0.11, dh - 0.15), 0.14, 0.06,
                               sl["trim"], up=(0, -1, 0)))
    # hayloft door
    parts.append(_box(-0.75, yf, 4.3, 0.75, yf - 0.06, 5.7, sl["door"]))
    for x0, x1, z0, z1 in ((-0.9, -0.75, 4.3, 5.85), (0.75, 0.9, 4.3, 5.85), (-0.9, 0.9, 5.7, 5.85),
                           (-0.9, 0.9, 4.15, 4.3)):
        parts.append(_box(x0, yf, z0, x1, yf - 0.12, z1, sl["trim"]))
    # corner boards and a band under the gable
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(_box(sx * w / 2 - 0.1, sy * d / 2 - 0.1, 0, sx * w / 2 + 0.1, sy * d / 2 + 0.1, h1,
                              sl["trim"]))
    parts.append(_box(-w / 2, yf - 0.1, h1 - 0.18, w / 2, yf, h1, sl["trim"]))
    # side windows
    for sx in (-1, 1):
        for y in (-1.6, 1.6):
            parts.append(_box(sx * w / 2, y - 0.6, 1.8, sx * (w / 2 + 0.08), y + 0.6, 2.8, sl["trim"]))
            parts.append(_box(sx * w / 2, y - 0.45, 1.95, sx * (w / 2 + 0.1), y + 0.45, 2.65, sl["door"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


def _ring_of_boxes(n, radius, size, z0, slot, phase=0.0) -> list[MeshData]:
    out = []
    for k in range(n):
        a = phase + 2 * np.pi * k / n
        b = mesh.box(size, (0, 0, z0 + size[2] / 2), slot)
        out.append(mesh.transformed(b, rot_z=a + np.pi / 2, offset=(radius * np.cos(a), radius * np.sin(a), 0)))
    return out


def _front_slit(z, w, h, r, slot, depth=0.12) -> MeshData:
    """A window on the -Y side of a round tower of radius ``r`` (slightly proud)."""
    return _box(-w / 2, -r - depth + 0.08, z - h / 2, w / 2, -r + 0.3, z + h / 2, slot)


@asset("tower")
def tower(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    seg = 16
    ph = np.pi / seg
    parts = []
    if variant == 0:        # castle tower: corbelled, crenellated top, flag
        r, top = 1.65, 11.2
        parts.append(mesh.lathe([(r + 0.12, 0), (r, 0.8), (r, top), (r + 0.35, top + 0.5), (r + 0.35, 12.3),
                                 (r + 0.05, 12.3), (r + 0.05, 12.1), (0, 12.1)], seg, sl["walls"], phase=ph))
        parts.append(mesh.cylinder(r + 0.02, 0.04, seg, 12.1, sl["roof"]))
        parts += _ring_of_boxes(8, r + 0.2, (0.55, 0.3, 0.75), 12.3, sl["walls"], phase=np.pi / 8)
        # flagpole and pennant
        parts.append(mesh.cylinder(0.05, 1.75, 6, 12.1, sl["walls"]))
        parts.append(mesh.prism([(0.05, 13.85), (0.9, 13.6), (0.05, 13.3)], -0.02, 0.02, "y", sl["roof"]))
        for z in (4.0, 7.0, 9.8):
            parts.append(_front_slit(z, 0.28, 1.0, r, sl["window"]))
        # door: a dark wooden arch-ish block
        parts.append(_box(-0.55, -r - 0.12, 0.0, 0.55, -r + 0.4, 2.1, sl["roof"]))
        parts.append(_box(-0.35, -r - 0.12, 2.1, 0.35, -r + 0.4, 2.3, sl["roof"]))
    else:                   # round tower with a tall conical roof
        r, top = 1.55, 9.0
        parts.append(mesh.lathe([(r + 0.1, 0), (r, 0.6), (r, top), (0, top)], seg, sl["walls"], phase=ph))
        parts.append(mesh.lathe([(0, top - 0.35), (r + 0.45, top - 0.35), (r + 0.35, top - 0.1), (0.62, H - 2.0),
                                 (0.0, H)], seg, sl["roof"], phase=ph))
        for z in (3.4, 6.2):
            parts.append(_front_slit(z, 0.55, 0.95, r, sl["window"]))
        for a in (0.0, np.pi):
            parts.append(mesh.transformed(_front_slit(7.7, 0.4, 0.7, r, sl["window"]), rot_z=a + np.pi / 2))
        parts.append(_box(-0.55, -r - 0.12, 0.0, 0.55, -r + 0.4, 2.1, sl["roof"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("lighthouse")
def lighthouse(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    seg = 16
    r0, r1, top = 1.75, 1.1, 11.0
    bands = 6
    parts = [mesh.cylinder(2.0, 0.5, seg, 0.0, sl["walls"])]
    for i in range(bands):
        za, zb = 0.5 + (top - 0.5) * i / bands, 0.5 + (top - 0.5) * (i + 1) / bands
        ra = r0 + (r1 - r0) * (za - 0.5) / (top - 0.5)
        rb = r0 + (r1 - r0) * (zb - 0.5) / (top - 0.5)
        parts.append(mesh.lathe([(ra, za), (rb, zb)], seg, sl["stripe"] if i % 2 else sl["walls"],
                                cap_start=False, cap_end=False))
    # gallery deck, railing
    parts.append(mesh.lathe([(0.0, top), (r1 + 0.1, top), (1.6, top + 0.25), (1.6, top + 0.4), (0, top + 0.4)],
                            seg, sl["roof"]))
    rail = [(1.5, top + 1.05), (1.6, top + 1.05), (1.6, top + 1.15), (1.5, top + 1.15)]
    parts.append(mesh.lathe(rail + rail[:1], seg, sl["roof"], cap_start=False, cap_end=False))
    parts += _ring_of_boxes(12, 1.55, (0.06, 0.06, 0.7), top + 0.4, sl["roof"])
    # lantern room: glowing glass, mullions, cap
    lz = top + 0.4
    parts.append(mesh.cylinder(0.9, 1.5, 8, lz, sl["lantern"], ))
    parts += _ring_of_boxes(8, 0.93, (0.08, 0.08, 1.5), lz, sl["roof"], phase=np.pi / 8)
    parts.append(mesh.lathe([(0, lz + 1.5), (1.15, lz + 1.5), (1.15, lz + 1.65), (0.25, lz + 2.7),
                             (0.0, lz + 2.75)], seg, sl["roof"]))
    parts.append(mesh.uv_sphere(0.2, 8, 5, (0, 0, lz + 2.9), sl["roof"]))
    parts.append(mesh.cylinder(0.04, H - (lz + 2.9), 6, lz + 2.9, sl["roof"]))
    # door and two small windows on the front, laid on the tapered wall
    slope = (r1 - r0) / (top - 0.5)

    def y_at(z):
        return -(r0 + slope * (z - 0.5)) - 0.03
    parts.append(_panel((0, y_at(0.5) + 0.02, 0.5), (0, y_at(2.6) + 0.02, 2.6), 1.0, 0.12, sl["roof"], (0, -1, 0)))
    for z in (5.0, 8.3):
        parts.append(_panel((0, y_at(z - 0.4), z - 0.4), (0, y_at(z + 0.4), z + 0.4), 0.5, 0.12, sl["roof"],
                            (0, -1, 0)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("windmill")
def windmill(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    seg = 8
    ph = np.pi / 8
    c8 = np.cos(np.pi / 8)
    r0, r1, top = 2.3, 1.4, 8.2
    parts = [mesh.lathe([(r0 + 0.15, 0), (r0 + 0.15, 0.5), (r0, 0.5), (r1, top), (0, top)], seg, sl["walls"],
                        phase=ph)]
    # cap: an overhanging rounded roof
    parts.append(mesh.lathe([(0, top - 0.1), (r1 + 0.35, top - 0.1), (r1 + 0.3, top + 0.6), (1.2, top + 1.6),
                             (0.6, top + 2.3), (0.0, top + 2.5)], 12, sl["roof"], phase=np.pi / 12))
    # axle and hub on the front
    hub_z = top + 0.7
    hub_y = -(r1 + 0.8)
    parts.append(mesh.tube([(0, -0.5, hub_z), (0, hub_y, hub_z)], 0.18, 8, sl["door"]))
    parts.append(mesh.tube([(0, hub_y + 0.05, hub_z), (0, hub_y - 0.2, hub_z)], 0.35, 8, sl["door"]))
    L = 3.95
    sy = hub_y - 0.1
    for k in range(4):
        a = np.pi / 4 + k * np.pi / 2
        d = np.array([np.cos(a), 0.0, np.sin(a)])
        s = np.array([-np.sin(a), 0.0, np.cos(a)])          # sail side (trailing edge)
        c = np.array([0.0, sy, hub_z])
        parts.append(mesh.beam(c, c + d * L, 0.16, 0.12, sl["door"], up=(0, -1, 0)))
        # sail cloth on one side of the spar, and lattice bars across it
        p0, p1 = c + d * 0.9 + s * 0.42, c + d * (L - 0.05) + s * 0.42
        parts.append(mesh.beam(p0 + (0, 0.05, 0), p1 + (0, 0.05, 0), 0.72, 0.04, sl["sails"], up=(0, -1, 0)))
        for t in np.linspace(0.95, L - 0.1, 4):
            q = c + d * t
            parts.append(mesh.beam(q - s * 0.05 + (0, -0.02, 0), q + s * 0.8 + (0, -0.02, 0), 0.05, 0.04,
                                   sl["door"], up=(0, -1, 0)))
        parts.append(mesh.beam(c + d * 0.9 + s * 0.8 + (0, -0.02, 0), c + d * (L - 0.05) + s * 0.8 + (0, -0.02, 0),
                               0.05, 0.04, sl["door"], up=(0, -1, 0)))
    # door and windows on the front face of the octagonal body
    slope = (r1 - r0) / (top - 0.5) * c8

    def y_at(z):
        return -(r0 * c8 + slope * (z - 0.5)) - 0.03
    parts.append(_panel((0, y_at(0.5), 0.5), (0, y_at(2.7), 2.7), 1.1, 0.12, sl["door"], (0, -1, 0)))
    parts.append(_panel((0, y_at(4.2), 4.2), (0, y_at(5.0), 5.0), 0.6, 0.12, sl["door"], (0, -1, 0)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("tent")
def tent(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    parts = []
    if variant == 0:        # ridge tent with an open front door and guy ropes
        hw, hd, rz = 1.45, 1.4, 1.8
        v = [(-hw, -hd, 0), (hw, -hd, 0), (0, -hd, rz), (-hw, hd, 0), (hw, hd, 0), (0, hd, rz),
             (-0.5, -hd, 0), (0.5, -hd, 0), (-0.95, -hd - 0.55, 0.02), (0.95, -hd - 0.55, 0.02)]
        f = [(1, 4, 5, 2), (3, 0, 2, 5), (4, 3, 5),          # roof sides and back
             (0, 6, 2), (7, 1, 2),                           # front panels, door opening between 6-7
             (6, 8, 2), (9, 7, 2),                           # door flaps tied back
             (0, 3, 4, 1)]                                   # ground sheet (faces down; seen from inside)
        m = mesh.from_polys(v, f, sl["body"])
        parts.append(m)
        parts.append(mesh.from_polys([(-hw + 0.05, -hd, 0.01), (hw - 0.05, -hd, 0.01), (hw - 0.05, hd, 0.01),
                                      (-hw + 0.05, hd, 0.01)], [(0, 1, 2, 3)], sl["body"]))
        for y in (-hd - 0.03, hd + 0.03):
            parts.append(mesh.cylinder(0.035, H, 6, 0.0, sl["pole"]))
            parts[-1] = mesh.transformed(parts[-1], offset=(0, y, 0))
            sgn = np.sign(y)
            parts.append(mesh.beam((0, y, H - 0.1), (0, sgn * D / 2, 0.0), 0.02, 0.02, sl["pole"], up=(1, 0, 0)))
    else:                   # teepee: a cone with crossing poles and a door slit
        n, r, apex = 9, 1.45, 1.75
        a = -np.pi / 2 - np.pi / n + 2 * np.pi * np.arange(n) / n     # face 0 centred on -Y
        base = [np.array([r * np.cos(t), r * np.sin(t), 0.0]) for t in a]
        top = np.array([0.0, 0.0, apex])
        v = [tuple(b) for b in base] + [tuple(top)]
        ai = n
        f = [(i, (i + 1) % n, ai) for i in range(1, n)]
        b0, b1 = base[0], base[1]
        m0, m1 = b0 + 0.5 * (top - b0), b1 + 0.5 * (top - b1)
        dl, dr = b0 + 0.25 * (b1 - b0), b0 + 0.75 * (b1 - b0)
        dt = (m0 + m1) / 2
        extra = [m0, m1, dl, dr, dt]
        k = len(v)
        v += [tuple(p) for p in extra]
        M0, M1, DL, DR, DT = range(k, k + 5)
        f += [(0, DL, DT, M0), (DR, 1, M1, DT), (M0, DT, ai), (DT, M1, ai)]
        parts.append(mesh.from_polys(v, f, sl["body"]))
        parts.append(mesh.cylinder(r * 0.97, 0.01, n, 0.0, sl["body"], caps=True))
        for i in range(0, n, 2):
            b = base[i] * 0.98
            tip = b + (top - b) * (H / apex)
            parts.append(mesh.beam(b, tip, 0.06, 0.06, sl["pole"], up=(0, 0, 1)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("well")
def well(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    ri, ro, hw = 0.62, 0.85, 0.8
    prof = [(ri, 0.0), (ro, 0.0), (ro, hw), (ro + 0.05, hw), (ro + 0.05, hw + 0.12), (ri - 0.03, hw + 0.12),
            (ri - 0.03, hw), (ri, hw)]
    parts = [mesh.lathe(prof + prof[:1], 14, sl["walls"], cap_start=False, cap_end=False)]
    # stone courses: slightly bumped blocks around the ring
    for row, z in enumerate((0.18, 0.48)):
        parts += _ring_of_boxes(10, ro + 0.01, (0.42, 0.08, 0.22), z, sl["walls"], phase=(row * np.pi / 10))
    parts.append(mesh.cylinder(ri, 0.02, 14, 0.55, sl["water"]))
    # posts, crossbar (windlass), rope, bucket
    px = 0.86
    for sx in (-1, 1):
        parts.append(_box(sx * px - 0.07, -0.07, 0.0, sx * px + 0.07, 0.07, 1.95, sl["roof"]))
    parts.append(mesh.tube([(-px, 0, 1.45), (px, 0, 1.45)], 0.06, 8, sl["roof"]))
    parts.append(_box(-0.012, -0.012, 1.0, 0.012, 0.012, 1.42, sl["roof"]))
    parts.append(mesh.cylinder(0.11, 0.2, 8, 0.82, sl["walls"], radius_top=0.13))
    # little gable roof facing the front, resting on the posts
    parts += _roof([(-0.8, 1.9), (0.0, H - 0.12), (0.8, 1.9)], 0.08, 0.18, -0.62, 0.62, "y", sl["roof"])
    parts.append(_box(-0.95, -0.1, 1.88, 0.95, 0.1, 1.98, sl["roof"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("fence")
def fence(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    parts = []
    n = 15
    pw = 0.09
    for k in range(n):
        x = -W / 2 + pw / 2 + (W - pw) * k / (n - 1)
        post = k % 7 == 0
        w = 0.11 if post else pw
        ht = H if post else H - 0.06
        prof = [(x - w / 2, 0), (x + w / 2, 0), (x + w / 2, ht - 0.08), (x, ht), (x - w / 2, ht - 0.08)]
        parts.append(mesh.prism(prof, -D / 2, D / 2 - 0.04, "y", sl["body"]))
    for z in (0.28, 0.72):
        parts.append(_box(-W / 2 + 0.02, D / 2 - 0.04, z, W / 2 - 0.02, D / 2, z + 0.09, sl["body"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("wall")
def wall(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    rng = np.random.default_rng(4242 + variant)
    body_d = D - 0.09
    parts = [_box(-W / 2, -D / 2 + 0.02, 0, W / 2, D / 2 - 0.02, 0.28, sl["body"]),
             _box(-W / 2 + 0.02, -body_d / 2, 0.28, W / 2 - 0.02, body_d / 2, H - 0.16, sl["body"]),
             _box(-W / 2, -D / 2, H - 0.16, W / 2, D / 2, H, sl["body"])]
    # stone blocks standing slightly proud on both faces, staggered rows
    rows = 5
    z0, z1 = 0.3, H - 0.18
    rh = (z1 - z0) / rows
    for sy in (-1, 1):
        for r in range(rows):
            x = -W / 2 + 0.04 + (0.45 if r % 2 else 0.0)
            first = True
            while x < W / 2 - 0.1:
                blen = 0.45 if first and r % 2 else rng.uniform(0.75, 1.05)
                first = False
                xe = min(x + blen, W / 2 - 0.04)
                if xe - x > 0.15:
                    ya = sy * body_d / 2
                    parts.append(_box(x, ya - sy * 0.01, z0 + r * rh + 0.025, xe, ya + sy * 0.025,
                                      z0 + (r + 1) * rh - 0.025, sl["body"]))
                x = xe + 0.05
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("bridge")
def bridge(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    hw = W / 2
    deck_top = (spec.top or 0.55) * H
    dy = D / 2 - 0.18
    xs = np.linspace(-hw, hw, 25)

    def z_top(x):
        return 0.35 + (deck_top - 0.35) * np.cos(np.pi * x / W)
    span = 3.3

    def z_bot(x):
        return 0.0 if abs(x) >= span else 0.92 * np.sqrt(1 - (x / span) ** 2)
    rings = [np.array([(x, -dy, z_bot(x)), (x, dy, z_bot(x)), (x, dy, z_top(x)), (x, -dy, z_top(x))])
             for x in xs]
    parts = [mesh.orient_outward(mesh.loft_rings(rings, True, True, sl["deck"]))]
    # keystone-ish arch ring on both faces
    ax = np.linspace(-span, span, 13)
    for sy in (-1, 1):
        for a, b in zip(ax[:-1], ax[1:]):
            pa, pb = (a, sy * (dy + 0.03), z_bot(a) + 0.0), (b, sy * (dy + 0.03), z_bot(b) + 0.0)
            parts.append(mesh.beam(pa, pb, 0.08, 0.22, sl["rail"], up=(-(z_bot(b) - z_bot(a)), 0, b - a)))
    # railings: posts following the deck and two rails between them
    post_x = np.linspace(-hw + 0.15, hw - 0.15, 9)
    rail_h = H - deck_top
    for sy in (-1, 1):
        y = sy * (D / 2 - 0.08)
        tops = []
        for x in post_x:
            zt = z_top(x)
            parts.append(_box(x - 0.07, y - 0.07, zt - 0.05, x + 0.07, y + 0.07, zt + rail_h - 0.02, sl["rail"]))
            tops.append((x, y, zt))
        for (xa, _, za), (xb, _, zb) in zip(tops[:-1], tops[1:]):
            for hgt, th in ((rail_h - 0.08, 0.1), (rail_h * 0.5, 0.08)):
                parts.append(mesh.beam((xa, y, za + hgt), (xb, y, zb + hgt), 0.1, th, sl["rail"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)
