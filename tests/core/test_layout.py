"""Hand-written cases for the layout solver: every relation, every arrangement, contradictions."""
from __future__ import annotations

import math

import pytest

from worldsmith.scene_dsl import catalog
from worldsmith.scene_dsl.layout import Layout, check, solve
from worldsmith.scene_dsl.models import Entity, Relation, Scene, parse_scene

EPS = 1e-6


def scene(*ents, seed=0):
    return parse_scene({"entities": list(ents), "seed": seed})


def rel(typ, target, target2=None):
    r = {"type": typ, "target": target}
    if target2:
        r["target2"] = target2
    return r


def fp(L: Layout, eid: str):
    fs = [p.footprint for p in L.by_entity(eid)]
    return (min(f[0] for f in fs), min(f[1] for f in fs), max(f[2] for f in fs), max(f[3] for f in fs))


def no_ground_overlap(L: Layout):
    ground = [p for p in L.placements if p.support is None]
    for i, a in enumerate(ground):
        for b in ground[i + 1:]:
            fa, fb = a.footprint, b.footprint
            if fa[0] < fb[2] - EPS and fb[0] < fa[2] - EPS and fa[1] < fb[3] - EPS and fb[1] < fa[3] - EPS:
                assert a.under == b.name or b.under == a.name, (a.name, b.name)


def clean(L: Layout, s: Scene):
    assert L.warnings == []
    assert check(s, L) == []
    no_ground_overlap(L)


# --------------------------------------------------------------- interface

def test_interface_names_sizes_and_defaults():
    s = scene({"id": "house", "kind": "house"}, {"id": "tree", "kind": "tree", "count": 3, "size": "large"})
    L = solve(s)
    assert [p.name for p in L.placements] == ["house", "tree.001", "tree.002", "tree.003"]
    t = L.by_entity("tree")[0]
    spec = catalog.get("tree")
    assert t.scale == pytest.approx(1.5)
    assert t.size == pytest.approx(tuple(v * 1.5 for v in spec.size))
    assert t.kind == "tree" and t.index == 0 and t.entity_id == "tree"
    assert all(p.position[2] == 0 and p.support is None for p in L.placements)
    hx, hy = L.placements[0].half_extents
    assert (hx, hy) == pytest.approx((4.0, 3.5))
    assert L.get("tree.002") is L.placements[2]
    clean(L, s)


def test_first_entity_at_origin_and_unrelated_ones_nearby():
    s = scene(*({"id": f"e{i}", "kind": "barrel"} for i in range(30)))
    L = solve(s)
    assert L.placements[0].position == (0.0, 0.0, 0.0)
    b = L.bounds()
    assert b[3] - b[0] < 40 and b[4] - b[1] < 40
    clean(L, s)


def test_explicit_position_and_rotation_are_kept():
    s = scene({"id": "a", "kind": "car", "position": (5.0, -3.0, 0.0), "rotation": 90},
              {"id": "b", "kind": "house", "relations": [rel("near", "a")]})
    L = solve(s)
    a = L.by_entity("a")[0]
    assert a.position == (5.0, -3.0, 0.0)
    assert a.rotation == pytest.approx(math.pi / 2)
    clean(L, s)


# --------------------------------------------------------------- relations

@pytest.mark.parametrize("typ", ["left_of", "right_of", "in_front_of", "behind"])
def test_directional(typ):
    s = scene({"id": "house", "kind": "house"}, {"id": "car", "kind": "car", "relations": [rel(typ, "house")]})
    L = solve(s)
    a, b = fp(L, "car"), fp(L, "house")
    if typ == "left_of":
        assert a[2] <= b[0] and a[1] < b[3] and b[1] < a[3]
    elif typ == "right_of":
        assert a[0] >= b[2] and a[1] < b[3] and b[1] < a[3]
    elif typ == "in_front_of":
        assert a[3] <= b[1] and a[0] < b[2] and b[0] < a[2]
    else:
        assert a[1] >= b[3] and a[0] < b[2] and b[0] < a[2]
    # compact: right next to it
    gap = max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])
    assert 0 <= gap < 3
    clean(L, s)


def test_group_relation_applies_to_every_member():
    s = scene({"id": "house", "kind": "house"},
              {"id": "trees", "kind": "tree", "count": 3, "relations": [rel("behind", "house")]})
    L = solve(s)
    h = fp(L, "house")
    for p in L.by_entity("trees"):
        assert p.footprint[1] >= h[3]
    clean(L, s)


