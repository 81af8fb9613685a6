"""Worldsmith: a sentence becomes a Blender scene.

This file is the Blender extension's entry point and must stay thin: it only
registers and unregisters the UI modules, importing them lazily so that the
pure packages (``scene_dsl``, ``addon``) can be used without Blender's UI.
"""


def register():
    from . import operators, panels
    operators.register()
    panels.register()


def unregister():
    from . import operators, panels
    panels.unregister()
    operators.unregister()
