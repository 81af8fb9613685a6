"""Thin Blender UI: the 3D Viewport sidebar tab "Worldsmith"."""


def register():
    import bpy
    from . import sidebar
    for cls in sidebar.classes:
        bpy.utils.register_class(cls)


def unregister():
    import bpy
    from . import sidebar
    for cls in reversed(sidebar.classes):
        bpy.utils.unregister_class(cls)
