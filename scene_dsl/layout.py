"""Layout: turn a validated scene's relations into positions.

``solve(scene)`` returns a ``Layout``: one ``Placement`` per expanded entity
(base-centre position, rotation about Z in radians, uniform scale and the
resulting world size) and readable warnings. Camera convention: the camera is
at -Y looking toward +Y, so left is -X, right is +X, in front is -Y, behind is +Y.
Pure Python, deterministic for a given seed.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from . import catalog
from .models import Entity, Scene

GAP = 0.6  # metres between neighbours


@dataclass
class Placement:
    name: str
    entity_id: str
    index: int
    kind: str
    position: tuple[float, float, float]
    rotation: float
    scale: float
    size: tuple[float, float, float]
    support: str | None = None   # instance name this one rests on

    @property
    def half_extents(self) -> tuple[float, float]:
        c, s = abs(math.cos(self.rotation)), abs(math.sin(self.rotation))
        w, d = self.size[0], self.size[1]
        return 0.5 * (c * w + s * d), 0.5 * (s * w + c * d)


@dataclass
class Layout:
    placements: list[Placement]
    warnings: list[str] = field(default_factory=list)

    def by_entity(self, entity_id: str) -> list[Placement]:
        return [p for p in self.placements if p.entity_id == entity_id]


def _group_offsets(e: Entity, w: float, d: float, rng: random.Random) -> list[tuple[float, float]]:
    n = e.count
    if n == 1:
        return [(0.0, 0.0)]
    step_x, step_y = w + GAP, d + GAP
    mode = e.arrangement or "row"
    if mode == "ring":
        r = max(step_x, step_y) * n / (2 * math.pi) + 0.5
        return [(r * math.cos(2 * math.pi * k / n), r * math.sin(2 * math.pi * k / n)) for k in range(n)]
    if mode in ("grid", "cluster", "scatter"):
        cols = math.ceil(math.sqrt(n))
        out = []
        for k in range(n):
            x, y = (k % cols - (cols - 1) / 2) * step_x, (k // cols - (math.ceil(n / cols) - 1) / 2) * step_y
            if mode != "grid":
                x += rng.uniform(-0.25, 0.25) * step_x
                y += rng.uniform(-0.25, 0.25) * step_y
            out.append((x, y))
        return out
    return [((k - (n - 1) / 2) * step_x, 0.0) for k in range(n)]


def solve(scene: Scene, seed: int | None = None) -> Layout:
    rng = random.Random(scene.seed if seed is None else seed)
    warnings: list[str] = []
    boxes: dict[str, tuple[float, float, float, float, float]] = {}  # id -> cx, cy, half_w, half_d, top
    order = _order(scene)
    placements: list[Placement] = []
    cursor_x = 0.0
    for e in order:
        spec = catalog.get(e.kind)
        f = e.size_factor()
        w, d, h = spec.width * f, spec.depth * f, spec.height * f
        offs = _group_offsets(e, w, d, rng)
        gw = (max(o[0] for o in offs) - min(o[0] for o in offs)) + w
        gd = (max(o[1] for o in offs) - min(o[1] for o in offs)) + d
        cx = cy = None
        z = 0.0
        support = None
        rel = {r.type: r for r in e.relations}
        if e.position is not None:
            cx, cy, z = e.position
        for r in e.relations:
            t = boxes.get(r.target)
            if t is None:
                continue
            tx, ty, thw, thd, ttop = t
            if r.type == "on":
                tspec = catalog.get(scene.entity(r.target).kind)
                if tspec.top is None:
                    warnings.append(f"{e.id} cannot stand on {r.target} ({tspec.name} has no top surface); placed beside it")
                    cx, cy = tx + thw + GAP + gw / 2, ty
                else:
                    cx, cy, z, support = tx, ty, ttop, r.target
            elif r.type == "left_of":
                cx, cy = tx - thw - GAP - gw / 2, ty if cy is None else cy
            elif r.type == "right_of":
                cx, cy = tx + thw + GAP + gw / 2, ty if cy is None else cy
            elif r.type == "in_front_of":
                cx, cy = tx if cx is None else cx, ty - thd - GAP - gd / 2
            elif r.type == "behind":
                cx, cy = tx if cx is None else cx, ty + thd + GAP + gd / 2
            elif r.type in ("near", "next_to"):
                cx, cy = tx + thw + GAP + gw / 2, ty
            elif r.type == "between" and r.target2 in boxes:
                t2 = boxes[r.target2]
                cx, cy = (tx + t2[0]) / 2, (ty + t2[1]) / 2
            elif r.type == "under":
                cx, cy = tx, ty
            elif r.type == "around":
                ring = max(thw, thd) + GAP + max(w, d)
                offs = [(ring * math.cos(2 * math.pi * k / e.count), ring * math.sin(2 * math.pi * k / e.count))
                        for k in range(e.count)]
                cx, cy = tx, ty
        if cx is None:
            cx, cy = cursor_x + gw / 2, 0.0
        if "on" not in rel and "around" not in rel and e.position is None:
            cx, cy = _free_spot(boxes, cx, cy, gw / 2, gd / 2)
        cursor_x = max(cursor_x, cx + gw / 2 + GAP)
        boxes[e.id] = (cx, cy, gw / 2, gd / 2, z + h)
        base_rot = math.radians(e.rotation or 0.0)
        for k, (ox, oy) in enumerate(offs):
            name = e.id if e.count == 1 else f"{e.id}.{k + 1:03d}"
            rot = base_rot
            placements.append(Placement(name, e.id, k, e.kind, (cx + ox, cy + oy, z), rot, f, (w, d, h), support))
    return Layout(placements, warnings)


def _free_spot(boxes, cx, cy, hw, hd):
    """Nudge a footprint along +X until it overlaps nothing already placed."""
    for _ in range(200):
        hit = None
        for bx, by, bhw, bhd, _top in boxes.values():
            if abs(cx - bx) < hw + bhw + 0.05 and abs(cy - by) < hd + bhd + 0.05:
                hit = (bx, bhw)
                break
        if hit is None:
            return cx, cy
        cx = hit[0] + hit[1] + hw + GAP
    return cx, cy


def _order(scene: Scene) -> list[Entity]:
    """Entities ordered so every relation target is placed before what refers to it."""
    ents = {e.id: e for e in scene.entities}
    done: list[Entity] = []
    state: dict[str, int] = {}

    def visit(eid: str) -> None:
        if state.get(eid) == 2:
            return
        if state.get(eid) == 1:
            return  # cycle: break it, place in document order
        state[eid] = 1
        for r in ents[eid].relations:
            for t in (r.target, r.target2):
                if t in ents:
                    visit(t)
        state[eid] = 2
        done.append(ents[eid])

    for e in scene.entities:
        visit(e.id)
    return done
