"""Recipe kinds: the format, the loader's errors (file and field named), user folders."""
from __future__ import annotations

import json
import os

import pytest

from worldsmith.scene_dsl import catalog
from worldsmith.scene_dsl.models import parse_scene
from worldsmith.scene_dsl.recipes import loader, schema

BASE = {k: v.size for k, v in catalog.KINDS.items() if v.origin == "procedural"}

GOOD = """
[kinds.gizmo_a]
category = "prop"
color = "#336699"
synonyms = ["gizmo"]
parts = [{ shape = "box", size = [1, 1, 1] }]

[kinds.gizmo_b]
category = "prop"
color = "red"
parts = [{ kind = "gizmo_a" }, { kind = "tower", at = [2, 0, 0], size = [1, 1, 3] }]
"""


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def one_kind(parts, **extra):
    body = {"category": "prop", "color": "#808080", "parts": parts, **extra}
    return json.dumps({"kinds": {"thing": body}})


def load_text(tmp_path, text, name="r.json", strict=False):
    write(tmp_path, name, text)
    return loader.load_folder(str(tmp_path), BASE, strict=strict)


@pytest.fixture
def restore_catalog():
    kinds, recipes, names = dict(catalog.KINDS), dict(catalog.RECIPES), catalog.KIND_NAMES
    yield
    catalog.KINDS.clear()
    catalog.KINDS.update(kinds)
    catalog.RECIPES.clear()
    catalog.RECIPES.update(recipes)
    catalog.KIND_NAMES = names


def test_a_good_file_loads_with_sizes_from_its_parts_and_references(tmp_path):
    loaded, issues = load_text(tmp_path, GOOD, "good.toml", strict=True)
    assert issues == []
    assert loaded["gizmo_a"].size == (1.0, 1.0, 1.0)
    # gizmo_a spans x -0.5..0.5, the tower 1.5..2.5: 3 m wide, 3 m tall
    assert loaded["gizmo_b"].size == pytest.approx((3.0, 1.0, 3.0))
    assert loaded["gizmo_b"].file == "good.toml"


@pytest.mark.parametrize("parts, where, words", [
    ([{"shape": "blob", "size": [1, 1, 1]}], "kinds.thing.parts[0].shape", "box"),
    ([{"shape": "box", "size": [-1, 1, 1]}], "kinds.thing.parts[0].size[0]", "greater than 0"),
    ([{"shape": "box", "size": [1, 1e9, 1]}], "kinds.thing.parts[0].size[1]", "less than or equal"),
    ([{"shape": "box", "size": [1, 1, 1], "at": [0, 0, "x"]}], "kinds.thing.parts[0].at[2]", "number"),
    ([{"shape": "box"}], "kinds.thing.parts[0]", "needs a size"),
    ([{"shape": "box", "kind": "tower", "size": [1, 1, 1]}], "kinds.thing.parts[0]", "exactly one"),
    ([{"shape": "box", "size": [1, 1, 1], "slot": "nope"}], "kinds.thing", "not one of the slots"),
    ([{"shape": "box", "size": [1, 1, 1], "array": {"count": 1000, "spacing": 1}}],
     "kinds.thing.parts[0].array.count", "less than or equal"),
    ([{"shape": "box", "size": [1, 1, 1], "rotate": [0, 0, 9999]}], "kinds.thing.parts[0].rotate[2]", "360"),
    ([{"shape": "box", "size": [1, 1, 1], "code": "import os"}], "kinds.thing.parts[0].code", "not permitted"),
])
def test_bad_parts_are_named_by_file_and_field(tmp_path, parts, where, words):
    loaded, issues = load_text(tmp_path, one_kind(parts))
    assert "thing" not in loaded
    assert any(i.path.startswith(f"r.json: {where}") and words in i.message for i in issues), issues
    with pytest.raises(loader.RecipeError, match="r.json"):
        load_text(tmp_path, one_kind(parts), strict=True)


def test_nan_and_infinite_sizes_in_toml(tmp_path):
    text = '[kinds.thing]\ncategory = "prop"\ncolor = "#808080"\nparts = [{ shape = "box", size = [nan, 1, inf] }]\n'
    _, issues = load_text(tmp_path, text, "nan.toml")
    paths = {i.path for i in issues}
    assert "nan.toml: kinds.thing.parts[0].size[0]" in paths
    assert "nan.toml: kinds.thing.parts[0].size[2]" in paths


