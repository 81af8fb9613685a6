"""Labels of a real render: boxes, instance masks from the Object Index pass, COCO RLE."""
from __future__ import annotations

import numpy as np
import pytest

from worldsmith.blender import labels
from worldsmith.dataset import coco
from worldsmith.files.images import read_png

SCENE = ('{"entities": [{"id": "car", "kind": "car", "color": "red"}, {"id": "house", "kind": "house"},'
         ' {"id": "trees", "kind": "pine_tree", "count": 2}]}')
W, H = 160, 90


# ---------------------------------------------------------------- a real render

def _visible_names(bl, res):
    return {n for n, v in res.visibility.items() if v.visible}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from worldsmith.blender import builder, scene_io, render
    from worldsmith.scene_dsl.models import parse_scene
    d = tmp_path_factory.mktemp("labels")
    bl = scene_io.fresh_scene()
    res = builder.build_scene(parse_scene(SCENE), bl, resolution=(W, H))
    labels.assign_pass_indices(bl, res.objects)
    index = labels.render_with_index(bl, render.RenderSettings("cycles", "cpu", 4, (W, H)), str(d / "r.png"), str(d))
    lab = labels.compute(bl, res.objects, index)
    return bl, res, index, lab, d


@pytest.mark.render
def test_index_pass_is_the_instances(rendered):
    bl, res, index, lab, d = rendered
    assert index.shape == (H, W)
    assert (d / "r.png").stat().st_size > 0 and not (d / ".index.exr").exists()
    assert set(np.unique(index)) <= {0} | {o.pass_index for o in res.objects}
    assert (index == 0).any()   # the ground and the sky
    assert len(lab["instances"]) == 4
    for rec, obj in zip(lab["instances"], res.objects):
        assert rec["id"] == obj["worldsmith_id"] and rec["kind"] == obj["worldsmith_kind"]
        assert 0.0 <= rec["visible_fraction"] <= 1.0 and rec["hidden"] == (obj.name not in
                                                                          _visible_names(bl, res))
        assert rec["color"] == obj["worldsmith_color"] and rec["mask_value"] == obj.pass_index
        assert rec["visible"] and rec["mask_area"] > 20, rec
        x0, y0, x1, y1 = rec["bbox_2d"]
        assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
        mx0, my0, mx1, my1 = rec["mask_bbox"]   # the visible part lies inside the projected box
        assert x0 - 1 <= mx0 and y0 - 1 <= my0 and mx1 <= x1 + 1 and my1 <= y1 + 1
        lo, hi = np.array(rec["bbox_3d"]["min"]), np.array(rec["bbox_3d"]["max"])
        assert (hi > lo).all() and np.allclose(lo[:2] + hi[:2], 2 * np.array(obj.location[:2]), atol=0.3)
    car = lab["instances"][0]
    assert car["color"] == "#ff0000"
    assert lab["image"] == {"width": W, "height": H}
    assert np.array(lab["camera"]["intrinsics"]).shape == (3, 3)


@pytest.mark.render
def test_projection_matches_world_to_camera_view(rendered):
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector
    bl, res, *_ = rendered
    obj = res.objects[1]
    pts = [obj.matrix_world @ v.co for v in list(obj.data.vertices)[:20]]
    ours, front = labels.project(bl, bl.camera, np.array([tuple(p) for p in pts]))
    for p, q in zip(pts, ours):
        assert np.allclose(tuple(world_to_camera_view(bl, bl.camera, Vector(p))), q, atol=1e-6)
    assert front.all()


@pytest.mark.render
def test_mask_png_and_coco(rendered, tmp_path):
    _, _, index, lab, _ = rendered
    coco.write_mask(tmp_path / "mask.png", index)
    back = read_png(tmp_path / "mask.png")
    assert back.dtype == np.uint8 and (back == index).all()
    doc = coco.coco_document([("x/render.png", lab, index)])
    assert doc["images"] == [{"id": 1, "file_name": "x/render.png", "width": W, "height": H}]
    cats = {c["id"]: c["name"] for c in doc["categories"]}
    assert len(doc["annotations"]) == 4
    for ann, rec in zip(doc["annotations"], lab["instances"]):
        assert cats[ann["category_id"]] == rec["kind"]
        m = coco.rle_decode(ann["segmentation"])
        assert m.sum() == ann["area"] == rec["mask_area"]
        ys, xs = np.nonzero(m)
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


@pytest.mark.render
def test_workbench_gets_its_index_from_a_cycles_pass(tmp_path):
    from worldsmith.blender import builder, scene_io, render
    from worldsmith.scene_dsl.models import parse_scene
    bl = scene_io.fresh_scene()
    res = builder.build_scene(parse_scene(SCENE), bl, resolution=(W, H))
    labels.assign_pass_indices(bl, res.objects)
    index = labels.render_with_index(bl, render.RenderSettings("workbench", "cpu", 1, (W, H)),
                                     str(tmp_path / "r.png"), str(tmp_path))
    assert bl.render.engine == "BLENDER_WORKBENCH"   # the scene keeps the engine it was asked for
    assert set(np.unique(index)) == {0, 1, 2, 3, 4}
