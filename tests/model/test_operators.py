"""The operators through ``bpy.ops`` in the real bpy module, with the real embedded model.

The bpy module runs in background mode, so Generate and Refine run their
worker-thread job synchronously here; the threaded path (worker + queue +
cancel) is exercised directly through ``generation.jobs`` and the Cancel operator.
Undo works in the module when an operator is called with ``undo=True``
(``bpy.ops.x("EXEC_DEFAULT", True)``), so one Ctrl+Z is tested for real.
"""
from __future__ import annotations

import json
import time

import bpy
import pytest


from worldsmith import preferences
from worldsmith.generation import jobs
from worldsmith.operators import menu
from worldsmith.operators.model_ops import describe_changes
from worldsmith.scene_dsl import parse_scene

DSL = {
    "version": 1, "time_of_day": "sunset", "ground": "grass",
    "entities": [
        {"id": "house", "kind": "house", "color": "white"},
        {"id": "car", "kind": "car", "color": "red", "relations": [{"type": "in_front_of", "target": "house"}]},
        {"id": "trees", "kind": "pine_tree", "count": 2, "relations": [{"type": "behind", "target": "house"}]},
    ],
}


@pytest.fixture
def scene(addon):
    """A new scene of the current file with one object of the user's, made current."""
    sc = bpy.data.scenes.new("ws-test")
    bpy.context.window.scene = sc
    s = sc.worldsmith
    s.resolution_x, s.resolution_y = 160, 90
    mine = bpy.data.objects.new("My Empty", None)
    mine.location = (7.0, -3.0, 1.5)
    mine["note"] = "user data"
    sc.collection.objects.link(mine)
    yield sc
    sc = bpy.data.scenes.get("ws-test")
    if sc is not None and len(bpy.data.scenes) > 1:
        for o in [o for o in sc.objects if o.get("note")]:
            bpy.data.objects.remove(o)
        bpy.data.scenes.remove(sc)


def state(sc) -> dict:
    """Everything a user could see change in a scene, as plain values."""
    return {
        "objects": sorted((o.name, tuple(round(v, 4) for v in o.location), o.get("worldsmith_color"))
                          for o in sc.objects),
        "collections": sorted(c.name for c in sc.collection.children),
        "props": {k: str(sc.get(k)) for k in ("worldsmith_dsl", "worldsmith_time_of_day", "worldsmith_ground")},
        "camera": sc.camera.name if sc.camera else None,
    }


def roots(sc):
    return [o for o in sc.objects if "worldsmith_id" in o]


def check_contract(sc):
    objs = roots(sc)
    assert objs, "no Worldsmith objects were built"
    doc = parse_scene(sc["worldsmith_dsl"])
    assert len(objs) == doc.total_count()
    for o in objs:
        assert o["worldsmith_kind"] == doc.entity(o["worldsmith_id"]).kind
        assert str(o["worldsmith_color"]).startswith("#") and len(o["worldsmith_color"]) == 7
        assert isinstance(o["worldsmith_index"], int)
    assert sc["worldsmith_time_of_day"] == doc.time_of_day and sc["worldsmith_ground"] == doc.ground
    assert sc.camera is not None and sc.camera.get("worldsmith_role") == "camera"
    coll = [c for c in sc.collection.children if c.get("worldsmith_root")]
    # "Worldsmith"; another scene of the same file may own that name already (names are per file)
    assert len(coll) == 1 and coll[0].name.startswith("Worldsmith")
    return doc


def check_user_object(sc):
    mine = next((o for o in sc.objects if o.get("note")), None)
    assert mine is not None and tuple(mine.location) == pytest.approx((7.0, -3.0, 1.5))
    assert mine["note"] == "user data" and mine.users_collection[0] == sc.collection


# -- with the model ----------------------------------------------------------------------------

