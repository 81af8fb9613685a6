"""Layout verification: ``check`` tests a layout against the relation definitions.

The definitions are the package docstring's (``layout/__init__.py``); the solver
runs ``check`` on its own result and reports every violation as a warning, and
tests may run it on any ``Layout``. ``ref_point`` is P(E), ``group_ends`` the two
farthest-apart members of a group (for ``between`` one group).
"""
from __future__ import annotations

import math

from .. import catalog
from .geometry import (AROUND_TOL, BETWEEN_MIN, DIRECTIONAL, EPS, FACING_TOL, LATERAL_TOL, NEAR_MIN,
                       NEXT_TO_MAX, Layout, Placement, interval_gap, rect_gap, rects_overlap, union_rect)


def _fmt(v: float) -> str:
    return f"{v:.2f}"


def group_ends(points: list[tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two farthest-apart points (a group's ends, for 'between' one group's members)."""
    best, pair = -1.0, (points[0], points[-1])
    for i, a in enumerate(points):
        for b in points[i + 1:]:
            d = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
            if d > best:
                best, pair = d, (a, b)
    return pair


def check(scene, layout: Layout) -> list[tuple[int, int, str]]:
    """Every relation of ``scene`` that ``layout`` violates, per the package docstring's definitions.

    Returns (entity index, relation index, readable message). Relations that
    cannot be evaluated (unknown target, self reference) are skipped.
    """
    groups: dict[str, list[Placement]] = {}
    for p in layout.placements:
        groups.setdefault(p.entity_id, []).append(p)
    boxes = {eid: union_rect(p.footprint for p in ps) for eid, ps in groups.items()}
    refs = {eid: ref_point(ps) for eid, ps in groups.items()}
    out = []
    tops = {getattr(e, "id", None): _top_of(e) for e in getattr(scene, "entities", None) or []}
    for i, e in enumerate(getattr(scene, "entities", None) or []):
        A = groups.get(getattr(e, "id", None))
        if not A:
            continue
        fa = boxes[e.id]
        for j, r in enumerate(getattr(e, "relations", None) or []):
            t, t2, typ = getattr(r, "target", None), getattr(r, "target2", None), getattr(r, "type", None)
            if t == e.id or t not in groups:
                continue
            B = groups[t]
            fb = boxes[t]
            pb, pc = refs[t], refs.get(t2) if t2 else None
            if typ == "between" and t2 == t and len(B) >= 2:
                pb, pc = group_ends([(p.position[0], p.position[1]) for p in B])
            msg = _check_one(typ, e, A, fa, B, fb, groups.get(t2) if t2 else None, boxes.get(t2) if t2 else None,
                             pb, pc, tops.get(t), tops.get(e.id))
            if msg:
                out.append((i, j, f"{e.id} {typ} {t}{(' and ' + t2) if typ == 'between' and t2 else ''}: "
                                  f"not satisfied ({msg})"))
    return out


def _top_of(entity) -> float | None:
    """The top surface (a fraction of the height) of an entity's kind, or of a composite's spec."""
    spec_fn = getattr(entity, "spec", None)
    try:
        spec = spec_fn() if callable(spec_fn) else catalog.KINDS.get(getattr(entity, "kind", None))
    except (KeyError, TypeError, ValueError):
        spec = None
    return None if spec is None else spec.top


def ref_point(ps) -> tuple[float, float]:
    """P(E): centre of the bounding box of the members' base centres (rotation-independent)."""
    xs = [p.position[0] for p in ps]
    ys = [p.position[1] for p in ps]
    return 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))


