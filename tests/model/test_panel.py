"""The sidebar panel's draw code against every state, with a recording layout.

``Recorder`` stands in for ``bpy.types.UILayout`` only (the real one exists
only while Blender draws a region); every property, operator and icon it is
asked for is checked against the real RNA of the registered add-on.
"""
from __future__ import annotations

from types import SimpleNamespace

import bpy
import pytest

from worldsmith import preferences
from worldsmith.generation import jobs
from worldsmith.panels import sidebar

ICONS = set(bpy.types.UILayout.bl_rna.functions["label"].parameters["icon"].enum_items.keys())


class Recorder:
    """Records what a draw function puts on the screen and validates it against RNA."""

    def __init__(self, log=None, parent=None):
        self.log = log if log is not None else []
        self.parent = parent
        self.enabled = True
        self.alert = False
        self.active = True
        self.scale_y = 1.0
        self.use_property_split = False
        self.use_property_decorate = True
        self.operator_context = "EXEC_DEFAULT"

    def _effective(self, name):
        node, value = self, True if name == "enabled" else False
        while node is not None:
            v = getattr(node, name)
            value = (value and v) if name == "enabled" else (value or v)
            node = node.parent
        return value

    def _child(self):
        return Recorder(self.log, self)

    row = column = box = split = lambda self, **kw: self._child()

    def separator(self, **kw):
        pass

    def label(self, text="", icon="NONE", **kw):
        assert icon in ICONS, f"unknown icon {icon}"
        self.log.append(("label", text, icon, self._effective("enabled"), self._effective("alert")))

    def prop(self, data, name, text=None, **kw):
        assert name in data.bl_rna.properties, f"{data.bl_rna.identifier} has no property {name}"
        assert kw.get("icon", "NONE") in ICONS
        self.log.append(("prop", name, text, self._effective("enabled"), False))

    def operator(self, idname, text="", icon="NONE", **kw):
        group, name = idname.split(".")
        assert hasattr(getattr(bpy.ops, group), name) and getattr(getattr(bpy.ops, group), name).get_rna_type()
        assert icon in ICONS, f"unknown icon {icon}"
        self.log.append(("operator", idname, text, self._effective("enabled"), False))
        return SimpleNamespace()

    def menu(self, idname, text="", icon="NONE", **kw):
        assert hasattr(bpy.types, idname) and icon in ICONS
        self.log.append(("menu", idname, text, True, False))

    # queries
    def ops(self):
        return {e[1]: e[3] for e in self.log if e[0] == "operator"}

    def lines(self):
        return [e[1] for e in self.log if e[0] == "label"]

    def text(self):
        return " ".join(self.lines())

    def alerts(self):
        return [e[1] for e in self.log if e[0] == "label" and e[4]]


@pytest.fixture
def context(addon):
    sc = bpy.data.scenes.new("ws-panel")
    bpy.context.window.scene = sc
    yield bpy.context
    if len(bpy.data.scenes) > 1:
        bpy.data.scenes.remove(sc)


def draw(context, snap):
    lay = Recorder()
    sidebar.draw_main(lay, context, snap)
    return lay


IDLE = jobs.Snapshot(jobs.ModelStatus())
LOADING = jobs.Snapshot(jobs.ModelStatus("loading", "embedded Gemma 3 270M"), "loading",
                        "Worldsmith: loading the model (1 s) - Esc to cancel")
RUNNING = jobs.Snapshot(jobs.ModelStatus("loaded", "embedded Gemma 3 270M", "cpu", 0, 0.4), "writing",
                        "Worldsmith: writing the scene, 57 tokens (3 s) - Esc to cancel", 57, 3.0)
ERROR = jobs.Snapshot(jobs.ModelStatus("error", "m.gguf", message="llama.cpp could not load m.gguf: bad magic"))
MISSING = jobs.Snapshot(jobs.ModelStatus(), missing="model file not found: /models/m.gguf")


def test_idle_without_a_scene_offers_generate(context):
    lay = draw(context, IDLE)
    ops = lay.ops()
    assert "worldsmith.generate" in ops and "worldsmith.cancel" not in ops
    assert ops["worldsmith.generate"] is False, "Generate is greyed out until there is a prompt"
    assert ops["worldsmith.refine"] is False, "Refine needs a scene"
    assert "loads on first use" in lay.text() and "0 GPU layers" in lay.text()
    context.scene.worldsmith.prompt = "a red car"
    assert draw(context, IDLE).ops()["worldsmith.generate"] is True


def test_loading_and_running_show_progress_and_cancel(context):
    context.scene.worldsmith.prompt = "a red car"
    for snap, words in ((LOADING, "loading the model"), (RUNNING, "57 tokens")):
        lay = draw(context, snap)
        ops = lay.ops()
        assert ops.get("worldsmith.cancel") is True and "worldsmith.generate" not in ops
        assert ops["worldsmith.rebuild"] is False and ops["worldsmith.render"] is False
        assert words in lay.text()
    assert "loaded (cpu, 0 GPU layers)" in draw(context, RUNNING).text()
    assert "loading..." in draw(context, LOADING).text()


def test_errors_are_shown_in_plain_words(context):
    lay = draw(context, ERROR)
    assert any("failed to load" in a for a in lay.alerts())
    assert "bad magic" in lay.text()
    lay = draw(context, MISSING)
    assert any("model file not found" in a for a in lay.alerts())
    context.scene.worldsmith.last_message = "invalid scene (1 problem):\n  - entities[0].kind: unknown kind 'spaceship'"
    context.scene.worldsmith.last_level = "ERROR"
    lay = draw(context, IDLE)
    assert "entities[0].kind: unknown kind 'spaceship'" in " ".join(lay.alerts())
    assert all(len(e[1]) <= 60 for e in lay.log if e[0] == "label"), "long messages are wrapped"


