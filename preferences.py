"""Add-on preferences: which model, where it runs, and render defaults.

``settings(context)`` turns them into the engine's plain ``BackendSettings``;
when the add-on is not enabled through Blender's preferences (classes
registered directly, as in tests) the defaults below are used.
"""

import os
import textwrap

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty

from .generation.backends import BackendSettings

ADDON_ID = __package__          # "worldsmith", or "bl_ext.<repo>.worldsmith" when installed as an extension

ENGINE_ITEMS = (
    ("cycles", "Cycles", "Path tracing; CPU or GPU"),
    ("eevee", "Eevee", "Fast rasteriser (needs a GPU-capable display)"),
    ("workbench", "Workbench", "Solid preview colours, instant"),
)


def _live_toggled(self, context):
    """Switching the live link on or off runs its operators (which own the socket and the timer)."""
    if self.live_enabled:
        bpy.ops.worldsmith.live_start()
    else:
        bpy.ops.worldsmith.live_stop()


RECIPE_WARNINGS: list[str] = []    # what was wrong with the user's recipes folder, for the panel


def load_recipes(folder: str) -> list[str]:
    """Add the kinds of a user's recipes folder to the catalog; returns warnings (broken recipes are left out)."""
    from .scene_dsl import catalog, lexicon
    if not folder:
        return []
    path = bpy.path.abspath(folder)
    RECIPE_WARNINGS[:] = [f"recipe {i} (that kind is left out)" for i in catalog.load_user_recipes(path)]
    lexicon.refresh()
    return list(RECIPE_WARNINGS)


def _recipes_changed(self, context):
    load_recipes(self.recipes_dir)


class WorldsmithPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    backend: EnumProperty(
        name="Backend",
        items=(("local", "Local model", "Run a GGUF model inside Blender with llama.cpp"),
               ("http", "Remote server", "Ask an OpenAI-compatible server (llama.cpp server, Ollama, vLLM)")),
        default="local")
    model_path: StringProperty(
        name="Model", subtype="FILE_PATH", default="",
        description="A .gguf model file; leave empty for the embedded Gemma 3 270M")
    gpu_layers: IntProperty(
        name="GPU Layers", default=0, min=-1, max=1000,
        description="Layers to offload to the GPU (-1 = all; needs a CUDA or Metal build of llama-cpp-python)")
    context_size: IntProperty(name="Context", default=4096, min=512, max=131072,
                              description="Model context size in tokens")
    threads: IntProperty(name="Threads", default=0, min=0, max=256,
                         description="CPU threads for the model (0 = automatic)")
    endpoint: StringProperty(name="Server", default="http://127.0.0.1:8080",
                             description="Base URL of the OpenAI-compatible server")
    remote_model: StringProperty(name="Remote Model", default="",
                                 description="Model name to ask the server for (empty: its default)")
    api_key: StringProperty(name="API Key", default="", subtype="PASSWORD",
                            description="Sent as a bearer token; stored in Blender's preferences")
    timeout: IntProperty(name="Timeout", default=600, min=5, max=86400, subtype="TIME_ABSOLUTE",
                         description="Longest time one reply may take, however the server sends it (seconds)")
    grounding: EnumProperty(
        name="Grounding",
        items=(("auto", "Automatic", "The model registry's setting: strict for the embedded model and unknown "
                                     "files, verify for the recommended 8B models"),
               ("strict", "Strict", "The prompt's explicit words overwrite the model's reply; only what the "
                                    "prompt names is kept"),
               ("verify", "Verify", "Disagreements go back to the model as a repair first; what it adds "
                                    "that the prompt does not contradict is kept"),
               ("off", "Off", "The model's reply as it is (research)")),
        default="auto")
    render_engine: EnumProperty(name="Engine", items=ENGINE_ITEMS, default="cycles",
                                description="Default render engine for new scenes")
    render_samples: IntProperty(name="Samples", default=32, min=1, max=65536,
                                description="Default render samples for new scenes")
    live_enabled: BoolProperty(name="Live Link", default=False, update=_live_toggled,
                               description="Let an agent build into this Blender through `worldsmith mcp --live` "
                                           "(127.0.0.1 only, with a fresh token each session; the agent sends "
                                           "scene DSL, never code)")
    live_port: IntProperty(name="Port", default=47800, min=1024, max=65535,
                           description="Port of the live link on 127.0.0.1")

    recipes_dir: StringProperty(name="Recipes", default="", subtype="DIR_PATH", update=_recipes_changed,
                                description="A folder of your own recipe files (*.toml, *.json): their kinds "
                                            "join the catalog; a broken recipe is left out with a warning")
    dressing: EnumProperty(name="Dressing", default="light",
                           items=(("none", "None", "The bare ground: only what the scene names"),
                                  ("light", "Light", "A backdrop and a little scatter around the subject"),
                                  ("full", "Full", "A denser world: more scatter, leaves, a fuller backdrop")),
                           description="The world Worldsmith adds around the scene (never labelled or counted)")

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "backend")
        if self.backend == "local":
            layout.prop(self, "model_path")
            col = layout.column(align=True)
            col.prop(self, "gpu_layers")
            col.prop(self, "context_size")
            col.prop(self, "threads")
            layout.label(text=f"Models and caches: {model_dir() or 'the user cache folder'}", icon="FILE_FOLDER")
            engine = local_engine_problem()
            if engine:
                box = layout.box()
                box.alert = True
                for i, line in enumerate(textwrap.wrap(engine, 90)[:8]):
                    box.label(text=line, icon="ERROR" if i == 0 else "BLANK1")
        else:
            row = layout.row(align=True)
            row.prop(self, "endpoint")
            row.operator("worldsmith.test_endpoint", text="Test", icon="PLUGIN")
            if ENDPOINT_TEST.get("endpoint") == self.endpoint and ENDPOINT_TEST.get("text"):
                for i, line in enumerate(textwrap.wrap(ENDPOINT_TEST["text"], 90)[:4]):
                    layout.label(text=line, icon=("CHECKMARK" if ENDPOINT_TEST["ok"] else "ERROR") if i == 0
                                 else "BLANK1")
            layout.prop(self, "remote_model")
            layout.prop(self, "api_key")
            layout.prop(self, "timeout")
            if not bpy.app.online_access:
                layout.label(text="Blender's 'Allow Online Access' is off: only a server on this computer "
                                  "(127.0.0.1) will be used", icon="INFO")
        layout.prop(self, "grounding")
        col = layout.column(heading="Render Defaults")
        col.prop(self, "render_engine")
        col.prop(self, "render_samples")
        col.prop(self, "dressing")
        col = layout.column(heading="Agents (MCP)")
        col.prop(self, "live_enabled")
        col.prop(self, "live_port")
        layout.prop(self, "recipes_dir")
        for w in RECIPE_WARNINGS[:5]:
            layout.label(text=w, icon="ERROR")


