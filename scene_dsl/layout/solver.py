"""Layout solver: ``solve(scene)`` places every expanded entity of a scene.

One module because the solver is one object with shared mutable state (the
ground's spatial hash, the per-support grids, the random generator whose draw
order fixes every placement, ring reservations and the free-row cursor): its
steps call each other back and forth, and splitting the class across modules
would scatter that state without making any step independent.

``_Ent`` is one scene entry as the solver sees it (sizes already scaled, its
usable relations resolved to other ``_Ent``), ``_Member`` one placed instance.
The placement rules are in the package docstring; ``verify.check`` is the
final word on whether a relation holds.
"""
from __future__ import annotations

import math
import random

from .. import catalog
from .geometry import (BETWEEN_MIN, CLEAR, DIR_GAP_MAX, DIR_GAP_MIN, DIRECTIONAL, EPS, FREE_GAP,
                       MAX_INSTANCES, NEAR_MIN, NEXT_TO_MAX, ROW_GAP, SURFACE_CLEAR, Layout, Placement,
                       _Block, _Grid, _rot_half, facing_rotation, rect_gap, union_rect)
from .verify import check, group_ends


SEEN_PAST = 0.35    # tan(~20 deg): how far past a target's corner a camera turned a little still looks


class _Ent:
    """One scene entry as the solver sees it.

    index: its place in ``scene.entities``; id, kind, spec: its ``KindSpec`` (a
    1 m box for an unknown kind); count: instances to place (0: none); scale: the
    size factor; width, depth, height: the kind's size times scale (m);
    rotation: its own yaw in radians (0 unless given), explicit_rotation: whether
    the scene gave one; position: the explicit (x, y, z) or None; arrangement: as
    written (None: the default), mode: the arrangement its group was laid out in;
    relations: the usable ones as (relation index, type, target, second target or
    None), targets being ``_Ent``; members: its placed ``_Member``s; bbox: the
    union of their footprints; core: a rectangle their final footprints surely
    cover (bbox unless it turns to face something); placed, has_facing; ring_inner: the free radius inside a ring
    arrangement; reserved: ground-grid ids of the square kept free for a ring
    around it; solid: ground-grid ids of its group's bounding box; opening: where the middle of a
    group split round a target it stands behind lies, from the group's centre (``split_behind``).
    """

    __slots__ = ("index", "id", "kind", "spec", "count", "scale", "width", "depth", "height", "rotation",
                 "explicit_rotation", "position", "arrangement", "relations", "members", "bbox", "placed",
                 "has_facing", "reserved", "core", "ring_inner", "mode", "solid", "opening")

    def ref(self):
        """Reference point: centre of the bounding box of the members' base centres."""
        ms = self.members
        xs = [m.x for m in ms]
        ys = [m.y for m in ms]
        return 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))


