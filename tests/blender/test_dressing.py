"""Scene dressing: a world around the subject that never touches, hides or joins the named entities."""
from __future__ import annotations

import numpy as np
import pytest

from worldsmith.blender import builder, dressing, labels, visibility
from worldsmith.benchmarks.scenebench import checker
from worldsmith.scene_dsl import layout as layout_mod, parse_scene

FARM = {"seed": 7, "ground": "grass", "entities": [
    {"id": "house", "kind": "house"}, {"id": "trees", "kind": "tree", "count": 3,
                                       "relations": [{"type": "behind", "target": "house"}]},
    {"id": "dog", "kind": "dog", "relations": [{"type": "in_front_of", "target": "house"}]},
    {"id": "flowers", "kind": "flower", "count": 6, "relations": [{"type": "left_of", "target": "house"}]}]}


def _dressing(bl_scene):
    return [o for o in bl_scene.objects if o.get("worldsmith_role") == "dressing"]


def _world_verts(obj) -> np.ndarray:
    co = np.empty(len(obj.data.vertices) * 3)
    obj.data.vertices.foreach_get("co", co)
    m = np.array(obj.matrix_basis)
    return co.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]


@pytest.mark.parametrize("level", ["light", "full"])
def test_dressing_keeps_clear_of_named_things_and_out_of_labels(bl_scene, level):
    scene = parse_scene(FARM)
    res = builder.build_scene(scene, bl_scene, resolution=(480, 270), dressing=level)
    dressed = _dressing(bl_scene)
    assert dressed and all(o.name in res.collection.objects for o in dressed)
    for obj in dressed:
        v = _world_verts(obj)
        assert v[:, 2].min() > -0.5          # rests on the ground (sunk a little at most), never below it
        for p in res.layout.placements:      # no vertex inside a named footprint
            x0, y0, x1, y1 = p.footprint
            inside = (v[:, 0] > x0) & (v[:, 0] < x1) & (v[:, 1] > y0) & (v[:, 1] < y1)
            assert not inside.any(), (obj.name, p.name)
    # never labelled, never counted, and the named things stay visible
    lab = labels.compute(bl_scene, res.objects, None)
    assert {r["name"] for r in lab["instances"]} == {p.name for p in res.layout.placements}
    assert len(checker.root_objects(bl_scene)) == len(res.layout.placements)
    with_dressing = visibility.measure_scene(bl_scene, (480, 270), dressing=True)
    for name, v in res.visibility.items():      # the dressing hides (almost) nothing of any named thing
        assert with_dressing[name].share >= v.share - 0.05, name
    assert bl_scene["worldsmith_dressing"] == level


def test_dressing_is_deterministic_per_seed_and_none_builds_none(bl_scene):
    scene = parse_scene(FARM)
    lay = layout_mod.solve(scene)
    a = dressing.plan(scene, lay, "full", (0.0, -30.0))
    b = dressing.plan(scene, lay, "full", (0.0, -30.0))
    assert [p.name for p in a] == [p.name for p in b] and all(np.array_equal(x.data.verts, y.data.verts)
                                                                for x, y in zip(a, b))
    other = dressing.plan(scene.model_copy(update={"seed": 8}), lay, "full", (0.0, -30.0))
    assert not np.array_equal(a[0].data.verts, other[0].data.verts)
    assert dressing.plan(scene, lay, "none", (0.0, -30.0)) == []
    builder.build_scene(scene, bl_scene, resolution=(320, 180), dressing="none")
    assert _dressing(bl_scene) == []
    with pytest.raises(ValueError, match="unknown dressing 'lots'"):
        builder.build_scene(scene, bl_scene, dressing="lots")


def test_a_rebuild_and_remove_take_the_dressing_away(bl_scene):
    scene = parse_scene(FARM)
    builder.build_scene(scene, bl_scene, resolution=(320, 180), dressing="full")
    n = len(_dressing(bl_scene))
    builder.build_scene(scene, bl_scene, resolution=(320, 180), dressing="light")
    assert 0 < len(_dressing(bl_scene)) <= n
    builder.remove(bl_scene)
    assert _dressing(bl_scene) == [] and "worldsmith_dressing" not in bl_scene


def _clouds(pieces):
    return [p for p in pieces if p.name == "Dressing clouds"]


def test_clouds_sit_in_the_sky_per_seed_fewer_at_night_none_in_a_room_and_cast_no_shadow(bl_scene):
    scene = parse_scene(FARM)
    lay = layout_mod.solve(scene)
    cam = (0.0, -30.0)
    (a,) = _clouds(dressing.plan(scene, lay, "light", cam))
    (b,) = _clouds(dressing.plan(scene, lay, "light", cam))
    assert np.array_equal(a.data.verts, b.data.verts) and not a.shadow
    (other,) = _clouds(dressing.plan(scene.model_copy(update={"seed": 8}), lay, "light", cam))
    assert not np.array_equal(a.data.verts, other.data.verts)
    v = a.data.verts.astype(float)
    dist = np.hypot(v[:, 0] - cam[0], v[:, 1] - cam[1])
    elev = np.degrees(np.arctan2(v[:, 2], dist))
    assert dist.min() > 400.0 and v[:, 2].min() > 0.0 and 0.0 < elev.min() and elev.max() < 15.0
    fwd = np.array([0.0, 1.0])                                   # in front of the camera, not behind it
    assert (((v[:, :2] - cam) / dist[:, None]) @ fwd).min() > 0.5
    (night,) = _clouds(dressing.plan(scene.model_copy(update={"time_of_day": "night"}), lay, "light", cam))
    assert len(night.data.verts) < len(a.data.verts)
    assert night.materials[0][0] != a.materials[0][0]          # moonlit grey-blue, not daylight white
    assert _clouds(dressing.plan(scene.model_copy(update={"ground": "wood"}), lay, "full", cam)) == []
    builder.build_scene(scene, bl_scene, resolution=(320, 180), dressing="light")
    (obj,) = [o for o in _dressing(bl_scene) if o.name.endswith("clouds")]
    assert not obj.visible_shadow and obj.visible_camera
    assert all(o.visible_shadow for o in _dressing(bl_scene) if o is not obj)
    builder.build_scene(scene, bl_scene, resolution=(320, 180), dressing="none")
    assert not [o for o in bl_scene.objects if "clouds" in o.name]