class Defaults:
    """The preference values when the add-on's preferences are not registered."""

    def __init__(self):
        for name, prop in WorldsmithPreferences.__annotations__.items():
            setattr(self, name, prop.keywords.get("default"))


def get(context=None):
    """The add-on preferences, or ``Defaults`` when the add-on is not enabled in Blender's preferences."""
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON_ID)
    prefs = getattr(addon, "preferences", None) if addon else None
    return prefs if prefs is not None else Defaults()


def model_dir() -> str | None:
    """The extension's own user folder for models (never the add-on folder); None outside an extension."""
    try:
        return bpy.utils.extension_path_user(ADDON_ID, path="models", create=True)
    except (ValueError, TypeError):
        return None


def user_dir(sub: str) -> str:
    """A writable folder for renders and exports: the extension's user folder, else the temp folder."""
    try:
        return bpy.utils.extension_path_user(ADDON_ID, path=sub, create=True)
    except (ValueError, TypeError):
        path = os.path.join(bpy.app.tempdir or "/tmp", "worldsmith", sub)
        os.makedirs(path, exist_ok=True)
        return path


def settings(context=None, seed: int = 0) -> BackendSettings:
    """The engine's backend settings from the preferences."""
    p = get(context)
    if p.backend == "http":
        return BackendSettings(backend="http", model=p.remote_model or None, ctx=p.context_size, seed=seed,
                               endpoint=p.endpoint or None, api_key=p.api_key or None,
                               total_timeout=float(p.timeout))
    model = bpy.path.abspath(p.model_path) if p.model_path else "embedded"
    return BackendSettings(backend="local", model=model, gpu_layers=p.gpu_layers, ctx=p.context_size,
                           threads=p.threads or None, seed=seed)


def grounding_mode(context=None) -> str:
    """The grounding mode for the pipeline: the preference, or the registry's for the chosen model."""
    from .generation import registry
    p = get(context)
    if p.grounding and p.grounding != "auto":
        return p.grounding
    if p.backend == "http":
        return registry.default_grounding(p.remote_model or None) if p.remote_model else "strict"
    return registry.default_grounding(bpy.path.abspath(p.model_path) if p.model_path else None)


def online_problem(settings: BackendSettings, online: bool | None = None) -> str | None:
    """Why ``settings`` may not be used while Blender's "Allow Online Access" is off; None if fine.

    Only the remote backend uses the network, and a server on this computer is always allowed.
    """
    if settings.backend != "http":
        return None
    online = bpy.app.online_access if online is None else online
    if online:
        return None
    from urllib.parse import urlparse
    host = (urlparse(settings.endpoint or "").hostname or "").lower()
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    return (f"Blender's online access is off, so Worldsmith will not contact {host or 'the server'}: "
            "enable Preferences > System > Network > Allow Online Access, or use a server on 127.0.0.1")


def local_engine_problem() -> str | None:
    """The panel's words when this install has no local engine it can use (a zip for a platform
    llama-cpp-python could not be built for, or a CPU without the features the bundled one needs): what
    is missing and the fixes. None when llama_cpp is installed and usable."""
    from .generation.diagnose import local_engine
    engine = local_engine(load=False)
    return None if engine.present and not engine.problem else f"{engine.problem}. Fix: {engine.fix}"


ENDPOINT_TEST: dict = {}     # the last Test button result: endpoint, ok, text


class WORLDSMITH_OT_test_endpoint(bpy.types.Operator):
    """Ask the server for its model list (GET /v1/models), 3 seconds to connect"""
    bl_idname = "worldsmith.test_endpoint"
    bl_label = "Test Server"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        from .generation.diagnose import test_endpoint
        p = get(context)
        problem = online_problem(settings(context))
        ok, text = (False, problem) if problem else test_endpoint(p.endpoint, p.remote_model or None,
                                                                  p.api_key or None)
        ENDPOINT_TEST.update(endpoint=p.endpoint, ok=ok, text=text)
        self.report({"INFO"} if ok else {"WARNING"}, text)     # the test ran either way; its answer is shown
        return {"FINISHED"}


classes = (WorldsmithPreferences, WORLDSMITH_OT_test_endpoint)


def register():
    for cls in classes:
        bpy.utils.register_class(cls)
    try:
        load_recipes(get().recipes_dir)
    except (AttributeError, RuntimeError):   # preferences not readable while Blender starts: loaded on change
        pass


def unregister():
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
