"""3D Viewport > Sidebar (N) > Worldsmith.

``draw_*`` are plain functions of (layout, context, snapshot) so every state
(idle, loading, running, error) can be drawn without a running job.
"""

import textwrap

import bpy

from .. import preferences
from ..generation import jobs

MODEL_ICONS = {"loaded": "CHECKMARK", "loading": "TIME", "missing": "ERROR", "error": "ERROR", "unloaded": "DOT"}
LEVEL_ICONS = {"INFO": "INFO", "WARNING": "ERROR", "ERROR": "CANCEL"}


def wrapped(layout, text: str, icon: str = "NONE", width: int = 38) -> None:
    """Show ``text`` as a few short labels (Blender labels do not wrap); icon on the first."""
    lines = [ln for para in text.splitlines() for ln in (textwrap.wrap(para, width) or [""])]
    col = layout.column(align=True)
    for i, line in enumerate(lines[:12]):
        col.label(text=line, icon=icon if i == 0 else "BLANK1")


def _chars(context) -> int:
    region = getattr(context, "region", None)
    width = getattr(region, "width", 0) or 300
    return max(20, int(width / 7.5))


def model_line(snap: jobs.Snapshot, settings) -> tuple[str, str, bool]:
    """(text, icon, alert) for the model status."""
    m = snap.model
    label = m.label or jobs.describe_model(settings)
    if snap.missing:
        return f"Missing: {snap.missing}", MODEL_ICONS["missing"], True
    if m.state == "loaded":
        where = f"{m.device or 'cpu'}, {m.gpu_layers} GPU layers" if settings.backend == "local" else "remote"
        return f"{label}: loaded ({where})", MODEL_ICONS["loaded"], False
    if m.state == "loading":
        return f"{label}: loading...", MODEL_ICONS["loading"], False
    if m.state == "error":
        return f"{label}: failed to load", MODEL_ICONS["error"], True
    gpu = f", {settings.gpu_layers} GPU layers" if settings.backend == "local" else ""
    return f"{label}: loads on first use{gpu}", MODEL_ICONS["unloaded"], False


def decoder_line(snap: jobs.Snapshot, settings) -> str | None:
    """The decoder the local engine uses (loaded) or will use; None for a remote server."""
    if settings.backend != "local":
        return None
    if snap.model.state == "loaded" and snap.model.decoder:
        return f"Decoder: {snap.model.decoder}"
    from ..generation.diagnose import decoder
    name, why = decoder(settings.decoder, import_it=False)
    return f"Decoder: {name} ({why})"


def draw_main(layout, context, snap: jobs.Snapshot) -> None:
    scene = context.scene
    s = scene.worldsmith
    settings = preferences.settings(context)
    has_dsl = scene.get("worldsmith_dsl") is not None
    busy = bool(snap.job_phase)

    text, icon, alert = model_line(snap, settings)
    box = layout.box()
    box.alert = alert
    wrapped(box, text, icon, _chars(context))
    if snap.model.state == "error" and snap.model.message:
        wrapped(box, snap.model.message, "BLANK1", _chars(context))
    dec = decoder_line(snap, settings) if not snap.missing else None
    if dec:
        wrapped(box, dec, "BLANK1", _chars(context))

    col = layout.column(align=True)
    col.label(text="Describe the scene:")
    col.prop(s, "prompt", text="")
    if busy:
        prog = layout.box()
        wrapped(prog, snap.job_text.replace(" - Esc to cancel", ""), "SORTTIME", _chars(context))
        prog.operator("worldsmith.cancel", text="Cancel (Esc)", icon="CANCEL")
    else:
        row = layout.row()
        row.scale_y = 1.4
        row.enabled = bool(s.prompt.strip())
        row.operator("worldsmith.generate", text="Generate", icon="OUTLINER_OB_LIGHTPROBE")

    col = layout.column(align=True)
    col.enabled = has_dsl and not busy
    col.label(text="Change the scene:")
    col.prop(s, "instruction", text="")
    col.operator("worldsmith.refine", text="Refine", icon="MODIFIER")

    row = layout.row(align=True)
    row.enabled = not busy
    row.operator("worldsmith.rebuild", text="Rebuild", icon="FILE_REFRESH")
    row.operator("worldsmith.render", text="Render", icon="RENDER_STILL")
    row.operator("worldsmith.remove", text="", icon="TRASH")
    layout.prop(s, "seed")

    if s.last_message:
        msg = layout.box()
        msg.alert = s.last_level == "ERROR"
        wrapped(msg, s.last_message, LEVEL_ICONS.get(s.last_level, "INFO"), _chars(context))


