"""What an agent is shown of a built scene: the placed entities with their positions and
whether the camera sees them, and a small render as PNG bytes.

Used by the MCP server's headless scene and by the extension's live link alike. A render
for an agent leaves the scene's own render settings as they were.
"""
from __future__ import annotations

import os
import tempfile

import bpy

from . import builder, render

MAX_LISTED = 300          # instances listed one by one; a bigger scene is summarised past this


def _in_view(bl_scene, obj) -> bool:
    from bpy_extras.object_utils import world_to_camera_view
    cam = bl_scene.camera
    if cam is None:
        return False
    p = world_to_camera_view(bl_scene, cam, obj.matrix_world.translation)
    return 0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0 and p.z > 0.0


def describe(bl_scene: bpy.types.Scene) -> dict:
    """The Worldsmith objects of ``bl_scene``: ``{"objects": n, "listed": [...], "by_entity": {...}}``."""
    coll = builder.find_collection(bl_scene)
    roots = [o for o in (coll.objects if coll else ()) if "worldsmith_id" in o]
    roots.sort(key=lambda o: (str(o["worldsmith_id"]), int(o.get("worldsmith_index", 0))))
    if bl_scene.view_layers:
        bl_scene.view_layers[0].update()     # world matrices of the objects just built
    listed, by_entity = [], {}
    for o in roots:
        seen = _in_view(bl_scene, o)
        eid = str(o["worldsmith_id"])
        agg = by_entity.setdefault(eid, {"kind": str(o["worldsmith_kind"]), "count": 0, "in_view": 0})
        agg["count"] += 1
        agg["in_view"] += int(seen)
        if len(listed) < MAX_LISTED:
            listed.append({"name": o.name, "id": eid, "kind": str(o["worldsmith_kind"]),
                           "position": [round(v, 2) for v in o.location],
                           "rotation_deg": round(o.rotation_euler.z * 57.29577951308232), "in_view": seen})
    return {"objects": len(roots), "listed": listed, "truncated": len(roots) > len(listed),
            "by_entity": by_entity}


_KEEP = (("render", "engine"), ("render", "resolution_x"), ("render", "resolution_y"),
         ("render", "resolution_percentage"), ("render", "filepath"), ("render.image_settings", "file_format"),
         ("view_settings", "view_transform"), ("view_settings", "look"), ("display.shading", "light"),
         ("display.shading", "color_type"), ("display", "render_aa"), ("eevee", "taa_render_samples"),
         ("cycles", "samples"), ("cycles", "use_adaptive_sampling"), ("cycles", "use_denoising"),
         ("cycles", "max_bounces"), ("cycles", "sample_clamp_indirect"), ("cycles", "blur_glossy"),
         ("cycles", "device"))


def _owner(bl_scene, dotted: str):
    obj = bl_scene
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def render_png(bl_scene: bpy.types.Scene, settings: render.RenderSettings) -> bytes:
    """Render ``bl_scene`` with ``settings`` and return the PNG; the scene's render settings are restored."""
    saved = []
    for owner_path, attr in _KEEP:
        owner = _owner(bl_scene, owner_path)
        if owner is not None and hasattr(owner, attr):
            saved.append((owner, attr, getattr(owner, attr)))
    try:
        with tempfile.TemporaryDirectory(prefix="worldsmith-agent-") as tmp:
            path = os.path.join(tmp, "render.png")
            render.render_still(bl_scene, path, settings)
            with open(path, "rb") as f:
                return f.read()
    finally:
        for owner, attr, value in saved:
            try:
                setattr(owner, attr, value)
            except (AttributeError, TypeError, ValueError):
                pass


def thumbnail(bl_scene: bpy.types.Scene, resolution: tuple[int, int] = (320, 180)) -> bytes:
    """A quick Workbench render for an agent to look at (FXAA: a 500-object scene in a fifth of the time)."""
    return render_png(bl_scene, render.RenderSettings("workbench", "cpu", 1, resolution, workbench_aa="FXAA"))
