"""The builder with the real bpy module: contract, relations, rebuilds, failures."""
from __future__ import annotations

from pathlib import Path

import bpy
import pytest
from mathutils import Vector

from worldsmith.blender import builder
from worldsmith.scene_dsl import catalog, parse_scene

DATA = Path(__file__).parents[1] / "data"


def world_box(obj):
    bpy.context.view_layer.update()
    pts = [obj.matrix_world @ Vector(c) for c in obj.bound_box]
    lo = Vector((min(p.x for p in pts), min(p.y for p in pts), min(p.z for p in pts)))
    hi = Vector((max(p.x for p in pts), max(p.y for p in pts), max(p.z for p in pts)))
    return lo, hi


def roots(bl_scene, entity_id=None):
    return [o for o in bl_scene.objects if "worldsmith_id" in o and (entity_id is None or o["worldsmith_id"] == entity_id)]


@pytest.fixture
def relations_scene():
    return parse_scene((DATA / "all_relations.json").read_text())


def test_contract_on_every_root_object(bl_scene, relations_scene):
    result = builder.build_scene(relations_scene, bl_scene)
    objs = roots(bl_scene)
    assert len(objs) == relations_scene.total_count() == len(result.objects)
    by_id = {e.id: e for e in relations_scene.entities}
    for o in objs:
        e = by_id[o["worldsmith_id"]]
        assert o["worldsmith_kind"] == e.kind
        assert o["worldsmith_color"] == e.resolved_color()
        main = o.data.materials[catalog.main_part_index(e.kind)]
        assert main["worldsmith_color"] == o["worldsmith_color"]
    assert len(roots(bl_scene, "ring")) == 4
    assert parse_scene(bl_scene["worldsmith_dsl"]) == relations_scene
    assert bl_scene["worldsmith_time_of_day"] == "afternoon" and bl_scene["worldsmith_ground"] == "grass"
    assert bl_scene.camera is not None and bl_scene.camera.name in result.collection.objects
    assert {o["worldsmith_kind"] for o in objs} >= set(catalog.PRIMITIVES)


def test_relations_hold_on_world_bounding_boxes(bl_scene, relations_scene):
    builder.build_scene(relations_scene, bl_scene)
    box = {o["worldsmith_id"]: world_box(o) for o in roots(bl_scene) if o["worldsmith_id"] != "ring"}
    t_lo, t_hi = box["table"]
    assert box["left"][1].x <= t_lo.x + 1e-4            # left is -X
    assert box["right"][0].x >= t_hi.x - 1e-4           # right is +X
    assert box["front"][1].y <= t_lo.y + 1e-4           # in front is -Y (toward the camera)
    assert box["back"][0].y >= t_hi.y - 1e-4            # behind is +Y
    ball_lo, ball_hi = box["ball"]
    assert abs(ball_lo.z - t_hi.z) < 1e-3               # resting on the table's top
    centre = (ball_lo + ball_hi) / 2
    assert t_lo.x <= centre.x <= t_hi.x and t_lo.y <= centre.y <= t_hi.y
    mid = (box["mid"][0] + box["mid"][1]) / 2
    assert box["left"][1].x <= mid.x <= box["right"][0].x
    for eid, (lo, hi) in box.items():
        if eid != "ball":
            assert abs(lo.z) < 1e-3, f"{eid} is not on the ground"


def test_rebuild_replaces_only_our_collection(bl_scene, relations_scene):
    mesh = bpy.data.meshes.new("users mesh")
    mine = bpy.data.objects.new("My Object", mesh)
    bl_scene.collection.objects.link(mine)
    user_mat = bpy.data.materials.new("My Material")
    builder.build_scene(relations_scene, bl_scene)
    n_objects, n_meshes = len(bpy.data.objects), len(bpy.data.meshes)
    builder.build_scene(relations_scene, bl_scene)
    assert len(bpy.data.objects) == n_objects and len(bpy.data.meshes) == n_meshes
    assert bpy.data.objects.get("My Object") is mine and mine.users_collection[0] == bl_scene.collection
    assert bpy.data.materials.get("My Material") is user_mat
    assert [c.name for c in bl_scene.collection.children] == ["Worldsmith"]
    # the entity names are the ids, not "table.001", after a rebuild
    assert bpy.data.objects.get("table")["worldsmith_id"] == "table"


def test_user_object_moved_into_our_collection_survives_a_rebuild(bl_scene, relations_scene):
    result = builder.build_scene(relations_scene, bl_scene)
    keep = bpy.data.objects.new("Keep Me", None)
    result.collection.objects.link(keep)
    builder.build_scene(relations_scene, bl_scene)
    assert bpy.data.objects.get("Keep Me") is keep
    assert bl_scene.collection in keep.users_collection


def test_identical_entities_share_mesh_data(bl_scene):
    scene = parse_scene({"version": 1, "entities": [{"id": "a", "kind": "crate", "count": 5, "color": "red"},
                                                    {"id": "b", "kind": "crate", "count": 2, "color": "red"}]})
    builder.build_scene(scene, bl_scene)
    assert len({o.data.name for o in roots(bl_scene)}) == 1


def test_a_failed_build_leaves_the_previous_scene_untouched(bl_scene, relations_scene, monkeypatch):
    builder.build_scene(relations_scene, bl_scene)
    before = sorted(o.name for o in bpy.data.objects), sorted(m.name for m in bpy.data.meshes), len(bpy.data.materials)
    from worldsmith.blender import assets
    real = assets.build

    def broken(kind, variant=0):
        if kind == "bus":
            raise RuntimeError("asset failed")
        return real(kind, variant)
    monkeypatch.setattr(assets, "build", broken)
    bad = parse_scene({"version": 1, "entities": [{"id": "car", "kind": "car"}, {"id": "bus", "kind": "bus"}]})
    with pytest.raises(RuntimeError):
        builder.build_scene(bad, bl_scene)
    after = sorted(o.name for o in bpy.data.objects), sorted(m.name for m in bpy.data.meshes), len(bpy.data.materials)
    assert after == before
    assert parse_scene(bl_scene["worldsmith_dsl"]) == relations_scene


def test_lamps_light_up_at_night_only(bl_scene):
    def lights(time):
        s = parse_scene({"version": 1, "time_of_day": time,
                         "entities": [{"id": "lamp", "kind": "street_lamp", "count": 2}]})
        builder.build_scene(s, bl_scene)
        return [o for o in bl_scene.objects if o.get("worldsmith_part") == "light"]
    assert len(lights("night")) == 2
    assert lights("noon") == []


def test_every_entity_is_in_the_camera_view(bl_scene, relations_scene):
    from bpy_extras.object_utils import world_to_camera_view
    builder.build_scene(relations_scene, bl_scene)
    bpy.context.view_layer.update()
    cam = bl_scene.camera
    for o in roots(bl_scene):
        for corner in o.bound_box:
            p = world_to_camera_view(bl_scene, cam, o.matrix_world @ Vector(corner))
            assert -1e-3 <= p.x <= 1.001 and -1e-3 <= p.y <= 1.001 and p.z > 0, o.name
