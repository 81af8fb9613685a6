"""worldsmith_requested on every root object: the words the prompt used (real bpy)."""
from __future__ import annotations

from worldsmith.blender import builder
from worldsmith.scene_dsl import lexicon


def test_roots_carry_the_words_the_prompt_used(bl_scene):
    analysis = lexicon.analyze("a fishing boat next to a hippogriff and two oak trees")
    scene = analysis.draft_scene()
    scene = scene.model_copy(update={"entities": [*scene.entities, scene.entities[0].model_copy(
        update={"id": "from_file", "requested": None, "relations": []})]})
    builder.build_scene(scene, bl_scene)
    roots = [o for o in bl_scene.objects if "worldsmith_id" in o]
    got = sorted((o["worldsmith_kind"], o["worldsmith_requested"]) for o in roots)
    # a listed word (fishing boat -> boat), a head (oak trees -> tree), a placeholder for a thing with no kind,
    # and an entity no words named (a DSL file's)
    assert got == [("boat", ""), ("boat", "fishing boat"), ("cube", "hippogriff"), ("tree", "oak trees"),
                   ("tree", "oak trees")]
    placeholder = next(o for o in roots if o["worldsmith_kind"] == "cube")
    assert placeholder.name.startswith("hippogriff")


def test_saved_scene_records_the_readings_warnings(tmp_path):
    import bpy
    from worldsmith.blender import scene_io
    analysis = lexicon.analyze("an okapi next to a house")
    out = scene_io.build_and_save(analysis.draft_scene(), tmp_path / "out", None, warnings=analysis.notes)
    assert any("'okapi'" in w and "placeholder" in w for w in out.warnings)
    bpy.ops.wm.open_mainfile(filepath=str(out.blend))
    saved = list(bpy.context.scene["worldsmith_warnings"])
    assert saved[:1] == analysis.notes[:1]
    okapi = [o for o in bpy.context.scene.objects if o.get("worldsmith_requested") == "okapi"]
    assert len(okapi) == 1 and okapi[0]["worldsmith_kind"] == "cube"