@pytest.mark.model
def test_generate_refine_and_one_undo_each(scene):
    before = state(scene)
    bpy.ops.ed.undo_push(message="before Worldsmith")
    # background mode: the same operator runs its job synchronously
    bpy.ops.worldsmith.generate("EXEC_DEFAULT", True, prompt="a red car in front of a white house")
    sc = bpy.context.scene
    doc = check_contract(sc)
    check_user_object(sc)
    assert {e.kind for e in doc.entities} >= {"car", "house"}
    house = next(o for o in roots(sc) if o["worldsmith_kind"] == "house")
    assert house["worldsmith_color"] == "#ffffff"
    assert sc.worldsmith.history[-1].text == "a red car in front of a white house"
    assert "objects from" in sc.worldsmith.last_message
    assert jobs.CACHE.status.state == "loaded" and jobs.current() is None
    loaded = jobs.CACHE._backend

    bpy.ops.worldsmith.refine("EXEC_DEFAULT", True, instruction="make the house blue")
    sc = bpy.context.scene
    check_contract(sc)
    check_user_object(sc)
    house = next(o for o in roots(sc) if o["worldsmith_kind"] == "house")
    car = next(o for o in roots(sc) if o["worldsmith_kind"] == "car")
    assert house["worldsmith_color"] == "#0000ff" and car["worldsmith_color"] == "#ff0000"
    assert "changed house (color)" in sc.worldsmith.last_message
    assert [h.action for h in sc.worldsmith.history] == ["generate", "refine"]
    assert jobs.CACHE._backend is loaded, "the second model call must reuse the session's loaded model"

    bpy.ops.ed.undo()      # one step removes the whole refinement
    sc = bpy.context.scene
    house = next(o for o in roots(sc) if o["worldsmith_kind"] == "house")
    assert house["worldsmith_color"] == "#ffffff"
    bpy.ops.ed.undo()      # one step removes the whole generation and restores what was there
    sc = bpy.context.scene
    assert state(sc) == before
    check_user_object(sc)


@pytest.mark.model
def test_cancel_from_a_worker_thread_leaves_the_scene_as_it_was(scene):
    """The interactive path without the event loop: worker thread, queue, Cancel operator."""
    from worldsmith.generation import pipeline
    before = state(scene)
    settings = preferences.settings(bpy.context)
    prompt = "a village with five houses, ten pine trees, three cars, a well and a windmill at night"

    def task(backend, ctx):
        return pipeline.generate(prompt, backend, pipeline.Options(max_tokens=700),
                                 on_progress=ctx.progress, cancel=ctx.cancel)
    job = jobs.Job(jobs.model_work(settings, preferences.model_dir(), task)).start()
    jobs.set_current(job)
    try:
        deadline = time.monotonic() + 300
        while not (job.phase == "writing" and job.tokens >= 3) and not job.finished:
            assert time.monotonic() < deadline, "the model never started writing"
            time.sleep(0.05)
            job.drain()                        # what the modal operator does on each timer tick
        assert not job.finished, f"the job ended before it could be cancelled: {job.error or job.phase}"
        assert "writing the scene" in job.status_text() and "Esc" in job.status_text()
        assert not bpy.ops.worldsmith.generate.poll(), "only one generation at a time"
        t0 = time.monotonic()
        assert bpy.ops.worldsmith.cancel() == {"FINISHED"}
        while not job.finished:
            time.sleep(0.01)
            job.drain()
        latency = time.monotonic() - t0
    finally:
        jobs.set_current(None)
    assert job.cancelled and job.result is None
    assert latency < 1.0, f"cancel took {latency:.2f} s"
    assert state(bpy.context.scene) == before
    check_user_object(bpy.context.scene)
    job.thread.join(5)
    assert not job.thread.is_alive()


# -- without the model -------------------------------------------------------------------------

def test_bad_model_path_is_a_clear_error_and_changes_nothing(scene, tmp_path):
    prefs = preferences.get()
    before = state(scene)
    junk = tmp_path / "not-a-model.gguf"
    junk.write_bytes(b"this is not a GGUF file" * 10)
    try:
        for path, words in ((str(tmp_path / "missing.gguf"), "model file not found"), (str(junk), "GGUF")):
            prefs.model_path = path
            with pytest.raises(RuntimeError, match=words):
                bpy.ops.worldsmith.generate(prompt="a red car")
            assert state(bpy.context.scene) == before
            assert bpy.context.scene.worldsmith.last_level == "ERROR"
            assert words in bpy.context.scene.worldsmith.last_message
            assert jobs.current() is None
    finally:
        prefs.model_path = ""
    assert jobs.CACHE.status.state in ("error", "unloaded", "loaded")


def test_native_library_failure_gives_the_fix_in_blender(scene, monkeypatch):
    """Python's own way to make an import fail (``sys.modules[name] = None``), as a broken wheel would."""
    import sys
    prefs = preferences.get()
    before = state(scene)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    prefs.threads = 1                  # settings the session cache has not loaded
    try:
        with pytest.raises(RuntimeError, match="no local engine"):
            bpy.ops.worldsmith.generate(prompt="a red car")
    finally:
        prefs.threads = 0
    msg = bpy.context.scene.worldsmith.last_message
    assert "pip install" in msg and "llama-cpp-python" in msg and "Remote server" in msg
    assert jobs.CACHE.status.state == "error" and state(bpy.context.scene) == before


