"""Thin Blender UI classes that call the engine (filled in by the extension work)."""

classes = ()


def register():
    import bpy
    for cls in classes:
        bpy.utils.register_class(cls)


def unregister():
    import bpy
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
