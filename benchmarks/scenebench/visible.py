"""SceneBench's visibility check: every named entity is seen by the camera.

``plausible.visible`` passes when each root object (``worldsmith_id``) shows at least 30 % of its
silhouette and 200 px at 480x270 from ``scene.camera``, measured on the geometry by
``blender.visibility`` (ray casting, exactly an object-index pass at that resolution). Entities that a
prompt asked for and the picture hides fail a user even when every relation holds.

"Named" is what the prompt named: the roots that carry ``worldsmith_requested`` (the user's words).
What a place implies ("a park": its flowers) or a model adds is not named and is not judged here (the
camera still tries to show it); a scene with no requested words at all (a model writing alone) is
judged on every root.
"""
from __future__ import annotations

from ...blender import visibility

NAME = "plausible.visible"


def visible_result(bl_scene, result_type):
    """A ``checker.Result`` (built with ``result_type``) for ``plausible.visible``."""
    if bl_scene.camera is None:
        return result_type(NAME, False, "the scene has no camera")
    vis = visibility.measure_scene(bl_scene, visibility.REFERENCE)
    named = {k: v for k, v in vis.items() if bl_scene.objects[v.name].get("worldsmith_requested")}
    vis = named or vis
    hidden = [v for v in vis.values() if not v.visible]
    kinds = sorted({str(bl_scene.objects[v.name].get("worldsmith_kind", "")) for v in hidden})
    shares = sorted(v.share for v in vis.values())
    if not hidden:
        low = f"; least visible {100 * shares[0]:.0f}%" if shares else ""
        return result_type(NAME, True, f"all {len(vis)} visible{low}")
    detail = "hidden: " + ", ".join(f"{v.name} {100 * v.share:.0f}%/{v.pixels:.0f}px" for v in hidden[:5])
    return result_type(NAME, False, detail, kinds)
