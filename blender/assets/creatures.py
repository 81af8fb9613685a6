"""Creatures: facing -Y, standing on z = 0.

Pure numpy (no bpy); shapes are designed in metres near the catalog size and
fitted exactly with ``mesh.fit_size``.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh, slots
from .mesh import MeshData


def _chain(points, r0, r1, slot, seg=6):
    """Rods along a polyline, radius tapering from r0 to r1, with ball joints."""
    pts = [np.asarray(p, dtype=np.float64) for p in points]
    n = len(pts) - 1
    parts = []
    for k in range(n):
        ra = r0 + (r1 - r0) * k / n
        rb = r0 + (r1 - r0) * (k + 1) / n
        parts.append(mesh.rod(pts[k], pts[k + 1], ra, slot, seg, radius_top=rb))
        if 0 < k:
            parts.append(mesh.uv_sphere(ra, seg, 4, pts[k], slot))
    return parts


def _spots(center, radii, power, slot, patches, seg=6):
    """Slightly proud patches that hug a superball's surface.

    Each patch is a small (theta, phi) grid evaluated a little outside the surface in
    the middle and a little inside at its rim, closed by an inner layer."""
    c = np.asarray(center, dtype=np.float64)
    rad = np.asarray(radii, dtype=np.float64)

    def surf(th, ph, grow):
        d = np.array([np.cos(ph) * np.cos(th), np.cos(ph) * np.sin(th), np.sin(ph)])
        p = np.sign(d) * np.abs(d) ** power
        return c + p * (rad + grow)

    parts = []
    for th0, ph0, dth, dph in patches:
        n = seg
        us = np.linspace(-1, 1, n)
        verts, polys = [], []
        for layer in (0, 1):
            for i in range(n):
                for j in range(n):
                    u, v = us[i], us[j]
                    rr = min(1.0, float(np.hypot(u, v)))
                    grow = (0.012 * (1 - rr ** 2) - 0.006) if layer == 0 else -0.03
                    # round the patch: squeeze the grid corners toward a disc
                    su, sv = np.sqrt(1 - 0.5 * v * v), np.sqrt(1 - 0.5 * u * u)
                    verts.append(surf(th0 + dth * u * su, ph0 + dph * v * sv, grow))
        idx = lambda layer, i, j: layer * n * n + i * n + j  # noqa: E731
        for i in range(n - 1):
            for j in range(n - 1):
                polys.append((idx(0, i, j), idx(0, i + 1, j), idx(0, i + 1, j + 1), idx(0, i, j + 1)))
                polys.append((idx(1, i, j), idx(1, i, j + 1), idx(1, i + 1, j + 1), idx(1, i + 1, j)))
        rim = [(i, 0) for i in range(n - 1)] + [(n - 1, j) for j in range(n - 1)] + \
              [(i, n - 1) for i in range(n - 1, 0, -1)] + [(0, j) for j in range(n - 1, 0, -1)]
        for a, b in zip(rim, rim[1:] + rim[:1]):
            polys.append((idx(0, *b), idx(0, *a), idx(1, *a), idx(1, *b)))
        parts.append(mesh.orient_outward(mesh.from_polys(np.asarray(verts), polys, slot)))
    return parts


# ---------------------------------------------------------------------------

@asset("person")
def person(spec, variant):
    S = slots(spec)
    body, skin, legs, hair = S["body"], S["skin"], S["legs"], S["hair"]
    v = variant % 3
    h = spec.height
    # proportions per variant: (shoulder half-width, hip half-width, torso depth, head radius)
    sh, hip, tdep, hr = [(0.175, 0.14, 0.11, 0.105), (0.155, 0.145, 0.1, 0.1), (0.19, 0.16, 0.125, 0.108)][v]
    hip_z, sh_z = 0.86, 1.43
    parts = []
    # legs and shoes
    for sx in (-1, 1):
        x = sx * (hip - 0.065)
        parts.append(mesh.rod((x, 0.0, 0.07), (x, 0.0, hip_z + 0.04), 0.06, legs, 8, radius_top=0.075))
        parts.append(mesh.uv_sphere((0.055, 0.12, 0.04), 8, 6, (x, -0.035, 0.04), hair, power=0.6))
    # torso (shirt), a skirt for variant 1
    tors = mesh.cylinder(1.0, sh_z - hip_z + 0.04, 12, 0.0, body, radius_top=1.0)
    tv = tors.verts.astype(np.float64)
    t = tv[:, 2] / (sh_z - hip_z + 0.04)
    tv[:, 0] *= hip + (sh - hip) * t
    tv[:, 1] *= tdep * (1.0 + 0.1 * t)
    tv[:, 2] += hip_z - 0.02
    parts.append(MeshData(tv.astype(np.float32), tors.loop_verts, tors.loop_start, tors.loop_total, tors.face_slot))
    parts.append(mesh.uv_sphere((sh, tdep * 1.05, 0.06), 12, 6, (0, 0.0, sh_z - 0.01), body, power=0.6))
    if v == 1:
        skirt = mesh.cylinder(0.23, hip_z + 0.06 - 0.5, 14, 0.0, body, radius_top=0.15)
        parts.append(mesh.transformed(skirt, (1.0, 0.7, 1.0), offset=(0, 0, 0.5)))
    else:
        pelvis = mesh.cylinder(1.0, 0.16, 12, 0.0, legs)
        parts.append(mesh.transformed(pelvis, (hip, tdep * 0.98, 1.0), offset=(0, 0, hip_z - 0.1)))
    # neck and head
    parts.append(mesh.rod((0, 0, sh_z - 0.02), (0, 0, sh_z + 0.1), 0.045, skin, 8))
    hz = sh_z + 0.1 + hr * 0.95
    parts.append(mesh.uv_sphere((hr * 0.9, hr, hr * 1.05), 14, 9, (0, 0, hz), skin))
    parts.append(mesh.uv_sphere((0.016, 0.02, 0.022), 6, 4, (0, -hr * 0.97, hz - 0.01), skin))   # nose
    for sx in (-1, 1):
        parts.append(mesh.uv_sphere(0.014, 6, 4, (sx * hr * 0.35, -hr * 0.88, hz + 0.02), hair))  # eyes
        parts.append(mesh.uv_sphere((0.015, 0.025, 0.03), 6, 4, (sx * hr * 0.9, 0.0, hz), skin))  # ears
    # hair
    if v == 0:     # short hair
        parts.append(mesh.uv_sphere((hr * 0.95, hr * 1.04, hr * 1.0), 14, 9, (0, 0.012, hz + 0.025), hair))
    elif v == 1:   # long hair falling to the shoulders
        parts.append(mesh.uv_sphere((hr * 0.98, hr * 1.06, hr * 1.04), 14, 9, (0, 0.015, hz + 0.02), hair))
        parts.append(mesh.uv_sphere((hr * 0.95, hr * 0.6, 0.14), 10, 6, (0, 0.05, hz - 0.12), hair, power=0.7))
    else:          # a cap with a peak
        parts.append(mesh.uv_sphere((hr * 0.96, hr * 1.03, hr * 0.95), 14, 9, (0, 0.01, hz + 0.03), hair))
        parts.append(mesh.box((hr * 1.5, hr * 1.0, 0.015), (0, -hr * 0.95, hz + 0.05), hair, rot=(0.15, 0, 0)))
    # arms: sleeves then skin, hands
    for sx in (-1, 1):
        shd = np.array([sx * (sh - 0.02), 0.0, sh_z - 0.03])
        elb = np.array([sx * (sh + 0.025), 0.02, sh_z - 0.31])
        wri = np.array([sx * (sh + 0.03), -0.02, sh_z - 0.57])
        parts.append(mesh.uv_sphere(0.052, 8, 5, shd, body))
        parts.append(mesh.rod(shd, elb, 0.05, body, 8, radius_top=0.045))
        parts.append(mesh.rod(elb, wri, 0.04, skin if v != 2 else body, 8, radius_top=0.034))
        parts.append(mesh.uv_sphere((0.03, 0.04, 0.055), 8, 5, wri + [0, 0, -0.045], skin))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=True)


def _quadruped(spec, variant, *, cat: bool):
    S = slots(spec)
    body, nose = S["body"], S["nose"]
    w, d, h = spec.size
    parts = []
    if cat:
        bz, brad = 0.15, (0.085, 0.165, 0.07)
        head = (0.0, -0.2, 0.225)
        head_r = (0.068, 0.06, 0.056)
        leg_r = 0.02
        legs_y = (-0.11, 0.1)
    else:
        bz, brad = 0.4, (0.15, 0.28, 0.13)
        head = (0.0, -0.33, 0.53)
        head_r = (0.09, 0.1, 0.09)
        leg_r = 0.038
        legs_y = (-0.17, 0.19)
    parts.append(mesh.uv_sphere(brad, 14, 9, (0, 0.02, bz), body))
    # chest bulge and neck
    parts.append(mesh.uv_sphere((brad[0] * 0.95, brad[1] * 0.45, brad[2] * 1.05), 12, 8,
                                (0, legs_y[0] - 0.02, bz + 0.02), body))
    parts.append(mesh.rod((0, legs_y[0], bz + 0.02), head, brad[0] * 0.6, body, 8))
    parts.append(mesh.uv_sphere(head_r, 12, 8, head, body))
    hx, hy, hz = head
    # legs with paws
    for y in legs_y:
        for sx in (-1, 1):
            x = sx * brad[0] * 0.55
            parts.append(mesh.rod((x, y, 0.0), (x, y, bz), leg_r, body, 8, radius_top=leg_r * 1.25))
            parts.append(mesh.uv_sphere((leg_r * 1.1, leg_r * 1.6, leg_r * 0.7), 8, 4,
                                        (x, y - leg_r * 0.6, leg_r * 0.7), body))
    # snout and nose
    if cat:
        parts.append(mesh.uv_sphere((0.035, 0.025, 0.025), 8, 5, (0, hy - 0.045, hz - 0.015), body))
        parts.append(mesh.uv_sphere((0.01, 0.006, 0.007), 6, 4, (0, hy - 0.07, hz - 0.005), nose))
        for sx in (-1, 1):   # whiskers
            for dz in (-0.012, 0.0, 0.012):
                parts.append(mesh.rod((sx * 0.02, hy - 0.06, hz - 0.015), (sx * 0.11, hy - 0.05, hz - 0.015 + dz * 2.5),
                                      0.0015, body, 3))
    else:
        parts.append(mesh.uv_sphere((0.05, 0.075, 0.045), 10, 6, (0, hy - 0.1, hz - 0.03), body, power=0.8))
        parts.append(mesh.uv_sphere((0.022, 0.014, 0.018), 8, 5, (0, hy - 0.175, hz - 0.01), nose))
    for sx in (-1, 1):   # eyes (nose material)
        ex = sx * head_r[0] * 0.5
        parts.append(mesh.uv_sphere(head_r[0] * 0.13, 6, 4, (ex, hy - head_r[1] * 0.86, hz + head_r[2] * 0.3), nose))
    # ears
    v = variant % 2
    for sx in (-1, 1):
        if cat:
            base = np.array([sx * 0.035, hy + 0.005, hz + 0.035])
            tip = base + [sx * 0.012, 0.0, 0.055 if v == 0 else 0.045]
            parts.append(mesh.rod(base, tip, 0.02, body, 4, radius_top=0.0))
        elif v == 0:    # floppy ears hanging beside the head
            parts.append(mesh.transformed(mesh.uv_sphere((0.018, 0.045, 0.075), 8, 5, (0, 0, 0), body),
                                          rot_y=sx * 0.25, offset=(sx * 0.09, hy + 0.01, hz - 0.02)))
        else:           # pointed, upright ears
            base = np.array([sx * 0.05, hy + 0.02, hz + 0.05])
            parts.append(mesh.rod(base, base + [sx * 0.025, 0.0, 0.085], 0.035, body, 4, radius_top=0.0))
    # tail
    ty = 0.02 + brad[1] * 0.95
    if cat:
        if v == 0:   # raised, curling at the tip
            pts = [(0, ty, bz + 0.02), (0, ty + 0.05, bz + 0.05), (0, ty + 0.07, bz + 0.11),
                   (0, ty + 0.065, bz + 0.15), (0, ty + 0.035, bz + 0.165)]
        else:        # low and curving to the side
            pts = [(0, ty, bz), (0.02, ty + 0.06, bz - 0.06), (0.05, ty + 0.08, bz - 0.12),
                   (0.08, ty + 0.06, bz - 0.155), (0.1, ty + 0.01, bz - 0.16)]
        parts += _chain(pts, 0.014, 0.011, body)
    else:
        if v == 0:   # wagging up
            pts = [(0, ty, bz + 0.06), (0, ty + 0.08, bz + 0.14), (0, ty + 0.1, bz + 0.24)]
            parts += _chain(pts, 0.025, 0.012, body)
        else:        # bushy, held low
            pts = [(0, ty - 0.02, bz + 0.04), (0, ty + 0.07, bz - 0.02), (0, ty + 0.1, bz - 0.12)]
            parts += _chain(pts, 0.03, 0.03, body)
            parts.append(mesh.uv_sphere((0.035, 0.035, 0.06), 8, 5, (0, ty + 0.1, bz - 0.14), body))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=True)


@asset("dog")
def dog(spec, variant):
    return _quadruped(spec, variant, cat=False)


@asset("cat")
def cat(spec, variant):
    return _quadruped(spec, variant, cat=True)


@asset("bird")
def bird(spec, variant):
    S = slots(spec)
    body, beak = S["body"], S["beak"]
    parts = []
    bz = 0.09
    parts.append(mesh.transformed(mesh.uv_sphere((0.062, 0.085, 0.055), 12, 8, (0, 0, 0), body), rot_x=-0.35,
                                  offset=(0, 0.01, bz)))
    head = (0.0, -0.065, bz + 0.06)
    parts.append(mesh.uv_sphere(0.042, 12, 8, head, body))
    parts.append(mesh.rod((0, head[1] - 0.03, head[2] - 0.005), (0, head[1] - 0.085, head[2] - 0.012), 0.013, beak, 6,
                          radius_top=0.0))
    for sx in (-1, 1):   # eyes (beak material keeps them visible)
        parts.append(mesh.uv_sphere(0.006, 6, 4, (sx * 0.031, head[1] - 0.022, head[2] + 0.01), beak))
        # wings folded along the body, tips out a little
        wing = mesh.uv_sphere((0.014, 0.075, 0.04), 8, 6, (0, 0, 0), body)
        parts.append(mesh.transformed(wing, rot_x=-0.3, rot_y=sx * 0.2, rot_z=sx * 0.12,
                                      offset=(sx * 0.064, 0.03, bz + 0.018)))
    # tail fan
    tp = mesh.from_polys([(0, -0.03, 0), (0.035, 0.06, 0), (-0.035, 0.06, 0),
                          (0, -0.03, 0.008), (0.035, 0.06, 0.008), (-0.035, 0.06, 0.008)],
                         [(0, 2, 1), (3, 4, 5), (0, 1, 4, 3), (1, 2, 5, 4), (2, 0, 3, 5)], body)
    parts.append(mesh.transformed(tp, rot_x=0.15, offset=(0, 0.1, bz + 0.015)))
    # legs and feet
    for sx in (-1, 1):
        x = sx * 0.018
        parts.append(mesh.rod((x, 0.01, 0.0), (x, 0.01, bz - 0.03), 0.004, beak, 4))
        for a in (-0.5, 0.0, 0.5):
            parts.append(mesh.rod((x, 0.01, 0.003), (x + 0.02 * np.sin(a), 0.01 - 0.025 * np.cos(a), 0.003), 0.003,
                                  beak, 3))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=True)


@asset("cow")
def cow(spec, variant):
    S = slots(spec)
    body, spots, horns = S["body"], S["spots"], S["horns"]
    parts = []
    bc, br, bp = (0.0, 0.15, 0.98), (0.4, 0.78, 0.33), 0.7
    parts.append(mesh.uv_sphere(br, 16, 10, bc, body, power=bp))
    # legs and hooves
    for y in (-0.42, 0.72):
        for sx in (-1, 1):
            x = sx * 0.25
            parts.append(mesh.rod((x, y, 0.08), (x, y, 0.85), 0.075, body, 8, radius_top=0.1))
            parts.append(mesh.rod((x, y, 0.0), (x, y, 0.1), 0.085, spots, 8, radius_top=0.075))
    # neck and head (toward -Y)
    head = np.array([0.0, -0.88, 1.22])
    parts.append(mesh.rod((0, -0.45, 1.02), head + [0, 0.1, -0.02], 0.2, body, 10, radius_top=0.16))
    parts.append(mesh.uv_sphere((0.16, 0.2, 0.17), 12, 8, tuple(head), body, power=0.7))
    parts.append(mesh.uv_sphere((0.14, 0.1, 0.1), 10, 6, tuple(head + [0, -0.2, -0.1]), horns, power=0.7))  # muzzle
    for sx in (-1, 1):
        parts.append(mesh.uv_sphere(0.022, 6, 4, head + [sx * 0.05, -0.29, -0.08], spots))          # nostrils
        parts.append(mesh.uv_sphere(0.028, 6, 4, head + [sx * 0.13, -0.13, 0.06], spots))           # eyes
        parts.append(mesh.transformed(mesh.uv_sphere((0.1, 0.04, 0.05), 8, 5, (0, 0, 0), body), rot_z=sx * 0.3,
                                      offset=tuple(head + [sx * 0.24, 0.06, 0.06])))      # ears
        hb = head + [sx * 0.1, 0.05, 0.15]
        parts += _chain([hb, hb + [sx * 0.12, 0.0, 0.05], hb + [sx * 0.18, -0.03, 0.14]], 0.035, 0.012, horns)
    # spots: (theta, phi, half-size theta, half-size phi) on the body superball
    pts = [(np.pi * 0.1, 0.3, 0.3, 0.35), (-np.pi * 0.5 + 0.2, 0.4, 0.22, 0.3),
           (np.pi * 0.5 - 0.3, 0.1, 0.2, 0.35), (np.pi + 0.15, 0.45, 0.28, 0.3),
           (np.pi * 0.75, -0.15, 0.22, 0.25), (np.pi * 1.35, -0.05, 0.22, 0.3), (np.pi * 0.35, 0.95, 0.4, 0.25)]
    parts += _spots(bc, br, bp, spots, pts)
    # udder and tail
    parts.append(mesh.uv_sphere((0.14, 0.14, 0.09), 10, 6, (0, 0.55, 0.68), horns))
    for sx in (-1, 1):
        for yy in (0.5, 0.6):
            parts.append(mesh.rod((sx * 0.05, yy, 0.64), (sx * 0.05, yy, 0.58), 0.015, horns, 5))
    tail = [(0, 0.9, 1.15), (0, 0.97, 0.95), (0, 0.96, 0.6)]
    parts += _chain(tail, 0.025, 0.02, body)
    parts.append(mesh.uv_sphere((0.04, 0.04, 0.08), 8, 5, (0, 0.96, 0.55), spots))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=True)
