"""Per-render labels for dataset builders: boxes, instance masks, COCO.

For each placed entity instance of a built scene: its id, kind, colour, 3D box
(world axis-aligned box of the evaluated mesh), 2D box in image pixels (the
evaluated mesh's world vertices projected through ``scene.camera`` the way
``bpy_extras.object_utils.world_to_camera_view`` does it, vectorised, then
clipped to the image) and an instance mask.

How the mask is read headless (bpy 5.0, no GUI): every root object gets
``pass_index = 1..N`` and the view layer's Object Index pass is turned on.
After ``bpy.ops.render.render(write_still=False)`` the ``Render Result``
image has no readable ``pixels`` in background mode, but
``Image.save_render`` works: once with the scene's PNG settings for
``render.png`` (colour managed, as ``write_still`` would write it) and once
as a multi-layer OpenEXR (``media_type = 'MULTI_LAYER_IMAGE'``, codec NONE,
32-bit float). Blender writes that file as a *multi-part* EXR with one part
per pass (``ViewLayer.Object Index`` holds the index); ``files/exr.py``
reads such uncompressed files with numpy, so no OpenEXR package is needed. Only Cycles fills the Object Index pass: for Workbench and Eevee the
index comes from a second 1-sample Cycles render of the same scene.

Masks and COCO (``dataset/coco.py``) are written from what ``compute`` returns.
"""
from __future__ import annotations

import os

import numpy as np

from ..files.exr import read_exr_part


def assign_pass_indices(bl_scene, roots) -> None:
    """``pass_index = 1..N`` on the root objects and the Object Index pass on every view layer."""
    for i, obj in enumerate(roots, 1):
        obj.pass_index = i
    for vl in bl_scene.view_layers:
        vl.use_pass_object_index = True


def _save_index_exr(bl_scene, path: str) -> np.ndarray:
    import bpy
    ims = bl_scene.render.image_settings
    saved = (ims.media_type, ims.file_format, ims.color_depth, ims.exr_codec)
    try:
        ims.media_type = "MULTI_LAYER_IMAGE"
        ims.exr_codec = "NONE"
        ims.color_depth = "32"
        bpy.data.images["Render Result"].save_render(path, scene=bl_scene)
    finally:
        ims.media_type = saved[0]
        ims.file_format = saved[1]
        ims.color_depth = saved[2]
    try:
        return np.rint(read_exr_part(path)).astype(np.int32)
    finally:
        os.remove(path)


def render_with_index(bl_scene, settings, png_path: str, scratch_dir: str) -> np.ndarray:
    """Render ``bl_scene`` to ``png_path`` and return its instance index image (h, w)."""
    import bpy
    from . import render
    if bl_scene.camera is None:
        raise ValueError("the scene has no camera to render from")
    render.apply(bl_scene, settings)
    for vl in bl_scene.view_layers:
        vl.use_pass_object_index = True
    exr = os.path.join(scratch_dir, ".index.exr")
    bpy.ops.render.render(write_still=False, scene=bl_scene.name)
    bpy.data.images["Render Result"].save_render(os.path.abspath(png_path), scene=bl_scene)
    if not os.path.exists(png_path):
        raise RuntimeError(f"the renderer wrote no image at {png_path}")
    if settings.engine == "cycles":
        return _save_index_exr(bl_scene, exr)
    # Workbench and Eevee have no Object Index pass: a cheap 1-sample Cycles pass gives it.
    c = bl_scene.cycles
    saved = (bl_scene.render.engine, c.samples, c.use_denoising, c.use_adaptive_sampling)
    try:
        bl_scene.render.engine = "CYCLES"
        c.samples, c.use_denoising, c.use_adaptive_sampling = 1, False, False
        bpy.ops.render.render(write_still=False, scene=bl_scene.name)
        return _save_index_exr(bl_scene, exr)
    finally:
        bl_scene.render.engine = saved[0]
        c.samples, c.use_denoising, c.use_adaptive_sampling = saved[1:]


def _world_vertices(obj, depsgraph) -> np.ndarray:
    ev = obj.evaluated_get(depsgraph)
    me = ev.to_mesh()
    try:
        co = np.empty(len(me.vertices) * 3, np.float64)
        me.vertices.foreach_get("co", co)
    finally:
        ev.to_mesh_clear()
    co = co.reshape(-1, 3)
    m = np.array(ev.matrix_world, dtype=np.float64)
    return co @ m[:3, :3].T + m[:3, 3]


