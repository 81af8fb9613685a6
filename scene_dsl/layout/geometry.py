"""Layout geometry: the tolerances, the result types and the rectangle helpers.

``Placement`` and ``Layout`` are what ``solve`` returns; ``rect_gap``,
``rects_overlap``, ``interval_gap`` and ``union_rect`` work on axis-aligned
rectangles ``(x0, y0, x1, y1)``; ``facing_rotation`` is the yaw that turns a
front toward a point. ``_Grid`` (a spatial hash of rectangles) and ``_Block``
(a group's members as offsets from its centre) are the solver's collision tools.
The conventions are in the package docstring.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

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
# rectangle helpers

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
    """Uniform spatial hash of rectangles; query returns ids of rects overlapping a box.

    A rectangle covering more than ``BIG_CELLS`` cells (a hill scaled 100x is kilometres
    wide) is kept in a short list checked on every query instead of being hashed into
    every cell it covers, so memory stays proportional to the number of rectangles.
    """

    __slots__ = ("inv", "cells", "x0", "y0", "x1", "y1", "owner", "big")
    BIG_CELLS = 1 << 14

    def __init__(self, cell: float = 2.5):
        self.inv = 1.0 / cell
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.x0: list[float] = []
        self.y0: list[float] = []
        self.x1: list[float] = []
        self.y1: list[float] = []
        self.owner: list[object] = []
        self.big: list[int] = []

    def __len__(self) -> int:
        return len(self.x0)

    def add(self, x0, y0, x1, y1, owner=None) -> int:
        i = len(self.x0)
        self.x0.append(x0); self.y0.append(y0); self.x1.append(x1); self.y1.append(y1)
        self.owner.append(owner)
        inv, cells = self.inv, self.cells
        ix0, ix1 = math.floor(x0 * inv), math.floor(x1 * inv)
        iy0, iy1 = math.floor(y0 * inv), math.floor(y1 * inv)
        if (ix1 - ix0 + 1) * (iy1 - iy0 + 1) > self.BIG_CELLS:
            self.big.append(i)
            return i
        for ix in range(ix0, ix1 + 1):
            for iy in range(iy0, iy1 + 1):
                lst = cells.get((ix, iy))
                if lst is None:
                    cells[(ix, iy)] = [i]
                else:
                    lst.append(i)
        return i

    def query(self, x0, y0, x1, y1) -> list[int]:
        out = self._query_cells(x0, y0, x1, y1)
        if self.big:
            X0, Y0, X1, Y1 = self.x0, self.y0, self.x1, self.y1
            known = set(out)
            out += [i for i in self.big if i not in known and X0[i] < x1 and X1[i] > x0 and Y0[i] < y1
                    and Y1[i] > y0]
        return out

    def _query_cells(self, x0, y0, x1, y1) -> list[int]:
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

    __slots__ = ("offs", "bw", "bh", "_lg", "reserve", "cw", "ch")

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
