"""Property-based tests of the layout solver (hypothesis).

The relation checks here are written from the definitions in
``scene_dsl/layout/__init__.py``'s docstring, independently of the solver's own ``check``.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from worldsmith.scene_dsl import catalog
from worldsmith.scene_dsl.layout import solve
from worldsmith.scene_dsl.models import Scene

EPS = 1e-6
# examples and seeds come from the hypothesis profile in conftest.py (fixed in `make test`)
pytestmark = pytest.mark.property

KINDS = [k for k in catalog.KIND_NAMES if k != "hill"]
SUPPORTS = [k for k in KINDS if catalog.get(k).top is not None and k not in ("fence", "wall", "log", "plane")]
SMALL = ["lamp", "cat", "bird", "mushroom", "flower", "crate", "barrel"]
DIRS = ["left_of", "right_of", "in_front_of", "behind"]


# ---------------------------------------------------------------- checker

def foot(p):
    c, s = abs(math.cos(p.rotation)), abs(math.sin(p.rotation))
    hx = 0.5 * (c * p.size[0] + s * p.size[1])
    hy = 0.5 * (s * p.size[0] + c * p.size[1])
    return (p.position[0] - hx, p.position[1] - hy, p.position[0] + hx, p.position[1] + hy)


def box(ps):
    fs = [foot(p) for p in ps]
    return (min(f[0] for f in fs), min(f[1] for f in fs), max(f[2] for f in fs), max(f[3] for f in fs))


def centre(b):
    return 0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])


def ref(ps):
    xs = [p.position[0] for p in ps]
    ys = [p.position[1] for p in ps]
    return 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))


def igap(a0, a1, b0, b1):
    return max(b0 - a1, a0 - b1, 0.0)


def rgap(a, b):
    return math.hypot(igap(a[0], a[2], b[0], b[2]), igap(a[1], a[3], b[1], b[3]))


def inside(x, y, f):
    return f[0] - EPS <= x <= f[2] + EPS and f[1] - EPS <= y <= f[3] + EPS


def holds(layout, typ, a_id, b_id, c_id=None) -> bool:
    A, B = layout.by_entity(a_id), layout.by_entity(b_id)
    fa, fb = box(A), box(B)
    if typ == "left_of":
        return fa[2] <= fb[0] + EPS and igap(fa[1], fa[3], fb[1], fb[3]) <= 1.0 + EPS
    if typ == "right_of":
        return fa[0] >= fb[2] - EPS and igap(fa[1], fa[3], fb[1], fb[3]) <= 1.0 + EPS
    if typ == "in_front_of":
        return fa[3] <= fb[1] + EPS and igap(fa[0], fa[2], fb[0], fb[2]) <= 1.0 + EPS
    if typ == "behind":
        return fa[1] >= fb[3] - EPS and igap(fa[0], fa[2], fb[0], fb[2]) <= 1.0 + EPS
    if typ == "on":
        top = catalog.get(B[0].kind).top
        if top is None:
            return False
        names = {b.name: b for b in B}
        for a in A:
            b = names.get(a.support)
            if b is None or abs(a.position[2] - (b.position[2] + top * b.size[2])) > 1e-4:
                return False
            if not inside(a.position[0], a.position[1], foot(b)):
                return False
        return True
    if typ == "under":
        return all(any(inside(a.position[0], a.position[1], foot(b)) and a.position[2] <= b.position[2] + EPS
                       and a.position[2] + a.size[2] <= b.position[2] + b.size[2] + EPS for b in B) for a in A)
    if typ == "near":
        lim = max(2.0, 0.5 * max(fa[2] - fa[0], fa[3] - fa[1], fb[2] - fb[0], fb[3] - fb[1]))
        return rgap(fa, fb) <= lim + EPS
    if typ == "next_to":
        return rgap(fa, fb) <= 1.0 + EPS
    if typ == "between":
        p, q = ref(B), ref(layout.by_entity(c_id))
        vx, vy = q[0] - p[0], q[1] - p[1]
        L = math.hypot(vx, vy)
        if L < 1e-9:
            return False
        for a in A:
            rx, ry = a.position[0] - p[0], a.position[1] - p[1]
            t = (rx * vx + ry * vy) / (L * L)
            if t < -EPS or t > 1 + EPS or abs(rx * vy - ry * vx) / L > max(1.0, L / 4) + EPS:
                return False
        return True
    if typ == "around":
        cx, cy = ref(B)
        ds = [math.hypot(a.position[0] - cx, a.position[1] - cy) for a in A]
        if max(ds) - min(ds) > max(0.01, 0.01 * max(ds)) + EPS:
            return False
        for a in A:
            f = foot(a)
            if f[0] < fb[2] - EPS and fb[0] < f[2] - EPS and f[1] < fb[3] - EPS and fb[1] < f[3] - EPS:
                return False
        return True
    if typ == "facing":
        cx, cy = ref(B)
        for a in A:
            vx, vy = cx - a.position[0], cy - a.position[1]
            if math.hypot(vx, vy) < 1e-6:
                continue
            fx, fy = math.sin(a.rotation), -math.cos(a.rotation)
            if abs(math.atan2(fx * vy - fy * vx, fx * vx + fy * vy)) > 0.02 + EPS:
                return False
        return True
    raise AssertionError(typ)


def ground_overlaps(layout, explicit_ids=()):
    """Pairs of ground footprints that overlap (n^2; the scenes here are small)."""
    ground = [p for p in layout.placements if p.support is None]
    fs = [foot(p) for p in ground]
    bad = []
    for i in range(len(ground)):
        for j in range(i + 1, len(ground)):
            a, b, fa, fb = ground[i], ground[j], fs[i], fs[j]
            if fa[0] < fb[2] - EPS and fb[0] < fa[2] - EPS and fa[1] < fb[3] - EPS and fb[1] < fa[3] - EPS:
                if a.under == b.name or b.under == a.name:
                    continue
                if a.entity_id in explicit_ids and b.entity_id in explicit_ids:
                    continue
                bad.append((a.name, b.name))
    return bad


def assert_basic(scene, layout):
    names = [p.name for p in layout.placements]
    expect = [e.id if e.count == 1 else f"{e.id}.{k + 1:03d}" for e in scene.entities for k in range(e.count)]
    assert names == expect
    for p in layout.placements:
        assert all(math.isfinite(v) for v in (*p.position, p.rotation, p.scale, *p.size))
        if p.support is None and not any(e.id == p.entity_id and e.position for e in scene.entities):
            assert p.position[2] == 0.0, p
        assert abs(p.position[0]) < 2000 and abs(p.position[1]) < 2000


# ---------------------------------------------------------------- generators

def footprint(e: dict) -> float:
    """The longer side of an entity's footprint, in metres (one member)."""
    from worldsmith.scene_dsl.models import SIZE_SCALE
    w, d, _h = catalog.get(e["kind"]).size
    return max(w, d) * SIZE_SCALE[e.get("size") or "medium"]