def test_ten_thousand_parts_are_refused_at_load(tmp_path):
    parts = [{"shape": "box", "size": [1, 1, 1]}] * 10_000
    _, issues = load_text(tmp_path, one_kind(parts))
    assert any(i.path == "r.json: kinds.thing.parts" and "at most 64" in i.message for i in issues), issues


def test_arrays_that_expand_too_far_are_refused(tmp_path):
    parts = [{"shape": "box", "size": [1, 1, 1], "array": {"count": 32, "spacing": 1}, "mirror_x": True}] * 9
    _, issues = load_text(tmp_path, one_kind(parts))
    assert any("expand to more than 512" in i.message for i in issues), issues


def test_cycles_of_kind_references_are_named(tmp_path):
    text = json.dumps({"kinds": {
        "a": {"category": "prop", "color": "#808080", "parts": [{"kind": "b", "size": [1, 1, 1]}]},
        "b": {"category": "prop", "color": "#808080", "parts": [{"kind": "a", "size": [1, 1, 1]}]},
        "selfish": {"category": "prop", "color": "#808080", "parts": [{"kind": "selfish", "size": [1, 1, 1]}]},
        "fine": {"category": "prop", "color": "#808080", "parts": [{"kind": "tower"}]},
    }})
    loaded, issues = load_text(tmp_path, text, "cyc.json")
    assert set(loaded) == {"fine"}
    text_all = " | ".join(str(i) for i in issues)
    assert "cycle: a -> b -> a" in text_all and "cycle: selfish -> selfish" in text_all
    with pytest.raises(loader.RecipeError, match="cycle"):
        load_text(tmp_path, text, "cyc.json", strict=True)


def test_unknown_kind_reference_and_its_users_are_disabled(tmp_path):
    text = json.dumps({"kinds": {
        "uses_ghost": {"category": "prop", "color": "#808080", "parts": [{"kind": "ghost"}]},
        "uses_user": {"category": "prop", "color": "#808080", "parts": [{"kind": "uses_ghost", "size": [1, 1, 1]}]},
    }})
    loaded, issues = load_text(tmp_path, text)
    assert loaded == {}
    assert any(i.path == "r.json: kinds.uses_ghost.parts[0].kind" and "unknown kind 'ghost'" in i.message
               for i in issues)
    assert any(i.path == "r.json: kinds.uses_user.parts[0].kind" and "failed to load" in i.message for i in issues)


def test_missing_folder_unreadable_and_malformed_files(tmp_path):
    _, issues = loader.load_folder(str(tmp_path / "nope"), BASE, strict=False)
    assert "does not exist" in issues[0].message
    _, issues = loader.read_file(str(tmp_path / "missing.toml"))
    assert issues[0].path == "missing.toml" and "cannot read" in issues[0].message
    _, issues = load_text(tmp_path, "[kinds.x\ncategory=", "broken.toml")
    assert issues[0].path == "broken.toml" and "not valid TOML" in issues[0].message
    os.remove(tmp_path / "broken.toml")
    _, issues = load_text(tmp_path, '{"kinds": {', "broken.json")
    assert issues[0].path == "broken.json: line 1" and "not valid JSON" in issues[0].message
    os.remove(tmp_path / "broken.json")
    _, issues = load_text(tmp_path, '{"kinds": {"Bad Name!": {}}}', "names.json")
    assert issues[0].path.startswith("names.json: kinds.Bad Name!")


def test_slots_must_name_known_materials(tmp_path):
    parts = [{"shape": "box", "size": [1, 1, 1], "slot": "trim"}]
    _, issues = load_text(tmp_path, one_kind(parts, slots={"body": "main", "trim": "unobtainium"}))
    assert any("unknown material 'unobtainium'" in i.message for i in issues), issues
    loaded, issues = load_text(tmp_path, one_kind(parts, slots={"body": "main",
                                                                "trim": {"color": "gold", "preset": "metal"}}))
    assert issues == [] and loaded["thing"].recipe.slots["trim"].color == "#ffd700"


def test_fixed_materials_match_the_builder():
    from worldsmith.blender import materials   # the list in the pure schema must follow the builder's
    assert set(schema.FIXED_MATERIALS) == set(materials.PART_MATERIALS)
    assert set(schema.PRESETS) <= set(materials.PRESETS) | set(materials.INTERNAL_PRESETS)


