"""SceneBench's judge: does a *built* Blender scene say what a prompt asked for?

``check(bl_scene, constraints) -> Report`` reads the scene only through the
public scene contract, never through the DSL:

* root objects are the objects carrying ``worldsmith_id``; their kind is
  ``worldsmith_kind`` (counts and kinds come from them);
* colours are those of the material actually applied to a root's main part
  (the Principled BSDF base colour, else the material's ``worldsmith_color``,
  else the root's ``worldsmith_color``);
* time of day and ground are the scene's ``worldsmith_time_of_day`` and
  ``worldsmith_ground``;
* relations are judged on world bounding boxes seen from ``scene.camera``.

Constraint vocabulary (one JSON object each)
--------------------------------------------
``{"type": "kind", "kind": K}``                   at least one root of kind K
``{"type": "count", "kind": K, "n": N}``          exactly N (or ``"min"``/``"max"``)
``{"type": "color", "kind": K, "color": C}``      every K (``"match": "any"``: some K) looks C
``{"type": "time", "value": V}``                  V or a list of accepted values
``{"type": "ground", "value": V}``                idem
``{"type": "relation", "rel": R, "a": K1, "b": K2[, "c": K3]}``
``{"type": "implied", "any_of": [K, ...], "min": N}`` what a place implies: at least N (default 1)
                                                  roots of any of these kinds ("a farm": a barn,
                                                  a cow or a fence); reported apart as implied content

Relations, with A, B the union boxes of all roots of kinds K1, K2. Camera
space is horizontal: ``x`` is the camera's right axis, ``depth`` the distance
along its view direction flattened onto the ground.

* left_of / right_of: A's centre is left (right) of B's, and either the two
  x intervals overlap by at most half the narrower one, or A's centre is
  left of all of B (or B's centre right of all of A).
* in_front_of / behind: the same on depth (in front = closer to the camera).
* on: every A rests on some B: its base is within B's upper part (between
  25 % of B's height and B's top + tolerance) and its XY centre lies inside
  B's footprint; or it so rests on another A that does (a pile on B).
* under: every A has its XY centre inside some B's footprint, and A's top
  is below B's top.
* near: the XY gap between A and B is at most max(3 m, half the longest side).
* next_to: the XY gap is at most 1.5 m.
* between: each A's centre projects onto the segment from B's centre to
  C's centre (t in [-0.05, 1.05]) within max(1.5 m, length / 3) of it.
* around: at least 3 A, none overlapping B's footprint, and B's centre is
  inside them (the largest angular gap between neighbours is below 180 deg).

Implicit plausibility, judged on every scene:

* ``plausible.in_view``: every root's box projects inside the camera frame
  (5 % slack) and in front of the camera;
* ``plausible.grounded``: every root rests on the ground (base z <= 5 cm)
  or on another root (base within that root's height, centre over it);
* ``plausible.visible``: every root shows >= 30 % of its silhouette and >= 200 px at 480x270
  (``visible.py``: ray cast, the same as an object-index pass);
* ``plausible.no_overlap``: no two ground-level roots' oriented footprints
  interpenetrate by more than 5 cm (a thing under a table, bench, chair, bed
  or bridge, and flat things such as a plane, are allowed).

Pure reading: the scene is never changed. World matrices are computed from each object's own
transform (and its parents'), so the verdict never depends on a depsgraph update having run.

One module because the judge is one specification: the definitions above and the code that
applies them are read side by side when a verdict is questioned.
"""
from __future__ import annotations

import colorsys
import math
from dataclasses import asdict, dataclass, field

import bpy
import numpy as np

from ...scene_dsl import catalog, colors
from .visible import visible_result

GROUND_TOL = 0.05
ON_TOL = 0.08
NEAR_MIN = 3.0
NEXT_TO_MAX = 1.5
OVERLAP_TOL = 0.05
VIEW_SLACK = 0.05
COLOR_DELTA_E = 25.0
UNDER_OK = {"table", "chair", "bench", "bed", "bridge"}
RELATIONS = ("left_of", "right_of", "in_front_of", "behind", "on", "under", "near", "next_to",
             "between", "around")
PLAUSIBILITY = ("plausible.in_view", "plausible.grounded", "plausible.no_overlap", "plausible.visible")


