"""The scene DSL: parsing, validation errors with field paths, schemas. Pure, no bpy."""
from __future__ import annotations

import json

import pytest

from worldsmith.scene_dsl import SceneError, parse_scene
from worldsmith.scene_dsl import catalog, colors
from worldsmith.scene_dsl.models import MAX_ENTITIES
from worldsmith.scene_dsl.schema import document_schema, generation_schema


def doc(*entities, **extra):
    return {"version": 1, "entities": list(entities), **extra}


def issues(data):
    with pytest.raises(SceneError) as exc:
        parse_scene(data)
    return {i.path: i.message for i in exc.value.issues}


def test_minimal_document_gets_defaults():
    s = parse_scene(doc({"id": "a", "kind": "car"}))
    assert (s.time_of_day, s.ground, s.entities[0].count, s.seed) == ("noon", "grass", 1, 0)
    assert s.entities[0].resolved_color() == catalog.get("car").color


def test_round_trip_through_json():
    from pathlib import Path
    text = (Path(__file__).parents[1] / "data" / "all_relations.json").read_text()
    s = parse_scene(text)
    again = parse_scene(s.to_json())
    assert again == s


def test_invalid_json_says_where():
    found = issues('{"version": 1, "entities": [')
    assert "invalid JSON at line 1" in found[""]


@pytest.mark.parametrize("text", ['{"version":1,"entities":[{"id":"a","kind":"cube","scale":NaN}]}',
                                  '{"version":1,"entities":[{"id":"a","kind":"cube","scale":Infinity}]}'])
def test_nan_and_infinity_are_refused(text):
    found = issues(text)
    assert any("finite" in m for m in found.values())


def test_unknown_kind_names_the_field_and_the_choices():
    found = issues(doc({"id": "a", "kind": "spaceship"}))
    assert "entities[0].kind" in found
    assert "spaceship" in found["entities[0].kind"] and "pine_tree" in found["entities[0].kind"]


def test_unknown_colour():
    found = issues(doc({"id": "a", "kind": "car", "color": "blurple"}))
    assert "unknown colour 'blurple'" in found["entities[0].color"]


@pytest.mark.parametrize("count", [0, -3, 10**9])
def test_bad_counts(count):
    assert "entities[0].count" in issues(doc({"id": "a", "kind": "car", "count": count}))


def test_total_count_is_bounded():
    found = issues(doc({"id": "a", "kind": "flower", "count": MAX_ENTITIES}, {"id": "b", "kind": "rock", "count": 5}))
    assert f"at most {MAX_ENTITIES}" in found["entities"]


def test_coordinates_are_bounded():
    found = issues(doc({"id": "a", "kind": "car", "position": [0, 5000, 0]}))
    assert "entities[0].position[1]" in found


def test_unknown_version():
    found = issues({"version": 7, "entities": [{"id": "a", "kind": "car"}]})
    assert "unsupported DSL version 7" in found["version"]


def test_relation_to_missing_id():
    found = issues(doc({"id": "a", "kind": "car", "relations": [{"type": "left_of", "target": "ghost"}]}))
    assert found["entities[0].relations[0].target"] == "no entity has id 'ghost'"


def test_cyclic_on_relations():
    found = issues(doc({"id": "a", "kind": "crate", "relations": [{"type": "on", "target": "b"}]},
                       {"id": "b", "kind": "crate", "relations": [{"type": "on", "target": "a"}]}))
    assert any("cyclic 'on'" in m for m in found.values())


def test_duplicate_ids_and_self_relations():
    found = issues(doc({"id": "a", "kind": "car"},
                       {"id": "a", "kind": "bus", "relations": [{"type": "near", "target": "a"}]}))
    assert "duplicate id 'a'" in found["entities[1].id"]


def test_between_needs_two_references():
    found = issues(doc({"id": "a", "kind": "car"}, {"id": "b", "kind": "cube", "relations": [
        {"type": "between", "target": "a"}]}))
    assert "target2" in next(iter(found))


def test_unknown_fields_are_refused():
    found = issues(doc({"id": "a", "kind": "car", "wheels": 4}))
    assert "entities[0].wheels" in found


def test_not_an_object():
    assert "a scene is a JSON object" in issues("[1, 2]")[""]


