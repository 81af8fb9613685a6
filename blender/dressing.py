"""Scene dressing: a world around the subject that the DSL does not have to spell out.

``plan(scene, layout, level, camera_xy)`` returns ``Piece``s (a name, one merged ``MeshData`` and the
(colour, preset) of each material slot); the builder makes one object of each, tagged
``worldsmith_role = "dressing"``. Pure numpy: no bpy here, so the plan is cheap and testable.

What is chosen from what
------------------------
* backdrop, on an arc behind the scene as the camera sees it, far beyond every named entity:
  grass/dirt -> distant hills and a treeline; snow -> white hills and dark pines; sand -> dunes, or a sea
  horizon when the scene has boats, a lighthouse or a pier; concrete/stone -> a city skyline;
  water -> low islands; wood (an interior-like floor) -> nothing.
* clouds, out of doors: low-poly cumulus (a few flattened puffs each) far beyond the backdrop, 0.4-8 degrees
  above the horizon as the camera sees it; white, so the sun tints them (gold at sunset, pink at dawn, grey-blue
  at dusk, moonlit at night); fewer at night; they cast no shadow.
* scatter, small and instanced (many copies merged into one mesh): grass tufts, pebbles, snow drifts,
  and fallen leaves around trees; ``full`` is denser and adds the second kind of each.

Rules: nothing of the dressing stands within ``CLEAR_M`` of a named entity's footprint, nor on the line
between the camera and a small named thing (under ``SMALL_M`` tall); scatter is under 0.3 m tall; the
backdrop starts beyond the scene's radius, so it can be seen only past the named things, never in front
of them. Everything rests on the ground (z = 0 at the base), and the plan is a function of the scene's
seed alone. ``none`` plans nothing.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from . import assets
from .assets import mesh

LEVELS = ("none", "light", "full")
DEFAULT = "light"
CLEAR_M = 0.6          # scatter keeps this far from a named footprint
SMALL_M = 1.2          # named things under this height keep the camera's line to them free of scatter
DENSITY = {"light": 0.35, "full": 0.9}    # scatter items per square metre
MAX_SCATTER = {"light": 2500, "full": 8000}
SEA_KINDS = {"boat", "lighthouse"}
SEA_DEPTH = 1800.0     # the sea reaches this far beyond the shore (the ground is 4 km across)
TREE_KINDS = {"pine_tree", "tree"}


@dataclass
class Piece:
    name: str
    data: mesh.MeshData
    materials: list[tuple[str, str]]     # per slot: (sRGB hex, material preset)
    shadow: bool = True                  # casts shadows (clouds do not: they only show in the sky)


def validate(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown dressing {level!r}; choose from {', '.join(LEVELS)}")
    return level


def tile(base: mesh.MeshData, xy: np.ndarray, scale: np.ndarray, yaw: np.ndarray,
         z: np.ndarray | None = None) -> mesh.MeshData:
    """``base`` copied to every (x, y), uniformly scaled (scalar or (n, 3)) and turned; one merged mesh."""
    n, nv = len(xy), len(base.verts)
    v = np.broadcast_to(base.verts.astype(np.float64), (n, nv, 3)).copy()
    s = np.asarray(scale, dtype=np.float64)
    v *= s.reshape(n, 1, -1) if s.ndim else s
    c, si = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
    x, y = v[..., 0].copy(), v[..., 1].copy()
    v[..., 0], v[..., 1] = c * x - si * y + xy[:, 0:1], si * x + c * y + xy[:, 1:2]
    if z is not None:
        v[..., 2] += z[:, None]
    nl = len(base.loop_verts)
    loops = (base.loop_verts[None, :] + (np.arange(n) * nv)[:, None]).ravel()
    starts = (base.loop_start[None, :] + (np.arange(n) * nl)[:, None]).ravel()
    return mesh.MeshData(v.reshape(-1, 3).astype(np.float32), loops.astype(np.int32), starts.astype(np.int32),
                         np.tile(base.loop_total, n).astype(np.int32), np.tile(base.face_slot, n).astype(np.int32),
                         base.smooth)


def _tuft() -> mesh.MeshData:
    blades = [mesh.transformed(mesh.cone(0.035, 0.22, 3), (1.0, 1.0, 1.0), a,
                               (0.04 * math.cos(a), 0.04 * math.sin(a), 0),
                               rot_x=0.25 * math.cos(a), rot_y=0.25 * math.sin(a))
              for a in (0.0, 2.1, 4.2)]
    return mesh.merge(blades)


def _pebble() -> mesh.MeshData:
    return mesh.icosphere(1, 0.5, (0.0, 0.0, 0.015), scale=(0.16, 0.12, 0.09))   # a little sunk in


def _drift() -> mesh.MeshData:
    return mesh.icosphere(1, 0.5, (0.0, 0.0, -0.04), scale=(2.2, 1.3, 0.3), smooth=True)   # low, soft


def _leaf() -> mesh.MeshData:
    return mesh.plane((0.09, 0.06), 0.004)


def _allowed(pts: np.ndarray, lay, cam_xy) -> np.ndarray:
    """Mask of points clear of every named footprint and of the camera's line to small named things."""
    ok = np.ones(len(pts), dtype=bool)
    if not lay.placements:
        return ok
    # footprints (grown by CLEAR_M, and by one cell so the grid errs on the safe side) on an occupancy grid
    fp = np.array([p.footprint for p in lay.placements])           # (m, 4)
    cell = 0.25
    lo = np.minimum(pts.min(axis=0), fp[:, :2].min(axis=0)) - CLEAR_M - cell
    hi = np.maximum(pts.max(axis=0), fp[:, 2:].max(axis=0)) + CLEAR_M + cell
    shape = np.ceil((hi - lo) / cell).astype(int) + 1
    if shape[0] * shape[1] <= 40_000_000:
        occ = np.zeros(shape, dtype=bool)
        g0 = np.floor((fp[:, :2] - CLEAR_M - lo) / cell).astype(int) - 1
        g1 = np.ceil((fp[:, 2:] + CLEAR_M - lo) / cell).astype(int) + 1
        for (a, b), (c, d) in zip(g0.tolist(), g1.tolist()):
            occ[max(a, 0):c + 1, max(b, 0):d + 1] = True
        gi = np.floor((pts - lo) / cell).astype(int)
        ok &= ~occ[gi[:, 0], gi[:, 1]]
    else:                                                           # a vast scene: test rectangles directly
        for k in range(0, len(fp), 256):
            f = fp[k:k + 256]
            inside = ((pts[:, None, 0] > f[None, :, 0] - CLEAR_M) & (pts[:, None, 0] < f[None, :, 2] + CLEAR_M)
                      & (pts[:, None, 1] > f[None, :, 1] - CLEAR_M) & (pts[:, None, 1] < f[None, :, 3] + CLEAR_M))
            ok &= ~inside.any(axis=1)
    if cam_xy is not None:
        cam = np.asarray(cam_xy, dtype=float)
        small = [p for p in lay.placements if p.size[2] < SMALL_M][:400]
        if small:
            cs = np.array([p.position[:2] for p in small], dtype=float)          # (m, 2)
            seg = cs - cam
            l2 = np.maximum((seg * seg).sum(axis=1), 1e-9)
            keep = np.array([max(p.half_extents) for p in small]) + CLEAR_M
            rel = pts - cam
            for k in range(0, len(small), 64):                                 # (n, 64) at a time
                t = np.clip((rel @ seg[k:k + 64].T) / l2[k:k + 64], 0.0, 1.0)
                dx = rel[:, None, 0] - t * seg[None, k:k + 64, 0]
                dy = rel[:, None, 1] - t * seg[None, k:k + 64, 1]
                ok &= ~((dx * dx + dy * dy) <= keep[None, k:k + 64] ** 2).any(axis=1)
    return ok