def test_first_build_adopts_the_render_defaults(scene, tmp_path):
    prefs = preferences.get()
    prefs.render_engine, prefs.render_samples = "workbench", 8
    try:
        src = tmp_path / "scene.json"
        src.write_text(json.dumps(DSL))
        bpy.ops.worldsmith.import_dsl(filepath=str(src))
        s = bpy.context.scene.worldsmith
        assert (s.engine, s.samples) == ("workbench", 8)
        s.samples = 12                 # the scene's own choice wins from then on
        bpy.ops.worldsmith.rebuild()
        assert bpy.context.scene.worldsmith.samples == 12
    finally:
        prefs.render_engine, prefs.render_samples = "cycles", 32


def test_empty_prompt_and_refine_without_a_scene(scene):
    with pytest.raises(RuntimeError, match="Describe a scene first"):
        bpy.ops.worldsmith.generate(prompt="   ")
    assert not bpy.ops.worldsmith.refine.poll()
    assert not bpy.ops.worldsmith.rebuild.poll() and not bpy.ops.worldsmith.export_dsl.poll()
    assert state(bpy.context.scene)["collections"] == []


def test_import_edit_export_rebuild(scene, tmp_path):
    src = tmp_path / "scene.json"
    src.write_text(json.dumps(DSL))
    bpy.ops.ed.undo_push(message="before import")
    assert bpy.ops.worldsmith.import_dsl("EXEC_DEFAULT", True, filepath=str(src)) == {"FINISHED"}
    sc = bpy.context.scene
    doc = check_contract(sc)
    check_user_object(sc)
    assert len(roots(sc)) == 4 and doc.time_of_day == "sunset"
    assert sc.worldsmith.history[-1].action == "import"

    # export, edit by hand, import again: only the edit differs
    out = tmp_path / "exported.json"
    assert bpy.ops.worldsmith.export_dsl(filepath=str(out)) == {"FINISHED"}
    edited = json.loads(out.read_text())
    assert parse_scene(edited) == doc
    edited["entities"][0]["color"] = "#3366ff"
    out.write_text(json.dumps(edited))
    bpy.ops.worldsmith.import_dsl("EXEC_DEFAULT", True, filepath=str(out))
    sc = bpy.context.scene
    house = next(o for o in roots(sc) if o["worldsmith_id"] == "house")
    assert house["worldsmith_color"] == "#3366ff"

    # a moved object goes back where the DSL puts it
    home = tuple(house.location)
    house.location.x += 25.0
    assert bpy.ops.worldsmith.rebuild("EXEC_DEFAULT", True) == {"FINISHED"}
    sc = bpy.context.scene
    house = next(o for o in roots(sc) if o["worldsmith_id"] == "house")
    assert tuple(house.location) == pytest.approx(home)

    # remove: only the user's things stay, one undo step brings the scene back
    assert bpy.ops.worldsmith.remove("EXEC_DEFAULT", True) == {"FINISHED"}
    sc = bpy.context.scene
    assert roots(sc) == [] and "worldsmith_dsl" not in sc and not bpy.ops.worldsmith.remove.poll()
    check_user_object(sc)
    bpy.ops.ed.undo()
    sc = bpy.context.scene
    assert len(roots(sc)) == 4

    # a bad file: the error names the field, the scene stays as it was
    bad = dict(DSL, entities=[{"id": "x", "kind": "spaceship"}])
    src.write_text(json.dumps(bad))
    before = state(sc)
    with pytest.raises(RuntimeError, match=r"entities\[0\]\.kind"):
        bpy.ops.worldsmith.import_dsl(filepath=str(src))
    assert state(bpy.context.scene) == before
    src.write_text("{not json")
    with pytest.raises(RuntimeError, match="invalid scene"):
        bpy.ops.worldsmith.import_dsl(filepath=str(src))
    assert state(bpy.context.scene) == before

    # the stored DSL survives a save and reload of the .blend
    blend = tmp_path / "saved.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True)
    with bpy.data.libraries.load(str(blend)) as (data_from, data_to):
        data_to.scenes = ["ws-test"]
    loaded = data_to.scenes[0]
    assert parse_scene(loaded["worldsmith_dsl"]) == parse_scene(edited)
    assert [h.text for h in loaded.worldsmith.history][-1] == "exported.json"
    bpy.data.scenes.remove(loaded)