def draw_render(layout, context) -> None:
    s = context.scene.worldsmith
    layout.use_property_split = True
    layout.use_property_decorate = False
    layout.prop(s, "engine")
    layout.prop(s, "samples")
    col = layout.column(align=True)
    col.prop(s, "resolution_x", text="Resolution X")
    col.prop(s, "resolution_y", text="Y")


def draw_history(layout, context, limit: int = 8) -> None:
    hist = context.scene.worldsmith.history
    if not len(hist):
        layout.label(text="No prompts yet in this scene")
        return
    col = layout.column(align=True)
    icons = {"generate": "OUTLINER_OB_LIGHTPROBE", "refine": "MODIFIER", "import": "IMPORT"}
    for item in list(hist)[::-1][:limit]:
        col.label(text=item.text, icon=icons.get(item.action, "DOT"))


def draw_dsl(layout, context) -> None:
    row = layout.row(align=True)
    row.operator("worldsmith.import_dsl", text="Import", icon="IMPORT")
    row.operator("worldsmith.export_dsl", text="Export", icon="EXPORT")


def draw_live(layout, context) -> None:
    from ..blender import live_link
    link = live_link.current()
    if link is None:
        layout.label(text="Off: no agent can reach this Blender", icon="UNLINKED")
        layout.operator("worldsmith.live_start", icon="LINKED")
        return
    layout.label(text=f"Listening on 127.0.0.1:{link.port}", icon="LINKED")
    box = layout.box()
    box.label(text="Token (WORLDSMITH_LIVE_TOKEN):")
    box.label(text=link.token)
    row = layout.row(align=True)
    row.operator("worldsmith.live_copy_token", icon="COPYDOWN")
    row.operator("worldsmith.live_stop", icon="CANCEL")
    layout.label(text=f"{link.served} request(s) served, {link.refused} refused")


class _Sidebar:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Worldsmith"


class VIEW3D_PT_worldsmith(_Sidebar, bpy.types.Panel):
    bl_label = "Worldsmith"

    def draw(self, context):
        draw_main(self.layout, context, jobs.snapshot(preferences.settings(context)))


class VIEW3D_PT_worldsmith_render(_Sidebar, bpy.types.Panel):
    bl_label = "Render"
    bl_parent_id = "VIEW3D_PT_worldsmith"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        draw_render(self.layout, context)


class VIEW3D_PT_worldsmith_history(_Sidebar, bpy.types.Panel):
    bl_label = "History"
    bl_parent_id = "VIEW3D_PT_worldsmith"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        draw_history(self.layout, context)


class VIEW3D_PT_worldsmith_dsl(_Sidebar, bpy.types.Panel):
    bl_label = "Scene DSL"
    bl_parent_id = "VIEW3D_PT_worldsmith"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        draw_dsl(self.layout, context)


class VIEW3D_PT_worldsmith_live(_Sidebar, bpy.types.Panel):
    bl_label = "Live Link (agents)"
    bl_parent_id = "VIEW3D_PT_worldsmith"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        draw_live(self.layout, context)


classes = (VIEW3D_PT_worldsmith, VIEW3D_PT_worldsmith_render, VIEW3D_PT_worldsmith_history,
           VIEW3D_PT_worldsmith_dsl, VIEW3D_PT_worldsmith_live)