@dataclass
class Result:
    name: str            # "count", "color", "relation.left_of", "plausible.in_view", ...
    ok: bool
    detail: str
    kinds: list[str] = field(default_factory=list)
    constraint: dict | None = None

    def __post_init__(self):
        self.ok = bool(self.ok)


@dataclass
class Report:
    results: list[Result]

    @property
    def explicit(self) -> list[Result]:
        return [r for r in self.results if not r.name.startswith(("plausible.", "implied"))]

    @property
    def plausibility(self) -> list[Result]:
        return [r for r in self.results if r.name.startswith("plausible.")]

    @property
    def all_pass(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def explicit_pass(self) -> bool:
        return all(r.ok for r in self.explicit)

    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def to_dict(self) -> dict:
        return {"all_pass": self.all_pass, "explicit_pass": self.explicit_pass,
                "results": [asdict(r) for r in self.results]}


class Thing:
    """A root object as the checker sees it: kind, colour and world geometry."""

    def __init__(self, obj, cam_origin, right, fwd):
        self.obj = obj
        self.name = obj.name
        self.kind = str(obj.get("worldsmith_kind", ""))
        self.color = applied_color(obj)
        mw = world_matrix(obj)
        local = np.array([tuple(c) for c in obj.bound_box], dtype=float)
        pts = local @ mw[:3, :3].T + mw[:3, 3]
        self.corners = pts
        self.lo, self.hi = pts.min(axis=0), pts.max(axis=0)
        self.center = (self.lo + self.hi) / 2
        rel = pts - cam_origin
        self.cx = rel @ right          # camera-space x of the corners
        self.cd = rel @ fwd            # horizontal depth of the corners
        # oriented XY footprint: local box's bottom rectangle in world XY
        lx0, ly0 = local[:, 0].min(), local[:, 1].min()
        lx1, ly1 = local[:, 0].max(), local[:, 1].max()
        rect = np.array([[lx0, ly0, 0], [lx1, ly0, 0], [lx1, ly1, 0], [lx0, ly1, 0]], dtype=float)
        self.rect = (rect @ mw[:3, :3].T + mw[:3, 3])[:, :2]

    @property
    def base(self) -> float:
        return float(self.lo[2])

    @property
    def height(self) -> float:
        return float(self.hi[2] - self.lo[2])


class Group:
    """The union of all roots of one kind."""

    def __init__(self, things: list[Thing]):
        self.things = things
        self.lo = np.min([t.lo for t in things], axis=0)
        self.hi = np.max([t.hi for t in things], axis=0)
        self.center = (self.lo + self.hi) / 2
        self.x = (min(t.cx.min() for t in things), max(t.cx.max() for t in things))
        self.d = (min(t.cd.min() for t in things), max(t.cd.max() for t in things))


# ---------------------------------------------------------------------------
# reading the scene

def root_objects(bl_scene) -> list:
    return [o for o in bl_scene.objects if "worldsmith_id" in o and "worldsmith_kind" in o]


def applied_color(obj) -> str:
    """sRGB hex of the material on the root's main part, as applied."""
    mat = None
    kind = obj.get("worldsmith_kind")
    slots = getattr(obj, "material_slots", ())
    if kind in catalog.KINDS and len(slots) > catalog.main_part_index(kind):
        mat = slots[catalog.main_part_index(kind)].material
    if mat is not None:
        nt = mat.node_tree
        bsdf = next((n for n in nt.nodes if n.type == "BSDF_PRINCIPLED"), None) if nt else None
        if bsdf is not None:
            return colors.linear_to_hex(bsdf.inputs["Base Color"].default_value)
        if "worldsmith_color" in mat:
            return str(mat["worldsmith_color"])
        return colors.linear_to_hex(mat.diffuse_color)
    return str(obj.get("worldsmith_color", "#000000"))


def world_matrix(obj) -> np.ndarray:
    """The object's world matrix from its own transform and its parents', so that the judgement
    never depends on whether a depsgraph evaluation has run since the scene was built."""
    m = np.array(obj.matrix_basis)
    if obj.parent is not None:
        m = world_matrix(obj.parent) @ np.array(obj.matrix_parent_inverse) @ m
    return m


def camera_axes(bl_scene):
    cam = bl_scene.camera
    if cam is None:
        return np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    m = world_matrix(cam)
    origin = m[:3, 3]
    right = m[:3, 0].copy()
    fwd = -m[:3, 2].copy()
    up = m[:3, 1].copy()
    right[2] = 0.0
    fwd[2] = 0.0
    if np.linalg.norm(fwd) < 1e-3:       # looking straight down: the image's up is "away"
        fwd = up.copy()
        fwd[2] = 0.0
    return origin, right / np.linalg.norm(right), fwd / np.linalg.norm(fwd)


# ---------------------------------------------------------------------------
# colours

def _lab(hex_: str) -> np.ndarray:
    r, g, b = colors.hex_to_linear(hex_)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    fx, fy, fz = f(x), f(y), f(z)
    return np.array([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)])


