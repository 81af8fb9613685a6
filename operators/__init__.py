"""Thin Blender operators that call the engine; each module owns its ``classes``."""

import bpy
from bpy.app.handlers import persistent

from . import live, menu, model_ops, properties, scene_ops

classes = (*properties.classes, *model_ops.classes, *scene_ops.classes, *live.classes, *menu.classes)


@persistent
def _stop_on_load(*_args):
    """A new file is being opened: stop any running generation (its result would have nowhere to go)."""
    from ..generation import jobs
    job = jobs.current()
    if job is not None:
        job.cancel()
        jobs.set_current(None)


def register():
    for cls in properties.classes:
        bpy.utils.register_class(cls)
    bpy.types.Scene.worldsmith = bpy.props.PointerProperty(type=properties.WorldsmithSceneSettings)
    for cls in (*model_ops.classes, *scene_ops.classes, *live.classes, *menu.classes):
        bpy.utils.register_class(cls)
    menu.register()
    bpy.app.handlers.load_pre.append(_stop_on_load)
    if not bpy.app.background:
        bpy.app.timers.register(_live_if_enabled, first_interval=1.0)


def _live_if_enabled():
    """The live link was left switched on in the preferences: listen again (with a fresh token)."""
    from .. import preferences
    prefs = preferences.get()
    if getattr(prefs, "live_enabled", False) and live.live_link.current() is None:
        try:
            live.start(int(prefs.live_port))
        except OSError as exc:
            print(f"Worldsmith: the live link could not listen on port {prefs.live_port}: {exc}")
    return None


def unregister():
    from ..generation import jobs
    _stop_on_load()
    if _stop_on_load in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.remove(_stop_on_load)
    live.stop()
    if bpy.app.timers.is_registered(_live_if_enabled):
        bpy.app.timers.unregister(_live_if_enabled)
    menu.unregister()
    for cls in reversed((*model_ops.classes, *scene_ops.classes, *live.classes, *menu.classes)):
        bpy.utils.unregister_class(cls)
    del bpy.types.Scene.worldsmith
    for cls in reversed(properties.classes):
        bpy.utils.unregister_class(cls)
    jobs.CACHE.release()