@st.composite
def satisfiable_scenes(draw):
    """A DAG: every entity after the first relates to one earlier entity, in a way that can hold."""
    n = draw(st.integers(1, 9))
    ents = []
    dependants: dict[int, int] = {}
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        count = draw(st.sampled_from([1, 1, 1, 2, 3, 5]))
        e = {"id": f"e{i}", "kind": kind, "count": count}
        if count > 1:
            # scatter leaves gaps other things may land in (then hemmed in): lenient test only
            e["arrangement"] = draw(st.sampled_from(["row", "grid", "ring", "cluster"]))
        if draw(st.booleans()):
            e["size"] = draw(st.sampled_from(["tiny", "small", "medium", "large"]))
        if i > 0:
            j = draw(st.integers(0, i - 1))
            typ = draw(st.sampled_from(DIRS * 3 + ["near", "next_to", "around", "facing", "on", "under"]))
            target = ents[j]
            # near/next_to limits are absolute (2 m / 1 m): a target smaller than what must stand next to
            # it, hemmed in by later entities, can leave no such room at all (found by free exploration:
            # a 0.9 m gap for a 1 m cube beside a 0.4 m one; a 2 m plane beside a cat)
            if typ in ("near", "next_to") and (dependants.get(j, 0) >= 2 or ents[j].get("_faces")
                                               or footprint(target) < footprint(e)):
                typ = draw(st.sampled_from(DIRS))
            if typ == "on":
                # a small thing on a support; the support must stand on the ground
                cands = [k for k in range(i) if ents[k]["kind"] in SUPPORTS and not ents[k].get("_lifted")
                         and not ents[k].get("size")]
                if not cands:
                    typ = draw(st.sampled_from(DIRS))
                else:
                    j = draw(st.sampled_from(cands))
                    e.update(kind=draw(st.sampled_from(["lamp", "bird", "mushroom", "flower"])), count=1,
                             size="tiny")
                    e.pop("arrangement", None)
                    e["_lifted"] = True
            if typ == "under":
                cands = [k for k in range(i) if ents[k]["kind"] in ("table", "bridge", "tree", "pine_tree",
                                                                         "palm_tree", "bed")
                         and not ents[k].get("_lifted")]
                if not cands:
                    typ = draw(st.sampled_from(DIRS))
                else:
                    j = draw(st.sampled_from(cands))
                    e.update(kind=draw(st.sampled_from(["cat", "bird", "mushroom"])), count=1, size="tiny")
                    e.pop("arrangement", None)
                    e["_lifted"] = True  # an under-item is no target (it hides under something)
            if typ in ("around",) and ents[j].get("_lifted"):
                typ = "facing"
            if ents[j].get("_lifted") and typ != "facing":
                typ = "facing"
            dependants[j] = dependants.get(j, 0) + 1
            if typ == "facing":
                e["_faces"] = True
            e["relations"] = [{"type": typ, "target": f"e{j}"}]
            # (facing reserves a square footprint, so near/next_to next to facing things is only
            # best effort: see the module's open problems; the lenient test covers it)
            if typ in DIRS and draw(st.integers(0, 3)) == 0:
                e["relations"].append({"type": "facing", "target": f"e{draw(st.integers(0, i - 1))}"})
                e["_faces"] = True
        ents.append(e)
    for e in ents:
        e.pop("_lifted", None)
        e.pop("_faces", None)
    seed = draw(st.integers(0, 2**31 - 1))
    return Scene.model_validate({"entities": ents, "seed": seed})