def project(bl_scene, cam, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``world_to_camera_view`` for many points: (n, 3) normalised (x, y, depth); y up."""
    inv = np.array(cam.matrix_world.normalized().inverted(), dtype=np.float64)
    local = world @ inv[:3, :3].T + inv[:3, 3]
    z = -local[:, 2]
    frame = [np.array(v, dtype=np.float64) for v in cam.data.view_frame(scene=bl_scene)]
    if cam.data.type != "ORTHO":
        d = -frame[0][2]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(z > 0, z / d, np.nan)
    else:
        s = np.ones_like(z)
    min_x, max_x = frame[2][0] * s, frame[1][0] * s
    min_y, max_y = frame[1][1] * s, frame[0][1] * s
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (local[:, 0] - min_x) / (max_x - min_x)
        y = (local[:, 1] - min_y) / (max_y - min_y)
    return np.stack([x, y, z], axis=1), z > cam.data.clip_start


def camera_info(bl_scene, cam) -> dict:
    w, h = bl_scene.render.resolution_x, bl_scene.render.resolution_y
    data = cam.data
    fit = data.sensor_fit
    if fit == "AUTO":
        fit = "HORIZONTAL" if w >= h else "VERTICAL"
    f = data.lens / data.sensor_width * w if fit == "HORIZONTAL" else data.lens / data.sensor_width * h
    return {"name": cam.name, "lens_mm": data.lens, "sensor_mm": data.sensor_width,
            "intrinsics": [[f, 0.0, w / 2], [0.0, f, h / 2], [0.0, 0.0, 1.0]],
            "matrix_world": [list(map(float, row)) for row in cam.matrix_world]}


def compute(bl_scene, roots, index: np.ndarray | None) -> dict:
    """The labels of one render: image size, camera and one record per root object."""
    import bpy
    w, h = bl_scene.render.resolution_x, bl_scene.render.resolution_y
    cam = bl_scene.camera
    dg = bpy.context.evaluated_depsgraph_get()
    from . import visibility
    _named, occluders = visibility.scene_objects(bl_scene)
    vis = visibility.measure(list(roots), visibility.View.from_camera(cam, (w, h)), occluders)
    instances = []
    for obj in roots:
        world = _world_vertices(obj, dg)
        rec = {"mask_value": int(obj.pass_index), "name": obj.name, "id": str(obj["worldsmith_id"]),
               "kind": str(obj["worldsmith_kind"]), "color": str(obj["worldsmith_color"]),
               "index": int(obj["worldsmith_index"]), "requested": str(obj.get("worldsmith_requested", "")),
               **({"composite_name": str(obj["worldsmith_name"])} if "worldsmith_name" in obj else {}),
               "bbox_3d": {"min": world.min(axis=0).round(5).tolist() if len(world) else None,
                           "max": world.max(axis=0).round(5).tolist() if len(world) else None}}
        ndc, front = project(bl_scene, cam, world) if len(world) else (np.zeros((0, 3)), np.zeros(0, bool))
        box, truncated = None, bool(len(world) and not front.all())
        if front.any():
            px = ndc[front, 0] * w
            py = (1.0 - ndc[front, 1]) * h
            x0, x1, y0, y1 = px.min(), px.max(), py.min(), py.max()
            truncated |= bool(x0 < 0 or y0 < 0 or x1 > w or y1 > h)
            cx0, cx1 = max(0.0, x0), min(float(w), x1)
            cy0, cy1 = max(0.0, y0), min(float(h), y1)
            if cx1 > cx0 and cy1 > cy0:
                box = [round(float(v), 3) for v in (cx0, cy0, cx1, cy1)]
        rec["bbox_2d"] = box
        rec["truncated"] = truncated
        area, mbox = 0, None
        if index is not None:
            ys, xs = np.nonzero(index == obj.pass_index)
            area = int(len(xs))
            if area:
                mbox = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        rec["mask_area"] = area
        rec["mask_bbox"] = mbox
        rec["visible"] = area > 0
        v = vis.get(obj.name)
        # share of its silhouette the camera shows (1 = unoccluded), measured by ray casting (visibility.py)
        rec["visible_fraction"] = v.share if v else 0.0
        rec["hidden"] = bool(v is None or not v.visible)   # below the visibility bar (share or size)
        instances.append(rec)
    return {"image": {"width": w, "height": h}, "camera": camera_info(bl_scene, cam),
            "time_of_day": str(bl_scene.get("worldsmith_time_of_day", "")),
            "ground": str(bl_scene.get("worldsmith_ground", "")), "instances": instances}
