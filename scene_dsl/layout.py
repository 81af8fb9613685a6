"""Layout: turn a validated scene's relations into a collision-free arrangement.

``solve(scene, seed=None)`` returns a ``Layout``: one ``Placement`` per expanded
entity (base-centre position, rotation about Z in radians, uniform scale and the
resulting world size, the instance it rests on) and readable ``warnings``.
Pure Python (no bpy), deterministic for a given seed (``random.Random(seed)``,
``seed`` defaults to ``scene.seed``). It never raises on a scene it is given:
anything it cannot honour becomes a warning and a best-effort placement.

Conventions
-----------
The camera is at -Y looking toward +Y: *left* is -X, *right* is +X, *in front*
is -Y (closer to the camera), *behind* is +Y. Rotation 0 faces the camera (-Y);
a rotation ``r`` turns the front to the direction ``(sin r, -cos r)``.

The **footprint** of a placement is its axis-aligned XY rectangle
``[x - hx, x + hx] x [y - hy, y + hy]`` with ``(hx, hy) = Placement.half_extents``
(the bounding box of the rotated ``size``). The footprint of an *entity*
``F(E)`` is the bounding box of all its members' footprints and ``c(E)`` is the
centre of that box. ``P(E)``, the entity's reference point, is the centre of
the bounding box of its members' base centres (its position when count is 1;
independent of rotation). ``gap(P, Q)`` is the Euclidean distance between two
rectangles (0 when they touch or overlap). ``EPS = 1e-6`` m absorbs rounding.
``top(b) = b.z + KindSpec.top * b.size[2]`` (the kind's top surface, scaled).

Relation definitions (what ``check`` verifies; "A rel B", A may be a group,
and a group's relations apply to all its members)
-----------------------------------------------------------------------------
left_of      F(A).max_x <= F(B).min_x, and the Y intervals of F(A) and F(B)
             overlap or are at most LATERAL_TOL (1 m) apart.
right_of     F(A).min_x >= F(B).max_x, same Y condition.
in_front_of  F(A).max_y <= F(B).min_y, and the X intervals overlap or are at
             most LATERAL_TOL apart.
behind       F(A).min_y >= F(B).max_y, same X condition.
on           every member a has ``a.support`` = a member b of B, B's kind has a
             top surface, a.z == top(b), and a's XY centre lies inside b's
             footprint (closed). Members are spread over B's members in turn.
under        every member a has a member b of B with a's XY centre inside b's
             footprint, a.z <= b.z and a.z + a.height <= b.z + b.height.
             ``a.under`` names b. (Under-items rest on the ground.)
near         gap(F(A), F(B)) <= max(NEAR_MIN (2 m), 0.5 x the longest side of
             F(A) and F(B)).
next_to      gap(F(A), F(B)) <= NEXT_TO_MAX (1 m).
between      (A, B and target2 C) for every member a, with P its centre,
             p = P(B), q = P(C), L = |q - p|: the projection parameter
             t = (P-p).(q-p)/L^2 is in [0, 1] and P's distance from the line pq
             is <= max(BETWEEN_MIN (1 m), L / 4).
around       the members' centres are all at the same distance r from P(B)
             (within max(1 cm, 1 %)), and no member's footprint overlaps F(B).
facing       every member a turns its front to P(T): the angle between
             (sin a.rotation, -cos a.rotation) and P(T) - a's centre is
             <= FACING_TOL (0.02 rad); vacuous when the centres coincide.

Collision guarantee: no two footprints resting on the ground (``support`` None)
overlap by more than EPS, except an under-item and the instance it is under,
and entities whose explicit ``position`` puts them there. Items on a support
are packed inside its top surface without overlapping while they fit.

Placement rules
---------------
* Explicit ``position`` is kept exactly (a group's members are arranged around
  it); explicit entities are placed first and everything else avoids them.
* Others are placed in dependency order (targets first; ``facing`` is no
  dependency). A relation cycle is broken in document order; the relation that
  closes it is reported as a warning if the result violates it.
* Fixed anchors: ``on`` (onto the support's top), ``under`` (inside the
  target's footprint, on the ground), ``around`` (a ring centred on P(B) whose
  radius grows until it is clear of everything). Otherwise the directional
  relations form a box of allowed group centres; the group is swept along the
  relation's direction (jumping over blockers via a spatial hash) from the
  spot next to the target, trying a few sideways offsets, and the nearest
  collision-free spot wins. ``between``/``next_to``/``near`` try candidate spots
  on the segment / around the target. Entities with no relation fill rows
  left to right from the origin (wrapping behind), so scenes stay compact.
* Only ``on`` lifts things off the ground; all other relations rest on z = 0.
* Compact groups (everything but scatter) are solid for later entities (nothing
  is slipped between their members); a ring's inside is kept free. A target of
  ``around`` reserves room for the ring; targets of one ``between`` are kept
  far enough apart for the in-between entity.
* Rotation: ``facing`` wins, then the entity's ``rotation``, then the
  arrangement default (ring/around members face the centre, scatter and
  cluster members of nature/creature kinds get a random yaw), else 0.
  Entities with ``facing`` reserve a square footprint (any yaw fits).

Limits (best effort, always reported as warnings): a ``near``/``next_to`` next to
something with ``facing`` is placed with a square footprint, so it can end up a
little further than the limit; crowded targets (many near/next_to/around
dependants, things hemmed in by a scatter) may leave no room within the limits.

Group arrangements (count > 1) and defaults
-------------------------------------------
row      along X, centred, ROW_GAP (0.5 m) apart; fences and walls touch.
grid     ceil(sqrt(n)) columns, ROW_GAP apart.
ring     on a circle sized so neighbours do not touch, facing the centre.
cluster  jittered hex packing in a wide ellipse, tight (0.2 m + 25 %).
scatter  jittered hex packing, loose (0.4 m + 70 %) - natural look.
Default: nature kinds -> scatter, creatures -> cluster, fence/wall -> row,
other kinds -> row up to 8 members, grid beyond.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from . import catalog

EPS = 1e-6
CLEAR = 0.1            # minimum gap the solver leaves between ground footprints
SURFACE_CLEAR = 0.02   # between items sharing a support
DIR_GAP_MIN, DIR_GAP_MAX = 0.6, 2.5   # preferred gap for directional relations
ROW_GAP = 0.5
FREE_GAP = 2.0         # between unrelated entities
LATERAL_TOL = 1.0
NEAR_MIN = 2.0
NEXT_TO_MAX = 1.0
BETWEEN_MIN = 1.0
FACING_TOL = 0.02
AROUND_TOL = 0.01
MAX_INSTANCES = 10000

DIRECTIONAL = ("left_of", "right_of", "in_front_of", "behind")
NATURE_SCATTER = True


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
    under: str | None = None     # instance name this one stands under

    @property
    def half_extents(self) -> tuple[float, float]:
        c, s = abs(math.cos(self.rotation)), abs(math.sin(self.rotation))
        w, d = self.size[0], self.size[1]
        return 0.5 * (c * w + s * d), 0.5 * (s * w + c * d)

    @property
    def footprint(self) -> tuple[float, float, float, float]:
        hx, hy = self.half_extents
        x, y = self.position[0], self.position[1]
        return x - hx, y - hy, x + hx, y + hy


@dataclass
class Layout:
    placements: list[Placement]
    warnings: list[str] = field(default_factory=list)

    def by_entity(self, entity_id: str) -> list[Placement]:
        return [p for p in self.placements if p.entity_id == entity_id]

    def get(self, name: str) -> Placement | None:
        for p in self.placements:
            if p.name == name:
                return p
        return None

    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """(min_x, min_y, min_z, max_x, max_y, max_z) of everything placed."""
        if not self.placements:
            return (0.0,) * 6
        xs0, ys0, zs0, xs1, ys1, zs1 = [], [], [], [], [], []
        for p in self.placements:
            x0, y0, x1, y1 = p.footprint
            xs0.append(x0); ys0.append(y0); xs1.append(x1); ys1.append(y1)
            zs0.append(p.position[2]); zs1.append(p.position[2] + p.size[2])
        return min(xs0), min(ys0), min(zs0), max(xs1), max(ys1), max(zs1)


# --------------------------------------------------------------------------
# geometry helpers

def _rot_half(w: float, d: float, rot: float) -> tuple[float, float]:
    c, s = abs(math.cos(rot)), abs(math.sin(rot))
    return 0.5 * (c * w + s * d), 0.5 * (s * w + c * d)


def rect_gap(a, b) -> float:
    """Euclidean distance between rectangles (x0, y0, x1, y1); 0 if they touch/overlap."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return math.hypot(dx, dy)