def test_colours():
    assert colors.to_hex("Dark Red") == "#8b0000"
    assert colors.to_hex("#AABBCC") == "#aabbcc"
    assert colors.linear_to_hex(colors.hex_to_linear("#336699")) == "#336699"
    with pytest.raises(ValueError):
        colors.to_hex("#12345")


def test_catalog_has_the_51_procedural_kinds_and_recipes_with_sane_data():
    assert len(catalog.PROCEDURAL) == 51
    assert all(catalog.KINDS[k].origin == "procedural" for k in catalog.PROCEDURAL)
    for spec in catalog.KINDS.values():
        assert all(s > 0 for s in spec.size)
        assert spec.main_part in spec.parts and spec.parts[spec.main_part] == catalog.MAIN
        colors.to_hex(spec.color)


def test_document_schema_is_json_and_names_every_kind():
    schema = document_schema()
    text = json.dumps(schema)
    assert all(f'"{k}"' in text for k in catalog.KIND_NAMES)
    assert schema["title"].startswith("Worldsmith scene DSL")


def test_generation_schema_narrowing():
    s = generation_schema(kinds=["car", "house"], color_names=["Red"], slots=[("car", "car"), ("house", "house")])
    items = s["properties"]["entities"]["prefixItems"]
    assert [i["properties"]["id"]["const"] for i in items] == ["car", "house"]
    assert items[0]["properties"]["color"]["enum"] == ["red"]
    with pytest.raises(ValueError):
        generation_schema(kinds=["spaceship"])


# ---------------------------------------------------------------- hostile documents

@pytest.mark.parametrize("doc,path,words", [
    ({"version": True, "entities": [{"id": "a", "kind": "car"}]}, "version", "unsupported DSL version True"),
    ({"entities": [{"id": "a", "kind": "car", "count": "3"}]}, "entities[0].count", "valid integer (got '3')"),
    ({"entities": [{"id": "a", "kind": "car", "scale": " 2 "}]}, "entities[0].scale", "valid number"),
    ({"entities": [{"id": "a", "kind": "car", "rotation": True}]}, "entities[0].rotation", "valid number"),
    ({"entities": [{"id": "a", "kind": "car"}, {"id": "b", "kind": "car", "relations": [
        {"type": "near", "target": ["a"]}]}]}, "entities[1].relations[0].target", "valid string"),
    ({"entities": [{"id": "a", "kind": "car"}, {"id": "b", "kind": "car", "relations": [
        {"type": "near", "target": {"id": "a"}}]}]}, "entities[1].relations[0].target", "valid string"),
])
def test_strict_types_as_the_schema_says(doc, path, words):
    with pytest.raises(SceneError) as err:
        parse_scene(doc)
    assert [i.path for i in err.value.issues] == [path] and words in err.value.issues[0].message


def test_numbers_of_the_right_json_type_still_pass():
    s = parse_scene('{"entities": [{"id": "a", "kind": "car", "scale": 2, "rotation": 90, "position": [1, 2, 0]}]}')
    assert s.entities[0].scale == 2.0 and s.entities[0].position == (1.0, 2.0, 0.0)


@pytest.mark.parametrize("doc", [
    '{"entities": ' + "[" * 5000 + "]" * 5000 + "}",
    {"entities": [{"id": "a", "kind": "car", "relations": [{"type": "near", "target": "a", "target2": None}]}],
     "camera": {"view": "front", "target": None}} | {"deep": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
])
def test_deep_nesting_is_a_clear_error(doc):
    with pytest.raises(SceneError, match="nest more than 32 deep"):
        parse_scene(doc)


@pytest.mark.parametrize("field", ["kind", "color", "id"])
def test_messages_never_echo_a_huge_value(field):
    ent = {"id": "a", "kind": "car"} | {field: "x" * 10_000_000}
    with pytest.raises(SceneError) as err:
        parse_scene({"entities": [ent]})
    assert len(str(err.value)) < 1000 and err.value.issues[0].path == f"entities[0].{field}"


def test_not_utf8_bytes():
    with pytest.raises(SceneError, match="not UTF-8"):
        parse_scene(b'{"entities": [{"id": "\xff", "kind": "car"}]}')
