"""Generate and Refine: the two operators that ask the model.

Interactive Blender: the model runs on a worker thread (``generation.jobs``); a
timer wakes this operator's modal loop, which drains the job's queue, shows
progress in the status bar and, once the DSL is ready, builds it on the main
thread. Esc (or the Cancel button) stops at once and leaves the scene as it
was. Background mode (``blender -b``, the bpy module) runs the same work
synchronously. Either way the scene changes only in ``_apply``, which is one
undo step.
"""

import bpy
from bpy.props import StringProperty

from .. import preferences
from ..generation import jobs
from ..scene_dsl.errors import SceneError
from .properties import remember, set_message

TIMER_STEP = 0.1   # seconds between queue drains: Esc and progress feel immediate


def interactive(context) -> bool:
    return not bpy.app.background and context.window is not None


def redraw(context) -> None:
    screen = getattr(context, "screen", None)
    for area in (screen.areas if screen else ()):
        if area.type in ("VIEW_3D", "STATUSBAR"):
            area.tag_redraw()


def status_bar(context, text: str | None) -> None:
    ws = getattr(context, "workspace", None)
    if ws is not None and interactive(context):
        ws.status_text_set(text)


def build(context, scene_dsl, bl_scene=None):
    """Build a validated Scene into the scene with the panel's resolution; returns the BuildResult."""
    from ..blender import builder
    bl_scene = bl_scene or context.scene
    s = bl_scene.worldsmith
    if not s.defaults_applied:      # a scene's first build adopts the preferences' render defaults
        prefs = preferences.get(context)
        s.engine, s.samples, s.defaults_applied = prefs.render_engine, prefs.render_samples, True
    res = (s.resolution_x, s.resolution_y)
    bl_scene.render.resolution_x, bl_scene.render.resolution_y = res
    return builder.build_scene(scene_dsl, bl_scene, resolution=res,
                               dressing=preferences.get(context).dressing)


def summary(warnings: list[str], head: str) -> tuple[str, str]:
    if warnings:
        return f"{head}; {len(warnings)} warning(s): " + " | ".join(warnings[:4]), "WARNING"
    return head, "INFO"


class ModelOperator:
    """Shared flow of Generate and Refine; subclasses provide ``text``, ``make_task`` and ``done_text``."""

    action = "generate"
    _job: jobs.Job | None = None
    _timer = None

    @classmethod
    def poll(cls, context):
        job = jobs.current()
        if job is not None and not job.finished:
            cls.poll_message_set("Worldsmith is already working (Esc cancels)")
            return False
        return context.scene is not None

    def invoke(self, context, event):
        if not self.text(context):
            return context.window_manager.invoke_props_dialog(self, width=420)
        return self.execute(context)

    def execute(self, context):
        text = self.text(context)
        if not text:
            self.report({"ERROR"}, self.empty_message)
            return {"CANCELLED"}
        try:
            task = self.make_task(context, text)
        except (SceneError, ValueError) as exc:
            return self._fail(context, exc.describe() if isinstance(exc, SceneError) else str(exc))
        settings = preferences.settings(context, context.scene.worldsmith.seed)
        problem = preferences.online_problem(settings)
        if problem:
            return self._fail(context, problem)
        job = jobs.Job(jobs.model_work(settings, preferences.model_dir(), task), title="Worldsmith")
        self._job, self._scene_name, self._text = job, context.scene.name, text
        jobs.set_current(job)
        if not interactive(context):
            job.run_sync()
            jobs.set_current(None)
            return self._finish(context)
        job.start()
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_STEP, window=context.window)
        wm.modal_handler_add(self)
        status_bar(context, job.status_text())
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        job = self._job
        if event.type == "ESC" and event.value == "PRESS":
            job.cancel()
        if job.cancel_event.is_set():       # Esc or the Cancel button: stop now, the worker exits by itself
            self._cleanup(context)
            set_message(context.scene, "Cancelled; the scene is unchanged", "INFO")
            self.report({"INFO"}, "Worldsmith: cancelled, the scene is unchanged")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        job.drain()
        if not job.finished:
            status_bar(context, job.status_text())
            redraw(context)
            return {"PASS_THROUGH"}
        self._cleanup(context)
        return self._finish(context)

    def cancel(self, context):      # Blender closes the modal (e.g. the window or file goes away)
        if self._job is not None:
            self._job.cancel()
        self._cleanup(context)

    def _cleanup(self, context) -> None:
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
            self._timer = None
        if jobs.current() is self._job:
            jobs.set_current(None)
        status_bar(context, None)
        redraw(context)

    def _fail(self, context, message: str):
        set_message(context.scene, message, "ERROR")
        self.report({"ERROR"}, f"Worldsmith: {message}")
        return {"CANCELLED"}

    def _finish(self, context):
        job = self._job
        bl_scene = bpy.data.scenes.get(self._scene_name) or context.scene
        if job.cancelled:
            set_message(bl_scene, "Cancelled; the scene is unchanged", "INFO")
            return {"CANCELLED"}
        if job.error:
            return self._fail(context, job.error)
        res = job.result
        try:
            built = build(context, res.scene, bl_scene)
        except (SceneError, ValueError) as exc:   # the build is all-or-nothing: nothing was changed
            return self._fail(context, exc.describe() if isinstance(exc, SceneError) else str(exc))
        remember(bl_scene, self._text, self.action)
        warnings = list(dict.fromkeys(res.warnings + built.warnings))
        bl_scene["worldsmith_warnings"] = warnings   # stand-ins and placeholders are recorded in the scene
        msg, level = summary(warnings, self.done_text(res, built))
        set_message(bl_scene, msg, level)
        self.report({level}, f"Worldsmith: {msg}")
        return {"FINISHED"}


