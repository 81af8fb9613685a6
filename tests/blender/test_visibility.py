"""Visibility on the geometry: a thing behind a house is hidden, a thing beside it is not."""
from __future__ import annotations

import numpy as np

from worldsmith.blender import builder, visibility
from worldsmith.scene_dsl.models import parse_scene

SCENE = ('{"entities": [{"id": "house", "kind": "house", "position": [0, 0, 0]},'
         ' {"id": "dog", "kind": "dog", "position": [0, 6, 0]},'
         ' {"id": "car", "kind": "car", "position": [7, 0, 0]}]}')


def _front_view(height: float = 1.6) -> visibility.View:
    """A camera 25 m in front of the house at eye height, looking along +Y, 35 mm, 16:9."""
    th, tv = visibility.fov_tangents(35.0, 36.0, 16 / 9)
    return visibility.View(np.array([2.0, -25.0, height]), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]),
                           np.array([0, 1.0, 0]), th, tv)


def test_hidden_behind_and_visible_beside(bl_scene):
    res = builder.build_scene(parse_scene(SCENE), bl_scene, resolution=(480, 270))
    vis = visibility.measure(res.objects, _front_view(), grid=(240, 135))
    assert vis["dog"].silhouette > 0 and vis["dog"].share < 0.05 and not vis["dog"].visible
    assert vis["car"].share == 1.0 and vis["car"].visible and vis["car"].pixels >= visibility.MIN_PIXELS
    assert 0.9 < vis["house"].share <= 1.0 and vis["house"].visible
    # seen from straight above, the dog behind the house shows whole
    th, tv = visibility.fov_tangents(35.0, 36.0, 16 / 9)
    top = visibility.View(np.array([2.0, 2.0, 30.0]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
                          np.array([0, 0, -1.0]), th, tv)
    assert visibility.measure(res.objects, top, grid=(240, 135))["dog"].share == 1.0


def test_an_occluder_that_is_not_measured_still_hides(bl_scene):
    res = builder.build_scene(parse_scene(SCENE), bl_scene, resolution=(480, 270))
    house = next(o for o in res.objects if o.name == "house")
    others = [o for o in res.objects if o is not house]
    vis = visibility.measure(others, _front_view(), occluders=[house], grid=(120, 68))
    assert set(vis) == {"dog", "car"} and vis["dog"].share < 0.05 and vis["car"].visible


def test_the_build_reports_hidden_entities(bl_scene):
    res = builder.build_scene(parse_scene(SCENE), bl_scene, resolution=(480, 270))
    assert set(res.visibility) == {"house", "dog", "car"}
    hidden = [v.name for v in res.visibility.values() if not v.visible]
    assert bool(hidden) == any("hidden from the camera" in w for w in res.warnings)
    assert list(bl_scene["worldsmith_warnings"]) == res.warnings


def test_a_top_view_that_hides_a_thing_under_a_table_moves_with_a_warning(bl_scene):
    doc = ('{"camera": {"view": "top"}, "entities": [{"id": "t", "kind": "table"},'
           ' {"id": "c", "kind": "cat", "relations": [{"type": "under", "target": "t"}]}]}')
    res = builder.build_scene(parse_scene(doc), bl_scene, resolution=(480, 270), dressing="none")
    assert res.visibility["c"].visible and res.visibility["t"].visible
    assert any("camera: the view 'top'" in w for w in res.warnings)
    assert bl_scene.camera.location.z > 0.5


def test_one_tiny_thing_and_many_things_are_framed(bl_scene):
    from worldsmith.benchmarks.scenebench import checker
    tiny = builder.build_scene(parse_scene('{"entities": [{"id": "f", "kind": "flower"}]}'), bl_scene,
                               resolution=(480, 270), dressing="none")
    assert tiny.visibility["f"].visible and tiny.visibility["f"].pixels > 1000   # framed close, not a speck
    many = ('{"entities": [' + ", ".join(f'{{"id": "e{i}", "kind": "{k}", "count": 50}}' for i, k in
                                         enumerate(["rock", "bush", "cow", "bench"] * 3)) + "]}")
    res = builder.build_scene(parse_scene(many), bl_scene, resolution=(480, 270), dressing="light")
    assert len(res.objects) == 600 and len(res.visibility) == 600   # (2,000: bench_visibility, bench_build)
    assert checker.check(bl_scene, []).results[0].ok          # plausible.in_view: every one inside the frame


def _project(bl_scene, obj) -> tuple[float, float]:
    """Image position (u, v; v down) of an object's box centre from the scene camera."""
    view = visibility.View.from_camera(bl_scene.camera, (480, 270))
    centre = np.array(obj.matrix_world) @ np.append(np.mean([tuple(c) for c in obj.bound_box], axis=0), 1.0)
    u, v, _z = view.project(centre[None, :3])
    return float(u[0]), float(v[0])


def test_the_demo_is_seen_from_near_eye_level_with_the_horizon_off_the_middle(bl_scene):
    doc = {"time_of_day": "sunset", "entities": [
        {"id": "house", "kind": "house", "color": "white"},
        {"id": "car", "kind": "car", "color": "red", "relations": [{"type": "in_front_of", "target": "house"}]},
        {"id": "pine", "kind": "pine_tree", "count": 2, "relations": [{"type": "behind", "target": "house"}]}]}
    res = builder.build_scene(parse_scene(doc), bl_scene, resolution=(480, 270))
    assert all(v.visible for v in res.visibility.values()), res.visibility
    cam = bl_scene.camera
    pitch_down = 90.0 - np.degrees(cam.rotation_euler.x)          # degrees below the horizontal
    _th, tv = visibility.fov_tangents(cam.data.lens, 36.0, 16 / 9)
    horizon_v = 0.5 - 0.5 * np.tan(np.radians(pitch_down)) / tv
    assert 0.05 < horizon_v < 0.95 and abs(horizon_v - 0.5) > 0.1, horizon_v   # in the picture, not mid-way
    house = next(o for o in res.objects if o.name == "house")
    assert cam.location.z < 1.2 * house.dimensions.z                # not from high above the roof
    # relations still read true: the car in front is lower in the picture than the house behind it
    assert _project(bl_scene, next(o for o in res.objects if o.name == "car"))[1] > _project(bl_scene, house)[1]


def test_a_small_thing_left_of_a_big_one_gets_its_pixels_and_stays_left(bl_scene):
    doc = {"entities": [{"id": "house", "kind": "house"},
                        {"id": "mailbox", "kind": "mailbox", "relations": [{"type": "left_of", "target": "house"}]}]}
    res = builder.build_scene(parse_scene(doc), bl_scene, resolution=(480, 270))
    vis = res.visibility
    assert vis["mailbox"].visible and vis["mailbox"].pixels >= visibility.MIN_PIXELS, vis
    objs = {o.name: o for o in res.objects}
    assert _project(bl_scene, objs["mailbox"])[0] < _project(bl_scene, objs["house"])[0]   # left is left


def test_a_lens_the_scene_gives_is_kept(bl_scene):
    doc = {"camera": {"lens": 85}, "entities": [{"id": "house", "kind": "house"},
                                                {"id": "d", "kind": "dog", "relations": [{"type": "next_to",
                                                                                          "target": "house"}]}]}
    builder.build_scene(parse_scene(doc), bl_scene, resolution=(480, 270))
    assert bl_scene.camera.data.lens == 85.0


def test_scenebench_judges_the_things_the_prompt_named(bl_scene):
    import json
    import math

    from worldsmith.benchmarks.scenebench import checker
    from worldsmith.benchmarks.scenebench.visible import visible_result

    def judged(dog_named: bool):
        doc = json.loads(SCENE)
        for e in doc["entities"]:
            if e["id"] != "dog" or dog_named:
                e["requested"] = e["id"]
        builder.build_scene(parse_scene(json.dumps(doc)), bl_scene, resolution=(480, 270))
        cam = bl_scene.camera        # straight in front of the house, the dog behind it
        cam.location, cam.rotation_euler, cam.data.lens = (2.0, -25.0, 1.6), (math.pi / 2, 0, 0), 35.0
        return visible_result(bl_scene, checker.Result)

    assert not judged(True).ok and "dog" in judged(True).detail
    assert judged(False).ok          # a thing nobody named (a place's flowers) is not judged
