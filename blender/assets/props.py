"""Furniture and props (pure numpy geometry from ``mesh``, no bpy).

Shapes are designed in real metres close to the catalog size, then
``mesh.fit_size`` rescales the merged mesh to exactly ``spec.size`` with the
base centre at the origin.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh, slots

# ---------------------------------------------------------------------------
# furniture
# ---------------------------------------------------------------------------

@asset("table")
def table(spec, variant):
    w, d, h = spec.size
    top_t, leg, ins = 0.05, 0.07, 0.09
    hx, hy = w / 2 - ins, d / 2 - ins
    parts = [mesh.box((w, d, top_t), (0, 0, h - top_t / 2))]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(mesh.box((leg, leg, h - top_t), (sx * hx, sy * hy, (h - top_t) / 2)))
    apron = 0.1
    za = h - top_t - apron / 2
    for sy in (-1, 1):
        parts.append(mesh.box((2 * hx - leg, 0.025, apron), (0, sy * hy, za)))
    for sx in (-1, 1):
        parts.append(mesh.box((0.025, 2 * hy - leg, apron), (sx * hx, 0, za)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("chair")
def chair(spec, variant):
    w, d, h = spec.size
    seat_z, seat_t, leg = 0.46, 0.05, 0.045
    sd = d - 0.06
    y0, y1 = -d / 2, -d / 2 + sd
    hx = w / 2 - leg / 2
    parts = [mesh.box((w, sd, seat_t), (0, (y0 + y1) / 2, seat_z - seat_t / 2))]
    for sx in (-1, 1):
        parts.append(mesh.box((leg, leg, seat_z - seat_t), (sx * hx, y0 + leg / 2 + 0.01, (seat_z - seat_t) / 2)))
        # back leg runs from the floor up to the top of the backrest, leaning back slightly
        parts.append(mesh.rod((sx * hx, y1 - leg, 0.0), (sx * hx, d / 2 - leg / 2, h), leg * 0.55, 0, segments=6))
    lean = 0.05
    for k, z in enumerate((0.62, 0.75, 0.87)):
        t = (z - seat_z) / (h - seat_z)
        y = y1 - leg + t * lean + 0.005
        parts.append(mesh.box((2 * hx, 0.025, 0.07 if k < 2 else 0.1), (0, y, z)))
    # stretchers between the legs
    for sx in (-1, 1):
        parts.append(mesh.box((0.025, sd - 0.06, 0.025), (sx * hx, (y0 + y1) / 2, 0.15)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


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
        parts.append(mesh.box((w, 0.08, 0.035), (0, y, seat_z), body))
    # back slats, leaning back
    lean = 0.22
    for k in range(3):
        z = 0.56 + k * 0.11
        y = d / 2 - 0.12 + (z - 0.5) * lean
        parts.append(mesh.box((w - 0.04, 0.03, 0.085), (0, y, z), body, rot=(-lean, 0, 0)))
    # cast-iron side frames
    for x in (-w / 2 + 0.18, w / 2 - 0.18):
        fr = (x, -d / 2 + 0.06, 0.0)
        parts.append(mesh.rod(fr, (x, -d / 2 + 0.08, seat_z), 0.025, legs, 6))
        parts.append(mesh.rod((x, d / 2 - 0.12, 0.0), (x, d / 2 - 0.03, h), 0.025, legs, 6))
        parts.append(mesh.rod((x, -d / 2 + 0.04, seat_z - 0.03), (x, d / 2 - 0.09, seat_z - 0.03), 0.02, legs, 6))
        # armrest
        parts.append(mesh.rod((x, -d / 2 + 0.06, seat_z + 0.2), (x, d / 2 - 0.1, seat_z + 0.22), 0.02, legs, 6))
        parts.append(mesh.rod((x, -d / 2 + 0.07, seat_z), (x, -d / 2 + 0.06, seat_z + 0.2), 0.018, legs, 6))
        for y in (-d / 2 + 0.06, d / 2 - 0.12):
            parts.append(mesh.box((0.07, 0.1, 0.03), (x, y, 0.015), legs))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("sofa")
def sofa(spec, variant):
    S = slots(spec)
    body, legs = S["body"], S["legs"]
    w, d, h = spec.size
    lz = 0.09
    arm = 0.2
    parts = [mesh.uv_sphere((w / 2 - 0.02, d / 2 - 0.02, 0.13), 12, 8, (0, 0.02, lz + 0.13), body, power=0.35)]
    # back
    parts.append(mesh.uv_sphere((w / 2 - 0.02, 0.14, (h - lz) / 2), 12, 8, (0, d / 2 - 0.14, lz + (h - lz) / 2), body,
                                power=0.35))
    # arms
    for sx in (-1, 1):
        parts.append(mesh.uv_sphere((arm / 2, d / 2, 0.28), 10, 8, (sx * (w / 2 - arm / 2), 0, lz + 0.28), body,
                                    power=0.35))
    # seat cushions
    inner = w - 2 * arm
    n = 3 if variant % 2 == 0 else 2
    cw = inner / n
    for k in range(n):
        x = -inner / 2 + cw * (k + 0.5)
        parts.append(mesh.uv_sphere((cw / 2 - 0.01, (d - 0.3) / 2, 0.07), 10, 6, (x, -0.06, lz + 0.3), body, power=0.4))
        parts.append(mesh.uv_sphere((cw / 2 - 0.01, 0.08, 0.2), 10, 6, (x, d / 2 - 0.3, lz + 0.48), body, power=0.4))
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(mesh.rod((sx * (w / 2 - 0.08), sy * (d / 2 - 0.08), 0),
                                  (sx * (w / 2 - 0.08), sy * (d / 2 - 0.08), lz + 0.02), 0.03, legs, 8,
                                  radius_top=0.04))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("bed")
def bed(spec, variant):
    S = slots(spec)
    frame, body, pillow = S["frame"], S["body"], S["pillow"]
    w, d, h = spec.size
    parts = []
    # base frame and legs
    parts.append(mesh.box((w, d - 0.1, 0.16), (0, 0, 0.25), frame))
    for sx in (-1, 1):
        for y in (-d / 2 + 0.08, d / 2 - 0.12):
            parts.append(mesh.box((0.08, 0.08, 0.18), (sx * (w / 2 - 0.05), y, 0.09), frame))
    # headboard at +Y, footboard at -Y
    parts.append(mesh.box((w, 0.06, h), (0, d / 2 - 0.03, h / 2), frame))
    parts.append(mesh.box((w + 0.0, 0.01, 0.1), (0, d / 2 - 0.065, h - 0.05), frame))
    parts.append(mesh.box((w, 0.06, 0.5), (0, -d / 2 + 0.03, 0.25), frame))
    # mattress and duvet
    parts.append(mesh.uv_sphere((w / 2 - 0.05, d / 2 - 0.1, 0.09), 12, 8, (0, 0.02, 0.42), body, power=0.3))
    parts.append(mesh.uv_sphere((w / 2 - 0.03, d / 2 - 0.32, 0.06), 12, 8, (0, -0.2, 0.5), body, power=0.3))
    # pillows at +Y
    n = 2 if w > 1.2 else 1
    pw = (w - 0.2) / n
    for k in range(n):
        x = -w / 2 + 0.1 + pw * (k + 0.5)
        parts.append(mesh.uv_sphere((pw / 2 - 0.03, 0.17, 0.07), 10, 6, (x, d / 2 - 0.3, 0.56), pillow, power=0.5))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("bookshelf")
def bookshelf(spec, variant):
    S = slots(spec)
    body, books = S["body"], S["books"]
    w, d, h = spec.size
    t = 0.03
    parts = [mesh.box((t, d, h), (sx * (w / 2 - t / 2), 0, h / 2), body) for sx in (-1, 1)]
    parts.append(mesh.box((w - 2 * t, 0.02, h), (0, d / 2 - 0.01, h / 2), body))
    n_shelves = 5
    zs = np.linspace(0.06, h - t, n_shelves + 1)
    for z in zs:
        parts.append(mesh.box((w - 2 * t, d - 0.02, t if z > 0.1 else z), (0, 0, z - t / 2 if z > 0.1 else z / 2),
                              body))
    parts.append(mesh.box((w - 2 * t, 0.02, 0.06), (0, -d / 2 + 0.01, 0.03), body))
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
            parts.append(mesh.box((bw - 0.003, bd, bh), (x + bw / 2, -d / 2 + 0.02 + bd / 2, z0 + bh / 2), books))
            x += bw
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("lamp")
def lamp(spec, variant):
    S = slots(spec)
    shade, base, bulb = S["shade"], S["base"], S["bulb"]
    w, d, h = spec.size
    r = w / 2
    parts = [mesh.lathe([(0, 0), (0.1, 0), (0.1, 0.02), (0.07, 0.04), (0, 0.045)], 16, base)]
    parts.append(mesh.rod((0, 0, 0.04), (0, 0, 0.34), 0.012, base, 8))
    parts.append(mesh.uv_sphere(0.045, 10, 6, (0, 0, 0.36), bulb))
    zb, zt = h * 0.45, h
    parts.append(mesh.lathe([(r, zb), (r * 0.58, zt), (r * 0.58 - 0.008, zt - 0.004), (r - 0.008, zb + 0.004)],
                            20, shade, closed=True))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("street_lamp")
def street_lamp(spec, variant):
    S = slots(spec)
    body, bulb = S["body"], S["bulb"]
    w, d, h = spec.size
    py = 0.05   # pole sits a little behind centre; the arm reaches forward (-Y)
    parts = [mesh.lathe([(0, 0), (0.28, 0), (0.28, 0.1), (0.17, 0.2), (0.11, 0.6), (0.07, 0.66), (0, 0.66)],
                        12, body, center=(0, py, 0))]
    top = h - 0.35
    parts.append(mesh.rod((0, py, 0.6), (0, py, top), 0.055, body, 10, radius_top=0.04))
    parts.append(mesh.uv_sphere(0.055, 8, 6, (0, py, top), body))
    # curved arm toward -Y
    pts = [(0, py, top - 0.05)] + [(0, py - 0.22 * np.sin(a), top - 0.05 + 0.25 * (1 - np.cos(a)) * 0.8)
                                   for a in np.linspace(0.3, np.pi / 2, 4)]
    for a, b in zip(pts[:-1], pts[1:]):
        parts.append(mesh.rod(a, b, 0.028, body, 6))
    hx, hy, hz = pts[-1]
    hy -= 0.02
    # the head's profile runs top to bottom, so orient_outward turns it the right way out
    parts.append(mesh.orient_outward(mesh.lathe(
        [(0, hz + 0.1), (0.06, hz + 0.08), (0.15, hz - 0.06), (0.14, hz - 0.09), (0, hz - 0.05)], 12, body,
        center=(0, hy, 0))))
    parts.append(mesh.uv_sphere((0.08, 0.08, 0.07), 10, 6, (0, hy, hz - 0.11), bulb))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


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
    parts = [mesh.lathe(prof, 18, body)]
    for zc in (0.08 * h, 0.3 * h, 0.7 * h, 0.92 * h):
        r = radius(zc)
        parts.append(mesh.lathe([(r - 0.01, zc - 0.025), (r + 0.012, zc - 0.025), (r + 0.012, zc + 0.025),
                                 (r - 0.01, zc + 0.025)], 18, hoops, closed=True))
    # a bung on the lid
    parts.append(mesh.rod((0.12, 0, h - 0.04), (0.12, 0, h - 0.01), 0.03, hoops, 8))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("crate")
def crate(spec, variant):
    w, d, h = spec.size
    b = 0.08   # plank width
    t = 0.02   # how far the planks stand proud
    parts = [mesh.box((w - 2 * t, d - 2 * t, h - 2 * t), (0, 0, h / 2))]
    hx, hy, hz = w / 2 - b / 2, d / 2 - b / 2, h / 2 - b / 2
    for sy in (-1, 1):
        for sz in (-1, 1):
            parts.append(mesh.box((w, b, b), (0, sy * hy, h / 2 + sz * hz)))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(mesh.box((b, d - 0.002, b - 0.002), (sx * hx, 0, h / 2 + sz * hz)))
        for sy in (-1, 1):
            parts.append(mesh.box((b - 0.002, b - 0.002, h - 0.002), (sx * hx, sy * hy, h / 2)))
    # diagonal braces on the four sides
    inner = h - 2 * b
    diag = np.arctan2(inner, w - 2 * b)
    length = float(np.hypot(inner, w - 2 * b))
    for sy in (-1, 1):
        parts.append(mesh.box((length, t + 0.002, b * 0.9), (0, sy * (d / 2 - t / 2 - 0.001), h / 2),
                              rot=(0, -diag * sy, 0)))
    for sx in (-1, 1):
        parts.append(mesh.box((t + 0.002, length, b * 0.9), (sx * (w / 2 - t / 2 - 0.001), 0, h / 2),
                              rot=(diag * sx, 0, 0)))
    # plank seams: shallow grooves suggested by thin proud strips
    for z in (h * 0.37, h * 0.63):
        for sy in (-1, 1):
            parts.append(mesh.box((w - 2 * b, 0.006, 0.012), (0, sy * (d / 2 - t - 0.002), z)))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("mailbox")
def mailbox(spec, variant):
    S = slots(spec)
    body, post = S["body"], S["post"]
    w, d, h = spec.size
    box_h = 0.3
    z0 = h - box_h
    r = d / 2 - 0.01
    prof = [(-r, z0), (r, z0)] + [p for p in mesh.arc(0, h - r, r, 0.0, np.pi, 9)]
    parts = [mesh.prism(prof, -w / 2 + 0.02, w / 2, "x", body)]
    # door at +X end, slightly larger
    door = [(y * 1.04, z0 - 0.005 + (z - z0) * 1.02) for y, z in prof]
    parts.append(mesh.prism(door, w / 2 - 0.02, w / 2 + 0.005, "x", body))
    # post and a support plate
    parts.append(mesh.box((0.09, 0.09, z0), (0, 0, z0 / 2), post))
    parts.append(mesh.box((w * 0.8, d * 0.6, 0.03), (0, 0, z0 - 0.015), post))
    parts.append(mesh.box((0.04, 0.04, 0.2), (0.0, 0.06, z0 * 0.72), post, rot=(0.6, 0, 0)))
    # the flag on the -Y side
    fy = -r - 0.015
    parts.append(mesh.box((0.025, 0.01, 0.2), (0.08, fy, z0 + 0.14), body))
    parts.append(mesh.box((0.1, 0.01, 0.06), (0.13, fy, z0 + 0.21), body))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


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
        a = 2 * np.pi * k / n + 0.1
        rs = 0.09 * float(rng.uniform(0.85, 1.1))
        c = (ring * np.cos(a), ring * np.sin(a), rs * 0.55)
        st = mesh.uv_sphere((rs * 0.85, rs, rs * 0.6), 7, 4, (0, 0, 0), stones)
        parts.append(mesh.transformed(st, rot_z=a, offset=c))
    # short logs leaning into a low teepee around the fire
    nl = 5
    for k in range(nl):
        a = 2 * np.pi * k / nl + 0.3
        foot = (0.32 * np.cos(a), 0.32 * np.sin(a), 0.04)
        tip = (0.06 * np.cos(a + 0.4), 0.06 * np.sin(a + 0.4), 0.24)
        parts.append(mesh.rod(foot, tip, 0.04, logs, 7))
    # two crossed logs lying flat
    parts.append(mesh.rod((-0.32, -0.12, 0.045), (0.32, 0.12, 0.045), 0.045, logs, 7))
    parts.append(mesh.rod((-0.3, 0.16, 0.05), (0.3, -0.14, 0.05), 0.045, logs, 7))
    # flames: a cluster of tall cones rising out of the logs
    for (x, y, r, fh, seg) in ((0, 0, 0.2, h, 8), (0.1, -0.07, 0.12, h * 0.75, 6),
                               (-0.11, -0.02, 0.12, h * 0.68, 6), (0.02, 0.11, 0.11, h * 0.6, 6),
                               (-0.05, -0.12, 0.1, h * 0.55, 6), (0.12, 0.06, 0.09, h * 0.5, 6)):
        c = mesh.cylinder(r, fh - 0.05, seg, 0.05, flames, radius_top=0.0)
        parts.append(mesh.transformed(c, offset=(x, y, 0), rot_z=x * 20))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("snowman")
def snowman(spec, variant):
    S = slots(spec)
    body, hat, nose = S["body"], S["hat"], S["nose"]
    w, d, h = spec.size
    r0, r1, r2 = 0.4, 0.29, 0.2
    z0 = r0 * 0.92
    z1 = z0 + r0 * 0.8 + r1 * 0.75
    z2 = z1 + r1 * 0.8 + r2 * 0.8
    parts = [mesh.uv_sphere((r0, r0, r0 * 0.92), 16, 10, (0, 0, z0), body),
             mesh.uv_sphere(r1, 16, 10, (0, 0, z1), body),
             mesh.uv_sphere(r2, 14, 9, (0, 0, z2), body)]
    zb = z2 + r2 * 0.7
    parts.append(mesh.rod((0, 0, zb), (0, 0, zb + 0.025), 0.24, hat, 16))
    parts.append(mesh.rod((0, 0, zb + 0.02), (0, 0, h), 0.15, hat, 16))
    # carrot nose toward -Y
    parts.append(mesh.rod((0, -r2 * 0.85, z2), (0, -r2 - 0.17, z2 - 0.02), 0.035, nose, 8, radius_top=0.0))
    # coal eyes, mouth and buttons (hat material)
    for sx in (-1, 1):
        a = sx * 0.38
        parts.append(mesh.uv_sphere(0.025, 6, 4, (r2 * np.sin(a) * 0.95, -r2 * np.cos(a) * 0.92, z2 + 0.07), hat))
    for k in range(5):
        a = (k - 2) * 0.25
        parts.append(mesh.uv_sphere(0.014, 6, 4, (r2 * np.sin(a) * 0.9, -r2 * np.cos(a) * 0.88,
                                                  z2 - 0.09 + abs(k - 2) * 0.015), hat))
    for k in range(3):
        zc = z1 + 0.12 - k * 0.13
        y = -np.sqrt(max(r1 ** 2 - (zc - z1) ** 2, 0.0)) + 0.005
        parts.append(mesh.uv_sphere(0.028, 6, 4, (0, y, zc), hat))
    # stick arms (hat material: dark)
    for sx in (-1, 1):
        s0 = (sx * r1 * 0.85, 0, z1 + 0.05)
        s1 = (sx * (w / 2), 0.02, z1 + 0.3)
        parts.append(mesh.rod(s0, s1, 0.015, hat, 5))
        parts.append(mesh.rod((sx * (w / 2 - 0.06), 0.01, z1 + 0.22), (sx * (w / 2 - 0.02), 0.0, z1 + 0.35), 0.01,
                              hat, 5))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("signpost")
def signpost(spec, variant):
    S = slots(spec)
    sign, post = S["sign"], S["post"]
    w, d, h = spec.size
    pw = 0.1
    parts = [mesh.prism([(-pw / 2, 0), (pw / 2, 0), (pw / 2, h - 0.06), (0, h), (-pw / 2, h - 0.06)],
                        -pw / 2 + (d - pw) / 2, pw / 2 + (d - pw) / 2, "y", post)]
    y0, y1 = -d / 2, -d / 2 + 0.055
    # two arrow boards pointing opposite ways
    for (z, sgn, x0, x1) in ((h - 0.35, 1, -w / 2 + 0.15, w / 2), (h - 0.65, -1, -w / 2, w / 2 - 0.12)):
        bh = 0.2
        if sgn > 0:
            prof = [(x0, z - bh / 2), (x1 - 0.12, z - bh / 2), (x1, z), (x1 - 0.12, z + bh / 2), (x0, z + bh / 2)]
        else:
            prof = [(x0, z), (x0 + 0.12, z - bh / 2), (x1, z - bh / 2), (x1, z + bh / 2), (x0 + 0.12, z + bh / 2)]
        parts.append(mesh.prism(prof, y0, y1, "y", sign))
        for x in (-0.03, 0.03):  # nail heads
            parts.append(mesh.box((0.015, 0.01, 0.015), (x, y0 - 0.004, z), post))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)