def color_family(hex_: str) -> str:
    """A coarse everyday colour word for a hex colour."""
    r, g, b = colors.hex_to_srgb(hex_)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    h *= 360
    if v < 0.2:
        return "black"
    if s < 0.18:
        return "white" if v > 0.85 else "gray"
    if (h < 45 or h >= 345) and v < 0.7 and s > 0.3:
        return "brown"
    if h < 15 or h >= 345:
        return "pink" if s < 0.5 and v > 0.8 else "red"
    if h < 45:
        return "orange"
    if h < 70:
        return "yellow"
    if h < 165:
        return "green"
    if h < 195:
        return "cyan"
    if h < 255:
        return "blue"
    if h < 290:
        return "purple"
    return "pink"


def color_matches(applied: str, wanted: str) -> bool:
    """True when ``applied`` would be called ``wanted``: close in CIELAB or the same colour family."""
    target = colors.to_hex(wanted)
    if float(np.linalg.norm(_lab(applied) - _lab(target))) <= COLOR_DELTA_E:
        return True
    return color_family(applied) == color_family(target)


# ---------------------------------------------------------------------------
# relations

def _overlap(a: tuple, b: tuple) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _before(a: tuple, b: tuple) -> bool:
    """Interval a lies before interval b: a's centre comes first, and either the two overlap by at
    most half the narrower one or one centre lies outside the other interval on its own side."""
    ca, cb = (a[0] + a[1]) / 2, (b[0] + b[1]) / 2
    narrow = min(a[1] - a[0], b[1] - b[0])
    return ca < cb and (_overlap(a, b) <= 0.5 * narrow + 1e-6 or ca <= b[0] or cb >= a[1])


def _xy_gap(A, B) -> float:
    dx = max(0.0, max(A.lo[0], B.lo[0]) - min(A.hi[0], B.hi[0]))
    dy = max(0.0, max(A.lo[1], B.lo[1]) - min(A.hi[1], B.hi[1]))
    return math.hypot(dx, dy)


def _inside_xy(p, t: Thing, pad: float = 0.0) -> bool:
    return t.lo[0] - pad <= p[0] <= t.hi[0] + pad and t.lo[1] - pad <= p[1] <= t.hi[1] + pad


def _rests_on(a: Thing, b: Thing) -> bool:
    tol = ON_TOL + 0.02 * b.height
    return (b.lo[2] + 0.25 * b.height - tol <= a.base <= b.hi[2] + tol
            and a.base > b.lo[2] + 1e-4 and _inside_xy(a.center, b, 0.02))