def rects_overlap(a, b, eps: float = EPS) -> bool:
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


def interval_gap(a0, a1, b0, b1) -> float:
    return max(b0 - a1, a0 - b1, 0.0)


def union_rect(rects):
    rects = list(rects)
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def facing_rotation(x: float, y: float, tx: float, ty: float) -> float:
    """Rotation about Z that turns a front facing -Y toward (tx, ty)."""
    return math.atan2(tx - x, -(ty - y))


class _Grid:
    """Uniform spatial hash of rectangles; query returns ids of rects overlapping a box."""

    __slots__ = ("inv", "cells", "x0", "y0", "x1", "y1", "owner")

    def __init__(self, cell: float = 2.5):
        self.inv = 1.0 / cell
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.x0: list[float] = []
        self.y0: list[float] = []
        self.x1: list[float] = []
        self.y1: list[float] = []
        self.owner: list[object] = []

    def __len__(self) -> int:
        return len(self.x0)

    def add(self, x0, y0, x1, y1, owner=None) -> int:
        i = len(self.x0)
        self.x0.append(x0); self.y0.append(y0); self.x1.append(x1); self.y1.append(y1)
        self.owner.append(owner)
        inv, cells = self.inv, self.cells
        for ix in range(math.floor(x0 * inv), math.floor(x1 * inv) + 1):
            for iy in range(math.floor(y0 * inv), math.floor(y1 * inv) + 1):
                lst = cells.get((ix, iy))
                if lst is None:
                    cells[(ix, iy)] = [i]
                else:
                    lst.append(i)
        return i

    def query(self, x0, y0, x1, y1) -> list[int]:
        n = len(self.x0)
        if n == 0:
            return []
        X0, Y0, X1, Y1 = self.x0, self.y0, self.x1, self.y1
        inv = self.inv
        ix0, ix1 = math.floor(x0 * inv), math.floor(x1 * inv)
        iy0, iy1 = math.floor(y0 * inv), math.floor(y1 * inv)
        ncell = (ix1 - ix0 + 1) * (iy1 - iy0 + 1)
        if ncell > 2 * n + 8:
            return [i for i in range(n) if X0[i] < x1 and X1[i] > x0 and Y0[i] < y1 and Y1[i] > y0]
        cells = self.cells
        if ncell == 1:
            lst = cells.get((ix0, iy0))
            if not lst:
                return []
            return [i for i in lst if X0[i] < x1 and X1[i] > x0 and Y0[i] < y1 and Y1[i] > y0]
        out, seen = [], set()
        for ix in range(ix0, ix1 + 1):
            for iy in range(iy0, iy1 + 1):
                lst = cells.get((ix, iy))
                if not lst:
                    continue
                for i in lst:
                    if i in seen:
                        continue
                    seen.add(i)
                    if X0[i] < x1 and X1[i] > x0 and Y0[i] < y1 and Y1[i] > y0:
                        out.append(i)
        return out


class _Block:
    """A group's members as offsets from the group centre (centre of their bounding box)."""

    __slots__ = ("offs", "bw", "bh", "_lg", "_lcell", "reserve", "cw", "ch")

    def __init__(self, offs, reserve: float = 0.0, shrink: float = 0.0):
        # offs: list of [ox, oy, rot, hx, hy]
        x0 = min(o[0] - o[3] for o in offs); x1 = max(o[0] + o[3] for o in offs)
        y0 = min(o[1] - o[4] for o in offs); y1 = max(o[1] + o[4] for o in offs)
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        self.offs = [(o[0] - cx, o[1] - cy, o[2], o[3], o[4]) for o in offs]
        self.bw, self.bh = max(0.5 * (x1 - x0), reserve), max(0.5 * (y1 - y0), reserve)
        # 'core': half extents the members' final footprints are sure to cover (facing
        # entities reserve a square but may end up narrower)
        self.cw, self.ch = 0.5 * (x1 - x0) - shrink, 0.5 * (y1 - y0) - shrink
        self.reserve = reserve  # a square kept free around the centre (room for an 'around' ring)
        self._lg = None
        self._lcell = 1.0

    def _local_grid(self):
        if self._lg is None:
            g = _Grid(cell=max(1.0, 2.0 * max(max(o[3], o[4]) for o in self.offs)))
            for ox, oy, _r, hx, hy in self.offs:
                g.add(ox - hx, oy - hy, ox + hx, oy + hy)
            self._lg = g
        return self._lg

    def hits(self, grid: _Grid, ax: float, ay: float, clear: float = CLEAR, ignore=()) -> list[int]:
        c = clear * 0.98
        bw, bh = self.bw, self.bh
        ids = grid.query(ax - bw - c, ay - bh - c, ax + bw + c, ay + bh + c)
        if ignore and ids:
            ids = [i for i in ids if i not in ignore]
        if not ids or (len(self.offs) == 1 and not self.reserve) or self.reserve >= max(self.bw, self.bh):
            return ids
        out = []
        X0, Y0, X1, Y1 = grid.x0, grid.y0, grid.x1, grid.y1
        many = len(self.offs) > 24
        for i in ids:
            lx0, ly0, lx1, ly1 = X0[i] - ax - c, Y0[i] - ay - c, X1[i] - ax + c, Y1[i] - ay + c
            rv = self.reserve
            if rv and -rv < lx1 and rv > lx0 and -rv < ly1 and rv > ly0:
                out.append(i)
                continue
            if many:
                if self._local_grid().query(lx0, ly0, lx1, ly1):
                    out.append(i)
            else:
                for ox, oy, _r, hx, hy in self.offs:
                    if ox - hx < lx1 and ox + hx > lx0 and oy - hy < ly1 and oy + hy > ly0:
                        out.append(i)
                        break
        return out


