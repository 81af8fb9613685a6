"""Several things on one support get distinct spots, or stack when its top has no room left."""
from __future__ import annotations

import dataclasses
import itertools

import pytest

from worldsmith.scene_dsl import layout, parse_scene


def _boxes_overlap(a, b) -> bool:
    """Do two placements' 3-D boxes overlap by more than a millimetre?"""
    fa, fb = a.footprint, b.footprint
    za, zb = (a.position[2], a.position[2] + a.size[2]), (b.position[2], b.position[2] + b.size[2])
    return (min(fa[2], fb[2]) - max(fa[0], fb[0]) > 1e-3 and min(fa[3], fb[3]) - max(fa[1], fb[1]) > 1e-3
            and min(za[1], zb[1]) - max(za[0], zb[0]) > 1e-3)


@pytest.mark.parametrize("kind,count,tables", [("crate", 3, 1), ("crate", 4, 2), ("book", 5, 1), ("mug", 7, 1)])
def test_things_on_a_table_never_share_a_spot(kind, count, tables):
    scene = parse_scene({"entities": [
        {"id": "t", "kind": kind, "count": count, "relations": [{"type": "on", "target": "table"}]},
        {"id": "table", "kind": "table", "count": tables}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    items = [p for p in lay.placements if p.entity_id == "t"]
    assert len(items) == count
    for a, b in itertools.combinations(items, 2):
        assert not _boxes_overlap(a, b), (a, b)
    stacked = [p for p in items if p.support in {q.name for q in items}]
    if stacked:      # a pile is said, and each stacked one sits on the top of the one below it
        assert any("stacked" in w for w in lay.warnings)
        for p in stacked:
            below = next(q for q in items if q.name == p.support)
            assert p.position[2] == pytest.approx(below.position[2] + below.size[2])
    else:
        assert all(p.position[2] == pytest.approx(0.76, abs=0.05) for p in items)


def test_three_crates_on_one_table_stack_and_verify_catches_a_floating_one():
    scene = parse_scene({"entities": [
        {"id": "crate", "kind": "crate", "count": 3, "relations": [{"type": "on", "target": "table"}]},
        {"id": "table", "kind": "table"}]})
    lay = layout.solve(scene)
    assert layout.check(scene, lay) == []
    zs = sorted(round(p.position[2], 3) for p in lay.placements if p.entity_id == "crate")
    assert zs == [0.76, 1.56, 2.36]          # one on the table, two stacked: a 0.8 m crate leaves no room beside it
    top = max((p for p in lay.placements if p.entity_id == "crate"), key=lambda p: p.position[2])
    moved = [dataclasses.replace(p, position=(p.position[0], p.position[1], p.position[2] + 0.3)) if p is top else p
             for p in lay.placements]
    problems = layout.check(scene, layout.Layout(moved))
    assert problems and "crate on table" in problems[0][2]