def _check_one(typ, e, A, fa, B, fb, C, fc, pb, pc, top_b=None, top_a=None) -> str | None:
    if typ in DIRECTIONAL:
        if typ == "left_of":
            if fa[2] > fb[0] + EPS:
                return f"its right edge x={_fmt(fa[2])} is right of the target's left edge x={_fmt(fb[0])}"
            lat = interval_gap(fa[1], fa[3], fb[1], fb[3])
        elif typ == "right_of":
            if fa[0] < fb[2] - EPS:
                return f"its left edge x={_fmt(fa[0])} is left of the target's right edge x={_fmt(fb[2])}"
            lat = interval_gap(fa[1], fa[3], fb[1], fb[3])
        elif typ == "in_front_of":
            if fa[3] > fb[1] + EPS:
                return f"its back edge y={_fmt(fa[3])} is behind the target's front edge y={_fmt(fb[1])}"
            lat = interval_gap(fa[0], fa[2], fb[0], fb[2])
        else:
            if fa[1] < fb[3] - EPS:
                return f"its front edge y={_fmt(fa[1])} is in front of the target's back edge y={_fmt(fb[3])}"
            lat = interval_gap(fa[0], fa[2], fb[0], fb[2])
        if lat > LATERAL_TOL + EPS:
            return f"it is {_fmt(lat)} m off to the side"
        return None
    if typ == "on":
        if top_b is None:
            return f"a {B[0].kind} has no top surface"
        names = {p.name: p for p in B}
        own = {p.name: p for p in A}
        for a in A:
            b, top = names.get(a.support), top_b
            if b is None and a.support in own and a.support != a.name:   # stacked on one of its own group,
                b, top = own[a.support], top_a                             # which is checked in its turn
                if top is None:
                    return f"{a.name} is stacked on {b.name}, which has no top surface"
            if b is None:
                return f"{a.name} does not rest on it"
            z = b.position[2] + top * b.size[2]
            if abs(a.position[2] - z) > 1e-4:
                return f"{a.name} is at z={_fmt(a.position[2])}, the top is at z={_fmt(z)}"
            x0, y0, x1, y1 = b.footprint
            if not (x0 - EPS <= a.position[0] <= x1 + EPS and y0 - EPS <= a.position[1] <= y1 + EPS):
                return f"{a.name}'s centre is off {b.name}'s top"
        return None
    if typ == "under":
        for a in A:
            ok = False
            for b in B:
                x0, y0, x1, y1 = b.footprint
                if (x0 - EPS <= a.position[0] <= x1 + EPS and y0 - EPS <= a.position[1] <= y1 + EPS
                        and a.position[2] <= b.position[2] + EPS
                        and a.position[2] + a.size[2] <= b.position[2] + b.size[2] + EPS):
                    ok = True
                    break
            if not ok:
                return f"{a.name} is not beneath it"
        return None
    if typ in ("near", "next_to"):
        g = rect_gap(fa, fb)
        lim = NEXT_TO_MAX if typ == "next_to" else max(
            NEAR_MIN, 0.5 * max(fa[2] - fa[0], fa[3] - fa[1], fb[2] - fb[0], fb[3] - fb[1]))
        if g > lim + EPS:
            return f"{_fmt(g)} m away, more than {_fmt(lim)} m"
        return None
    if typ == "between":
        if C is None:
            return None
        (px, py), (qx, qy) = pb, pc
        vx, vy = qx - px, qy - py
        L2 = vx * vx + vy * vy
        if L2 < 1e-12:
            return "the two targets are at the same place"
        L = math.sqrt(L2)
        tol = max(BETWEEN_MIN, L / 4)
        for a in A:
            rx, ry = a.position[0] - px, a.position[1] - py
            t = (rx * vx + ry * vy) / L2
            dist = abs(rx * vy - ry * vx) / L
            if t < -EPS or t > 1 + EPS or dist > tol + EPS:
                return f"{a.name} is outside the region between them"
        return None
    if typ == "around":
        cx, cy = pb
        ds = [math.hypot(a.position[0] - cx, a.position[1] - cy) for a in A]
        if max(ds) - min(ds) > max(0.01, AROUND_TOL * max(ds)) + EPS:
            return "its members are not on one ring"
        for a in A:
            if rects_overlap(a.footprint, fb):
                return f"{a.name} overlaps it"
        return None
    if typ == "facing":
        cx, cy = pb
        for a in A:
            vx, vy = cx - a.position[0], cy - a.position[1]
            if math.hypot(vx, vy) < 1e-6:
                continue
            fx, fy = math.sin(a.rotation), -math.cos(a.rotation)
            ang = abs(math.atan2(fx * vy - fy * vx, fx * vx + fy * vy))
            if ang > FACING_TOL + EPS:
                return f"{a.name} is turned {math.degrees(ang):.0f} degrees away"
        return None
    return None
