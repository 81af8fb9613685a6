"""Operators of the live link (``blender/live_link.py``): start, stop, copy the token, and the
main-thread serving of its requests: a timer in the UI; ``serve`` in background mode, where
timers never run. A build from the agent goes through ``model_ops.build`` (as Generate and
Rebuild do) and is one undo step.
"""
from __future__ import annotations

import time

import bpy

from ..blender import live_link
from .model_ops import build as _ops_build
from .properties import set_message


def _build(context, scene, warnings: list[str]):
    """The agent's build: the operators' own, its warnings recorded with the scene, one undo step."""
    result = _ops_build(context, scene)
    context.scene["worldsmith_warnings"] = list(warnings) + list(result.warnings)
    _undo_step("Worldsmith: agent build")
    set_message(context.scene, f"agent built {len(result.objects)} objects", "INFO")
    return result


def _undo_step(message: str) -> None:
    """Record the build as one undo step (a timer has no window in its context: lend it one)."""
    wm = bpy.context.window_manager
    if bpy.app.background or wm is None or not wm.windows:
        return      # no undo in background mode
    with bpy.context.temp_override(window=wm.windows[0]):
        bpy.ops.ed.undo_push(message=message)


def _tick():
    link = live_link.current()
    if link is None:
        return None
    link.drain(_build)
    return 0.1


def start(port: int = 0) -> live_link.LiveLink:
    """Start listening (a fresh token each time); in the UI a timer serves requests."""
    stop()
    link = live_link.LiveLink(port)
    live_link.replace(link)
    if not bpy.app.background:
        bpy.app.timers.register(_tick, first_interval=0.1, persistent=True)
    return link


def stop() -> None:
    live_link.replace(None)
    if bpy.app.timers.is_registered(_tick):
        bpy.app.timers.unregister(_tick)


def serve(seconds: float, context=None) -> int:
    """Background mode (no timers): serve requests on this (main) thread for ``seconds``."""
    end = time.monotonic() + seconds
    n = 0
    while live_link.current() is not None and time.monotonic() < end:
        n += live_link.current().drain(_build, context)
        time.sleep(0.02)
    return n


class WORLDSMITH_OT_live_start(bpy.types.Operator):
    """Let an agent build into this Blender through `worldsmith mcp --live` (127.0.0.1 only, with a token)"""
    bl_idname = "worldsmith.live_start"
    bl_label = "Start Live Link"
    bl_options = {"REGISTER"}

    def execute(self, context):
        from .. import preferences
        try:
            link = start(int(getattr(preferences.get(context), "live_port", 0) or 0))
        except OSError as exc:
            self.report({"ERROR"}, f"Worldsmith: could not listen: {exc.strerror or exc}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Worldsmith: live link on 127.0.0.1:{link.port}")
        return {"FINISHED"}


class WORLDSMITH_OT_live_stop(bpy.types.Operator):
    """Stop the live link: no agent can reach this Blender"""
    bl_idname = "worldsmith.live_stop"
    bl_label = "Stop Live Link"
    bl_options = {"REGISTER"}

    def execute(self, context):
        stop()
        return {"FINISHED"}


class WORLDSMITH_OT_live_copy_token(bpy.types.Operator):
    """Copy the live link's token to the clipboard (give it to the MCP client as WORLDSMITH_LIVE_TOKEN)"""
    bl_idname = "worldsmith.live_copy_token"
    bl_label = "Copy Token"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return live_link.current() is not None

    def execute(self, context):
        context.window_manager.clipboard = live_link.current().token
        return {"FINISHED"}


classes = (WORLDSMITH_OT_live_start, WORLDSMITH_OT_live_stop, WORLDSMITH_OT_live_copy_token)
