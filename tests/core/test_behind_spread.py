"""Things behind a wider target stand out beside it, and every relation still holds."""
from __future__ import annotations

import pytest

from worldsmith.scene_dsl import layout, parse_scene


@pytest.mark.parametrize("kind,count", [("pine_tree", 1), ("dog", 1), ("cow", 1), ("bush", 2)])
def test_behind_a_house_shows_beside_it(kind, count):
    scene = parse_scene({"entities": [
        {"id": "house", "kind": "house"},
        {"id": "t", "kind": kind, "count": count, "relations": [{"type": "behind", "target": "house"}]}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    house = next(p for p in lay.placements if p.entity_id == "house").footprint
    group = layout.union_rect(p.footprint for p in lay.placements if p.entity_id == "t")
    width = group[2] - group[0]
    outside = max(0.0, group[2] - house[2]) + max(0.0, house[0] - group[0])
    assert outside >= 0.5 * width - 0.1          # at least half of the group stands beside the house
    assert group[1] >= house[3]                  # and behind it


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