# --------------------------------------------------------------------------
# solver state

class _Ent:
    __slots__ = ("idx", "id", "kind", "spec", "n", "f", "w", "d", "h", "rot", "explicit_rot",
                 "position", "arrangement", "rels", "members", "bbox", "placed", "has_facing",
                 "block", "reserved", "core", "ring_inner", "mode", "solid")

    def bbox_centre(self):
        b = self.bbox
        return 0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])

    def ref(self):
        """Reference point: centre of the bounding box of the members' base centres."""
        ms = self.members
        xs = [m.x for m in ms]
        ys = [m.y for m in ms]
        return 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))


class _Member:
    __slots__ = ("name", "k", "x", "y", "z", "rot", "hx", "hy", "support", "under", "rid")

    def __init__(self, name, k, x, y, z, rot, hx, hy, support=None, under=None):
        self.name, self.k, self.x, self.y, self.z, self.rot = name, k, x, y, z, rot
        self.hx, self.hy, self.support, self.under, self.rid = hx, hy, support, under, None

    def rect(self):
        return self.x - self.hx, self.y - self.hy, self.x + self.hx, self.y + self.hy


_FALLBACK_SPEC = catalog.KindSpec("unknown", "primitive", (1.0, 1.0, 1.0), "#b0b0b0")


def _default_arrangement(kind: str, category: str, n: int) -> str:
    if category == "nature":
        return "scatter"
    if category == "creature":
        return "cluster"
    if kind in ("fence", "wall"):
        return "row"
    return "row" if n <= 8 else "grid"