def _bounds(lay) -> tuple[np.ndarray, float]:
    if not lay.placements:
        return np.zeros(2), 5.0
    fp = np.array([p.footprint for p in lay.placements])
    lo, hi = fp[:, :2].min(axis=0), fp[:, 2:].max(axis=0)
    return (lo + hi) / 2, max(5.0, 0.5 * float(np.linalg.norm(hi - lo)))


def _scatter(rng, lay, level, ground, cam_xy, center, radius) -> list[Piece]:
    # ground -> [(name, geometry, materials, share of the density)]; light takes the first only
    kinds = {"grass": [("tufts", _tuft, [("#4f7f34", "grass")], 0.7),
                       ("pebbles", _pebble, [("#8d8a83", "stone")], 0.3)],
             "dirt": [("pebbles", _pebble, [("#6f655a", "stone")], 0.6),
                      ("tufts", _tuft, [("#7d7a3a", "grass")], 0.4)],
             "sand": [("pebbles", _pebble, [("#b9a98a", "stone")], 0.6),
                      ("tufts", _tuft, [("#9a9a55", "grass")], 0.15)],
             "snow": [("drifts", _drift, [("#f4f6fa", "snow")], 0.25),
                      ("pebbles", _pebble, [("#5b5a58", "stone")], 0.2)],
             "stone": [("pebbles", _pebble, [("#77736d", "stone")], 0.8)],
             }.get(ground, [])
    if level == "light":
        kinds = kinds[:1]
    reach = radius + (10.0 if level == "light" else 18.0)
    area = (2 * reach) ** 2
    out = []
    for name, make, mats, share in kinds:
        n = int(min(MAX_SCATTER[level] * share, area * DENSITY[level] * share))
        if n <= 0:
            continue
        pts = center + rng.uniform(-reach, reach, size=(n, 2))
        pts = pts[_allowed(pts, lay, cam_xy)]
        if not len(pts):
            continue
        base = make()
        scale = rng.uniform(0.7, 1.3, size=len(pts))
        out.append(Piece(f"Dressing {name}", tile(base, pts, scale, rng.uniform(0, 2 * math.pi, len(pts))), mats))
    trees = [p for p in lay.placements if p.kind in TREE_KINDS]
    if level == "full" and trees and ground in ("grass", "dirt"):
        pts = np.concatenate([np.array(t.position[:2]) + rng.normal(0, 1.6, size=(40, 2)) for t in trees[:50]])
        pts = pts[_allowed(pts, lay, cam_xy)]
        if len(pts):
            out.append(Piece("Dressing leaves", tile(_leaf(), pts, rng.uniform(0.8, 1.4, len(pts)),
                                                     rng.uniform(0, 2 * math.pi, len(pts))),
                             [("#b5651d", "plain")]))
    return out