@st.composite
def any_scenes(draw):
    """Anything parse_scene accepts and more: contradictions, cycles, between, explicit positions."""
    n = draw(st.integers(1, 8))
    ents = []
    for i in range(n):
        e = {"id": f"e{i}", "kind": draw(st.sampled_from(KINDS)), "count": draw(st.sampled_from([1, 1, 2, 4]))}
        if draw(st.integers(0, 5)) == 0:
            e["position"] = (draw(st.floats(-30, 30)), draw(st.floats(-30, 30)), 0.0)
        if draw(st.integers(0, 4)) == 0:
            e["rotation"] = draw(st.floats(-360, 360))
        if e["count"] > 1:
            e["arrangement"] = draw(st.sampled_from([None, "row", "grid", "ring", "cluster", "scatter"]))
        rels = []
        if n > 1:
            for _ in range(draw(st.integers(0, 3))):
                typ = draw(st.sampled_from(["left_of", "right_of", "in_front_of", "behind", "on", "under",
                                            "near", "next_to", "between", "around", "facing"]))
                t = draw(st.integers(0, n - 1).filter(lambda k: k != i))
                r = {"type": typ, "target": f"e{t}"}
                if typ == "between":
                    if n < 3:
                        continue
                    r["target2"] = f"e{draw(st.integers(0, n - 1).filter(lambda k: k not in (i, t)))}"
                if typ == "on" and any(x["type"] == "on" for x in rels):
                    continue
                rels.append(r)
        e["relations"] = rels
        ents.append(e)
    # model_construct: no parse_scene checks (on-cycles allowed)
    return Scene.model_validate({"entities": ents, "seed": draw(st.integers(0, 1000))})