class _Solver:
    def __init__(self, scene, seed):
        if seed is None:
            seed = getattr(scene, "seed", 0) or 0
        try:
            self.rng = random.Random(seed)
        except TypeError:
            self.rng = random.Random(0)
        self.scene = scene
        self.warnings: list[str] = []
        self.warned: set[tuple[int, int]] = set()
        self.ground = _Grid(2.5)
        self.domains: dict[str, _Grid] = {}
        self.gbox = None  # ground bounding box of everything placed
        self.surface_ptr: dict[tuple, int] = {}
        self.cur_x = None
        self.row_y = 0.0
        self.row_x0 = 0.0
        self.row_w = 30.0
        self.row_top = 0.0
        self.ents: list[_Ent] = []
        self.by_id: dict[str, _Ent] = {}
        self.around_of: dict[int, list[_Ent]] = {}
        self.on_items: dict[str, list[_Member]] = {}
        self.reserved_ids: set[int] = set()
        self.between_room: dict[tuple[int, int], float] = {}

    # ---- input ----------------------------------------------------------
    def warn(self, msg: str, key: tuple[int, int] | None = None) -> None:
        if key is not None:
            if key in self.warned:
                return
            self.warned.add(key)
        self.warnings.append(msg)

    def read(self) -> None:
        total = 0
        for i, e in enumerate(getattr(self.scene, "entities", None) or []):
            E = _Ent()
            E.idx = i
            E.id = str(getattr(e, "id", f"entity{i}"))
            E.kind = str(getattr(e, "kind", "cube"))
            spec = catalog.KINDS.get(E.kind)
            if spec is None:
                self.warn(f"{E.id}: unknown kind {E.kind!r}; placed as a 1 m box")
                spec = _FALLBACK_SPEC
            E.spec = spec
            try:
                n = int(getattr(e, "count", 1) or 0)
            except (TypeError, ValueError):
                n = 1
            if n < 1:
                self.warn(f"{E.id}: count {n} places nothing")
                n = 0
            if total + n > MAX_INSTANCES:
                self.warn(f"{E.id}: too many instances; only {max(0, MAX_INSTANCES - total)} placed")
                n = max(0, MAX_INSTANCES - total)
            total += n
            E.n = n
            try:
                f = float(e.size_factor())
                if not (math.isfinite(f) and f > 0):
                    raise ValueError
            except Exception:
                f = 1.0
            E.f = f
            E.w, E.d, E.h = spec.width * f, spec.depth * f, spec.height * f
            rot = getattr(e, "rotation", None)
            E.explicit_rot = rot is not None and isinstance(rot, (int, float)) and math.isfinite(rot)
            E.rot = math.radians(rot) if E.explicit_rot else 0.0
            pos = getattr(e, "position", None)
            try:
                pos = tuple(float(v) for v in pos) if pos is not None else None
                if pos is not None and (len(pos) != 3 or not all(math.isfinite(v) for v in pos)):
                    raise ValueError
            except (TypeError, ValueError):
                self.warn(f"{E.id}: position {pos!r} is not three finite numbers; ignored")
                pos = None
            E.position = pos
            E.arrangement = getattr(e, "arrangement", None)
            E.rels = []
            E.members = []
            E.bbox = None
            E.placed = False
            E.has_facing = False
            E.block = None
            E.reserved = []
            E.solid = []
            E.core = None
            E.ring_inner = 0.0
            E.mode = None
            self.ents.append(E)
            if E.id in self.by_id:
                self.warn(f"{E.id}: duplicate id; relations to it use the first one")
            else:
                self.by_id[E.id] = E
        for E, e in zip(self.ents, getattr(self.scene, "entities", None) or []):
            has_on = False
            for j, r in enumerate(getattr(e, "relations", None) or []):
                key = (E.idx, j)
                typ = getattr(r, "type", None)
                t, t2 = getattr(r, "target", None), getattr(r, "target2", None)
                T, T2 = self.by_id.get(t), self.by_id.get(t2) if t2 is not None else None
                if typ not in ("left_of", "right_of", "in_front_of", "behind", "on", "under", "near",
                               "next_to", "between", "around", "facing"):
                    self.warn(f"{E.id}: unknown relation {typ!r} ignored", key)
                    continue
                if T is None:
                    self.warn(f"{E.id} {typ} {t}: no entity has id {t!r}; relation ignored", key)
                    continue
                if T is E or T2 is E:
                    self.warn(f"{E.id} {typ}: an entity cannot relate to itself; relation ignored", key)
                    continue
                if T.n == 0 or (T2 is not None and T2.n == 0):
                    self.warn(f"{E.id} {typ} {t}: the target has no instances; relation ignored", key)
                    continue
                if typ == "between" and T2 is None:
                    self.warn(f"{E.id} between {t}: 'between' needs a second target; treated as 'near'", key)
                    typ = "near"
                if typ == "on":
                    if has_on:
                        self.warn(f"{E.id} on {t}: already on something else; ignored", key)
                        continue
                    has_on = True
                if typ == "facing":
                    E.has_facing = True
                E.rels.append((j, typ, T, T2))

    def order(self) -> list[_Ent]:
        out: list[_Ent] = []
        state: dict[int, int] = {}

        def visit(E: _Ent) -> None:
            stack = [(E, 0)]
            state[E.idx] = 1
            while stack:
                cur, i = stack.pop()
                deps = [X for (_j, typ, T, T2) in cur.rels if typ != "facing" for X in (T, T2) if X is not None]
                if i < len(deps):
                    stack.append((cur, i + 1))
                    D = deps[i]
                    if D.idx not in state and D.position is None:
                        state[D.idx] = 1
                        stack.append((D, 0))
                else:
                    state[cur.idx] = 2
                    out.append(cur)

        explicit = [E for E in self.ents if E.position is not None]
        for E in explicit:
            state[E.idx] = 2
        for E in self.ents:
            if E.idx not in state:
                visit(E)
        return explicit + out

    # ---- arrangements ----------------------------------------------------
    def arrange(self, E: _Ent, mode_override: str | None = None) -> list[list[float]]:
        """Member offsets [ox, oy, rot, hx, hy] relative to the group origin."""
        n, w, d = E.n, E.w, E.d
        circ = 0.5 * math.hypot(w, d)

        def half(rot):
            if E.has_facing:
                return circ, circ
            return _rot_half(w, d, rot)

        if n == 1:
            hx, hy = half(E.rot)
            return [[0.0, 0.0, E.rot, hx, hy]]
        mode = mode_override or E.arrangement or _default_arrangement(E.kind, E.spec.category, n)
        E.mode = mode
        rng = self.rng
        out = []
        if mode in ("row", "grid"):
            hx, hy = half(E.rot)
            gap = 0.0 if E.kind in ("fence", "wall") and mode == "row" else ROW_GAP
            sx, sy = 2 * hx + gap, 2 * hy + ROW_GAP
            cols = n if mode == "row" else math.ceil(math.sqrt(n))
            for k in range(n):
                out.append([(k % cols) * sx, (k // cols) * sy, E.rot, hx, hy])
            return out
        if mode == "ring":
            r = self.ring_radius(E, 0.0)
            E.ring_inner = max(0.0, r - circ)
            return self.ring_offsets(E, r, -0.5 * math.pi + math.pi / n)
        # cluster / scatter: jittered hex packing in a wide ellipse
        loose = mode == "scatter"
        rand_yaw = not E.explicit_rot and not E.has_facing and E.spec.category in ("nature", "creature")
        pitch = 2 * circ * (1.7 if loose else 1.25) + (0.4 if loose else 0.2)
        # jitter limited so neighbours' footprints (half extents <= circ) never meet,
        # along the row and between hex rows (0.866 pitch apart)
        jx = max(0.0, 0.5 * (pitch - 2 * circ) - 0.01)
        jy = max(0.0, 0.5 * (0.866 * pitch - 2 * circ) - 0.01)
        m = int(math.ceil(math.sqrt(n * 1.6))) + 2
        cells = []
        for j in range(-m, m + 1):
            for i in range(-m, m + 1):
                x = (i + (0.5 if j & 1 else 0.0)) * pitch
                y = j * pitch * 0.866
                cells.append(((x / 1.4) ** 2 + y * y + 1e-9 * (i + 3 * j), x, y))
        cells.sort()
        for _dist, x, y in cells[:n]:
            rot = rng.uniform(-math.pi, math.pi) if rand_yaw else E.rot
            hx, hy = half(rot)
            out.append([x + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy), rot, hx, hy])
        return out

    def ring_radius(self, E: _Ent, clear_r: float) -> float:
        circ = 0.5 * math.hypot(E.w, E.d)
        n = max(E.n, 1)
        r_space = (2 * circ + 0.2) / (2 * math.sin(math.pi / n)) if n >= 2 else 0.0
        return max(r_space, clear_r)

    def ring_offsets(self, E: _Ent, r: float, phi0: float) -> list[list[float]]:
        """Members on a circle of radius >= r; grown until neighbours' footprints keep apart."""
        for _ in range(30):
            out = self._ring_at(E, r, phi0)
            n = len(out)
            if n < 2:
                return out
            bad = False
            for k in range(n if n > 2 else 1):
                a, b = out[k], out[(k + 1) % n]
                if abs(a[0] - b[0]) < a[3] + b[3] + 0.1 and abs(a[1] - b[1]) < a[4] + b[4] + 0.1:
                    bad = True
                    break
            if not bad:
                return out
            r *= 1.1
        return out

    def _ring_at(self, E: _Ent, r: float, phi0: float) -> list[list[float]]:
        circ = 0.5 * math.hypot(E.w, E.d)
        out = []
        face = not E.explicit_rot
        for k in range(E.n):
            phi = phi0 + 2 * math.pi * k / E.n
            ox, oy = r * math.cos(phi), r * math.sin(phi)
            rot = facing_rotation(ox, oy, 0.0, 0.0) if face else E.rot
            if E.has_facing:
                hx = hy = circ
            else:
                hx, hy = _rot_half(E.w, E.d, rot)
            out.append([ox, oy, rot, hx, hy])
        return out

    # ---- registration -----------------------------------------------------
    def commit(self, E: _Ent, members: list[_Member], domain_ground: bool = True) -> None:
        for m in members:
            if m.support is None:
                m.rid = self.ground.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
                r = m.rect()
                g = self.gbox
                self.gbox = r if g is None else (min(g[0], r[0]), min(g[1], r[1]), max(g[2], r[2]), max(g[3], r[3]))
            else:
                dom = self.domains.get(m.support)
                if dom is None:
                    dom = self.domains[m.support] = _Grid(0.5)
                m.rid = dom.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def set_boxes(self, E: _Ent) -> None:
        ms = E.members
        if not ms:
            return
        E.bbox = union_rect(m.rect() for m in ms)
        if E.has_facing:
            h = 0.5 * min(E.w, E.d)
            E.core = union_rect((m.x - h, m.y - h, m.x + h, m.y + h) for m in ms)
        else:
            E.core = E.bbox

    def shrink(self, E: _Ent) -> float:
        return 0.5 * math.hypot(E.w, E.d) - 0.5 * min(E.w, E.d) if E.has_facing else 0.0

    def names(self, E: _Ent) -> list[str]:
        return [E.id] if E.n == 1 else [f"{E.id}.{k + 1:03d}" for k in range(E.n)]

    def members_at(self, E: _Ent, block: _Block, ax: float, ay: float, z: float = 0.0) -> list[_Member]:
        names = self.names(E)
        return [_Member(names[k], k, ax + o[0], ay + o[1], z, o[2], o[3], o[4])
                for k, o in enumerate(block.offs)]

    # ---- search primitives ----------------------------------------------
    def sweep(self, block: _Block, ax: float, ay: float, dx: int, dy: int, grid=None, clear=CLEAR, ignore=()):
        grid = grid or self.ground
        bw, bh = block.bw, block.bh
        for _ in range(4000):
            hits = block.hits(grid, ax, ay, clear, ignore)
            if not hits:
                return ax, ay
            if dx < 0:
                ax = min(grid.x0[i] for i in hits) - clear - bw
            elif dx > 0:
                ax = max(grid.x1[i] for i in hits) + clear + bw
            elif dy < 0:
                ay = min(grid.y0[i] for i in hits) - clear - bh
            else:
                ay = max(grid.y1[i] for i in hits) + clear + bh
        g = self.gbox  # pathological: jump beyond everything
        if dx < 0:
            return g[0] - clear - bw, ay
        if dx > 0:
            return g[2] + clear + bw, ay
        if dy < 0:
            return ax, g[1] - clear - bh
        return ax, g[3] + clear + bh

    def free(self, block: _Block, ax: float, ay: float, ignore=()) -> bool:
        return not block.hits(self.ground, ax, ay, CLEAR, ignore)

    # ---- placement ---------------------------------------------------------
    def place(self, E: _Ent) -> None:
        if E.n == 0:
            E.placed = True
            return
        rels = [r for r in E.rels if r[2].placed and r[2].members and (r[3] is None or (r[3].placed and r[3].members))]
        if E.position is not None:
            return self.place_explicit(E, rels)
        for r in rels:
            if r[1] == "on":
                if r[2].spec.top is None:
                    self.warn(f"{E.id} on {r[2].id}: a {r[2].kind} has no top surface to stand on; "
                              f"placed next to it instead", (E.idx, r[0]))
                    rels = [x if x is not r else (r[0], "next_to", r[2], None) for x in rels]
                    break
                return self.place_on(E, r)
        for r in rels:
            if r[1] == "under":
                return self.place_under(E, r, rels)
        for r in rels:
            if r[1] == "around":
                return self.place_around(E, r)
        offs = self.arrange(E)
        # a ring's inside is a courtyard: nothing else is put there
        block = _Block(offs, E.ring_inner * 0.7, self.shrink(E))
        reserve = 0.0
        tight = any(r[1] in ("near", "next_to", "between") for r in rels)  # a reservation would push it away
        for A in (() if tight else self.around_of.get(E.idx, ())):
            circ = 0.5 * math.hypot(A.w, A.d)
            r = self.ring_radius(A, math.hypot(block.bw, block.bh) + circ + 0.5)
            reserve = max(reserve, r + circ + CLEAR)
        reserve = max(reserve, E.ring_inner * 0.7)
        if reserve > 0:
            block = _Block(offs, reserve, self.shrink(E))
        E.block = block
        ax, ay = self.find_spot(E, block, rels)
        self.commit(E, self.members_at(E, block, ax, ay))
        if E.n > 1 and E.mode != "scatter":
            # a compact group is solid: nothing else is slipped between its members
            E.solid.append(self.ground.add(*E.bbox, None))
        if reserve > 0:
            rid = self.ground.add(ax - reserve, ay - reserve, ax + reserve, ay + reserve, None)
            if E.idx in self.around_of and not tight:
                E.reserved.append(rid)
                self.reserved_ids.add(rid)

    def place_explicit(self, E: _Ent, rels) -> None:
        block = _Block(self.arrange(E))
        x, y, z = E.position
        members = self.members_at(E, block, x, y, z)
        on = next((r for r in rels if r[1] == "on"), None)
        if on is not None and on[2].spec.top is not None:
            for m in members:
                for s in on[2].members:
                    if s.x - s.hx <= m.x <= s.x + s.hx and s.y - s.hy <= m.y <= s.y + s.hy:
                        m.support = s.name
                        break
        self.commit(E, members)

    def dir_constraints(self, E: _Ent, block: _Block, rels):
        """Box of allowed centres from directional relations, preferred point, sweep dirs."""
        bw, bh = block.bw, block.bh
        xlo, xhi, ylo, yhi = -math.inf, math.inf, -math.inf, math.inf
        prefs, dirs = [], []
        for j, typ, T, _T2 in rels:
            if typ not in DIRECTIONAL:
                continue
            x0, y0, x1, y1 = T.bbox
            k0, l0, k1, l1 = T.core
            cw, ch = block.cw, block.ch
            cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
            g = min(DIR_GAP_MAX, max(DIR_GAP_MIN, 0.15 * max(bw, bh, 0.5 * (x1 - x0), 0.5 * (y1 - y0))))
            g += self.between_room.get((min(E.idx, T.idx), max(E.idx, T.idx)), 0.0)  # leave room
            m = 0.05
            if typ == "left_of":
                c = (-math.inf, x0 - bw - CLEAR, l0 - ch + m, l1 + ch - m); p = (x0 - bw - g, cy); dd = (-1, 0)
            elif typ == "right_of":
                c = (x1 + bw + CLEAR, math.inf, l0 - ch + m, l1 + ch - m); p = (x1 + bw + g, cy); dd = (1, 0)
            elif typ == "in_front_of":
                c = (k0 - cw + m, k1 + cw - m, -math.inf, y0 - bh - CLEAR); p = (cx, y0 - bh - g); dd = (0, -1)
            else:
                c = (k0 - cw + m, k1 + cw - m, y1 + bh + CLEAR, math.inf); p = (cx, y1 + bh + g); dd = (0, 1)
            nxlo, nxhi, nylo, nyhi = max(xlo, c[0]), min(xhi, c[1]), max(ylo, c[2]), min(yhi, c[3])
            if nxlo > nxhi or nylo > nyhi:
                continue  # contradicts earlier ones: reported by the final check
            xlo, xhi, ylo, yhi = nxlo, nxhi, nylo, nyhi
            prefs.append(p)
            if dd not in dirs:
                dirs.append(dd)
        return (xlo, xhi, ylo, yhi), prefs, dirs

    def find_spot(self, E: _Ent, block: _Block, rels) -> tuple[float, float]:
        R, prefs, dirs = self.dir_constraints(E, block, rels)
        xlo, xhi, ylo, yhi = R

        def inR(x, y):
            return xlo - 1e-9 <= x <= xhi + 1e-9 and ylo - 1e-9 <= y <= yhi + 1e-9

        def clamp(x, y):
            return min(max(x, xlo), xhi), min(max(y, ylo), yhi)

        for soft in (False, True):  # second pass: room kept for rings is usable
            for j, typ, T, T2 in rels:
                if typ == "between":
                    spot = self.between_spot(E, block, T, T2, inR, soft)
                    if spot is not None:
                        return spot
                elif typ in ("near", "next_to"):
                    spot = self.near_spot(block, T, typ, inR, E, soft)
                    if spot is not None:
                        return spot
            if not self.reserved_ids:
                break
        if prefs:
            px = sum(p[0] for p in prefs) / len(prefs)
            py = sum(p[1] for p in prefs) / len(prefs)
            px, py = clamp(px, py)
            if self.free(block, px, py):
                return px, py
            best, best_cost, fallback, fb_cost = None, math.inf, None, math.inf
            for dx, dy in dirs:
                horiz = dx != 0
                lo, hi = (ylo, yhi) if horiz else (xlo, xhi)
                base = py if horiz else px
                span = min(hi, base + 40.0) - max(lo, base - 40.0)
                step = max(0.5, min(2 * (block.bh if horiz else block.bw), 4.0), span / 12.0 if math.isfinite(span) else 0.5)
                offs = [0.0]
                for k in range(1, 13):
                    offs += [k * step, -k * step]
                for o in offs:
                    if abs(o) >= best_cost:
                        break
                    lat = base + o
                    if lat < lo - 1e-9 or lat > hi + 1e-9:
                        continue
                    sx, sy = (px, lat) if horiz else (lat, py)
                    ex, ey = self.sweep(block, sx, sy, dx, dy)
                    cost = math.hypot(ex - px, ey - py)
                    if inR(ex, ey):
                        if cost < best_cost:
                            best, best_cost = (ex, ey), cost
                    elif cost < fb_cost:
                        fallback, fb_cost = (ex, ey), cost
            if best is not None:
                return best
            if fallback is not None:
                return fallback
        for j, typ, T, T2 in rels:
            if typ in ("near", "next_to", "between"):
                return self.beside(block, T if typ != "between" else None, T, T2)
        return self.free_spot(block)

    def beside(self, block: _Block, T, B=None, C=None) -> tuple[float, float]:
        """Nearest collision-free spot around T (or around the midpoint of B and C)."""
        if T is not None:
            x0, y0, x1, y1 = T.bbox
        else:
            (bx, by), (qx, qy) = B.ref(), C.ref()
            x0 = x1 = 0.5 * (bx + qx)
            y0 = y1 = 0.5 * (by + qy)
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        bw, bh = block.bw, block.bh
        g = CLEAR + 0.02
        best, cost = None, math.inf
        for sx, sy, dx, dy in ((x0 - g - bw, cy, -1, 0), (x1 + g + bw, cy, 1, 0),
                               (cx, y0 - g - bh, 0, -1), (cx, y1 + g + bh, 0, 1)):
            if T is None:
                sx, sy = cx, cy
            ex, ey = self.sweep(block, sx, sy, dx, dy)
            c = math.hypot(ex - cx, ey - cy)
            if c < cost:
                best, cost = (ex, ey), c
        return best

    def free_spot(self, block: _Block) -> tuple[float, float]:
        """Rows left to right from the origin, wrapping behind what is placed."""
        if self.cur_x is None:
            ax, ay = 0.0, 0.0
            if not self.free(block, ax, ay):
                ax, ay = self.sweep(block, ax, ay, 1, 0)
        else:
            ax, ay = self.sweep(block, self.cur_x + block.bw, self.row_y, 1, 0)
            if ax + block.bw > self.row_x0 + self.row_w:
                self.row_y = self.row_top + FREE_GAP + block.bh
                ax, ay = self.sweep(block, self.row_x0 + block.bw, self.row_y, 1, 0)
        self.cur_x = ax + block.bw + FREE_GAP
        self.row_top = max(self.row_top, ay + block.bh)
        return ax, ay

    def final_rect(self, E, block: _Block, x: float, y: float):
        """A rectangle the entity's final footprint is sure to cover if its group centre is (x, y)."""
        if E is not None and E.has_facing and E.n == 1:
            F = next((r[2] for r in E.rels if r[1] == "facing"), None)
            if F is not None and F.placed and F.members and F is not E:
                fx, fy = F.ref()
                hx, hy = _rot_half(E.w, E.d, facing_rotation(x, y, fx, fy))
                return x - hx, y - hy, x + hx, y + hy
        return x - block.cw, y - block.ch, x + block.cw, y + block.ch

    def near_spot(self, block: _Block, T: _Ent, typ: str, inR, E=None, soft=False):
        x0, y0, x1, y1 = T.bbox
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        bw, bh = block.bw, block.bh
        tc = T.core
        ign = set(self.reserved_ids) if soft else set(T.reserved)  # room kept for rings
        ign.update(T.solid)
        if typ == "next_to":
            lim = NEXT_TO_MAX
            gaps = (0.3, CLEAR + 0.02, 0.6, 0.9)
        else:
            lim = max(NEAR_MIN, 0.5 * max(tc[2] - tc[0], tc[3] - tc[1], 2 * block.cw, 2 * block.ch))
            gaps = (min(1.0, lim * 0.5), CLEAR + 0.02, lim * 0.75, lim * 0.97)
        sides = ["W", "E", "S", "N"]
        if typ == "near":
            k = self.rng.randrange(4)
            sides = sides[k:] + sides[:k]
        fr = (0.0, -0.5, 0.5, -1.0, 1.0)
        outward = {"W": (-1, 0), "E": (1, 0), "S": (0, -1), "N": (0, 1)}
        for g in gaps + (None,):
            swept = g is None   # last pass: slide outward from the closest spots
            if swept:
                g = CLEAR + 0.02
            cands = []
            for s in sides:
                if s == "W":
                    x = x0 - g - bw
                    cands += [(x, cy + f * (y1 - y0 + 2 * bh) * 0.5) for f in fr]
                elif s == "E":
                    x = x1 + g + bw
                    cands += [(x, cy + f * (y1 - y0 + 2 * bh) * 0.5) for f in fr]
                elif s == "S":
                    y = y0 - g - bh
                    cands += [(cx + f * (x1 - x0 + 2 * bw) * 0.5, y) for f in fr]
                else:
                    y = y1 + g + bh
                    cands += [(cx + f * (x1 - x0 + 2 * bw) * 0.5, y) for f in fr]
            if swept:
                out = []
                for idx, (x, y) in enumerate(cands):
                    dx, dy = outward[sides[idx // len(fr)]]
                    out.append(self.sweep(block, x, y, dx, dy, ignore=ign))
                cands = out
            else:
                gd = g * 0.7
                cands += [(x0 - gd - bw, y0 - gd - bh), (x1 + gd + bw, y0 - gd - bh),
                          (x0 - gd - bw, y1 + gd + bh), (x1 + gd + bw, y1 + gd + bh)]
            for x, y in cands:
                if inR(x, y) and rect_gap(self.final_rect(E, block, x, y), tc) <= lim - 1e-6 \
                        and self.free(block, x, y, ign):
                    return x, y
        return None

    def between_spot(self, E: _Ent, block: _Block, T: _Ent, T2: _Ent, inR, soft=False):
        if T is T2 and len(T.members) >= 2:
            # "between two trees": between the two farthest-apart members of one group
            (px, py), (qx, qy) = group_ends([(m.x, m.y) for m in T.members])
        else:
            px, py = T.ref()
            qx, qy = T2.ref()
        vx, vy = qx - px, qy - py
        L = math.hypot(vx, vy)
        if L < 1e-9:
            return None
        ux, uy = vx / L, vy / L
        nx, ny = -uy, ux
        tol = max(BETWEEN_MIN, L / 4)
        # members' offsets must stay inside the region as well
        offs = block.offs
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9, 0.0, 1.0):
            for s in (0.0, 0.4, -0.4, 0.8, -0.8, 0.97, -0.97):
                ax = px + vx * t + nx * tol * s
                ay = py + vy * t + ny * tol * s
                if not inR(ax, ay):
                    continue
                ok = True
                for ox, oy, *_ in offs:
                    rx, ry = ax + ox - px, ay + oy - py
                    tt = (rx * vx + ry * vy) / (L * L)
                    if tt < 0 or tt > 1 or abs(rx * nx + ry * ny) > tol:
                        ok = False
                        break
                if ok and self.free(block, ax, ay, self.reserved_ids if soft else ()):
                    return ax, ay
        return None

    def place_on(self, E: _Ent, rel) -> None:
        j, _typ, T, _ = rel
        names = self.names(E)
        supports = T.members
        top = T.spec.top
        members = []
        too_big = False
        full = False
        lhx, lhy = _rot_half(E.w, E.d, E.rot)   # footprint in the support's own frame
        if E.has_facing:
            lhx = lhy = 0.5 * math.hypot(E.w, E.d)
        for k in range(E.n):
            s = supports[k % len(supports)]
            rot = s.rot + E.rot          # items on a support turn with it
            if E.has_facing:
                hx = hy = lhx
            else:
                hx, hy = _rot_half(E.w, E.d, rot)
            z = s.z + top * T.h
            dom = self.domains.get(s.name)
            if dom is None:
                dom = self.domains[s.name] = _Grid(0.5)
            shw, shh = 0.5 * T.w, 0.5 * T.d
            if 2 * lhx > 2 * shw + EPS or 2 * lhy > 2 * shh + EPS:
                too_big = True
                x, y = s.x, s.y
            else:
                key = (s.name, round(lhx, 6), round(lhy, 6), round(rot, 6))
                cands = self._surface_cands(s, shw, shh, lhx, lhy)
                i0 = self.surface_ptr.get(key, 0)
                blk = _Block([[0.0, 0.0, rot, hx, hy]])
                x = y = None
                for i in range(i0, len(cands)):
                    cx, cy = cands[i]
                    if not blk.hits(dom, cx, cy, SURFACE_CLEAR):
                        x, y = cx, cy
                        self.surface_ptr[key] = i
                        break
                if x is None:
                    self.surface_ptr[key] = len(cands)
                    full = True
                    x, y = s.x, s.y
            m = _Member(names[k], k, x, y, z, rot, hx, hy, support=s.name)
            m.rid = dom.add(x - hx, y - hy, x + hx, y + hy, m)
            self.on_items.setdefault(s.name, []).append(m)
            members.append(m)
        if too_big:
            self.warn(f"{E.id} on {T.id}: a {E.kind} ({E.w:.2f} x {E.d:.2f} m) is too big for the top of a "
                      f"{T.kind} ({T.w:.2f} x {T.d:.2f} m); centred on it", (E.idx, j))
        elif full:
            self.warn(f"{E.id} on {T.id}: not enough free room on its top; overlaps what is already there",
                      (E.idx, j))
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def _surface_cands(self, s: _Member, shw: float, shh: float, hx: float, hy: float):
        """Points on s's top (in its rotated frame) where an item of local half size hx, hy fits."""
        x0, y0, x1, y1 = -shw + hx, -shh + hy, shw - hx, shh - hy
        nx = max(1, min(15, int((x1 - x0) / max(hx, 0.05)) + 1))
        ny = max(1, min(15, int((y1 - y0) / max(hy, 0.05)) + 1))
        c, sn = math.cos(s.rot), math.sin(s.rot)
        pts = []
        for i in range(nx):
            lx = x0 + (x1 - x0) * (i / (nx - 1) if nx > 1 else 0.5)
            for jj in range(ny):
                ly = y0 + (y1 - y0) * (jj / (ny - 1) if ny > 1 else 0.5)
                pts.append((abs(ly) * 2 + abs(lx), s.x + lx * c - ly * sn, s.y + lx * sn + ly * c))
        pts.sort()
        return [(x, y) for _c, x, y in pts]

    def place_under(self, E: _Ent, rel, rels) -> None:
        j, _typ, T, _ = rel
        names = self.names(E)
        members = []
        ok = True
        for k in range(E.n):
            b = T.members[k % len(T.members)]
            rot = E.rot
            if E.has_facing:
                hx = hy = 0.5 * math.hypot(E.w, E.d)
            else:
                hx, hy = _rot_half(E.w, E.d, rot)
            blk = _Block([[0.0, 0.0, rot, hx, hy]])
            ignore = set(T.reserved) | set(T.solid)
            if b.rid is not None and b.support is None:
                ignore.add(b.rid)
            spot = None
            if T.has_facing:  # b may still turn: stay inside the disc its footprint always covers
                r = 0.5 * min(T.w, T.d) * 0.999
                pts = [(0.0, b.x, b.y)]
                for ring in (0.33, 0.66, 1.0):
                    for a in range(8):
                        ang = a * math.pi / 4
                        pts.append((ring, b.x + r * ring * math.cos(ang), b.y + r * ring * math.sin(ang)))
            else:
                bx0, by0, bx1, by1 = b.rect()
                steps = 7
                pts = []
                for i in range(steps):
                    for jj in range(steps):
                        x = bx0 + (bx1 - bx0) * i / (steps - 1)
                        y = by0 + (by1 - by0) * jj / (steps - 1)
                        pts.append(((x - b.x) ** 2 + (y - b.y) ** 2, x, y))
                pts.sort()
            for _d, x, y in pts:
                if not blk.hits(self.ground, x, y, CLEAR, ignore):
                    spot = (x, y)
                    break
            under = b.name
            if spot is None:
                # this member goes beside; the others still stand under theirs (each says so itself:
                # an under-item may overlap only the instance it is under)
                ok, under = False, None
                spot = self.near_spot(blk, T, "near", lambda x, y: True) or self.beside(blk, T)
            m = _Member(names[k], k, spot[0], spot[1], 0.0, rot, hx, hy, under=under)
            self.commit_one(m)
            members.append(m)
        if not ok:
            self.warn(f"{E.id} under {T.id}: no free room under it; placed beside it", (E.idx, j))
        elif E.h > T.h + (T.members[0].z if T.members else 0.0) + EPS:
            self.warn(f"{E.id} under {T.id}: a {E.kind} ({E.h:.2f} m tall) does not fit under a "
                      f"{T.kind} ({T.h:.2f} m tall)", (E.idx, j))
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def commit_one(self, m: _Member) -> None:
        m.rid = self.ground.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
        r = m.rect()
        g = self.gbox
        self.gbox = r if g is None else (min(g[0], r[0]), min(g[1], r[1]), max(g[2], r[2]), max(g[3], r[3]))

    def place_around(self, E: _Ent, rel) -> None:
        j, _typ, T, _ = rel
        cx, cy = T.ref()
        x0, y0, x1, y1 = T.bbox
        circ = 0.5 * math.hypot(E.w, E.d)
        reach = max(math.hypot(px - cx, py - cy) for px in (x0, x1) for py in (y0, y1))
        r = self.ring_radius(E, reach + circ + 0.5)
        phi0 = -0.5 * math.pi + (math.pi / E.n if E.n > 1 else 0.0)
        step = max(0.5, circ)
        ign = set(T.reserved) | set(T.solid)
        names = self.names(E)
        r_first = r
        for attempt in range(48):
            if r > r_first + 80.0:
                attempt = None
                break
            block_offs = self.ring_offsets(E, r, phi0)
            if all(not [i for i in self.ground.query(cx + o[0] - o[3] - CLEAR, cy + o[1] - o[4] - CLEAR,
                                                     cx + o[0] + o[3] + CLEAR, cy + o[1] + o[4] + CLEAR)
                        if i not in ign]
                   for o in block_offs):
                members = [_Member(names[k], k, cx + o[0], cy + o[1], 0.0, o[2], o[3], o[4])
                           for k, o in enumerate(block_offs)]
                break
            r += step
            if attempt >= 12:
                step *= 1.4
        else:
            attempt = None
        if attempt is None:
            # crowded: each member takes the nearest free spot outward from its place on the ring
            self.warn(f"{E.id} around {T.id}: not enough free room for a ring around it; "
                      f"members placed as close as possible", (E.idx, j))
            members = []
            for k, o in enumerate(self.ring_offsets(E, r_first, phi0)):
                blk = _Block([[0.0, 0.0, o[2], o[3], o[4]]])
                x, y = cx + o[0], cy + o[1]
                if blk.hits(self.ground, x, y, CLEAR, ign):
                    if abs(o[0]) >= abs(o[1]):
                        x, y = self.sweep(blk, x, y, 1 if o[0] >= 0 else -1, 0)
                    else:
                        x, y = self.sweep(blk, x, y, 0, 1 if o[1] >= 0 else -1)
                m = _Member(names[k], k, x, y, 0.0, o[2], o[3], o[4])
                self.commit_one(m)
                members.append(m)
            E.members = members
            E.placed = True
            self.set_boxes(E)
            members = None
        if members is not None:
            self.commit(E, members)
        for i in T.reserved:  # the ring is placed: free the reservation
            self.ground.x0[i], self.ground.x1[i] = math.inf, -math.inf
            self.reserved_ids.discard(i)
        T.reserved = []

    # ---- finish --------------------------------------------------------------
    def real_centre(self, T: _Ent) -> tuple[float, float]:
        rects = []
        for m in T.members:
            hx, hy = _rot_half(T.w, T.d, m.rot)
            rects.append((m.x - hx, m.y - hy, m.x + hx, m.y + hy))
        b = union_rect(rects)
        return 0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])

    def turn_items_on(self, name: str, px: float, py: float, delta: float) -> None:
        """Carry what stands on ``name`` along when it turns by ``delta`` about (px, py)."""
        c, s = math.cos(delta), math.sin(delta)
        for it in self.on_items.get(name, ()):
            dx, dy = it.x - px, it.y - py
            it.x, it.y = px + dx * c - dy * s, py + dx * s + dy * c
            it.rot += delta
            self.turn_items_on(it.name, px, py, delta)

    def finish_facing(self) -> None:
        todo = []
        for E in self.ents:
            rel = next((r for r in E.rels if r[1] == "facing" and r[2].members), None)
            if rel is not None and E.members:
                todo.append((E, rel[2]))
        for _ in range(6):
            changed = False
            for E, T in todo:
                tx, ty = T.ref()
                for m in E.members:
                    if math.hypot(tx - m.x, ty - m.y) < 1e-9:
                        continue
                    new = facing_rotation(m.x, m.y, tx, ty)
                    delta = math.remainder(new - m.rot, 2 * math.pi)
                    if abs(delta) > 1e-9:
                        m.rot = new
                        self.turn_items_on(m.name, m.x, m.y, delta)
                        changed = True
            if not changed:
                break

    def run(self):
        self.read()
        free_area = sum((E.w + FREE_GAP) * (E.d + FREE_GAP) * max(E.n, 1) * (2.0 if E.n > 1 else 1.0)
                        for E in self.ents if not E.rels and E.position is None)
        self.row_w = max(30.0, 1.6 * math.sqrt(free_area))
        for E in self.ents:
            for _j, typ, T, _T2 in E.rels:
                if typ == "around" and T.position is None and E.position is None:
                    self.around_of.setdefault(T.idx, []).append(E)
                if typ == "between" and _T2 is not None:
                    key = (min(T.idx, _T2.idx), max(T.idx, _T2.idx))
                    room = 2 * CLEAR + 0.5 + math.hypot(E.w, E.d) * math.ceil(math.sqrt(max(E.n, 1)))
                    self.between_room[key] = max(self.between_room.get(key, 0.0), room)
        for E in self.order():
            try:
                self.place(E)
            except Exception as exc:  # never let one entity sink the scene
                self.warn(f"{E.id}: could not be placed by the rules ({type(exc).__name__}: {exc}); "
                          f"placed in a free spot")
                if E.n and not E.members:
                    blk = _Block(self.arrange(E, "row"))
                    ax, ay = self.free_spot(blk)
                    self.commit(E, self.members_at(E, blk, ax, ay))
                E.placed = True
        self.finish_facing()
        placements = []
        for E in self.ents:
            for m in E.members:
                placements.append(Placement(m.name, E.id, m.k, E.kind, (m.x, m.y, m.z), m.rot, E.f,
                                            (E.w, E.d, E.h), m.support, m.under))
        layout = Layout(placements, self.warnings)
        for (idx, j, msg) in check(self.scene, layout):
            self.warn(msg, (idx, j))
        return layout


def solve(scene, seed: int | None = None) -> Layout:
    """Place every expanded entity of ``scene``; see the module docstring for the rules."""
    return _Solver(scene, seed).run()


# --------------------------------------------------------------------------
# checking

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
    """Every relation of ``scene`` that ``layout`` violates, per the module docstring's definitions.

    Returns (entity index, relation index, readable message). Relations that
    cannot be evaluated (unknown target, self reference) are skipped.
    """
    groups: dict[str, list[Placement]] = {}
    for p in layout.placements:
        groups.setdefault(p.entity_id, []).append(p)
    boxes = {eid: union_rect(p.footprint for p in ps) for eid, ps in groups.items()}
    refs = {eid: ref_point(ps) for eid, ps in groups.items()}
    out = []
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
                             pb, pc)
            if msg:
                out.append((i, j, f"{e.id} {typ} {t}{(' and ' + t2) if typ == 'between' and t2 else ''}: "
                                  f"not satisfied ({msg})"))
    return out


def _top_of(kind: str) -> float | None:
    spec = catalog.KINDS.get(kind)
    return None if spec is None else spec.top


def ref_point(ps) -> tuple[float, float]:
    """P(E): centre of the bounding box of the members' base centres (rotation-independent)."""
    xs = [p.position[0] for p in ps]
    ys = [p.position[1] for p in ps]
    return 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))


def _check_one(typ, e, A, fa, B, fb, C, fc, pb, pc) -> str | None:
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
        top = _top_of(B[0].kind)
        if top is None:
            return f"a {B[0].kind} has no top surface"
        names = {p.name: p for p in B}
        for a in A:
            b = names.get(a.support)
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