def test_many_things_left_of_one_stack_up_leftward_without_overlap():
    ents = [{"id": "house", "kind": "house"}]
    ents += [{"id": f"c{i}", "kind": "car", "relations": [rel("left_of", "house")]} for i in range(8)]
    s = scene(*ents)
    L = solve(s)
    clean(L, s)


def test_on_rests_on_top_within_footprint():
    s = scene({"id": "table", "kind": "table"},
              {"id": "lamp", "kind": "lamp", "relations": [rel("on", "table")]},
              {"id": "cups", "kind": "mushroom", "count": 4, "relations": [rel("on", "table")]})
    L = solve(s)
    t = L.by_entity("table")[0]
    top = catalog.get("table").top_height
    for p in L.by_entity("lamp") + L.by_entity("cups"):
        assert p.support == "table"
        assert p.position[2] == pytest.approx(top)
        x0, y0, x1, y1 = t.footprint
        assert x0 <= p.position[0] <= x1 and y0 <= p.position[1] <= y1
    # things sharing a top do not overlap
    items = L.by_entity("lamp") + L.by_entity("cups")
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            fa, fb = a.footprint, b.footprint
            assert not (fa[0] < fb[2] and fb[0] < fa[2] and fa[1] < fb[3] and fb[1] < fa[3])
    clean(L, s)


def test_on_chain_and_scaled_support():
    s = scene({"id": "crate", "kind": "crate", "size": "large"},
              {"id": "box", "kind": "cube", "size": "tiny", "relations": [rel("on", "crate")]},
              {"id": "bird", "kind": "bird", "relations": [rel("on", "box")]})
    L = solve(s)
    crate, box, bird = L.placements
    assert box.position[2] == pytest.approx(0.8 * 1.5)
    assert bird.position[2] == pytest.approx(0.8 * 1.5 + 0.4)
    assert bird.support == "box" and box.support == "crate"
    clean(L, s)


def test_on_group_support_spreads_members():
    s = scene({"id": "barrels", "kind": "barrel", "count": 3},
              {"id": "birds", "kind": "bird", "count": 3, "relations": [rel("on", "barrels")]})
    L = solve(s)
    assert sorted(p.support for p in L.by_entity("birds")) == ["barrels.001", "barrels.002", "barrels.003"]
    clean(L, s)


def test_under():
    s = scene({"id": "table", "kind": "table"}, {"id": "cat", "kind": "cat", "relations": [rel("under", "table")]})
    L = solve(s)
    cat, table = L.by_entity("cat")[0], L.by_entity("table")[0]
    x0, y0, x1, y1 = table.footprint
    assert x0 <= cat.position[0] <= x1 and y0 <= cat.position[1] <= y1
    assert cat.position[2] == 0 and cat.under == "table"
    clean(L, s)


def test_near_and_next_to():
    s = scene({"id": "house", "kind": "house"},
              {"id": "bush", "kind": "bush", "relations": [rel("near", "house")]},
              {"id": "bench", "kind": "bench", "relations": [rel("next_to", "house")]})
    L = solve(s)
    from worldsmith.scene_dsl.layout import rect_gap
    assert rect_gap(fp(L, "bush"), fp(L, "house")) <= 4.0
    assert rect_gap(fp(L, "bench"), fp(L, "house")) <= 1.0
    clean(L, s)


def test_between():
    s = scene({"id": "a", "kind": "house"}, {"id": "b", "kind": "barn", "relations": [rel("right_of", "a")]},
              {"id": "well", "kind": "well", "relations": [rel("between", "a", "b")]})
    L = solve(s)
    a, b, w = (L.by_entity(i)[0].position for i in ("a", "b", "well"))
    t = (w[0] - a[0]) / (b[0] - a[0])
    assert 0 <= t <= 1
    clean(L, s)


def test_around_ring_faces_centre():
    s = scene({"id": "table", "kind": "table"},
              {"id": "chairs", "kind": "chair", "count": 6, "relations": [rel("around", "table")]})
    L = solve(s)
    t = L.by_entity("table")[0].position
    ds = [math.hypot(p.position[0] - t[0], p.position[1] - t[1]) for p in L.by_entity("chairs")]
    assert max(ds) - min(ds) < 1e-6 and max(ds) < 4
    for p in L.by_entity("chairs"):
        fx, fy = math.sin(p.rotation), -math.cos(p.rotation)
        vx, vy = t[0] - p.position[0], t[1] - p.position[1]
        assert (fx * vx + fy * vy) / math.hypot(vx, vy) > 0.999
    clean(L, s)