def relation_holds(rel: str, A: Group, B: Group, C: Group | None = None) -> tuple[bool, str]:
    if rel in ("left_of", "right_of"):
        first, second = (A, B) if rel == "left_of" else (B, A)
        ok = _before(first.x, second.x)
        return ok, f"camera x: A {A.x[0]:.2f}..{A.x[1]:.2f}, B {B.x[0]:.2f}..{B.x[1]:.2f}"
    if rel in ("in_front_of", "behind"):
        first, second = (A, B) if rel == "in_front_of" else (B, A)
        ok = _before(first.d, second.d)
        return ok, f"depth: A {A.d[0]:.2f}..{A.d[1]:.2f}, B {B.d[0]:.2f}..{B.d[1]:.2f}"
    if rel == "on":
        held = [a for a in A.things if any(_rests_on(a, b) for b in B.things if b is not a)]
        grew = True
        while grew:     # a pile: one of A resting on another of A that rests on B
            more = [a for a in A.things if a not in held and any(_rests_on(a, h) for h in held)]
            held += more
            grew = bool(more)
        bad = [a.name for a in A.things if a not in held]
        return not bad, ("every one rests on top" if not bad else f"not resting on top: {', '.join(bad[:4])}")
    if rel == "under":
        bad = [a.name for a in A.things
               if not any(_inside_xy(a.center, b, 0.02) and a.hi[2] <= b.hi[2] + 1e-3 for b in B.things)]
        return not bad, ("every one is under" if not bad else f"not under: {', '.join(bad[:4])}")
    if rel in ("near", "next_to"):
        gap = _xy_gap(A, B)
        longest = max(*(A.hi[:2] - A.lo[:2]), *(B.hi[:2] - B.lo[:2]))
        limit = NEXT_TO_MAX if rel == "next_to" else max(NEAR_MIN, 0.5 * longest)
        return gap <= limit, f"gap {gap:.2f} m (limit {limit:.2f} m)"
    if rel == "between":
        if C is None:
            return False, "between needs a third kind"
        p, q = B.center[:2], C.center[:2]
        seg = q - p
        L = float(np.linalg.norm(seg))
        if L < 1e-6:
            return False, "the two references coincide"
        worst = ""
        for a in A.things:
            v = a.center[:2] - p
            t = float(v @ seg) / L ** 2
            dist = abs(float(v[0] * seg[1] - v[1] * seg[0])) / L
            if not (-0.05 <= t <= 1.05 and dist <= max(1.5, L / 3)):
                worst = f"{a.name}: t={t:.2f}, {dist:.2f} m off the line"
                break
        return not worst, worst or "on the segment between them"
    if rel == "around":
        if len(A.things) < 3:
            return False, f"only {len(A.things)} to go around with"
        c = B.center[:2]
        if any(_xy_gap(a, B) <= 0 for a in A.things):
            return False, "a member overlaps the centre's footprint"
        ang = sorted(math.atan2(a.center[1] - c[1], a.center[0] - c[0]) for a in A.things)
        gaps = [b - a for a, b in zip(ang, ang[1:])] + [ang[0] + 2 * math.pi - ang[-1]]
        big = math.degrees(max(gaps))
        return big < 180.0, f"largest angular gap {big:.0f} deg"
    return False, f"unknown relation {rel!r}"


# ---------------------------------------------------------------------------
# plausibility

