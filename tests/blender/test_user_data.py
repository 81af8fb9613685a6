"""The user's Blender data around a Worldsmith build: only what our builds made is ever removed;
what a user added, copied, nested or parented is kept; the scene's settings come back on remove."""
from __future__ import annotations

import bpy
import pytest

from worldsmith.blender import builder, world
from worldsmith.scene_dsl import parse_scene

SCENE = parse_scene({"version": 1, "time_of_day": "sunset", "entities": [
    {"id": "house", "kind": "house"}, {"id": "car", "kind": "car", "color": "red",
                                       "relations": [{"type": "in_front_of", "target": "house"}]}]})


@pytest.fixture
def built(bl_scene):
    return builder.build_scene(SCENE, bl_scene)


def test_a_users_sub_collection_inside_ours_is_kept(bl_scene, built):
    mine = bpy.data.collections.new("My Props")
    built.collection.children.link(mine)
    prop = bpy.data.objects.new("My Prop", None)
    mine.objects.link(prop)
    shared = bpy.data.collections.new("Shared")          # also linked elsewhere in the scene
    built.collection.children.link(shared)
    bl_scene.collection.children.link(shared)
    result = builder.build_scene(SCENE, bl_scene)
    assert bpy.data.collections.get("My Props") is mine and bpy.data.objects.get("My Prop") is prop
    assert mine.name in bl_scene.collection.children and prop.name in bl_scene.objects
    assert list(bl_scene.collection.children).count(shared) == 1
    assert any("My Props" in w for w in result.warnings)


def test_a_shift_d_copy_of_our_object_is_the_users(bl_scene, built):
    car = bpy.data.objects["car"]
    copy = car.copy()                                    # what Shift+D makes: our custom properties too
    built.collection.objects.link(copy)
    result = builder.build_scene(SCENE, bl_scene)
    assert bpy.data.objects.get(copy.name) is copy and copy.name in bl_scene.collection.objects
    assert any(copy.name in w for w in result.warnings)
    assert [o["worldsmith_id"] for o in result.objects].count("car") == 1


def test_a_user_object_parented_to_ours_keeps_its_place(bl_scene, built):
    child = bpy.data.objects.new("Flag", None)
    bl_scene.collection.objects.link(child)
    house = bpy.data.objects["house"]
    child.parent = house
    child.matrix_parent_inverse = house.matrix_world.inverted()
    child.location = (0.5, 0.25, 3.0)
    bpy.context.view_layer.update()
    before = child.matrix_world.copy()
    builder.build_scene(SCENE, bl_scene)
    bpy.context.view_layer.update()
    assert bpy.data.objects.get("Flag") is child and child.parent is None
    assert all(abs(a - b) < 1e-5 for ra, rb in zip(child.matrix_world, before) for a, b in zip(ra, rb))


def test_a_user_world_with_our_name_leaks_nothing(bl_scene):
    theirs = bpy.data.worlds.new(world.WORLD_NAME)
    bl_scene.world = theirs
    builder.build_scene(SCENE, bl_scene)
    n = len(bpy.data.worlds)
    for _ in range(3):
        builder.build_scene(SCENE, bl_scene)
    assert len(bpy.data.worlds) == n and not theirs.get("worldsmith")


def test_remove_puts_the_scene_back_as_it_was(bl_scene):
    theirs = bpy.data.worlds.new("Studio")
    bl_scene.world = theirs
    cam = bpy.data.objects.new("My Camera", bpy.data.cameras.new("My Camera"))
    bl_scene.collection.objects.link(cam)
    bl_scene.camera = cam
    vs = bl_scene.view_settings
    vs.view_transform, vs.exposure = "Standard", 1.25
    user_objects = sorted(o.name for o in bpy.data.objects)
    builder.build_scene(SCENE, bl_scene)
    builder.build_scene(SCENE.model_copy(update={"time_of_day": "night"}), bl_scene)
    assert bl_scene.world is not theirs and bl_scene.camera is not cam
    n, notes = builder.remove(bl_scene)
    assert n > 0 and notes == []
    assert bl_scene.world is theirs and bl_scene.camera is cam
    assert vs.view_transform == "Standard" and vs.exposure == pytest.approx(1.25)
    assert sorted(o.name for o in bpy.data.objects) == user_objects
    assert world.find_world() is None and "worldsmith_dsl" not in bl_scene
    assert builder.find_collection(bl_scene) is None
