"""Every catalog kind through the real builder (real bpy): alone and in crowds.

Checks world-space size against the catalog, mesh sanity (finite vertices,
no degenerate faces), and the main-colour material contract.
"""
from __future__ import annotations

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from worldsmith.blender import builder, materials  # noqa: E402
from worldsmith.scene_dsl import catalog, colors  # noqa: E402
from worldsmith.scene_dsl.models import parse_scene  # noqa: E402

SIZE_TOL = 0.20


def world_dimensions(obj) -> np.ndarray:
    """Axis-aligned world-space extent of an object's mesh."""
    me = obj.data
    co = np.empty(len(me.vertices) * 3, dtype=np.float64)
    me.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    m = np.array(obj.matrix_world)
    world = co @ m[:3, :3].T + m[:3, 3]
    return world.max(axis=0) - world.min(axis=0)


def mesh_problems(me) -> list[str]:
    problems = []
    co = np.empty(len(me.vertices) * 3, dtype=np.float64)
    me.vertices.foreach_get("co", co)
    if not np.isfinite(co).all():
        problems.append("non-finite vertex coordinates")
    area = np.empty(len(me.polygons), dtype=np.float64)
    me.polygons.foreach_get("area", area)
    if len(area) == 0:
        problems.append("no faces")
    elif not np.isfinite(area).all() or (area <= 1e-9).any():
        problems.append(f"{int((area <= 1e-9).sum())} degenerate faces")
    for poly in me.polygons:
        if len(set(poly.vertices)) < 3:
            problems.append(f"face {poly.index} repeats vertices")
            break
    return problems


def check_root(obj, entity_color: str) -> None:
    kind = obj["worldsmith_kind"]
    mat = obj.data.materials[catalog.main_part_index(kind)]
    assert mat is not None and mat.get("worldsmith") is True
    assert obj["worldsmith_color"] == mat["worldsmith_color"] == entity_color
    assert np.allclose(mat.diffuse_color[:3], colors.hex_to_linear(entity_color), atol=1e-4)
    # every part has a Worldsmith material carrying its colour
    assert len(obj.data.materials) == len(catalog.get(kind).parts)
    for m in obj.data.materials:
        assert m.get("worldsmith") is True and colors.is_color(m["worldsmith_color"])


@pytest.mark.parametrize("kind", catalog.PROCEDURAL)   # recipe kinds: all at once in test_recipes_bpy.py
def test_every_kind_builds_alone(bl_scene, kind):
    spec = catalog.get(kind)
    scene = parse_scene({"entities": [{"id": "it", "kind": kind}]})
    result = builder.build_scene(scene, bl_scene, resolution=(64, 36))
    assert len(result.objects) == 1
    obj = result.objects[0]
    assert obj["worldsmith_kind"] == kind and obj["worldsmith_id"] == "it"
    dims = world_dimensions(obj)
    # a lone entity is not rotated, so its world box lines up with the catalog's width/depth/height
    expected = np.array(spec.size) * obj.scale[0]
    rel = np.abs(dims - expected) / expected
    assert (rel <= SIZE_TOL).all(), f"{kind}: world size {dims.round(2)} vs catalog {expected.round(2)}"
    assert mesh_problems(obj.data) == [], kind
    check_root(obj, spec.color)
    assert bl_scene.camera is not None


def test_all_kinds_in_a_crowd_with_colours_and_presets(bl_scene):
    presets = materials.PRESETS
    names = list(colors.CSS_COLORS)
    ents = []
    for i, kind in enumerate(catalog.KIND_NAMES):
        ents.append({"id": f"e{i}", "kind": kind, "count": 3, "color": names[(7 * i) % len(names)],
                     "material": presets[i % len(presets)]})
    scene = parse_scene({"entities": ents, "seed": 5})
    result = builder.build_scene(scene, bl_scene, resolution=(64, 36))
    assert len(result.objects) == 3 * len(catalog.KIND_NAMES)
    by_id: dict[str, list] = {}
    for obj in result.objects:
        by_id.setdefault(obj["worldsmith_id"], []).append(obj)
    for e in scene.entities:
        objs = by_id[e.id]
        assert len(objs) == 3
        for obj in objs:
            check_root(obj, colors.to_hex(e.color))
            mat = obj.data.materials[catalog.main_part_index(e.kind)]
            assert mat["worldsmith_preset"] == e.material
    # identical entities share one mesh
    assert len({o.data.name for o in by_id["e0"]}) == 1
    for me in {o.data for o in result.objects}:
        assert mesh_problems(me) == [], me.name


def test_large_mixed_crowd_rebuilds_cleanly(bl_scene):
    ents = [{"id": f"g{i}", "kind": k, "count": 4} for i, k in enumerate(catalog.KIND_NAMES[::3])]
    scene = parse_scene({"entities": ents, "seed": 2, "time_of_day": "night", "ground": "snow"})
    first = builder.build_scene(scene, bl_scene, resolution=(64, 36))
    n_mats = len([m for m in bpy.data.materials if m.get("worldsmith")])
    second = builder.build_scene(scene, bl_scene, resolution=(64, 36))
    assert len(second.objects) == len(first.objects) == 4 * len(ents)
    # a rebuild reuses materials instead of piling up copies
    assert len([m for m in bpy.data.materials if m.get("worldsmith")]) == n_mats
    for obj in second.objects:
        assert np.isfinite(np.array(obj.matrix_world)).all()
        check_root(obj, catalog.get(obj["worldsmith_kind"]).color)


def test_named_colour_and_hex_reach_the_material(bl_scene):
    scene = parse_scene({"entities": [
        {"id": "a", "kind": "car", "color": "cornflowerblue"},
        {"id": "b", "kind": "house", "color": "#12ab34", "material": "brick"},
        {"id": "c", "kind": "tree", "color": "Dark Red"},
    ]})
    result = builder.build_scene(scene, bl_scene, resolution=(64, 36))
    got = {o["worldsmith_id"]: o["worldsmith_color"] for o in result.objects}
    assert got == {"a": "#6495ed", "b": "#12ab34", "c": "#8b0000"}