def test_a_broken_user_recipe_disables_only_itself(tmp_path, restore_catalog):
    write(tmp_path, "good.toml", GOOD)
    write(tmp_path, "bad.json", one_kind([{"shape": "box", "size": [float("nan"), 1, 1]}]).replace("NaN", "-1"))
    write(tmp_path, "clash.json", json.dumps({"kinds": {"house": json.loads(one_kind([{"shape": "box", "size": [1, 1, 1]}]))["kinds"]["thing"]}}))
    issues = catalog.load_user_recipes(str(tmp_path))
    assert {"gizmo_a", "gizmo_b"} <= set(catalog.KINDS) and "thing" not in catalog.KINDS
    assert catalog.KINDS["gizmo_a"].origin == "user" and "gizmo_a" in catalog.KIND_NAMES
    assert catalog.KINDS["house"].origin == "procedural"
    paths = " | ".join(str(i) for i in issues)
    assert "bad.json: kinds.thing.parts[0].size[0]" in paths and "clash.json: kinds.house" in paths
    # the DSL accepts the new kind at once (kinds are checked when a document is validated)
    scene = parse_scene({"entities": [{"id": "g", "kind": "gizmo_b"}]})
    assert scene.entities[0].resolved_color() == "#ff0000"


def test_shipped_recipes_join_the_catalog_beside_the_procedural_kinds():
    recipes = [k for k, v in catalog.KINDS.items() if v.origin == "recipe"]
    assert len(recipes) >= 200
    for name in recipes:
        spec = catalog.KINDS[name]
        assert spec.category in schema.CATEGORIES and all(0 < s <= 500 for s in spec.size), name
        assert spec.parts[spec.main_part] == catalog.MAIN, name
        assert spec.source, name
    # a word that names a recipe kind leaves the procedural kind's synonyms: "armchair" is its own kind
    words = {w: k for k, v in catalog.KINDS.items() for w in v.synonyms}
    assert "armchair" not in words and "chair" in catalog.KINDS
    for k, v in catalog.KINDS.items():
        if v.category != "primitive":
            assert k not in words, f"{k} is also a synonym of {words.get(k)}"
    # a primitive's name is no claim on a word: in a sentence "a plane" is an aeroplane
    assert words["plane"] == "airplane"
    from worldsmith.scene_dsl import lexicon
    assert [e.kind for e in lexicon.analyze("an airport with a plane next to a control tower").draft_scene().entities] \
        == ["airplane", "control_tower"]


def test_the_readme_example_is_a_valid_recipe(tmp_path):
    import re
    readme = open(os.path.join(os.path.dirname(catalog.__file__), "..", "README.md"), encoding="utf-8").read()
    block = re.search(r"## Recipes: kinds as data.*?```toml\n(.*?)```", readme, re.S).group(1)
    loaded, issues = load_text(tmp_path, block.replace("[kinds.beehive]", "[kinds.readme_hive]"), "readme.toml")
    assert issues == [] and loaded["readme_hive"].recipe.light == 0.9


def test_is_a_names_a_broader_kind_outside_the_file(tmp_path):
    text = json.dumps({"kinds": {
        "dinghy": {"category": "vehicle", "color": "#808080", "is_a": "boat", "parts": [{"shape": "box", "size": [1, 2, 1]}]},
        "gizmo": {"category": "prop", "color": "#808080", "is_a": "doohickey", "parts": [{"shape": "box", "size": [1, 1, 1]}]},
    }})
    loaded, issues = load_text(tmp_path, text)
    assert list(loaded) == ["dinghy"] and loaded["dinghy"].recipe.is_a == "boat"
    assert any(i.path == "r.json: kinds.gizmo.is_a" and "unknown kind 'doohickey'" in i.message for i in issues)


def test_shipped_sub_kinds_say_what_they_are_one_of():
    assert catalog.family("sailboat") == ["sailboat", "boat"]
    assert catalog.family("armchair") == ["armchair", "chair"]
    assert catalog.family("boat") == ["boat"] and catalog.family("no_such_kind") == ["no_such_kind"]
    assert all(catalog.KINDS[k].is_a in catalog.KINDS for k in catalog.KINDS if catalog.KINDS[k].is_a)