def test_facing():
    s = scene({"id": "house", "kind": "house"},
              {"id": "car", "kind": "car", "relations": [rel("right_of", "house"), rel("facing", "house")]},
              {"id": "dogs", "kind": "dog", "count": 3, "relations": [rel("in_front_of", "house"),
                                                                     rel("facing", "car")]})
    L = solve(s)
    car = L.by_entity("car")[0]
    assert math.sin(car.rotation) == pytest.approx(-1.0, abs=0.02)  # house is to its left (-X)
    clean(L, s)


def test_facing_support_carries_what_stands_on_it():
    s = scene({"id": "house", "kind": "house"},
              {"id": "table", "kind": "table", "relations": [rel("left_of", "house"), rel("facing", "house")]},
              {"id": "lamp", "kind": "lamp", "relations": [rel("on", "table")]})
    L = solve(s)
    assert L.by_entity("lamp")[0].rotation == pytest.approx(L.by_entity("table")[0].rotation)
    clean(L, s)


# --------------------------------------------------------------- arrangements

@pytest.mark.parametrize("mode", ["row", "grid", "ring", "cluster", "scatter"])
def test_arrangements_do_not_overlap(mode):
    s = scene({"id": "g", "kind": "crate", "count": 12, "arrangement": mode})
    L = solve(s)
    ps = L.by_entity("g")
    assert len(ps) == 12
    if mode == "row":
        assert len({round(p.position[1], 6) for p in ps}) == 1
    if mode == "grid":
        assert len({round(p.position[0], 6) for p in ps}) == 4
    if mode == "ring":
        cx = sum(p.position[0] for p in ps) / 12
        cy = sum(p.position[1] for p in ps) / 12
        ds = [math.hypot(p.position[0] - cx, p.position[1] - cy) for p in ps]
        assert max(ds) - min(ds) < 1e-6
    clean(L, s)


def test_default_arrangements():
    s = scene({"id": "trees", "kind": "tree", "count": 10}, {"id": "cars", "kind": "car", "count": 4},
              {"id": "fence", "kind": "fence", "count": 5}, {"id": "people", "kind": "person", "count": 6})
    L = solve(s)
    cars = L.by_entity("cars")
    assert len({round(p.position[1], 6) for p in cars}) == 1          # row
    fence = sorted(L.by_entity("fence"), key=lambda p: p.position[0])
    for a, b in zip(fence, fence[1:]):                                  # continuous
        assert b.footprint[0] == pytest.approx(a.footprint[2])
    trees = L.by_entity("trees")
    assert len({round(p.rotation, 3) for p in trees}) > 1               # natural scatter, random yaw
    clean(L, s)


def test_scatter_is_seeded():
    s = scene({"id": "rocks", "kind": "rock", "count": 20})
    assert solve(s, 1).placements == solve(s, 1).placements
    assert solve(s, 1).placements != solve(s, 2).placements


def test_large_group_scales_and_stays_compact():
    s = scene({"id": "forest", "kind": "pine_tree", "count": 400})
    L = solve(s)
    b = L.bounds()
    assert b[3] - b[0] < 250 and b[4] - b[1] < 250
    clean(L, s)


# --------------------------------------------------------------- contradictions

def test_contradiction_gives_warning_not_crash():
    s = scene({"id": "a", "kind": "cube", "relations": [rel("left_of", "b")]},
              {"id": "b", "kind": "cube", "relations": [rel("left_of", "a")]})
    L = solve(s)
    assert len(L.placements) == 2
    assert any(w.startswith("a left_of b") or w.startswith("b left_of a") for w in L.warnings)
    no_ground_overlap(L)


def test_no_top_surface():
    s = scene({"id": "flower", "kind": "flower"}, {"id": "car", "kind": "car", "relations": [rel("on", "flower")]})
    L = solve(s)
    assert any("car on flower" in w and "no top surface" in w for w in L.warnings)
    assert L.by_entity("car")[0].position[2] == 0 and L.by_entity("car")[0].support is None
    no_ground_overlap(L)


def test_too_big_for_support():
    s = scene({"id": "chair", "kind": "chair"}, {"id": "bus", "kind": "bus", "relations": [rel("on", "chair")]})
    L = solve(s)
    assert any("too big" in w for w in L.warnings)
    bus = L.by_entity("bus")[0]
    assert bus.support == "chair" and bus.position[2] == pytest.approx(0.95 * 0.48)