def _arc(rng, center, forward, dist, n, spread_deg=75.0):
    ang = math.atan2(forward[1], forward[0]) + np.radians(rng.uniform(-spread_deg, spread_deg, n))
    d = dist * rng.uniform(1.0, 1.35, n)
    return np.stack([center[0] + d * np.cos(ang), center[1] + d * np.sin(ang)], axis=1)


def _backdrop(rng, scene, level, center, radius, forward) -> list[Piece]:
    ground = scene.ground
    kinds = {e.kind for e in scene.entities}
    far = max(45.0, 3.0 * radius)
    out = []
    if ground in ("grass", "dirt", "snow", "sand", "water"):
        sea = ground == "sand" and kinds & SEA_KINDS
        if sea:
            # from the shore (``far`` beyond the scene) to the ground's far edge: the horizon is the sea's
            yaw = math.atan2(forward[1], forward[0]) - math.pi / 2
            at = center + forward * (far + SEA_DEPTH / 2)
            out.append(Piece("Dressing sea", tile(mesh.plane((2 * SEA_DEPTH, SEA_DEPTH), 0.01), at[None, :],
                                                  np.ones(1), np.array([yaw])), [("#1d5a73", "water_surface")]))
        else:
            hill = assets.build("hill", 0)
            n = 9 if level == "light" else 16
            pts = _arc(rng, center, forward, 1.6 * far, n)
            h = {"sand": 0.8, "water": 0.5}.get(ground, 1.0)
            scale = np.stack([rng.uniform(3, 6, n), rng.uniform(2, 4, n), rng.uniform(1.5, 4, n) * h], axis=1)
            color = {"grass": "#4e7a3a", "dirt": "#5f6e3a", "snow": "#e8ecf2", "sand": "#d2b37c",
                     "water": "#3f6a3a"}[ground]
            preset = {"snow": "snow", "sand": "sand"}.get(ground, "grass")
            out.append(Piece("Dressing hills", tile(hill, pts, scale, rng.uniform(0, 2 * math.pi, n)),
                             [(color, preset)] * max(1, int(hill.face_slot.max()) + 1)))
        if ground in ("grass", "dirt", "snow") and not sea:
            kind = "pine_tree" if ground == "snow" or rng.random() < 0.5 else "tree"
            tree = assets.build(kind, 0)
            n = 40 if level == "light" else 90
            pts = _arc(rng, center, forward, far, n, 80.0)
            out.append(Piece("Dressing treeline", tile(tree, pts, rng.uniform(0.8, 1.5, n),
                                                       rng.uniform(0, 2 * math.pi, n)),
                             [("#5b4632", "bark"), ("#24502b" if kind == "pine_tree" else "#3c6b2e", "leaf")]))
    elif ground in ("concrete", "stone"):
        n = 30 if level == "light" else 70
        # far enough to read as a skyline (a tower block some 2-4 degrees above the horizon), hazy blue-grey
        pts = _arc(rng, center, forward, 4.0 * far, n, 60.0)
        scale = np.stack([rng.uniform(10, 22, n), rng.uniform(10, 22, n), rng.uniform(15, 45, n)], axis=1)
        out.append(Piece("Dressing skyline", tile(mesh.box(), pts, scale, np.zeros(n)),
                         [("#9aa3b0", "concrete")]))
    return out