class _Member:
    """One placed instance: its name, index in its group, base centre (x, y, z), yaw, half extents
    (hx, hy) of its footprint, the instance it rests on / stands under, and grid_id: the id of its
    rectangle in the grid it was added to (the ground's, or its support's top)."""

    __slots__ = ("name", "index", "x", "y", "z", "rotation", "hx", "hy", "support", "under", "grid_id")

    def __init__(self, name, index, x, y, z, rotation, hx, hy, support=None, under=None):
        self.name, self.index, self.x, self.y, self.z, self.rotation = name, index, x, y, z, rotation
        self.hx, self.hy, self.support, self.under, self.grid_id = hx, hy, support, under, None

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
    """One solve of one scene; ``run`` does it in four steps.

    1. Read (``read``): every scene entry becomes an ``_Ent``; bad input (unknown
       kind or relation, missing target, bad count or position, too many
       instances, a second ``on``) is dropped or repaired with a warning, so
       nothing later has to check it.
    2. Order (``order``): entities with an explicit position first, then the
       rest depth-first so that every target comes before what depends on it
       (``facing`` is no dependency; a cycle is cut where it closes). Before
       placing, ``run`` sizes the free-row width and notes the room that rings
       (``around``) need round their targets and ``between`` entities between
       their two targets.
    3. Place each entity (``place``) in that order: explicit ones where they are
       told; ``on`` onto a support's top (``place_on``), ``under`` inside its
       target's footprint (``place_under``), ``around`` on a growing ring
       (``place_around``); anything else is arranged as a ``_Block``
       (``arrange``) and put at the best collision-free spot for its relations
       (``find_spot``: between/near/next_to candidates, then sweeping along the
       directional relations, else ``beside`` the target or the next free row).
       Ground footprints go into ``ground``, a spatial hash that every later
       search avoids; items on a support go into that support's own grid.
    4. Finish: ``finish_facing`` turns ``facing`` members toward their targets'
       final reference points (carrying what stands on them along), the result
       becomes a ``Layout``, and ``check`` reports every relation it violates.

    The random generator is drawn in a fixed order, so a seed fixes the result.
    """

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
        self.ground = _Grid(2.5)  # footprints resting on the ground (and reservations)
        self.surface_grids: dict[str, _Grid] = {}  # support instance name -> what stands on its top
        self.ground_bbox = None  # ground bounding box of everything placed
        # (support, item size, yaw) -> index of the surface candidate to resume scanning at
        self.surface_scan_from: dict[tuple, int] = {}
        # free rows for entities without relations: cursor x (None: nothing yet), row y, start, width, top
        self.row_cursor = None
        self.row_y = 0.0
        self.row_x0 = 0.0
        self.row_width = 30.0
        self.row_top = 0.0
        self.entities: list[_Ent] = []
        self.by_id: dict[str, _Ent] = {}
        self.around_of: dict[int, list[_Ent]] = {}  # entity index -> entities placed around it
        self.member_height: dict[str, float] = {}  # placed instance name -> its height
        self.on_items: dict[str, list[_Member]] = {}  # support instance name -> members on it
        self.reserved_ids: set[int] = set()  # ground ids of squares kept free for rings
        self.between_room: dict[tuple[int, int], float] = {}  # (index, index) -> gap to keep between them

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
            E.index = i
            E.id = str(getattr(e, "id", f"entity{i}"))
            E.kind = str(getattr(e, "kind", "cube"))
            spec = catalog.KINDS.get(E.kind)
            if getattr(e, "parts", None) is not None:      # a composite (DSL v2): its own spec
                spec = e.spec()
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
            E.count = n
            try:
                f = float(e.size_factor())
                if not (math.isfinite(f) and f > 0):
                    raise ValueError
            except Exception:
                f = 1.0
            E.scale = f
            E.width, E.depth, E.height = spec.width * f, spec.depth * f, spec.height * f
            rot = getattr(e, "rotation", None)
            E.explicit_rotation = rot is not None and isinstance(rot, (int, float)) and math.isfinite(rot)
            E.rotation = math.radians(rot) if E.explicit_rotation else 0.0
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
            E.relations = []
            E.members = []
            E.bbox = None
            E.placed = False
            E.has_facing = False
            E.reserved = []
            E.solid = []
            E.core = None
            E.ring_inner = 0.0
            E.mode = None
            E.opening = 0.0
            self.entities.append(E)
            if E.id in self.by_id:
                self.warn(f"{E.id}: duplicate id; relations to it use the first one")
            else:
                self.by_id[E.id] = E
        for E, e in zip(self.entities, getattr(self.scene, "entities", None) or []):
            has_on = False
            for j, r in enumerate(getattr(e, "relations", None) or []):
                key = (E.index, j)
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
                if T.count == 0 or (T2 is not None and T2.count == 0):
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
                E.relations.append((j, typ, T, T2))

    def order(self) -> list[_Ent]:
        out: list[_Ent] = []
        state: dict[int, int] = {}

        def visit(E: _Ent) -> None:
            stack = [(E, 0)]
            state[E.index] = 1
            while stack:
                cur, i = stack.pop()
                deps = [X for (_j, typ, T, T2) in cur.relations if typ != "facing" for X in (T, T2) if X is not None]
                if i < len(deps):
                    stack.append((cur, i + 1))
                    D = deps[i]
                    if D.index not in state and D.position is None:
                        state[D.index] = 1
                        stack.append((D, 0))
                else:
                    state[cur.index] = 2
                    out.append(cur)

        explicit = [E for E in self.entities if E.position is not None]
        for E in explicit:
            state[E.index] = 2
        for E in self.entities:
            if E.index not in state:
                visit(E)
        return explicit + out

    # ---- arrangements ----------------------------------------------------
    def arrange(self, E: _Ent, mode_override: str | None = None) -> list[list[float]]:
        """Member offsets [ox, oy, rot, hx, hy] relative to the group origin."""
        n, w, d = E.count, E.width, E.depth
        circ = 0.5 * math.hypot(w, d)

        def half(rot):
            if E.has_facing:
                return circ, circ
            return _rot_half(w, d, rot)

        if n == 1:
            hx, hy = half(E.rotation)
            return [[0.0, 0.0, E.rotation, hx, hy]]
        mode = mode_override or E.arrangement or _default_arrangement(E.kind, E.spec.category, n)
        E.mode = mode
        rng = self.rng
        out = []
        if mode in ("row", "grid"):
            hx, hy = half(E.rotation)
            gap = 0.0 if E.kind in ("fence", "wall") and mode == "row" else ROW_GAP
            sx, sy = 2 * hx + gap, 2 * hy + ROW_GAP
            cols = n if mode == "row" else math.ceil(math.sqrt(n))
            for k in range(n):
                out.append([(k % cols) * sx, (k // cols) * sy, E.rotation, hx, hy])
            return out
        if mode == "ring":
            r = self.ring_radius(E, 0.0)
            E.ring_inner = max(0.0, r - circ)
            return self.ring_offsets(E, r, -0.5 * math.pi + math.pi / n)
        # cluster / scatter: jittered hex packing in a wide ellipse
        loose = mode == "scatter"
        rand_yaw = not E.explicit_rotation and not E.has_facing and E.spec.category in ("nature", "creature")
        # (the spacing grows with the size: small things such as flowers stay a tight bed, seen in the
        # picture at a size that still shows them)
        pitch = 2 * circ * (1.7 if loose else 1.25) + min(0.4 if loose else 0.2, circ)
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
            rot = rng.uniform(-math.pi, math.pi) if rand_yaw else E.rotation
            hx, hy = half(rot)
            out.append([x + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy), rot, hx, hy])
        return out

    def ring_radius(self, E: _Ent, clear_r: float) -> float:
        circ = 0.5 * math.hypot(E.width, E.depth)
        n = max(E.count, 1)
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
        circ = 0.5 * math.hypot(E.width, E.depth)
        out = []
        face = not E.explicit_rotation
        for k in range(E.count):
            phi = phi0 + 2 * math.pi * k / E.count
            ox, oy = r * math.cos(phi), r * math.sin(phi)
            rot = facing_rotation(ox, oy, 0.0, 0.0) if face else E.rotation
            if E.has_facing:
                hx = hy = circ
            else:
                hx, hy = _rot_half(E.width, E.depth, rot)
            out.append([ox, oy, rot, hx, hy])
        return out

    # ---- registration -----------------------------------------------------
    def commit(self, E: _Ent, members: list[_Member], domain_ground: bool = True) -> None:
        for m in members:
            if m.support is None:
                m.grid_id = self.ground.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
                r = m.rect()
                g = self.ground_bbox
                self.ground_bbox = r if g is None else (min(g[0], r[0]), min(g[1], r[1]),
                                                        max(g[2], r[2]), max(g[3], r[3]))
            else:
                dom = self.surface_grids.get(m.support)
                if dom is None:
                    dom = self.surface_grids[m.support] = _Grid(0.5)
                m.grid_id = dom.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def set_boxes(self, E: _Ent) -> None:
        ms = E.members
        for m in ms:
            self.member_height[m.name] = E.height
        if not ms:
            return
        E.bbox = union_rect(m.rect() for m in ms)
        if E.has_facing:
            h = 0.5 * min(E.width, E.depth)
            E.core = union_rect((m.x - h, m.y - h, m.x + h, m.y + h) for m in ms)
        else:
            E.core = E.bbox

    def shrink(self, E: _Ent) -> float:
        return 0.5 * math.hypot(E.width, E.depth) - 0.5 * min(E.width, E.depth) if E.has_facing else 0.0

    def names(self, E: _Ent) -> list[str]:
        return [E.id] if E.count == 1 else [f"{E.id}.{k + 1:03d}" for k in range(E.count)]

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
        g = self.ground_bbox  # pathological: jump beyond everything
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
        if E.count == 0:
            E.placed = True
            return
        rels = [r for r in E.relations
                if r[2].placed and r[2].members and (r[3] is None or (r[3].placed and r[3].members))]
        if E.position is not None:
            return self.place_explicit(E, rels)
        for r in rels:
            if r[1] == "on":
                if r[2].spec.top is None:
                    self.warn(f"{E.id} on {r[2].id}: a {r[2].kind} has no top surface to stand on; "
                              f"placed next to it instead", (E.index, r[0]))
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
        behind = next((r[2] for r in rels if r[1] == "behind"), None)
        if behind is not None and E.count >= 2 and not any(r[1] in ("left_of", "right_of", "between")
                                                            for r in rels):
            offs = self.split_behind(E, offs, behind)
        # a ring's inside is a courtyard: nothing else is put there
        block = _Block(offs, E.ring_inner * 0.7, self.shrink(E))
        reserve = 0.0
        tight = any(r[1] in ("near", "next_to", "between") for r in rels)  # a reservation would push it away
        for A in (() if tight else self.around_of.get(E.index, ())):
            circ = 0.5 * math.hypot(A.width, A.depth)
            r = self.ring_radius(A, math.hypot(block.bw, block.bh) + circ + 0.5)
            reserve = max(reserve, r + circ + CLEAR)
        reserve = max(reserve, E.ring_inner * 0.7)
        if reserve > 0:
            block = _Block(offs, reserve, self.shrink(E))
        ax, ay = self.find_spot(E, block, rels)
        self.commit(E, self.members_at(E, block, ax, ay))
        if E.count > 1 and E.mode != "scatter":
            # a compact group is solid: nothing else is slipped between its members
            E.solid.append(self.ground.add(*E.bbox, None))
        if reserve > 0:
            rid = self.ground.add(ax - reserve, ay - reserve, ax + reserve, ay + reserve, None)
            if E.index in self.around_of and not tight:
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
            g += self.between_room.get((min(E.index, T.index), max(E.index, T.index)), 0.0)  # leave room
            m = 0.05
            if typ == "left_of":
                c = (-math.inf, x0 - bw - CLEAR, l0 - ch + m, l1 + ch - m); p = (x0 - bw - g, cy); dd = (-1, 0)
            elif typ == "right_of":
                c = (x1 + bw + CLEAR, math.inf, l0 - ch + m, l1 + ch - m); p = (x1 + bw + g, cy); dd = (1, 0)
            elif typ == "in_front_of":
                c = (k0 - cw + m, k1 + cw - m, -math.inf, y0 - bh - CLEAR); p = (cx, y0 - bh - g); dd = (0, -1)
            else:
                c = (k0 - cw + m, k1 + cw - m, y1 + bh + CLEAR, math.inf)
                p = (self.behind_x(E, T, cw), y1 + bh + g); dd = (0, 1)
            nxlo, nxhi, nylo, nyhi = max(xlo, c[0]), min(xhi, c[1]), max(ylo, c[2]), min(yhi, c[3])
            if nxlo > nxhi or nylo > nyhi:
                continue  # contradicts earlier ones: reported by the final check
            xlo, xhi, ylo, yhi = nxlo, nxhi, nylo, nyhi
            prefs.append(p)
            if dd not in dirs:
                dirs.append(dd)
        return (xlo, xhi, ylo, yhi), prefs, dirs

    def behind_x(self, E: _Ent, T: _Ent, cw: float) -> float:
        """Where a group behind T prefers its centre across: straight behind a target narrower than the
        group, else shifted so that most of the group stands out beside the target (still overlapping
        its X interval, so "behind" holds) and shows past it from the camera. Sides alternate by the
        entity's index, so two things behind one house go to different sides."""
        k0, _l0, k1, _l1 = T.core
        if E.opening:           # split round the target: the opening goes straight behind it
            return 0.5 * (k0 + k1) - E.opening
        if k1 - k0 <= 2 * cw:   # the target is narrower than the group: it hides little of it
            return 0.5 * (k0 + k1)
        side = 1 if E.index % 2 == 0 else -1
        edge = k1 if side > 0 else k0
        return edge + side * max(0.0, 0.5 * cw - 0.05)

    def split_behind(self, E: _Ent, offs: list[list[float]], T: _Ent) -> list[list[float]]:
        """A group behind a target wider than its members opens in the middle: its left half stands in a
        loose row out from the target's left edge, its right half out from the right edge (each member
        keeps its depth offset), so that every member shows beside the target from the front; the group
        still spans the target's X interval, so behind holds. ``E.opening`` says where the middle is."""
        k0, l0, k1, l1 = T.core
        half_w = 0.5 * (k1 - k0)
        if half_w <= max(o[3] for o in offs):
            return offs
        open_by = CLEAR + SEEN_PAST * (l1 - l0)     # a camera a little to one side still sees past the corner
        order = sorted(range(len(offs)), key=lambda i: offs[i][0])
        left, right = order[:len(order) // 2][::-1], order[len(order) // 2:]
        out = [list(o) for o in offs]
        reach = []
        for side, members in ((-1, left), (1, right)):
            x = half_w + open_by
            for i in members:
                out[i][0] = side * (x + offs[i][3])
                x += 2 * offs[i][3] + ROW_GAP
            reach.append(x - ROW_GAP)
        E.opening = 0.5 * (reach[0] - reach[1])     # the group's box is centred; the opening is off by this
        return out

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
        if self.row_cursor is None:
            ax, ay = 0.0, 0.0
            if not self.free(block, ax, ay):
                ax, ay = self.sweep(block, ax, ay, 1, 0)
        else:
            ax, ay = self.sweep(block, self.row_cursor + block.bw, self.row_y, 1, 0)
            if ax + block.bw > self.row_x0 + self.row_width:
                self.row_y = self.row_top + FREE_GAP + block.bh
                ax, ay = self.sweep(block, self.row_x0 + block.bw, self.row_y, 1, 0)
        self.row_cursor = ax + block.bw + FREE_GAP
        self.row_top = max(self.row_top, ay + block.bh)
        return ax, ay

    def final_rect(self, E, block: _Block, x: float, y: float):
        """A rectangle the entity's final footprint is sure to cover if its group centre is (x, y)."""
        if E is not None and E.has_facing and E.count == 1:
            F = next((r[2] for r in E.relations if r[1] == "facing"), None)
            if F is not None and F.placed and F.members and F is not E:
                fx, fy = F.ref()
                hx, hy = _rot_half(E.width, E.depth, facing_rotation(x, y, fx, fy))
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
            # a random side, but behind (N) last: a thing near a house is hidden behind it from the camera
            k = self.rng.randrange(3)
            sides = sides[k:3] + sides[:k] + ["N"]
        fr = (0.0, -0.5, 0.5, -1.0, 1.0)
        if 2 * max(bw, bh) < 0.25 * min(x1 - x0, y1 - y0):
            fr = (-1.0, -0.5, 0.0, 0.5, 1.0)   # a small thing beside a big one: at its front corner, in view
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
                        and self.free(block, x, y, ign) and not self.hides(E, block, x, y):
                    return x, y
        # a crowded target: spots on a grid (at most ~13 x 13) within the limit, nearest first
        reach = lim + max(bw, bh)
        step = max(0.5, (max(tc[2] - tc[0], tc[3] - tc[1]) + 2 * reach) / 12)
        nx = int((tc[2] - tc[0] + 2 * reach) / step) + 1
        ny = int((tc[3] - tc[1] + 2 * reach) / step) + 1
        grid = []
        for i in range(nx):
            for j in range(ny):
                x, y = tc[0] - reach + i * step, tc[1] - reach + j * step
                gap = rect_gap((x - bw, y - bh, x + bw, y + bh), tc)
                if gap <= lim and inR(x, y):
                    grid.append((gap, x, y))
        grid.sort()
        for _gap, x, y in grid:
            if rect_gap(self.final_rect(E, block, x, y), tc) <= lim - 1e-6 and self.free(block, x, y, ign):
                return x, y
        return None

    def hides(self, E: _Ent | None, block: _Block, x: float, y: float) -> bool:
        """Would E's group at (x, y) stand right in front (toward -Y, the camera) of a clearly lower
        thing already on the ground, across its centre, so that the picture loses it?"""
        if E is None:
            return False
        h = E.height
        x0, x1, yb = x - block.bw, x + block.bw, y + block.bh
        for i in self.ground.query(x0, yb, x1, yb + 2.0 * h):
            m = self.ground.owner[i]
            if (isinstance(m, _Member) and m.support is None and m.y > yb and x0 < m.x < x1
                    and self.member_height.get(m.name, h) < 0.8 * h):
                return True
        return False

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
        stacked = 0
        lhx, lhy = _rot_half(E.width, E.depth, E.rotation)   # footprint in the support's own frame
        if E.has_facing:
            lhx = lhy = 0.5 * math.hypot(E.width, E.depth)
        for k in range(E.count):
            s = supports[k % len(supports)]
            rot = s.rotation + E.rotation          # items on a support turn with it
            if E.has_facing:
                hx = hy = lhx
            else:
                hx, hy = _rot_half(E.width, E.depth, rot)
            z = s.z + top * T.height
            dom = self.surface_grids.get(s.name)
            if dom is None:
                dom = self.surface_grids[s.name] = _Grid(0.5)
            shw, shh = 0.5 * T.width, 0.5 * T.depth
            if 2 * lhx > 2 * shw + EPS or 2 * lhy > 2 * shh + EPS:
                too_big = True
                x, y = s.x, s.y
            else:
                key = (s.name, round(lhx, 6), round(lhy, 6), round(rot, 6))
                cands = self._surface_cands(s, shw, shh, lhx, lhy)
                i0 = self.surface_scan_from.get(key, 0)
                blk = _Block([[0.0, 0.0, rot, hx, hy]])
                x = y = None
                for i in range(i0, len(cands)):
                    cx, cy = cands[i]
                    if not blk.hits(dom, cx, cy, SURFACE_CLEAR):
                        x, y = cx, cy
                        self.surface_scan_from[key] = i
                        break
                if x is None:
                    self.surface_scan_from[key] = len(cands)
                    base = self.stack_base(E, members, s.name)
                    if base is not None:      # no free spot side by side: onto the lowest of its own pile
                        m = _Member(names[k], k, base.x, base.y, base.z + E.spec.top * E.height, base.rotation,
                                    base.hx, base.hy, support=base.name)
                        self.on_items.setdefault(base.name, []).append(m)
                        members.append(m)
                        stacked += 1
                        continue
                    full = True
                    x, y = s.x, s.y
            m = _Member(names[k], k, x, y, z, rot, hx, hy, support=s.name)
            m.grid_id = dom.add(x - hx, y - hy, x + hx, y + hy, m)
            self.on_items.setdefault(s.name, []).append(m)
            members.append(m)
        if too_big:
            self.warn(f"{E.id} on {T.id}: a {E.kind} ({E.width:.2f} x {E.depth:.2f} m) is too big for the top of a "
                      f"{T.kind} ({T.width:.2f} x {T.depth:.2f} m); centred on it", (E.index, j))
        elif full:
            self.warn(f"{E.id} on {T.id}: not enough free room on its top; overlaps what is already there",
                      (E.index, j))
        if stacked:
            self.warn(f"{E.id} on {T.id}: not enough free room on its top for all {E.count} side by side; "
                      f"{stacked} stacked on the others", (E.index, j))
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def stack_base(self, E: _Ent, members: list[_Member], support: str) -> _Member | None:
        """The top of the lowest pile of E's own members resting (directly or stacked) on ``support``, when
        E's kind has a flat top to stack another on (ties: the first placed); None otherwise."""
        if E.spec.top is None or E.has_facing or not members:
            return None
        names = {m.name: m for m in members}

        def rests_on(m):
            while m.support in names:
                m = names[m.support]
            return m.support == support
        under = {m.support for m in members}
        tops = [m for m in members if m.name not in under and rests_on(m)]
        return min(tops, key=lambda m: m.z) if tops else None

    def _surface_cands(self, s: _Member, shw: float, shh: float, hx: float, hy: float):
        """Points on s's top (in its rotated frame) where an item of local half size hx, hy fits."""
        x0, y0, x1, y1 = -shw + hx, -shh + hy, shw - hx, shh - hy
        nx = max(1, min(15, int((x1 - x0) / max(hx, 0.05)) + 1))
        ny = max(1, min(15, int((y1 - y0) / max(hy, 0.05)) + 1))
        c, sn = math.cos(s.rotation), math.sin(s.rotation)
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
        # a group's solid box keeps new things from slipping between its members; something under a
        # target stands inside the target's own footprint, so no group's box may push it out
        solid_boxes = {i for other in self.entities if other.solid for i in other.solid}
        for k in range(E.count):
            b = T.members[k % len(T.members)]
            rot = E.rotation
            if E.has_facing:
                hx = hy = 0.5 * math.hypot(E.width, E.depth)
            else:
                hx, hy = _rot_half(E.width, E.depth, rot)
            blk = _Block([[0.0, 0.0, rot, hx, hy]])
            ignore = set(T.reserved) | solid_boxes
            if b.grid_id is not None and b.support is None:
                ignore.add(b.grid_id)
            spot = None
            if T.has_facing:  # b may still turn: stay inside the disc its footprint always covers
                r = 0.5 * min(T.width, T.depth) * 0.999
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
            self.warn(f"{E.id} under {T.id}: no free room under it; placed beside it", (E.index, j))
        elif E.height > T.height + (T.members[0].z if T.members else 0.0) + EPS:
            self.warn(f"{E.id} under {T.id}: a {E.kind} ({E.height:.2f} m tall) does not fit under a "
                      f"{T.kind} ({T.height:.2f} m tall)", (E.index, j))
        E.members = members
        E.placed = True
        self.set_boxes(E)

    def commit_one(self, m: _Member) -> None:
        m.grid_id = self.ground.add(m.x - m.hx, m.y - m.hy, m.x + m.hx, m.y + m.hy, m)
        r = m.rect()
        g = self.ground_bbox
        self.ground_bbox = r if g is None else (min(g[0], r[0]), min(g[1], r[1]), max(g[2], r[2]), max(g[3], r[3]))

    def place_around(self, E: _Ent, rel) -> None:
        j, _typ, T, _ = rel
        cx, cy = T.ref()
        x0, y0, x1, y1 = T.bbox
        circ = 0.5 * math.hypot(E.width, E.depth)
        reach = max(math.hypot(px - cx, py - cy) for px in (x0, x1) for py in (y0, y1))
        r = self.ring_radius(E, reach + circ + 0.5)
        phi0 = -0.5 * math.pi + (math.pi / E.count if E.count > 1 else 0.0)
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
                      f"members placed as close as possible", (E.index, j))
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
    def turn_items_on(self, name: str, px: float, py: float, delta: float) -> None:
        """Carry what stands on ``name`` along when it turns by ``delta`` about (px, py)."""
        c, s = math.cos(delta), math.sin(delta)
        for it in self.on_items.get(name, ()):
            dx, dy = it.x - px, it.y - py
            it.x, it.y = px + dx * c - dy * s, py + dx * s + dy * c
            it.rotation += delta
            self.turn_items_on(it.name, px, py, delta)

    def finish_facing(self) -> None:
        todo = []
        for E in self.entities:
            rel = next((r for r in E.relations if r[1] == "facing" and r[2].members), None)
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
                    delta = math.remainder(new - m.rotation, 2 * math.pi)
                    if abs(delta) > 1e-9:
                        m.rotation = new
                        self.turn_items_on(m.name, m.x, m.y, delta)
                        changed = True
            if not changed:
                break

    def run(self):
        self.read()
        free_area = sum((E.width + FREE_GAP) * (E.depth + FREE_GAP) * max(E.count, 1) * (2.0 if E.count > 1 else 1.0)
                        for E in self.entities if not E.relations and E.position is None)
        self.row_width = max(30.0, 1.6 * math.sqrt(free_area))
        for E in self.entities:
            for _j, typ, T, _T2 in E.relations:
                if typ == "around" and T.position is None and E.position is None:
                    self.around_of.setdefault(T.index, []).append(E)
                if typ == "between" and _T2 is not None:
                    key = (min(T.index, _T2.index), max(T.index, _T2.index))
                    room = 2 * CLEAR + 0.5 + math.hypot(E.width, E.depth) * math.ceil(math.sqrt(max(E.count, 1)))
                    self.between_room[key] = max(self.between_room.get(key, 0.0), room)
        for E in self.order():
            try:
                self.place(E)
            except Exception as exc:  # never let one entity sink the scene
                self.warn(f"{E.id}: could not be placed by the rules ({type(exc).__name__}: {exc}); "
                          f"placed in a free spot")
                if E.count and not E.members:
                    blk = _Block(self.arrange(E, "row"))
                    ax, ay = self.free_spot(blk)
                    self.commit(E, self.members_at(E, blk, ax, ay))
                E.placed = True
        self.finish_facing()
        placements = []
        for E in self.entities:
            for m in E.members:
                placements.append(Placement(m.name, E.id, m.index, E.kind, (m.x, m.y, m.z), m.rotation, E.scale,
                                            (E.width, E.depth, E.height), m.support, m.under))
        layout = Layout(placements, self.warnings)
        for (idx, j, msg) in check(self.scene, layout):
            self.warn(msg, (idx, j))
        return layout


def solve(scene, seed: int | None = None) -> Layout:
    """Place every expanded entity of ``scene``; see the package docstring for the rules."""
    return _Solver(scene, seed).run()