def test_too_tall_to_go_under():
    s = scene({"id": "table", "kind": "table"}, {"id": "cow", "kind": "cow", "relations": [rel("under", "table")]})
    L = solve(s)
    assert any(w.startswith("cow under table") for w in L.warnings)


def test_conflicting_directions_warn():
    s = scene({"id": "a", "kind": "cube"}, {"id": "b", "kind": "cube", "relations": [rel("left_of", "a")]},
              {"id": "c", "kind": "cube", "relations": [rel("left_of", "a"), rel("right_of", "a")]})
    L = solve(s)
    assert any(w.startswith("c ") for w in L.warnings)
    no_ground_overlap(L)


def test_unvalidated_scene_does_not_crash():
    # built without parse_scene: on-cycle, unknown and self targets, between without target2
    ents = [
        Entity.model_construct(id="a", kind="table", count=1, relations=[
            Relation.model_construct(type="on", target="b", target2=None)], position=None, rotation=None,
            size=None, scale=None, arrangement=None),
        Entity.model_construct(id="b", kind="table", count=1, relations=[
            Relation.model_construct(type="on", target="a", target2=None),
            Relation.model_construct(type="left_of", target="zzz", target2=None),
            Relation.model_construct(type="near", target="b", target2=None),
            Relation.model_construct(type="between", target="a", target2=None)], position=None, rotation=None,
            size=None, scale=None, arrangement=None),
        Entity.model_construct(id="c", kind="nonsense", count=0, relations=[], position=None, rotation=None,
                               size=None, scale=None, arrangement=None),
    ]
    s = Scene.model_construct(entities=ents, seed=3)
    L = solve(s)
    assert [p.name for p in L.placements] == ["a", "b"]
    assert L.warnings
    assert solve(s).placements == L.placements


def test_empty_and_odd_inputs():
    assert solve(Scene.model_construct(entities=[], seed=0)).placements == []
    s = scene({"id": "a", "kind": "cube", "count": 3, "position": (1.0, 2.0, 0.5)})
    L = solve(s)
    assert all(p.position[2] == 0.5 for p in L.placements)


def test_performance_2000_entities():
    import time
    ents = [{"id": "house", "kind": "house"}]
    for i in range(400):
        ents.append({"id": f"e{i}", "kind": ("tree", "crate", "person", "car", "bush")[i % 5], "count": 5,
                     "relations": [rel(("left_of", "behind", "near", "right_of", "in_front_of")[i % 5],
                                       "house" if i < 5 else f"e{i - 5}")]})
    s = Scene.model_validate({"entities": ents[:400]})
    t = time.process_time()
    L = solve(s)
    assert time.process_time() - t < 1.0  # the 0.2 s target is measured by benchmarks/bench_layout.py
    assert len(L.placements) == 1 + 399 * 5


def test_between_the_members_of_one_group():
    from worldsmith.scene_dsl import parse_scene
    from worldsmith.scene_dsl.layout import solve
    s = parse_scene({"version": 1, "entities": [
        {"id": "trees", "kind": "pine_tree", "count": 2},
        {"id": "tent", "kind": "tent", "relations": [{"type": "between", "target": "trees", "target2": "trees"}]}]})
    lay = solve(s)
    xs = sorted(p.position[0] for p in lay.by_entity("trees"))
    tent = lay.by_entity("tent")[0]
    assert xs[0] < tent.position[0] < xs[1] and lay.warnings == []


def test_huge_rectangles_do_not_fill_the_spatial_hash():
    """A hill scaled 100x is kilometres wide: it is kept aside, not hashed into a million cells."""
    from worldsmith.scene_dsl.layout.geometry import _Grid
    g = _Grid()
    big = g.add(-2500.0, -2500.0, 2500.0, 2500.0)
    small = g.add(0.0, 0.0, 1.0, 1.0)
    assert len(g.cells) == 1 and g.big == [big]
    assert sorted(g.query(0.5, 0.5, 0.6, 0.6)) == [big, small]
    assert g.query(3000.0, 3000.0, 3001.0, 3001.0) == []
    assert sorted(g.query(-3000.0, -3000.0, 3000.0, 3000.0)) == [big, small]


def test_a_document_of_huge_hills_lays_out():
    """84 bytes that once took 76 s and 6.6 GB: 64 hills at scale 100."""
    s = parse_scene({"version": 1, "entities": [{"id": "h", "kind": "hill", "count": 64, "scale": 100}]})
    L = solve(s)
    assert len(L.placements) == 64