CLOUDS = {"light": (5, 9), "full": (9, 15)}      # how many (low, high), by level; at night half as many
CLOUD_RGB = {"night": "#c4ccdc", "dusk": "#e6e9f2"}   # else white


def _puff() -> mesh.MeshData:
    return mesh.icosphere(1, 0.5, (0.0, 0.0, 0.0), smooth=True)


def _clouds(rng, scene, level, center, radius, cam_xy) -> list[Piece]:
    cam = center - np.array([0.0, 40.0]) if cam_xy is None else np.asarray(cam_xy, dtype=float)
    fwd = center - cam
    dist0 = max(float(np.linalg.norm(fwd)), 1.0)
    fwd = fwd / dist0
    lo, hi = CLOUDS[level]
    n = int(rng.integers(lo, hi + 1))
    if scene.time_of_day == "night":
        n = max(2, n // 2)
    dist = min(max(600.0, 12.0 * (dist0 + radius)), 2500.0)          # beyond the hills and skyline, within the clip
    ang = math.atan2(fwd[1], fwd[0]) + np.radians(rng.uniform(-40.0, 40.0, n))
    d = dist * rng.uniform(0.8, 1.4, n)
    elev = np.radians(0.4 + 8.0 * rng.uniform(0.0, 1.0, n) ** 2)     # degrees above the horizon, most low
    width = d * np.radians(rng.uniform(3.0, 7.0, n))                  # 3-7 degrees wide
    xy, scale, z = [], [], []
    for i in range(n):
        k = int(rng.integers(4, 8))                                   # puffs in a row, the middle ones tallest
        t = np.linspace(-0.5, 0.5, k) + rng.uniform(-0.06, 0.06, k)
        along = np.array([-math.sin(ang[i]), math.cos(ang[i])])       # across the line of sight
        c = cam + d[i] * np.array([math.cos(ang[i]), math.sin(ang[i])])
        base = d[i] * math.tan(elev[i])                               # the cloud's flat base
        for tj in t:
            r = width[i] * rng.uniform(0.22, 0.34) * (1.25 - abs(tj))
            xy.append(c + along * tj * width[i] + rng.normal(0, 0.05 * width[i], 2))
            scale.append((2.0 * r, 2.0 * r * rng.uniform(0.8, 1.2), 1.1 * r))
            z.append(base + 0.55 * r * rng.uniform(1.0, 1.5))          # a puff rests on the base
    m = len(xy)
    data = tile(_puff(), np.array(xy), np.array(scale), rng.uniform(0, 2 * math.pi, m), np.array(z))
    return [Piece("Dressing clouds", data, [(CLOUD_RGB.get(scene.time_of_day, "#f7f8fa"), "plain")], shadow=False)]


def plan(scene, lay, level: str, camera_xy=None) -> list[Piece]:
    """The dressing of ``scene`` laid out as ``lay`` (see the module docstring)."""
    if validate(level) == "none":
        return []
    rng = np.random.default_rng(zlib.crc32(f"{scene.seed}:dressing:{level}".encode()))
    center, radius = _bounds(lay)
    if camera_xy is not None:
        fwd = center - np.asarray(camera_xy, dtype=float)
        fwd = fwd / np.linalg.norm(fwd) if np.linalg.norm(fwd) > 1e-6 else np.array([0.0, 1.0])
    else:
        fwd = np.array([0.0, 1.0])
    pieces = _backdrop(rng, scene, level, center, radius, fwd)
    if scene.ground != "wood":                                         # a room has no sky
        crng = np.random.default_rng(zlib.crc32(f"{scene.seed}:clouds:{level}".encode()))
        pieces += _clouds(crng, scene, level, center, radius, camera_xy)
    if scene.ground not in ("wood", "water", "concrete"):
        pieces += _scatter(rng, lay, level, scene.ground, camera_xy, center, radius)
    return pieces
