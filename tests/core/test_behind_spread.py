"""Things behind a wider target stand out beside it, and every relation still holds."""
from __future__ import annotations

import pytest

from worldsmith.scene_dsl import layout, parse_scene


def _behind_a_house(kind: str, count: int):
    """The layout of a house and ``count`` ``kind`` behind it (checked), and the house's footprint."""
    scene = parse_scene({"entities": [
        {"id": "house", "kind": "house"},
        {"id": "t", "kind": kind, "count": count, "relations": [{"type": "behind", "target": "house"}]}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    return lay, next(p for p in lay.placements if p.entity_id == "house").footprint


@pytest.mark.parametrize("kind,count", [("pine_tree", 1), ("dog", 1), ("cow", 1), ("bush", 2)])
def test_behind_a_house_shows_beside_it(kind, count):
    lay, house = _behind_a_house(kind, count)
    group = layout.union_rect(p.footprint for p in lay.placements if p.entity_id == "t")
    for p in (p for p in lay.placements if p.entity_id == "t"):
        f = p.footprint
        outside = max(0.0, f[2] - max(f[0], house[2])) + max(0.0, min(f[2], house[0]) - f[0])
        assert outside >= 0.5 * (f[2] - f[0]) - 0.1, p.name    # each one stands at least half beside it
    assert group[1] >= house[3]                  # and behind it


@pytest.mark.parametrize("kind,count", [("pine_tree", 2), ("tree", 3), ("bush", 5)])
def test_a_group_behind_a_house_opens_to_both_sides(kind, count):
    lay, house = _behind_a_house(kind, count)
    members = [p.footprint for p in lay.placements if p.entity_id == "t"]
    left = [f for f in members if f[2] <= house[0] + 1e-6]
    right = [f for f in members if f[0] >= house[2] - 1e-6]
    assert len(left) + len(right) == count and left and right     # none hides straight behind it


def test_two_things_behind_one_house_go_to_both_sides():
    scene = parse_scene({"entities": [
        {"id": "house", "kind": "house"},
        {"id": "a", "kind": "pine_tree", "relations": [{"type": "behind", "target": "house"}]},
        {"id": "b", "kind": "tree", "relations": [{"type": "behind", "target": "house"}]}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    xs = {p.entity_id: p.position[0] for p in lay.placements}
    assert (xs["a"] - xs["house"]) * (xs["b"] - xs["house"]) < 0


def test_near_a_house_is_not_behind_it():
    for seed in range(8):
        scene = parse_scene({"seed": seed, "entities": [
            {"id": "house", "kind": "house"},
            {"id": "m", "kind": "mailbox", "relations": [{"type": "near", "target": "house"}]}]})
        lay = layout.solve(scene)
        assert layout.check(scene, lay) == []
        house = next(p for p in lay.placements if p.entity_id == "house").footprint
        m = next(p for p in lay.placements if p.entity_id == "m").footprint
        assert m[1] < house[3], seed             # not wholly behind the house


def test_a_big_group_next_to_something_does_not_stand_in_front_of_a_small_thing():
    scene = parse_scene({"entities": [
        {"id": "lamp", "kind": "lamp"},
        {"id": "stall", "kind": "market_stall", "count": 3, "relations": [{"type": "next_to", "target": "sofa"}]},
        {"id": "sofa", "kind": "sofa"}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    lamp = next(p for p in lay.placements if p.entity_id == "lamp")
    for p in (p for p in lay.placements if p.entity_id == "stall"):
        f = p.footprint
        in_front_across = f[3] <= lamp.footprint[1] + 1e-6 and f[0] < lamp.position[0] < f[2]
        assert not in_front_across, p.name


@pytest.mark.parametrize("typ", ["next_to", "near"])
def test_a_small_thing_beside_a_big_one_stands_toward_its_front(typ):
    for seed in range(4):
        scene = parse_scene({"seed": seed, "entities": [
            {"id": "barn", "kind": "barn"},
            {"id": "dog", "kind": "dog", "relations": [{"type": typ, "target": "barn"}]}]})
        lay = layout.solve(scene)
        assert layout.check(scene, lay) == []
        barn = next(p for p in lay.placements if p.entity_id == "barn").footprint
        dog = next(p for p in lay.placements if p.entity_id == "dog")
        assert dog.position[1] < 0.5 * (barn[1] + barn[3]) - 1.0, seed   # in the front half, nearer the camera