class WORLDSMITH_OT_generate(ModelOperator, bpy.types.Operator):
    """Write a new scene from a sentence with the language model (replaces the previous Worldsmith scene)"""
    bl_idname = "worldsmith.generate"
    bl_label = "Generate Scene"
    bl_options = {"REGISTER", "UNDO"}

    prompt: StringProperty(name="Prompt", default="", options={"SKIP_SAVE"},
                           description="Describe the scene; empty uses the sidebar's prompt")
    empty_message = "Describe a scene first, e.g. 'a red car in front of a white house at sunset'"
    action = "generate"

    def text(self, context) -> str:
        text = (self.prompt or context.scene.worldsmith.prompt).strip()
        if text and self.prompt:
            context.scene.worldsmith.prompt = text
        return text

    def make_task(self, context, text):
        from ..generation import pipeline
        options = pipeline.Options(seed=context.scene.worldsmith.seed, grounding=preferences.grounding_mode(context))

        def task(backend, ctx):
            return pipeline.generate(text, backend, options, on_progress=ctx.progress, cancel=ctx.cancel)
        return task

    @staticmethod
    def done_text(res, built) -> str:
        return (f"{len(built.objects)} objects from {res.tokens} tokens in {res.seconds:.1f} s"
                + (f" ({res.attempts} attempts)" if res.attempts > 1 else ""))


class WORLDSMITH_OT_refine(ModelOperator, bpy.types.Operator):
    """Change the current Worldsmith scene by an instruction ("make the house blue", "add two dogs")"""
    bl_idname = "worldsmith.refine"
    bl_label = "Refine Scene"
    bl_options = {"REGISTER", "UNDO"}

    instruction: StringProperty(name="Change", default="", options={"SKIP_SAVE"},
                                description="What to change; empty uses the sidebar's field")
    empty_message = "Say what to change, e.g. 'make the house blue' or 'add two dogs'"
    action = "refine"

    @classmethod
    def poll(cls, context):
        if not super().poll(context):
            return False
        if context.scene.get("worldsmith_dsl") is None:
            cls.poll_message_set("Generate or import a scene first")
            return False
        return True

    def text(self, context) -> str:
        text = (self.instruction or context.scene.worldsmith.instruction).strip()
        if text and self.instruction:
            context.scene.worldsmith.instruction = text
        return text

    def make_task(self, context, text):
        from ..blender import builder
        from ..generation import pipeline
        from ..scene_dsl.models import parse_scene
        stored = builder.read_dsl(context.scene)
        if not stored:
            raise ValueError("there is no Worldsmith scene here to refine: generate or import one first")
        current = parse_scene(stored)
        self._before = current
        options = pipeline.Options(seed=current.seed, grounding=preferences.grounding_mode(context))

        def task(backend, ctx):
            return pipeline.refine(current, text, backend, options, on_progress=ctx.progress, cancel=ctx.cancel)
        return task

    def done_text(self, res, built) -> str:
        return f"{describe_changes(self._before, res.scene)} ({res.tokens} tokens in {res.seconds:.1f} s)"


def describe_changes(before, after) -> str:
    """What a refinement changed, in words: added / removed / changed entities and scene settings."""
    old = {e.id: e for e in before.entities}
    new = {e.id: e for e in after.entities}
    parts = []
    added = [f"{e.count}x {e.kind}" if e.count > 1 else e.kind for i, e in new.items() if i not in old]
    removed = [old[i].kind for i in old if i not in new]
    changed = []
    for i in old.keys() & new.keys():
        a, b = old[i].model_dump(exclude_none=True), new[i].model_dump(exclude_none=True)
        fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        if fields:
            changed.append(f"{i} ({', '.join(fields)})")
    for name in ("time_of_day", "ground"):
        if getattr(before, name) != getattr(after, name):
            changed.append(f"{name.replace('_', ' ')} -> {getattr(after, name)}")
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if changed:
        parts.append("changed " + ", ".join(sorted(changed)))
    return "; ".join(parts) if parts else "no change"


classes = (WORLDSMITH_OT_generate, WORLDSMITH_OT_refine)
