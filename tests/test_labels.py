"""Labels of a real render: boxes, instance masks from the Object Index pass, COCO RLE."""
from __future__ import annotations

import numpy as np
import pytest

from worldsmith.addon import labels

SCENE = ('{"entities": [{"id": "car", "kind": "car", "color": "red"}, {"id": "house", "kind": "house"},'
         ' {"id": "trees", "kind": "pine_tree", "count": 2}]}')
W, H = 160, 90


# ---------------------------------------------------------------- pure helpers

@pytest.mark.parametrize("case", ["empty", "full", "first", "last", "random"])
def test_rle_round_trip(case):
    rng = np.random.default_rng(3)
    m = np.zeros((7, 11), bool)
    if case == "full":
        m[:] = True
    elif case == "first":
        m[0, 0] = True
    elif case == "last":
        m[-1, -1] = True
    elif case == "random":
        m = rng.random((37, 53)) > 0.6
    rle = labels.rle_encode(m)
    assert rle["size"] == list(m.shape)
    assert all(33 <= ord(c) < 128 for c in rle["counts"])
    assert (labels.rle_decode(rle) == m).all()


def test_rle_matches_coco_encoding():
    # counts are column-major: a 2x3 mask whose middle column is set -> runs 2, 2, 2
    m = np.array([[0, 1, 0], [0, 1, 0]], bool)
    assert labels.rle_encode(m)["counts"] == "222"   # chr(48 + 2) each: pycocotools' rleToString


@pytest.mark.parametrize("dtype,shape", [(np.uint8, (5, 9)), (np.uint16, (4, 3)), (np.uint8, (6, 4, 3))])
def test_png_round_trip(tmp_path, dtype, shape):
    img = (np.arange(np.prod(shape)) * 977 % np.iinfo(dtype).max).astype(dtype).reshape(shape)
    labels.write_png(tmp_path / "x.png", img)
    back = labels.read_png(tmp_path / "x.png")
    assert back.dtype == dtype and (back == img).all()


def test_sheet_grid():
    thumbs = [np.full((9, 16, 3), i * 40, np.uint8) for i in range(5)]
    out = labels.sheet(thumbs, columns=3, pad=2)
    assert out.shape == (2 * 11 + 2, 3 * 18 + 2, 3)
    assert (out[2:11, 2:18] == 0).all() and (out[13:22, 20:36] == 160).all()


def test_categories_are_catalog_kinds():
    from worldsmith.scene_dsl import catalog
    cats = labels.categories()
    assert [c["name"] for c in cats] == list(catalog.KINDS)
    assert [c["id"] for c in cats] == list(range(1, len(cats) + 1))


# ---------------------------------------------------------------- a real render

@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from worldsmith.addon import builder, engine, render
    from worldsmith.scene_dsl.models import parse_scene
    d = tmp_path_factory.mktemp("labels")
    bl = engine.fresh_scene()
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
    labels.write_mask(tmp_path / "mask.png", index)
    back = labels.read_png(tmp_path / "mask.png")
    assert back.dtype == np.uint8 and (back == index).all()
    doc = labels.coco_document([("x/render.png", lab, index)])
    assert doc["images"] == [{"id": 1, "file_name": "x/render.png", "width": W, "height": H}]
    cats = {c["id"]: c["name"] for c in doc["categories"]}
    assert len(doc["annotations"]) == 4
    for ann, rec in zip(doc["annotations"], lab["instances"]):
        assert cats[ann["category_id"]] == rec["kind"]
        m = labels.rle_decode(ann["segmentation"])
        assert m.sum() == ann["area"] == rec["mask_area"]
        ys, xs = np.nonzero(m)
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


@pytest.mark.render
def test_workbench_gets_its_index_from_a_cycles_pass(tmp_path):
    from worldsmith.addon import builder, engine, render
    from worldsmith.scene_dsl.models import parse_scene
    bl = engine.fresh_scene()
    res = builder.build_scene(parse_scene(SCENE), bl, resolution=(W, H))
    labels.assign_pass_indices(bl, res.objects)
    index = labels.render_with_index(bl, render.RenderSettings("workbench", "cpu", 1, (W, H)),
                                     str(tmp_path / "r.png"), str(tmp_path))
    assert bl.render.engine == "BLENDER_WORKBENCH"   # the scene keeps the engine it was asked for
    assert set(np.unique(index)) == {0, 1, 2, 3, 4}


def test_exr_reader_rejects_other_files(tmp_path):
    p = tmp_path / "x.exr"
    p.write_bytes(b"not an exr")
    with pytest.raises(labels.ExrError):
        labels.read_exr_part(p)