# ---------------------------------------------------------------- properties

def _ent(i, kind, *rels, **kw):
    return {"id": f"e{i}", "kind": kind, **kw, "relations": [{"type": r, "target": f"e{j}"} for r, j in rels]}


# found by free exploration: a plane "near" a chair hemmed in by a row of free entities and a
# house found none of the fixed candidate spots free (now: every spot within the limit, nearest first)
NEAR_A_CROWDED_TARGET = Scene.model_validate({"seed": 0, "entities": [
    _ent(0, "chair"), _ent(1, "lamp", ("on", 0), size="tiny"), _ent(2, "tree", ("facing", 1)),
    _ent(3, "house", ("left_of", 2), ("facing", 0)), _ent(4, "cat", ("under", 2), size="tiny"),
    _ent(5, "cube", ("facing", 1)), _ent(6, "cube", ("left_of", 2), ("facing", 0)), _ent(7, "plane", ("near", 0))]})


# found by free exploration: a cat under a tree that a grid of houses had been laid out around; the
# group's solid box (kept so nothing slips between the houses) covered the tree and pushed the cat out
UNDER_A_TARGET_INSIDE_A_GROUPS_BOX = Scene.model_validate({"seed": 0, "entities": [
    _ent(0, "cube"), _ent(1, "cube", ("left_of", 0), ("facing", 0)), _ent(2, "tree", ("left_of", 0), ("facing", 0)),
    _ent(3, "house", ("left_of", 0), ("facing", 0), count=3, arrangement="grid"),
    _ent(4, "cat", ("under", 2), size="tiny")]})


@given(satisfiable_scenes())
@example(NEAR_A_CROWDED_TARGET)
@example(UNDER_A_TARGET_INSIDE_A_GROUPS_BOX)
def test_satisfiable_relations_all_hold(scene):
    layout = solve(scene)
    assert_basic(scene, layout)
    assert ground_overlaps(layout) == []
    for e in scene.entities:
        for r in e.relations:
            assert holds(layout, r.type, e.id, r.target, r.target2), (e.id, r, layout.warnings)
    assert layout.warnings == []


# found by free exploration: an under-group whose first member found no room stood its
# second member under its target without saying so (an unreported overlap)
UNDER_AFTER_A_FAILED_MEMBER = Scene.model_validate({"seed": 0, "entities": [
    {"id": "e0", "kind": "cube", "count": 2, "position": (1.0, 0.0, 0.0), "rotation": 0.0},
    {"id": "e1", "kind": "cube", "count": 2, "relations": [{"type": "under", "target": "e0"}]},
    {"id": "e2", "kind": "cube", "position": (0.0, 0.0, 0.0), "rotation": 0.0}]})


@given(any_scenes())
@example(UNDER_AFTER_A_FAILED_MEMBER)
def test_any_scene_best_effort(scene):
    layout = solve(scene)
    assert_basic(scene, layout)
    explicit = {e.id for e in scene.entities if e.position is not None}
    assert ground_overlaps(layout, explicit) == []
    for e in scene.entities:
        for r in e.relations:
            if not holds(layout, r.type, e.id, r.target, r.target2):
                assert any(w.startswith(f"{e.id} {r.type} {r.target}") for w in layout.warnings), \
                    (e.id, r, layout.warnings)


@given(any_scenes(), st.integers(0, 2**31 - 1))
def test_deterministic(scene, seed):
    a, b = solve(scene, seed), solve(scene, seed)
    assert a.placements == b.placements and a.warnings == b.warnings
    assert solve(scene).placements == solve(scene, scene.seed).placements
