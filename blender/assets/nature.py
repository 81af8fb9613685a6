"""Nature assets: trees, plants, rocks, hills (pure numpy geometry, no bpy).

Every function builds a low-poly stylised model in rough real-world metres and
then fits it to the catalog size (base centre at the origin, front toward -Y).
Jitter is seeded per kind and variant, so the result is deterministic.
"""
from __future__ import annotations

import numpy as np

from . import asset, mesh, slots
from .mesh import MeshData


def _rng(kind: str, variant: int) -> np.random.Generator:
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(kind)) * 101 + variant
    return np.random.default_rng(seed)


def _noise_fn(rng: np.random.Generator, terms: int = 6, freq=(1.5, 3.0)):
    """A smooth, random function on directions: a sum of sinusoidal plane waves."""
    dirs = rng.normal(size=(terms, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    freqs = rng.uniform(freq[0], freq[1], size=terms)
    phases = rng.uniform(0, 2 * np.pi, size=terms)
    weights = rng.uniform(0.5, 1.0, size=terms)
    weights /= weights.sum()

    def f(u: np.ndarray) -> np.ndarray:
        return (np.sin(u @ dirs.T * freqs + phases) * weights).sum(axis=1)
    return f


def lumpy(rng, radius: float, center, scale=(1.0, 1.0, 1.0), amp: float = 0.18, subdiv: int = 1,
          slot: int = 0, jitter: float = 0.0, flat_bottom: float | None = None) -> MeshData:
    """An icosphere with smooth radial bumps (and optional per-vertex jitter)."""
    s = mesh.icosphere(subdiv, 1.0, (0, 0, 0), slot)
    u = s.verts.astype(np.float64)
    r = 1.0 + amp * _noise_fn(rng)(u)
    if jitter:
        r = r + rng.uniform(-jitter, jitter, size=len(u))
    v = u * r[:, None] * radius * np.asarray(scale, dtype=np.float64)
    if flat_bottom is not None:
        v[:, 2] = np.maximum(v[:, 2], flat_bottom * radius * scale[2])
    v += np.asarray(center, dtype=np.float64)
    return MeshData(v.astype(np.float32), s.loop_verts, s.loop_start, s.loop_total, s.face_slot, False)


def _trunk(height: float, r0: float, r1: float, slot: int, segments: int = 8, flare: float = 1.35) -> MeshData:
    """A trunk with a slightly flared base."""
    prof = [(r0 * flare, 0.0), (r0, 0.12 * height), (r1, height)]
    return mesh.lathe(prof, segments, slot)


# ---- trees --------------------------------------------------------------------------

@asset("tree")
def tree(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("tree", variant)
    W, _, H = spec.size
    parts = []
    if variant == 0:      # round oak: a cluster of lumps
        parts.append(_trunk(0.62 * H, 0.2, 0.14, sl["trunk"]))
        parts.append(mesh.beam((0, 0, 1.9), (0.55, -0.1, 2.9), 0.14, 0.14, sl["trunk"]))
        parts.append(mesh.beam((0, 0, 2.1), (-0.5, 0.2, 3.0), 0.13, 0.13, sl["trunk"]))
        blobs = [((0, 0, 3.45), 1.25), ((0.75, -0.25, 3.0), 0.85), ((-0.75, 0.15, 3.05), 0.9),
                 ((0.1, 0.7, 3.1), 0.85), ((-0.15, -0.7, 3.15), 0.85), ((0.25, 0.1, 4.1), 0.85)]
        for c, r in blobs:
            parts.append(lumpy(rng, r, c, amp=0.14, subdiv=1, slot=sl["canopy"]))
    elif variant == 1:    # tall oval (birch / poplar)
        parts.append(_trunk(0.55 * H, 0.16, 0.1, sl["trunk"]))
        parts.append(lumpy(rng, 1.0, (0, 0, 3.15), (1.0, 1.0, 1.8), amp=0.12, subdiv=2, slot=sl["canopy"]))
        parts.append(lumpy(rng, 0.6, (0.45, -0.35, 2.35), amp=0.12, subdiv=1, slot=sl["canopy"]))
        parts.append(lumpy(rng, 0.55, (-0.45, 0.3, 2.5), amp=0.12, subdiv=1, slot=sl["canopy"]))
    else:                 # broad layered crown (maple / acacia-ish)
        parts.append(_trunk(0.5 * H, 0.22, 0.13, sl["trunk"]))
        parts.append(mesh.beam((0, 0, 1.5), (0.9, 0.0, 2.6), 0.14, 0.14, sl["trunk"]))
        parts.append(mesh.beam((0, 0, 1.6), (-0.85, 0.1, 2.5), 0.14, 0.14, sl["trunk"]))
        for c, r, sc in [((0, 0, 2.7), 1.55, (1.0, 1.0, 0.55)), ((0.15, 0.05, 3.5), 1.15, (1.0, 1.0, 0.6)),
                         ((0, 0, 4.2), 0.7, (1.0, 1.0, 0.7))]:
            parts.append(lumpy(rng, r, c, sc, amp=0.16, subdiv=2, slot=sl["canopy"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("pine_tree")
def pine_tree(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("pine_tree", variant)
    W, D, H = spec.size
    tiers = (4, 3, 5)[variant]
    parts = [mesh.cylinder(0.16, 1.6, 8, 0.0, sl["trunk"], radius_top=0.12)]
    base, top = 0.9, H
    span = top - base
    seg = 10 if variant != 1 else 9
    for i in range(tiers):
        f = i / tiers
        z0 = base + f * span * 0.82
        r = (W / 2) * (1.0 - 0.72 * f) * (1.0 if variant != 2 else 0.92)
        h = span * (0.42 if variant != 1 else 0.5) * (1.0 - 0.35 * f)
        if i == tiers - 1:
            h = top - z0
        a = rng.uniform(0, 2 * np.pi)
        ang = a + np.linspace(0, 2 * np.pi, seg, endpoint=False)
        if variant == 1:      # jagged, drooping skirt: alternate the rim radius and height
            rr = r * np.where(np.arange(seg) % 2 == 0, 1.0, 0.78)
            zz = z0 + np.where(np.arange(seg) % 2 == 0, 0.0, 0.18)
        else:
            rr = r * rng.uniform(0.92, 1.0, seg)
            zz = z0 + rng.uniform(-0.05, 0.05, seg)
        rim = np.stack([rr * np.cos(ang), rr * np.sin(ang), zz], axis=1)
        inner = np.stack([0.25 * r * np.cos(ang), 0.25 * r * np.sin(ang), np.full(seg, z0 + 0.12)], axis=1)
        apex = np.array([[0.0, 0.0, z0 + h]])
        # underside ring goes inward: rings inner -> rim -> apex (outside on the right)
        parts.append(mesh.loft_rings([inner, rim, apex], cap_start=True, cap_end=False, slot=sl["canopy"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("palm_tree")
def palm_tree(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("palm_tree", variant)
    W, D, H = spec.size
    bend = 0.45 if variant == 0 else -1.1       # variant 1 leans well over
    trunk_h = H - 0.6
    n = 9
    t = np.linspace(0, 1, n)
    pts = np.stack([bend * t ** 2, 0.15 * bend * t ** 2, trunk_h * t], axis=1)
    parts = []
    # segmented trunk: each segment is a frustum that widens at its top rim
    for i in range(n - 1):
        p0, p1 = pts[i], pts[i + 1]
        r0 = 0.2 - 0.06 * t[i]
        r1 = 0.2 - 0.06 * t[i + 1]
        mid = p0 + 0.85 * (p1 - p0)
        parts.append(mesh.tube([p0, mid, p1], [r0 * 0.82, r1 * 1.08, r1 * 0.82], 7, sl["trunk"]))
    crown = pts[-1]
    # coconuts
    for k in range(3):
        a = 2 * np.pi * k / 3 + 0.4
        parts.append(mesh.icosphere(0, 0.13, crown + (0.18 * np.cos(a), 0.18 * np.sin(a), -0.12), sl["trunk"]))
    parts.append(lumpy(rng, 0.22, crown + (0, 0, 0.02), amp=0.1, subdiv=0, slot=sl["leaves"]))
    fronds = 9 if variant == 0 else 6
    for k in range(fronds):
        a = 2 * np.pi * k / fronds + rng.uniform(-0.15, 0.15)
        length = rng.uniform(1.9, 2.2) if variant == 0 else rng.uniform(1.5, 1.8)
        lift = rng.uniform(0.7, 0.95) if variant == 0 else rng.uniform(0.2, 0.4)
        parts.append(_frond(crown, a, length, lift, sl["leaves"]))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


def _frond(origin, angle: float, length: float, lift: float, slot: int, steps: int = 6) -> MeshData:
    """A drooping, V-folded palm leaf: rises a little, then arches down to a point."""
    d = np.array([np.cos(angle), np.sin(angle), 0.0])
    side = np.array([-d[1], d[0], 0.0])
    s = np.linspace(0, 1, steps + 1)
    spine = origin + np.outer(s * length, d) + np.outer(lift * 2.2 * s - (lift + 1.6) * s ** 2, (0, 0, 1))
    width = 0.5 * np.sin(np.pi * np.clip(s * 1.05, 0, 1)) + 0.04
    width[-1] = 0.0
    verts, polys = [], []
    for i in range(steps + 1):
        c = spine[i]
        fold = np.array([0, 0, 0.08 * width[i] / 0.46])
        verts += [c + fold, c - side * width[i], c + side * width[i]]
    for i in range(steps):
        a, b = 3 * i, 3 * (i + 1)
        if i == steps - 1:        # tip: the edge rows meet at the spine point
            polys += [(a, a + 1, b), (a + 2, a, b)]
        else:
            polys += [(a, a + 1, b + 1, b), (a + 2, a, b, b + 2)]
    # reference winding: facing up
    m = mesh.from_polys(verts, polys, slot)
    return m


@asset("bush")
def bush(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("bush", variant)
    W, D, H = spec.size
    layouts = [
        [((0, 0, 0.5), 0.6), ((0.45, -0.1, 0.38), 0.42), ((-0.45, 0.1, 0.4), 0.45), ((0.05, 0.4, 0.38), 0.4)],
        [((0, 0, 0.48), 0.62), ((0.5, 0.05, 0.33), 0.38), ((-0.5, -0.05, 0.33), 0.4)],
        [((-0.3, -0.15, 0.42), 0.48), ((0.3, 0.15, 0.42), 0.5), ((0.35, -0.3, 0.3), 0.35),
         ((-0.35, 0.3, 0.32), 0.36), ((0.0, 0.0, 0.6), 0.42)],
    ][variant]
    parts = [lumpy(rng, r, c, (1.0, 1.0, 0.85), amp=0.16, subdiv=2 if i == 0 else 1, slot=sl["body"],
                   flat_bottom=-0.75)
             for i, (c, r) in enumerate(layouts)]
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("flower")
def flower(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    stem_h = 0.36
    tilt = 0.6            # head leans toward the camera (-Y)
    parts = [mesh.cylinder(0.008, stem_h, 6, 0.0, sl["stem"])]
    # two leaves on the stem, spread so the plant fills its footprint
    if variant == 1:
        leaves = ((-0.6, 0.07, 0.14), (np.pi - 0.6, 0.12, 0.13))
    else:
        leaves = ((-np.pi / 2 + 0.5, 0.09, 0.11), (np.pi / 2 + 0.4, 0.15, 0.1))
    for a, z, ln in leaves:
        d = np.array([np.cos(a), np.sin(a), 0.0])
        tip = np.array([0, 0, z]) + ln * d + (0, 0, 0.05)
        mid = np.array([0, 0, z]) + 0.5 * ln * d + (0, 0, 0.01)
        side = np.array([-d[1], d[0], 0]) * 0.024
        parts.append(mesh.from_polys([(0, 0, z), mid - side, tip, mid + side], [(0, 1, 2, 3)], sl["stem"]))
    head = []
    if variant == 1:      # tulip: a cup with a scalloped rim
        seg = 12
        a = np.linspace(0, 2 * np.pi, seg, endpoint=False)
        rim_r = np.where(np.arange(seg) % 2 == 0, 0.06, 0.05)
        rim_z = np.where(np.arange(seg) % 2 == 0, 0.11, 0.08)
        rings = [[(0, 0, 0.0)]]
        for r, z in ((0.04, 0.012), (0.062, 0.045)):
            rings.append(np.stack([r * np.cos(a), r * np.sin(a), np.full(seg, z)], axis=1))
        rings.append(np.stack([rim_r * np.cos(a), rim_r * np.sin(a), rim_z], axis=1))
        cup = mesh.loft_rings(rings, cap_start=False, cap_end=True, slot=sl["petals"])
        head.append(cup)
        tilt = 0.25
    else:
        n_pet = 6 if variant == 0 else 12
        pet_len = 0.1 if variant == 0 else 0.105
        pet_w = 0.045 if variant == 0 else 0.02
        for k in range(n_pet):
            a = 2 * np.pi * k / n_pet
            c = np.array([np.cos(a), np.sin(a), 0.0]) * pet_len * 0.62
            p = mesh.uv_sphere(1.0, 6, 4, (0, 0, 0), sl["petals"], scale=(pet_len * 0.55, pet_w, 0.008))
            head.append(mesh.transformed(p, rot_z=a, offset=c + (0, 0, 0.004 * (k % 2))))
        head.append(mesh.uv_sphere(1.0, 8, 4, (0, 0, 0.008), sl["stem"] if variant == 2 else sl["petals"],
                                   scale=(0.028, 0.028, 0.016)))
    head = mesh.transformed(mesh.merge(head), rot_x=tilt, offset=(0, 0, stem_h))
    parts.append(head)
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("rock")
def rock(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("rock", variant)
    W, D, H = spec.size
    parts = [lumpy(rng, 1.0, (0, 0, 0), (1.0, 0.85, 0.7), amp=(0.22, 0.3, 0.18)[variant], subdiv=1,
                   slot=sl["body"], jitter=0.1, flat_bottom=-0.45)]
    if variant == 2:      # a small companion stone
        parts.append(lumpy(rng, 0.42, (0.85, -0.35, -0.3), amp=0.2, subdiv=0, slot=sl["body"], jitter=0.08,
                           flat_bottom=-0.7))
    if variant == 1:      # slanted, broken top
        m = parts[0]
        v = m.verts.astype(np.float64)
        cut = 0.35 + 0.25 * v[:, 0]
        v[:, 2] = np.minimum(v[:, 2], cut + 0.15 * (v[:, 2] - cut))
        parts[0] = MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot)
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("mushroom")
def mushroom(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    stem = mesh.lathe([(0.05, 0.0), (0.045, 0.05), (0.038, 0.15), (0.04, 0.2)], 10, sl["stem"])
    parts = [stem]
    if variant == 0:      # red toadstool with cream spots
        prof = [(0.0, 0.18), (0.06, 0.185), (0.145, 0.19), (0.15, 0.21), (0.135, 0.26), (0.1, 0.3),
                (0.05, 0.33), (0.0, 0.34)]
        parts.append(mesh.lathe(prof, 16, sl["cap"]))
        rng = _rng("mushroom", variant)
        outer = np.array(prof[3:])          # the dome, rim to top, as (r, z)
        for k in range(7):
            ang = 2 * np.pi * k / 7 + rng.uniform(-0.2, 0.2)
            j = 0 if k % 2 else 1
            t = rng.uniform(0.35, 0.65)
            (r0, z0), (r1, z1) = outer[j], outer[j + 1]
            r, z = r0 + t * (r1 - r0), z0 + t * (z1 - z0)
            nr, nz = z1 - z0, -(r1 - r0)
            phi = np.arctan2(nz, nr)
            ctr = np.array([r * np.cos(ang), r * np.sin(ang), z]) + 0.003 * np.array(
                [np.cos(phi) * np.cos(ang), np.cos(phi) * np.sin(ang), np.sin(phi)])
            spot = mesh.uv_sphere(1.0, 6, 3, (0, 0, 0), sl["stem"], scale=(0.02, 0.02, 0.006))
            parts.append(mesh.transformed(spot, rot_y=np.pi / 2 - phi, rot_z=ang, offset=ctr))
        parts.append(mesh.uv_sphere(1.0, 6, 3, (0, 0, 0.338), sl["stem"], scale=(0.024, 0.024, 0.006)))
    else:                 # brown cone-capped mushroom with a skirt of gills
        prof = [(0.0, 0.17), (0.08, 0.172), (0.15, 0.16), (0.14, 0.2), (0.09, 0.27), (0.03, 0.34), (0.0, 0.35)]
        parts.append(mesh.lathe(prof, 14, sl["cap"]))
        parts.append(mesh.lathe([(0.075, 0.14), (0.07, 0.15), (0.042, 0.15)], 10, sl["stem"], cap_start=False,
                                cap_end=False))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


def _ribbed(points, radius: float, slot: int, ribs: int = 8, tip: bool = True) -> MeshData:
    """A cactus limb: a ribbed (star cross-section) tube along a polyline with a rounded tip."""
    p = np.asarray(points, dtype=np.float64)
    if tip:
        d = p[-1] - p[-2]
        d /= np.linalg.norm(d)
        p = np.vstack([p, p[-1] + d * radius * 0.55, p[-1] + d * radius * 0.9])
        radii = [radius] * (len(p) - 2) + [radius * 0.8, radius * 0.35]
    else:
        radii = [radius] * len(p)
    m = mesh.tube(p, radii, 2 * ribs, slot)
    # alternate ring vertices in and out to make ribs
    v = m.verts.astype(np.float64)
    centres = np.repeat(p, 2 * ribs, axis=0)
    k = np.tile(np.where(np.arange(2 * ribs) % 2 == 0, 1.0, 0.86), len(p))
    v = centres + (v - centres) * k[:, None]
    return MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot, False)


@asset("cactus")
def cactus(spec, variant: int) -> MeshData:
    sl = slots(spec)
    W, D, H = spec.size
    r = 0.2
    parts = [_ribbed([(0, 0, 0), (0, 0, 0.6), (0, 0, H - 0.9 * r)], r, sl["body"])]
    arms = [(+1, 0.7, 1.25), (-1, 0.95, 1.5)] if variant == 0 else [(+1, 0.55, 1.55), (-1, 1.1, 1.38)]
    for sgn, z0, z1 in arms:
        ra = 0.11
        x_out = W / 2 - ra
        y = -sgn * 0.12          # arms splay a little forward/back
        pts = [(0.0, 0.0, z0), (sgn * 0.5 * x_out, 0.5 * y, z0 - 0.02), (sgn * x_out * 0.92, y, z0 + 0.08),
               (sgn * x_out, y, z0 + 0.25), (sgn * x_out, y, z1 - 0.9 * ra)]
        parts.append(_ribbed(pts, ra, sl["body"], ribs=6))
    return mesh.fit_size(mesh.merge(parts), spec.size, smooth=False)


@asset("log")
def log(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("log", variant)
    L, D, H = spec.size
    r = 0.5 * D
    seg = 16
    a = np.linspace(0, 2 * np.pi, seg, endpoint=False)
    rings = []
    xs = np.linspace(-L / 2, L / 2, 5)
    groove = np.where(np.arange(seg) % 2 == 0, 1.0, 0.9)     # bark ridges along the log
    for x in xs:
        rr = r * groove * rng.uniform(0.96, 1.03, seg)
        rings.append(np.stack([np.full(seg, x), rr * np.cos(a), rr * np.sin(a)], axis=1))
    # rings are CCW around +X: (y, z) = (cos, sin) is counter-clockwise seen from +X
    bark = mesh.loft_rings(rings, cap_start=False, cap_end=False, slot=sl["bark"])
    parts = [bark]
    # cut ends: a slightly inset disc inside a bark rim (ring of quads)
    for end, ring in ((0, rings[0]), (1, rings[-1])):
        sgn = -1.0 if end == 0 else 1.0
        inner = ring.copy()
        inner[:, 1:] *= 0.86
        inner[:, 0] -= sgn * 0.015
        core = inner.copy()
        core[:, 1:] *= 0.18 / 0.86
        if end == 0:
            rim = mesh.loft_rings([ring, inner], False, False, sl["bark"])
            face = mesh.loft_rings([inner, core], False, True, sl["cut"])
            parts += [mesh.flipped(rim), mesh.flipped(face)]
        else:
            parts += [mesh.loft_rings([ring, inner], False, False, sl["bark"]),
                      mesh.loft_rings([inner, core], False, True, sl["cut"])]
    m = mesh.merge(parts)
    m = mesh.transformed(m, offset=(0, 0, r))
    return mesh.fit_size(m, spec.size, smooth=False)


@asset("hill")
def hill(spec, variant: int) -> MeshData:
    sl = slots(spec)
    rng = _rng("hill", variant)
    W, D, H = spec.size
    seg, rings = 40, 12
    a = np.linspace(0, 2 * np.pi, seg, endpoint=False)
    noise = _noise_fn(rng, 5, (1.0, 2.5))
    ring_list = []
    for i in range(rings):
        s = 1.0 - i / rings              # radius fraction, 1 at the rim
        if variant == 0:
            z = np.cos(np.pi / 2 * s) ** 1.4             # rounded mound
        else:
            z = (1 - s ** 2) ** 1.5                      # broad, rounder dome
        dirs = np.stack([np.cos(a), np.sin(a), np.full(seg, z)], axis=1)
        n = noise(dirs)
        rad = s * (1 + 0.06 * n)
        zz = np.zeros(seg) if i == 0 else z * (1.0 + 0.3 * n * s * (1 - s))
        ring_list.append(np.stack([rad * np.cos(a), rad * np.sin(a), zz], axis=1))
    ring_list.append(np.array([[0.0, 0.0, 1.0]]))
    m = mesh.loft_rings(ring_list, cap_start=False, cap_end=False, slot=sl["body"], smooth=True)
    if variant == 1:        # lopsided: a second shoulder toward +X
        v = m.verts.astype(np.float64)
        v[:, 2] *= 1 + 0.25 * np.exp(-((v[:, 0] - 0.45) ** 2 + (v[:, 1] + 0.1) ** 2) / 0.08) - 0.1 * v[:, 0]
        m = MeshData(v.astype(np.float32), m.loop_verts, m.loop_start, m.loop_total, m.face_slot, True)
    return mesh.fit_size(m, spec.size, smooth=True)
