"""Thin Blender operators that call the engine; each module owns its ``classes``."""

import bpy
from bpy.app.handlers import persistent

from . import menu, model_ops, properties, scene_ops

classes = (*properties.classes, *model_ops.classes, *scene_ops.classes, *menu.classes)


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
    for cls in (*model_ops.classes, *scene_ops.classes, *menu.classes):
        bpy.utils.register_class(cls)
    menu.register()
    bpy.app.handlers.load_pre.append(_stop_on_load)


def unregister():
    from ..generation import jobs
    _stop_on_load()
    if _stop_on_load in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.remove(_stop_on_load)
    menu.unregister()
    for cls in reversed((*model_ops.classes, *scene_ops.classes, *menu.classes)):
        bpy.utils.unregister_class(cls)
    del bpy.types.Scene.worldsmith
    for cls in reversed(properties.classes):
        bpy.utils.unregister_class(cls)
    jobs.CACHE.release()