def test_with_a_scene_refine_is_offered_and_history_listed(context):
    s = context.scene.worldsmith
    context.scene["worldsmith_dsl"] = '{"version": 1, "entities": [{"id": "car", "kind": "car"}]}'
    for text, action in (("a red car", "generate"), ("make the car blue", "refine")):
        item = s.history.add()
        item.text, item.action = text, action
    ops = draw(context, IDLE).ops()
    assert ops["worldsmith.refine"] is True and ops["worldsmith.rebuild"] is True
    lay = Recorder()
    sidebar.draw_history(lay, context)
    assert lay.lines() == ["make the car blue", "a red car"]
    lay = Recorder()
    sidebar.draw_render(lay, context)
    assert [e[1] for e in lay.log] == ["engine", "samples", "resolution_x", "resolution_y"]
    lay = Recorder()
    sidebar.draw_dsl(lay, context)
    assert set(lay.ops()) == {"worldsmith.import_dsl", "worldsmith.export_dsl"}


def test_registered_panels_draw_through_their_own_draw(context):
    assert bpy.types.VIEW3D_PT_worldsmith.bl_category == "Worldsmith"
    assert bpy.types.VIEW3D_PT_worldsmith.bl_region_type == "UI"
    for cls in sidebar.classes:
        lay = Recorder()
        cls.draw(SimpleNamespace(layout=lay), context)   # jobs.snapshot() of the real session
        assert lay.log, f"{cls.__name__} drew nothing"


def test_preferences_draw_for_both_backends(context):
    prefs = preferences.get(context)
    for backend, expect in (("local", {"model_path", "gpu_layers", "context_size", "threads"}),
                            ("http", {"endpoint", "remote_model", "api_key"})):
        prefs.backend = backend
        lay = Recorder()
        view = SimpleNamespace(layout=lay, bl_rna=prefs.bl_rna,
                               **{k: getattr(prefs, k) for k in vars(preferences.Defaults())})
        preferences.WorldsmithPreferences.draw(view, context)
        shown = {e[1] for e in lay.log if e[0] == "prop"}
        assert expect <= shown and {"backend", "render_engine", "render_samples", "live_enabled", "live_port"} <= shown
    prefs.backend = "local"


def test_the_add_menu_draws(context):
    from worldsmith.operators import menu
    lay = Recorder()
    menu.VIEW3D_MT_worldsmith_add.draw(SimpleNamespace(layout=lay), context)
    assert {"worldsmith.generate", "worldsmith.refine", "worldsmith.rebuild"} <= set(lay.ops())
    lay = Recorder()
    menu.add_menu(SimpleNamespace(layout=lay), context)
    assert lay.log[0][:2] == ("menu", "VIEW3D_MT_worldsmith_add")


def test_the_live_link_panel_shows_off_then_port_and_token(context):
    from worldsmith.blender import live_link
    from worldsmith.operators import live
    lay = Recorder()
    sidebar.draw_live(lay, context)
    assert set(lay.ops()) == {"worldsmith.live_start"} and "Off" in lay.text()
    link = live.start(0)
    try:
        lay = Recorder()
        sidebar.draw_live(lay, context)
        assert set(lay.ops()) == {"worldsmith.live_copy_token", "worldsmith.live_stop"}
        assert f"127.0.0.1:{link.port}" in lay.text() and link.token in lay.lines()
    finally:
        live.stop()
    assert live_link.current() is None


def test_the_panel_names_the_decoder(context):
    from worldsmith.generation import diagnose
    expected, _why = diagnose.decoder(None)
    assert f"Decoder: {expected}" in draw(context, IDLE).text()          # before the model loads
    slow = jobs.Snapshot(jobs.ModelStatus("loaded", "embedded Gemma 3 270M", "cpu", 0, 0.4,
                                          decoder="reference (fast decoder unavailable, using reference: "
                                                  "the fast decoder needs llguidance)"))
    text = draw(context, slow).text()
    assert "Decoder: reference" in text and "needs llguidance" in text
    fast = jobs.Snapshot(jobs.ModelStatus("loaded", "embedded Gemma 3 270M", "cpu", 0, 0.4, decoder="fast"))
    assert "Decoder: fast" in draw(context, fast).text()


def test_the_endpoint_test_button_answers_in_plain_words(context):
    import socket
    prefs = preferences.get(context)
    if isinstance(prefs, preferences.Defaults):
        pytest.skip("the add-on's preferences are not registered in this session")
    with socket.socket() as s:          # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prefs.backend, prefs.endpoint = "http", f"http://127.0.0.1:{port}"
    try:
        assert bpy.ops.worldsmith.test_endpoint() == {"FINISHED"}
        assert preferences.ENDPOINT_TEST["ok"] is False
        assert "cannot reach the model server" in preferences.ENDPOINT_TEST["text"]
        lay = Recorder()
        view = SimpleNamespace(layout=lay, bl_rna=prefs.bl_rna,
                               **{k: getattr(prefs, k) for k in vars(preferences.Defaults())})
        preferences.WorldsmithPreferences.draw(view, context)
        assert "worldsmith.test_endpoint" in lay.ops() and "cannot reach" in lay.text()
    finally:
        prefs.backend, prefs.endpoint = "local", preferences.Defaults().endpoint