@pytest.mark.render
def test_render_operator_writes_a_png(scene, tmp_path):
    src = tmp_path / "scene.json"
    src.write_text(json.dumps(DSL))
    bpy.ops.worldsmith.import_dsl(filepath=str(src))
    s = bpy.context.scene.worldsmith
    s.engine, s.samples, s.resolution_x, s.resolution_y = "cycles", 2, 64, 36
    out = tmp_path / "render.png"
    assert bpy.ops.worldsmith.render(filepath=str(out)) == {"FINISHED"}
    assert out.stat().st_size > 100 and out.read_bytes()[:4] == b"\x89PNG"
    assert bpy.context.scene.render.engine == "CYCLES" and bpy.context.scene.render.resolution_x == 64


def test_preferences_round_trip(addon):
    prefs = preferences.get()
    assert prefs.bl_rna.identifier == "WorldsmithPreferences"
    defaults = preferences.Defaults()
    for name in vars(defaults):
        assert getattr(prefs, name) == getattr(defaults, name), name
    try:
        prefs.model_path, prefs.gpu_layers, prefs.context_size, prefs.threads = "/models/m.gguf", -1, 2048, 3
        s = preferences.settings(bpy.context, seed=7)
        assert (s.backend, s.model, s.gpu_layers, s.ctx, s.threads, s.seed) == \
            ("local", "/models/m.gguf", -1, 2048, 3, 7)
        prefs.backend, prefs.endpoint, prefs.remote_model, prefs.api_key = \
            "http", "http://127.0.0.1:9999", "qwen", "secret"
        s = preferences.settings(bpy.context)
        assert (s.backend, s.endpoint, s.model, s.api_key) == ("http", "http://127.0.0.1:9999", "qwen", "secret")
        assert jobs.missing_reason(s) is None
        assert preferences.online_problem(s, online=False) is None      # loopback is always allowed
        prefs.endpoint = "https://models.example.org"
        s = preferences.settings(bpy.context)
        assert "online access is off" in preferences.online_problem(s, online=False)
        assert preferences.online_problem(s, online=True) is None
        if not bpy.app.online_access:
            with pytest.raises(RuntimeError, match="online access is off"):
                bpy.ops.worldsmith.generate(prompt="a red car")
        prefs.endpoint = ""
        assert "no server address" in jobs.missing_reason(preferences.settings(bpy.context))
    finally:
        for name in vars(defaults):
            setattr(prefs, name, getattr(defaults, name))
    assert preferences.settings(bpy.context).model == "embedded"
    # outside an installed extension there is no extension user folder: the user cache is used
    assert preferences.model_dir() is None


def test_add_menu_lists_every_operator_for_f3(addon):
    funcs = bpy.types.VIEW3D_MT_add._dyn_ui_initialize()
    assert menu.add_menu in funcs
    assert menu.import_menu in bpy.types.TOPBAR_MT_file_import._dyn_ui_initialize()
    names = {"generate", "refine", "rebuild", "remove", "render", "cancel", "import_dsl", "export_dsl"}
    for name in names:
        op = getattr(bpy.ops.worldsmith, name)
        rna = op.get_rna_type()
        assert rna.description, f"worldsmith.{name} needs a tooltip"
    for name in ("generate", "refine", "rebuild", "remove", "import_dsl"):
        assert "UNDO" in getattr(bpy.types, f"WORLDSMITH_OT_{name}").bl_options


def test_describe_changes_in_words():
    a = parse_scene(DSL)
    b = parse_scene(dict(DSL, time_of_day="night", entities=[
        dict(DSL["entities"][0], color="blue"), DSL["entities"][2],
        {"id": "dogs", "kind": "dog", "count": 2}]))
    text = describe_changes(a, b)
    assert "added 2x dog" in text and "removed car" in text
    assert "house (color)" in text and "time of day -> night" in text
    assert describe_changes(a, a) == "no change"


def test_job_reports_errors_and_results_as_values():
    def ok(ctx):
        ctx.progress("writing", 3)
        return 42

    def boom(ctx):
        raise ValueError("entities[0].kind: unknown kind")
    job = jobs.Job(ok).run_sync()
    assert job.finished and job.result == 42 and job.tokens == 3
    job = jobs.Job(boom).start()
    job.thread.join(5)
    job.drain()
    assert job.finished and job.result is None and "entities[0].kind" in job.error
    job = jobs.Job(ok)
    job.cancel()                 # cancelled while working: the result is dropped
    job.run_sync()
    assert job.cancelled and job.result is None and job.phase == "cancelled"