def _in_view(bl_scene, things: list[Thing]) -> Result:
    cam = bl_scene.camera
    if cam is None:
        return Result("plausible.in_view", False, "the scene has no camera")
    # the camera frame at unit distance (as bpy_extras' world_to_camera_view does it)
    frame = [tuple(v) for v in cam.data.view_frame(scene=bl_scene)]
    fz = frame[0][2]
    xs = [v[0] / -fz for v in frame]
    ys = [v[1] / -fz for v in frame]
    inv = np.linalg.inv(world_matrix(cam))
    out = []
    for t in things:
        co = t.corners @ inv[:3, :3].T + inv[:3, 3]
        z = -co[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = (co[:, 0] / z - min(xs)) / (max(xs) - min(xs))
            y = (co[:, 1] / z - min(ys)) / (max(ys) - min(ys))
        ok = (z > 0) & (x >= -VIEW_SLACK) & (x <= 1 + VIEW_SLACK) & (y >= -VIEW_SLACK) & (y <= 1 + VIEW_SLACK)
        if not ok.all():
            out.append(t.name)
    return Result("plausible.in_view", not out, "all in view" if not out else f"out of view: {', '.join(out[:5])}",
                  sorted({t.kind for t in things if t.name in out}))


def _grounded(things: list[Thing]) -> Result:
    bad = []
    for a in things:
        if a.base <= GROUND_TOL:
            continue
        if not any(b is not a and b.lo[2] - ON_TOL <= a.base <= b.hi[2] + ON_TOL and _inside_xy(a.center, b, 0.05)
                   for b in things):
            bad.append(a)
    return Result("plausible.grounded", not bad,
                  "nothing floats" if not bad else "floating: " + ", ".join(f"{a.name} at z={a.base:.2f}" for a in bad[:5]),
                  sorted({a.kind for a in bad}))


def _penetration(r1: np.ndarray, r2: np.ndarray) -> float:
    """Separating-axis overlap depth of two convex quads (0 when apart)."""
    depth = math.inf
    for r in (r1, r2):
        for i in range(4):
            edge = r[(i + 1) % 4] - r[i]
            n = np.array([-edge[1], edge[0]])
            norm = np.linalg.norm(n)
            if norm < 1e-9:
                continue
            n /= norm
            p1, p2 = r1 @ n, r2 @ n
            depth = min(depth, min(p1.max(), p2.max()) - max(p1.min(), p2.min()))
            if depth <= 0:
                return 0.0
    return 0.0 if depth is math.inf else float(depth)


def _contains(big: Thing, small: Thing) -> bool:
    return bool(np.all(small.lo[:2] >= big.lo[:2] - 0.05) and np.all(small.hi[:2] <= big.hi[:2] + 0.05))


def _no_overlap(things: list[Thing]) -> Result:
    ground = [t for t in things if t.base <= GROUND_TOL and t.height > 0.1]
    bad, kinds = [], set()
    if len(ground) > 1:
        lo = np.array([t.lo[:2] for t in ground])
        hi = np.array([t.hi[:2] for t in ground])
        for i, a in enumerate(ground):
            cand = np.nonzero(np.all(lo[i + 1:] < hi[i] - OVERLAP_TOL, axis=1)
                              & np.all(hi[i + 1:] > lo[i] + OVERLAP_TOL, axis=1))[0] + i + 1
            for j in cand:
                b = ground[j]
                big, small = (a, b) if a.height >= b.height else (b, a)
                if big.kind in UNDER_OK and _contains(big, small) and small.hi[2] <= big.hi[2]:
                    continue
                d = _penetration(a.rect, b.rect)
                if d > OVERLAP_TOL:
                    bad.append(f"{a.name}/{b.name} ({d:.2f} m)")
                    kinds.update((a.kind, b.kind))
    return Result("plausible.no_overlap", not bad,
                  "no interpenetration" if not bad else "interpenetrating: " + ", ".join(bad[:5]), sorted(kinds))


# ---------------------------------------------------------------------------
# the judge

def _accepts(value, actual) -> bool:
    return actual in (value if isinstance(value, list) else [value])


def _scene_value(bl_scene, key: str):
    v = bl_scene.get(key)
    if v is None and key == "worldsmith_time_of_day" and bl_scene.world is not None:
        v = bl_scene.world.get(key)
    return None if v is None else str(v)


def check_one(c: dict, bl_scene, things: list[Thing], by_kind: dict[str, list[Thing]]) -> Result:
    typ = c.get("type")
    if typ == "kind":
        n = len(by_kind.get(c["kind"], []))
        return Result("kind", n > 0, f"{n} {c['kind']}", [c["kind"]], c)
    if typ == "count":
        n = len(by_kind.get(c["kind"], []))
        lo, hi = c.get("n", c.get("min", 1)), c.get("n", c.get("max", math.inf))
        want = f"{c['n']}" if "n" in c else f"{lo}..{'' if hi == math.inf else hi}"
        return Result("count", lo <= n <= hi, f"{n} {c['kind']} (wanted {want})", [c["kind"]], c)
    if typ == "color":
        objs = by_kind.get(c["kind"], [])
        if not objs:
            return Result("color", False, f"no {c['kind']} to colour", [c["kind"]], c)
        hits = [t for t in objs if color_matches(t.color, c["color"])]
        ok = bool(hits) if c.get("match") == "any" else len(hits) == len(objs)
        seen = sorted({t.color for t in objs})
        return Result("color", ok, f"{c['kind']} is {', '.join(seen)} (wanted {c['color']})", [c["kind"]], c)
    if typ == "implied":
        n = sum(len(by_kind.get(k, [])) for k in c["any_of"])
        lo = c.get("min", 1)
        return Result("implied", n >= lo, f"{n} of {'/'.join(c['any_of'])} (wanted at least {lo})",
                      list(c["any_of"]), c)
    if typ in ("time", "ground"):
        key = "worldsmith_time_of_day" if typ == "time" else "worldsmith_ground"
        actual = _scene_value(bl_scene, key)
        return Result(typ, _accepts(c["value"], actual), f"{actual} (wanted {c['value']})", [], c)
    if typ == "relation":
        rel = c.get("rel")
        name = f"relation.{rel}"
        ks = [c["a"], c["b"]] + ([c["c"]] if c.get("c") else [])
        missing = [k for k in ks if not by_kind.get(k)]
        if missing:
            return Result(name, False, f"missing {', '.join(missing)}", ks, c)
        A, B = Group(by_kind[c["a"]]), Group(by_kind[c["b"]])
        C = Group(by_kind[c["c"]]) if c.get("c") else None
        ok, detail = relation_holds(rel, A, B, C)
        return Result(name, ok, detail, ks, c)
    return Result(f"unknown.{typ}", False, f"unknown constraint type {typ!r}", [], c)


def kinds_of(things: list[Thing]) -> dict[str, list[Thing]]:
    """Things by kind. A broader kind no thing has exactly is met by the kinds that are one of it
    (recipes' ``is_a``): "a boat" by a sailboat, "a chair" by an armchair; exact kinds win when present."""
    exact: dict[str, list[Thing]] = {}
    broader: dict[str, list[Thing]] = {}
    for t in things:
        exact.setdefault(t.kind, []).append(t)
        for k in catalog.family(t.kind)[1:]:
            broader.setdefault(k, []).append(t)
    return {**broader, **exact}


def check(bl_scene, constraints: list[dict], plausibility: bool = True) -> Report:
    """Judge ``bl_scene`` against ``constraints`` (plus implicit plausibility)."""
    origin, right, fwd = camera_axes(bl_scene)
    things = [Thing(o, origin, right, fwd) for o in root_objects(bl_scene)]
    by_kind = kinds_of(things)
    results = [check_one(c, bl_scene, things, by_kind) for c in constraints]
    if plausibility:
        if things:
            results += [_in_view(bl_scene, things), _grounded(things), _no_overlap(things),
                        visible_result(bl_scene, Result)]
        else:
            results += [Result(n, False, "nothing was built") for n in PLAUSIBILITY]
    return Report(results)


def constraint_kinds(c: dict) -> list[str]:
    named = [c[k] for k in ("kind", "a", "b", "c") if isinstance(c.get(k), str)]
    if isinstance(c.get("any_of"), list):
        named += [k for k in c["any_of"] if isinstance(k, str)]
    return [k for k in named if k in catalog.KINDS]


def validate_constraints(constraints: list[dict]) -> list[str]:
    """Problems in a prompt's constraint list (unknown kinds, relations, colours, values)."""
    from ...scene_dsl.models import GROUNDS, TIMES_OF_DAY
    probs = []
    for i, c in enumerate(constraints):
        typ = c.get("type")
        for key in ("kind", "a", "b", "c"):
            if key in c and c[key] not in catalog.KINDS:
                probs.append(f"[{i}].{key}: unknown kind {c[key]!r}")
        if typ == "color":
            try:
                colors.to_hex(c["color"])
            except (KeyError, ValueError) as exc:
                probs.append(f"[{i}].color: {exc}")
        elif typ in ("time", "ground"):
            allowed = TIMES_OF_DAY if typ == "time" else GROUNDS
            vals = c.get("value") if isinstance(c.get("value"), list) else [c.get("value")]
            probs += [f"[{i}].value: {v!r} is not a {typ}" for v in vals if v not in allowed]
        elif typ == "relation":
            if c.get("rel") not in RELATIONS:
                probs.append(f"[{i}].rel: unknown relation {c.get('rel')!r}")
            if (c.get("rel") == "between") != ("c" in c):
                probs.append(f"[{i}]: 'c' is for between only, and between needs it")
        elif typ == "count":
            if not any(k in c for k in ("n", "min", "max")):
                probs.append(f"[{i}]: count needs n, min or max")
        elif typ == "implied":
            kinds = c.get("any_of")
            if not isinstance(kinds, list) or not kinds:
                probs.append(f"[{i}].any_of: a non-empty list of kinds")
            else:
                probs += [f"[{i}].any_of: unknown kind {k!r}" for k in kinds if k not in catalog.KINDS]
        elif typ != "kind":
            probs.append(f"[{i}].type: unknown constraint type {typ!r}")
    return probs
