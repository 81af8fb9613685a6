"""The layout's relations hold on the real Blender objects the builder makes.

Checks left/right/front/behind/on/under on the world bounding boxes of the
root objects (custom property ``worldsmith_id``). Mesh bounds may differ a
little from the catalog sizes the solver uses, hence a small tolerance.
"""
from __future__ import annotations

import pytest

bpy = pytest.importorskip("bpy")
from mathutils import Vector  # noqa: E402

from worldsmith.blender import builder  # noqa: E402
from worldsmith.scene_dsl import parse_scene  # noqa: E402

TOL = 0.05  # metres


def boxes(bl_scene, entity_id):
    bpy.context.view_layer.update()
    out = []
    for o in bl_scene.objects:
        if o.get("worldsmith_id") == entity_id and "worldsmith_kind" in o:
            pts = [o.matrix_world @ Vector(c) for c in o.bound_box]
            out.append(((min(p.x for p in pts), min(p.y for p in pts), min(p.z for p in pts)),
                        (max(p.x for p in pts), max(p.y for p in pts), max(p.z for p in pts)), o))
    assert out, entity_id
    return out


def union(bs):
    lo = tuple(min(b[0][i] for b in bs) for i in range(3))
    hi = tuple(max(b[1][i] for b in bs) for i in range(3))
    return lo, hi


def rel(typ, target):
    return {"type": typ, "target": target}


@pytest.fixture
def bl_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene


def test_directions_on_real_objects(bl_scene):
    s = parse_scene({"entities": [
        {"id": "house", "kind": "house"},
        {"id": "tree", "kind": "tree", "relations": [rel("left_of", "house")]},
        {"id": "car", "kind": "car", "relations": [rel("right_of", "house")]},
        {"id": "dogs", "kind": "dog", "count": 3, "relations": [rel("in_front_of", "house")]},
        {"id": "pines", "kind": "pine_tree", "count": 4, "relations": [rel("behind", "house")]},
    ]})
    result = builder.build_scene(s, bl_scene)
    assert not [w for w in result.warnings if "not satisfied" in w]
    (hlo, hhi) = union(boxes(bl_scene, "house"))
    tlo, thi = union(boxes(bl_scene, "tree"))
    clo, chi = union(boxes(bl_scene, "car"))
    dlo, dhi = union(boxes(bl_scene, "dogs"))
    plo, phi = union(boxes(bl_scene, "pines"))
    assert thi[0] <= hlo[0] + TOL          # tree left of house  (-X)
    assert clo[0] >= hhi[0] - TOL          # car right of house  (+X)
    assert dhi[1] <= hlo[1] + TOL          # dogs in front       (-Y, toward the camera)
    assert plo[1] >= hhi[1] - TOL          # pines behind        (+Y)
    # and the camera really is on the -Y side looking toward +Y
    cam = bl_scene.camera
    assert cam.location.y < hlo[1]


def test_on_and_under_on_real_objects(bl_scene):
    s = parse_scene({"entities": [
        {"id": "table", "kind": "table"},
        {"id": "lamp", "kind": "lamp", "relations": [rel("on", "table")]},
        {"id": "crates", "kind": "crate", "count": 2, "relations": [rel("right_of", "table")]},
        {"id": "barrels", "kind": "barrel", "count": 2, "relations": [rel("on", "crates")]},
        {"id": "cat", "kind": "cat", "relations": [rel("under", "table")]},
    ]})
    builder.build_scene(s, bl_scene)
    (tlo, thi, _), = boxes(bl_scene, "table")
    (llo, lhi, _), = boxes(bl_scene, "lamp")
    assert abs(llo[2] - thi[2]) <= TOL                      # lamp base on the table top
    cx, cy = 0.5 * (llo[0] + lhi[0]), 0.5 * (llo[1] + lhi[1])
    assert tlo[0] <= cx <= thi[0] and tlo[1] <= cy <= thi[1]
    crates = boxes(bl_scene, "crates")
    for blo, bhi, _o in boxes(bl_scene, "barrels"):
        bx, by = 0.5 * (blo[0] + bhi[0]), 0.5 * (blo[1] + bhi[1])
        assert any(abs(blo[2] - chi[2]) <= TOL and clo[0] <= bx <= chi[0] and clo[1] <= by <= chi[1]
                   for clo, chi, _c in crates)
    (klo, khi, _), = boxes(bl_scene, "cat")
    kx, ky = 0.5 * (klo[0] + khi[0]), 0.5 * (klo[1] + khi[1])
    assert tlo[0] <= kx <= thi[0] and tlo[1] <= ky <= thi[1]
    assert klo[2] <= TOL and khi[2] <= thi[2] + TOL
