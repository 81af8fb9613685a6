"""Operators that need no model: rebuild, remove, render, cancel, import and export the DSL."""

import os

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from .. import preferences
from ..generation import jobs
from ..scene_dsl.errors import SceneError
from .model_ops import build, interactive, summary
from .properties import remember, set_message


def _error(op, context, message: str):
    set_message(context.scene, message, "ERROR")
    op.report({"ERROR"}, f"Worldsmith: {message}")
    return {"CANCELLED"}


def _idle() -> bool:
    job = jobs.current()
    return job is None or job.finished


def _build_text(op, context, text: str, head: str, action: str | None = None):
    """Parse DSL text and build it; on any problem report it with the field path and change nothing."""
    from ..scene_dsl.models import parse_scene
    try:
        scene = parse_scene(text)
        built = build(context, scene)
    except SceneError as exc:
        return _error(op, context, exc.describe())
    except ValueError as exc:
        return _error(op, context, str(exc))
    if action:
        remember(context.scene, head, action)
    msg, level = summary(built.warnings, f"{len(built.objects)} objects built")
    set_message(context.scene, msg, level)
    op.report({level}, f"Worldsmith: {msg}")
    return {"FINISHED"}


class WORLDSMITH_OT_rebuild(bpy.types.Operator):
    """Build the scene again from its stored DSL, without the model (after editing it, or to reset moved objects)"""
    bl_idname = "worldsmith.rebuild"
    bl_label = "Rebuild Scene"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        if context.scene is None or context.scene.get("worldsmith_dsl") is None:
            cls.poll_message_set("This scene has no Worldsmith DSL yet")
            return False
        return _idle()

    def execute(self, context):
        from ..blender.builder import read_dsl
        text = read_dsl(context.scene)
        if not text:
            return _error(self, context, "this scene has no Worldsmith DSL to rebuild from")
        return _build_text(self, context, text, "rebuild")


class WORLDSMITH_OT_remove(bpy.types.Operator):
    """Remove what Worldsmith built and put the scene's world, camera and colour settings back as they were"""
    bl_idname = "worldsmith.remove"
    bl_label = "Remove Worldsmith Scene"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        from ..blender.builder import find_collection
        if context.scene is None or (find_collection(context.scene) is None
                                     and context.scene.get("worldsmith_dsl") is None):
            cls.poll_message_set("This scene has nothing Worldsmith built")
            return False
        return _idle()

    def invoke(self, context, event):
        return context.window_manager.invoke_confirm(self, event)

    def execute(self, context):
        from ..blender import builder
        n, notes = builder.remove(context.scene)
        msg, level = summary(notes, f"removed {n} objects; the scene's own settings are back")
        set_message(context.scene, msg, level)
        self.report({level}, f"Worldsmith: {msg}")
        return {"FINISHED"}


class WORLDSMITH_OT_render(bpy.types.Operator):
    """Render the scene with the sidebar's engine, samples and resolution"""
    bl_idname = "worldsmith.render"
    bl_label = "Render Scene"
    bl_options = {"REGISTER"}

    filepath: StringProperty(name="File", subtype="FILE_PATH", default="", options={"SKIP_SAVE"},
                             description="PNG to write; empty: render.png in the extension's renders folder")

    @classmethod
    def poll(cls, context):
        if context.scene is None or context.scene.camera is None:
            cls.poll_message_set("The scene has no camera")
            return False
        return _idle()

    def settings(self, context):
        from ..blender.render import RenderSettings
        s = context.scene.worldsmith
        return RenderSettings(s.engine, "cpu", s.samples, (s.resolution_x, s.resolution_y))

    def execute(self, context):
        from ..blender import render
        try:
            settings = self.settings(context)
        except ValueError as exc:
            return _error(self, context, str(exc))
        render.apply(context.scene, settings)
        if interactive(context) and not self.filepath:
            # Blender's own render window: progressive, cancellable with Esc, never blocks the UI
            bpy.ops.render.render("INVOKE_DEFAULT")
            return {"FINISHED"}
        path = self.filepath or os.path.join(preferences.user_dir("renders"), "render.png")
        try:
            render.render_still(context.scene, bpy.path.abspath(path), settings)
        except (RuntimeError, ValueError) as exc:
            return _error(self, context, str(exc))
        set_message(context.scene, f"rendered {path}", "INFO")
        self.report({"INFO"}, f"Worldsmith: rendered {path}")
        return {"FINISHED"}


class WORLDSMITH_OT_cancel(bpy.types.Operator):
    """Stop the running generation; the scene stays as it was"""
    bl_idname = "worldsmith.cancel"
    bl_label = "Cancel Generation"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return not _idle()

    def execute(self, context):
        job = jobs.current()
        if job is None or job.finished:
            return {"CANCELLED"}
        job.cancel()
        return {"FINISHED"}


class WORLDSMITH_OT_import_dsl(bpy.types.Operator, ImportHelper):
    """Build a scene from a Worldsmith DSL JSON file (e.g. one you edited by hand)"""
    bl_idname = "worldsmith.import_dsl"
    bl_label = "Import Worldsmith DSL"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    @classmethod
    def poll(cls, context):
        return context.scene is not None and _idle()

    def execute(self, context):
        try:
            with open(self.filepath, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            return _error(self, context, f"cannot read {self.filepath}: {exc}")
        return _build_text(self, context, text, os.path.basename(self.filepath), "import")


class WORLDSMITH_OT_export_dsl(bpy.types.Operator, ExportHelper):
    """Write the scene's Worldsmith DSL to a JSON file"""
    bl_idname = "worldsmith.export_dsl"
    bl_label = "Export Worldsmith DSL"
    bl_options = {"REGISTER"}

    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    @classmethod
    def poll(cls, context):
        if context.scene is None or context.scene.get("worldsmith_dsl") is None:
            cls.poll_message_set("This scene has no Worldsmith DSL yet")
            return False
        return True

    def execute(self, context):
        from ..blender.builder import read_dsl
        from ..scene_dsl.models import parse_scene
        text = read_dsl(context.scene)
        if not text:
            return _error(self, context, "this scene has no Worldsmith DSL to export")
        try:
            pretty = parse_scene(text).to_json(indent=2) + "\n"
        except SceneError:
            pretty = text          # export what is stored, so it can be fixed by hand
        path = bpy.path.abspath(self.filepath)
        tmp = path + ".partial"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(pretty)
            os.replace(tmp, path)
        except OSError as exc:
            return _error(self, context, f"cannot write {path}: {exc}")
        self.report({"INFO"}, f"Worldsmith: wrote {path}")
        return {"FINISHED"}


classes = (WORLDSMITH_OT_rebuild, WORLDSMITH_OT_remove, WORLDSMITH_OT_render, WORLDSMITH_OT_cancel,
           WORLDSMITH_OT_import_dsl, WORLDSMITH_OT_export_dsl)
