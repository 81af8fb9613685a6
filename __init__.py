"""Worldsmith: a sentence becomes a Blender scene.

This file is the Blender extension's entry point and must stay thin: it only
registers and unregisters the UI modules, importing them lazily so that the
packages below the UI (``scene_dsl``, ``generation``, ``blender``, ``dataset``, ``cli``) can be used
without Blender's UI (see the README's project layout).
"""

_cli_handle = None


def cli_command(argv):
    """``blender -b -c worldsmith ...``: the same parser as the ``worldsmith`` console script."""
    from . import cli
    return cli.run(list(argv))


def register():
    global _cli_handle
    import bpy
    from . import operators, panels, preferences
    preferences.register()
    operators.register()
    panels.register()
    if hasattr(bpy.utils, "register_cli_command"):   # Blender 4.2+
        _cli_handle = bpy.utils.register_cli_command("worldsmith", cli_command)


def unregister():
    global _cli_handle
    import bpy
    from . import operators, panels, preferences
    if _cli_handle is not None:
        bpy.utils.unregister_cli_command(_cli_handle)
        _cli_handle = None
    panels.unregister()
    operators.unregister()
    preferences.unregister()
