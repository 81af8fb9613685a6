"""Composite entities (DSL v2) built with the real bpy: size, labels, colours, shared meshes."""
from __future__ import annotations

import bpy
import pytest
from mathutils import Vector

from worldsmith.blender import builder, labels
from worldsmith.scene_dsl import parse_scene

GAZEBO_PARTS = [
    {"shape": "cylinder", "size": [3, 3, 0.2], "slot": "stone"},
    {"shape": "cylinder", "at": [1.2, 1.2, 0.2], "size": [0.15, 0.15, 2.2], "mirror_x": True},
    {"shape": "cylinder", "at": [1.2, -1.2, 0.2], "size": [0.15, 0.15, 2.2], "mirror_x": True},
    {"shape": "cone", "at": [0, 0, 2.4], "size": [3.4, 3.4, 0.9], "slot": "roof_tile"},
]


def _scene(**extra):
    return parse_scene({"version": 2, "entities": [
        {"id": "gazebo", "name": "gazebo", "parts": GAZEBO_PARTS, "color": "white", "size": [4, 4, 3.5], **extra},
        {"id": "gazebo2", "parts": GAZEBO_PARTS, "color": "white", "size": [4, 4, 3.5]},
        {"id": "bench", "kind": "bench", "relations": [{"type": "in_front_of", "target": "gazebo"}]}]})


def world_size(obj):
    bpy.context.view_layer.update()
    pts = [obj.matrix_world @ Vector(c) for c in obj.bound_box]
    return tuple(max(getattr(p, a) for p in pts) - min(getattr(p, a) for p in pts) for a in "xyz")


def test_a_composite_gazebo_builds_with_its_size_labels_and_colours(bl_scene):
    scene = _scene()
    result = builder.build_scene(scene, bl_scene)
    recs = {r["id"]: r for r in labels.compute(bl_scene, result.objects, None)["instances"]}
    assert recs["gazebo"]["kind"] == "composite" and recs["gazebo"]["composite_name"] == "gazebo"
    assert recs["bench"]["kind"] == "bench" and "composite_name" not in recs["bench"]
    objs = {o["worldsmith_id"]: o for o in bl_scene.objects if "worldsmith_id" in o}
    gz, gz2 = objs["gazebo"], objs["gazebo2"]
    assert world_size(gz) == pytest.approx((4.0, 4.0, 3.5), abs=1e-3)
    assert gz["worldsmith_kind"] == "composite" and gz["worldsmith_name"] == "gazebo"
    assert gz2["worldsmith_kind"] == "composite" and gz2["worldsmith_name"] == "composite"
    assert gz["worldsmith_color"] == "#ffffff"
    names = [m["worldsmith_color"] for m in gz.data.materials]
    assert names[0] == "#ffffff" and len(names) == 3        # main, stone, roof tile
    assert gz.data is gz2.data                                # one mesh per distinct part list and size
    assert gz["worldsmith_parts"] == gz2["worldsmith_parts"]
    assert objs["bench"].location.y < gz.location.y           # the layout treats it like any kind
    assert parse_scene(bl_scene["worldsmith_dsl"]) == scene   # written back as v2, reads the same


def test_a_composite_reuses_catalog_kinds_and_can_carry_things(bl_scene):
    scene = parse_scene({"version": 2, "entities": [
        {"id": "stall", "name": "market_stall", "top": 0.9, "parts": [
            {"shape": "box", "size": [2, 1, 0.9]},
            {"kind": "barrel", "at": [0.5, 0, 0.9], "size": [0.4, 0.4, 0.4]}]},
        {"id": "cat", "kind": "cat", "relations": [{"type": "on", "target": "stall"}]}]})
    builder.build_scene(scene, bl_scene)
    objs = {o["worldsmith_id"]: o for o in bl_scene.objects if "worldsmith_id" in o}
    assert world_size(objs["stall"]) == pytest.approx((2.0, 1.0, 1.3), abs=1e-3)   # its parts' bounds
    assert objs["cat"].location.z == pytest.approx(0.9, abs=1e-4)
    assert len(objs["stall"].data.materials) >= 2                # the barrel keeps its hoops
