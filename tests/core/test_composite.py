"""DSL v2: composite entities (their own parts), the v1 migration, and the decoding grammar. Pure, no bpy."""
from __future__ import annotations

import json

import pytest

from worldsmith.generation import pipeline, prompting
from worldsmith.generation.backends.http import HttpBackend
from worldsmith.scene_dsl import SceneError, catalog, lexicon, parse_scene
from worldsmith.scene_dsl.layout import solve
from worldsmith.scene_dsl.models import DSL_VERSION, migrate
from worldsmith.scene_dsl.schema import document_schema, generation_schema

PARTS = [{"shape": "cylinder", "size": [3, 3, 0.2]},
         {"shape": "cylinder", "at": [1.2, 1.2, 0.2], "size": [0.15, 0.15, 2.2], "mirror_x": True},
         {"shape": "cone", "at": [0, 0, 2.4], "size": [3.4, 3.4, 0.9], "slot": "roof_tile"}]
GAZEBO = {"id": "gazebo", "name": "gazebo", "parts": PARTS, "size": [4, 4, 3.5]}


def doc(*entities, version=2):
    return {"version": version, "entities": list(entities)}


def issues(data):
    with pytest.raises(SceneError) as exc:
        parse_scene(data)
    return {i.path: i.message for i in exc.value.issues}


def test_a_composite_validates_with_its_own_spec():
    s = parse_scene(doc(GAZEBO, {"id": "bench", "kind": "bench"}))
    g = s.entities[0]
    assert s.version == DSL_VERSION == 2
    assert (g.kind, g.label, g.is_composite) == ("composite", "gazebo", True)
    spec = g.spec()
    assert spec.size == (4.0, 4.0, 3.5) and spec.category == "structure" and spec.top is None
    assert list(spec.parts) == ["main", "roof_tile"] and spec.main_part == "main"
    assert parse_scene(s.to_json()) == s                     # written as v2, reads back the same
    unsized = parse_scene(doc({"id": "g", "parts": PARTS})).entities[0]
    assert unsized.spec().size == pytest.approx((3.4, 3.4, 3.3), abs=1e-3)   # the cone and the base slab
    assert unsized.label == "composite"


@pytest.mark.parametrize("entity, path, words", [
    ({**GAZEBO, "kind": "car"}, "entities[0]", "not both"),
    ({"id": "a"}, "entities[0]", "needs a catalog 'kind', or 'parts'"),
    ({"id": "a", "kind": "composite"}, "entities[0]", "needs a catalog 'kind', or 'parts'"),
    ({"id": "a", "kind": "car", "size": [1, 2, 3]}, "entities[0]", "size in metres is only for a composite"),
    ({"id": "a", "kind": "car", "name": "x"}, "entities[0]", "only for a composite"),
    ({**GAZEBO, "parts": PARTS * 11}, "entities[0].parts", "at most 32"),
    ({**GAZEBO, "parts": []}, "entities[0].parts", "at least 1"),
    ({**GAZEBO, "parts": [{"shape": "blob", "size": [1, 1, 1]}]}, "entities[0].parts[0].shape", "box"),
    ({**GAZEBO, "parts": [{"shape": "box", "size": [1, -1, 1]}]}, "entities[0].parts[0].size[1]", "greater than 0"),
    ({**GAZEBO, "parts": [{"shape": "box", "size": [1, 1, 1e9]}]}, "entities[0].parts[0].size[2]", "500"),
    ({**GAZEBO, "parts": [{"shape": "box"}]}, "entities[0].parts[0]", "needs a size"),
    ({**GAZEBO, "parts": [{"kind": "hippogriff"}]}, "entities[0].parts[0].kind", "unknown kind 'hippogriff'"),
    ({**GAZEBO, "parts": [{"kind": "composite"}]}, "entities[0].parts[0].kind", "unknown kind 'composite'"),
    ({**GAZEBO, "parts": [{"shape": "box", "size": [1, 1, 1], "slot": "gold"}]}, "entities[0].parts[0].slot", "gold"),
    ({**GAZEBO, "parts": [{"shape": "box", "size": [1, 1, 1], "variants": [1]}]},
     "entities[0].parts[0].variants", "one variant"),
    ({**GAZEBO, "parts": [{"kind": "house", "array": {"count": 32, "spacing": 12}}] * 20},
     "entities[0].parts", "at most 512"),
    ({**GAZEBO, "size": [4, -4, 3]}, "entities[0].size[1]", "greater than 0"),
    ({**GAZEBO, "size": "giant"}, "entities[0].size", "'tiny'"),
    ({**GAZEBO, "top": 9}, "entities[0].top", "above the composite's height"),
    ({**GAZEBO, "name": "Big Gazebo"}, "entities[0].name", "pattern"),
])
def test_bad_composites_name_the_field(entity, path, words):
    found = issues(doc(entity))
    assert path in found, found
    assert words in found[path]


def test_nan_in_parts_is_refused():
    found = issues('{"version": 2, "entities": [{"id": "g", "parts": [{"shape": "box", "size": [1, NaN, 1]}]}]}')
    assert "finite" in " ".join(found.values())


def test_v1_documents_migrate_unchanged():
    v1 = {"version": 1, "time_of_day": "dusk", "entities": [
        {"id": "car", "kind": "car", "color": "red", "size": "large"},
        {"id": "trees", "kind": "tree", "count": 3, "relations": [{"type": "behind", "target": "car"}]}]}
    migrated, problems = migrate(v1)
    assert problems == [] and migrated == {**v1, "version": 2}
    old, new = parse_scene(v1), parse_scene({**v1, "version": 2})
    assert old == new and old.version == 2
    assert json.loads(old.to_json())["version"] == 2
    a, b = solve(old), solve(new)                            # lays out exactly as before
    assert [(p.name, p.kind, p.position, p.size) for p in a.placements] == \
           [(p.name, p.kind, p.position, p.size) for p in b.placements]


def test_v2_fields_in_a_v1_document_are_named():
    found = issues(doc(GAZEBO, version=1))
    assert "new in DSL version 2" in found["entities[0].parts"]
    assert "new in DSL version 2" in found["entities[0].size"]


@pytest.mark.parametrize("version", [3, 0, "2", True])
def test_unsupported_versions(version):
    found = issues(doc({"id": "a", "kind": "car"}, version=version))
    assert "version" in found and ("unsupported DSL version" in found["version"] or "integer" in found["version"])


def test_layout_treats_a_composite_like_a_kind():
    s = parse_scene(doc({**GAZEBO, "top": 0.2}, {"id": "cat", "kind": "cat", "relations": [{"type": "on", "target": "gazebo"}]},
                        {"id": "car", "kind": "car", "relations": [{"type": "left_of", "target": "gazebo"}]}))
    lay = solve(s)
    by = {p.entity_id: p for p in lay.placements}
    assert by["gazebo"].kind == "composite" and by["gazebo"].size == pytest.approx((4.0, 4.0, 3.5))
    assert by["cat"].position[2] == pytest.approx(0.2)
    assert by["car"].position[0] < by["gazebo"].position[0]
    assert not [w for w in lay.warnings if "gazebo" in w], lay.warnings


def test_schema_shows_v2_and_composites():
    schema = document_schema()
    assert schema["title"] == "Worldsmith scene DSL v2"
    text = json.dumps(schema)
    assert '"parts"' in text and '"composite"' in text and '"capsule"' in text


# the default grammar, narrowed to one car (the enums that grow with the catalog are left out):
# exactly as before DSL v2, so the embedded model writes what it always wrote
DEFAULT_NARROW = {"type": "object", "properties": {
    "version": {"const": 1},
    "time_of_day": {"enum": ["dawn", "morning", "noon", "afternoon", "sunset", "dusk", "night"]},
    "ground": {"enum": ["grass", "sand", "snow", "dirt", "stone", "water", "concrete", "wood"]},
    "entities": {"type": "array", "prefixItems": [{"type": "object", "properties": {
        "id": {"const": "car"}, "kind": {"const": "car"},
        "count": {"type": "integer", "minimum": 1, "maximum": 50}, "color": {"enum": ["red"]},
        "size": {"enum": ["tiny", "small", "medium", "large", "huge"]},
        "arrangement": {"enum": ["row", "grid", "ring", "cluster", "scatter"]},
        "relations": {"type": "array", "items": {"anyOf": [
            {"type": "object", "properties": {"type": {"enum": ["left_of", "right_of", "in_front_of", "behind", "on",
                                                                "under", "near", "next_to", "around", "facing"]},
                                              "target": {"enum": ["car"]}},
             "required": ["type", "target"], "additionalProperties": False},
            {"type": "object", "properties": {"type": {"const": "between"}, "target": {"enum": ["car"]},
                                              "target2": {"enum": ["car"]}},
             "required": ["type", "target", "target2"], "additionalProperties": False}]}, "maxItems": 3}},
        "required": ["id", "kind", "count"], "additionalProperties": False}],
        "items": False, "minItems": 1, "maxItems": 1}},
    "required": ["version", "time_of_day", "ground", "entities"], "additionalProperties": False}


def test_the_default_grammar_did_not_change():
    assert generation_schema(kinds=["car"], color_names=["red"], slots=[("car", "car")]) == DEFAULT_NARROW
    full = generation_schema()
    text = json.dumps(full)
    assert full["properties"]["version"] == {"const": 1}
    assert '"parts"' not in text and '"shape"' not in text and '"composite"' not in text
    assert full["properties"]["entities"]["items"]["properties"]["kind"]["enum"] == list(catalog.KIND_NAMES)
    # the pipeline's default (the embedded model's backend offers no composites)
    assert not pipeline.offers_composites(object(), pipeline.Options())
    for prompt in ("a red car next to a house", "a gazebo", "three cats on a table at night"):
        a = lexicon.analyze(prompt)
        assert '"parts"' not in json.dumps(pipeline.decoding_schema(a))
    assert prompting.messages("a car") == prompting.messages("a car", composites=False)
    assert "composite" not in json.dumps(prompting.messages("a car", "entities: car is a car"))


def test_composites_are_offered_by_the_option_and_the_http_backend():
    assert pipeline.offers_composites(object(), pipeline.Options(composites=True))
    assert pipeline.offers_composites(HttpBackend, pipeline.Options())
    assert not pipeline.offers_composites(HttpBackend, pipeline.Options(composites=False))
    a = lexicon.analyze("a red car next to a gazebo")
    s = pipeline.decoding_schema(a, composites=True)
    ents = s["properties"]["entities"]
    assert s["properties"]["version"] == {"const": 2}
    # the car keeps its slot; the gazebo (no kind has it: the reading's placeholder) gets none, so the
    # model may write it as a composite
    assert [i["properties"]["kind"] for i in ents["prefixItems"]] == [{"const": "car"}]
    assert "parts" in ents["items"]["properties"] and ents["items"]["properties"]["parts"]["maxItems"] == 32
    free = generation_schema(composites=True)["properties"]["entities"]["items"]["anyOf"]
    assert [sorted(x["required"]) for x in free] == [["count", "id", "kind"], ["count", "id", "name", "parts"]]
    text, example = prompting.COMPOSITE_EXAMPLE
    parse_scene(example)                                  # the prompt's example is a valid document
    assert "composite" in prompting.messages("a gazebo", composites=True)[0]["content"]


def test_the_readme_dsl_examples_are_valid_v2_documents():
    import os
    import re
    readme = open(os.path.join(os.path.dirname(catalog.__file__), "..", "README.md"), encoding="utf-8").read()
    blocks = [b for b in re.findall(r"```json\n(.*?)```", readme, re.S) if b.lstrip().startswith('{"version"')]
    scenes = [parse_scene(b) for b in blocks]
    assert len(scenes) >= 2 and all(json.loads(b)["version"] == 2 for b in blocks)
    assert any(e.is_composite and e.label == "gazebo" for s in scenes for e in s.entities)


def test_a_scene_with_composites_is_shown_for_an_edit_as_its_grammar_allows():
    from worldsmith.generation.backends.replies import conforms
    s = parse_scene(doc({**GAZEBO, "color": "white"}, {"id": "car", "kind": "car", "size": "large"}))
    current = pipeline.current_doc(s)
    current["version"] = 2
    assert "kind" not in current["entities"][0] and current["entities"][0]["parts"][0] == PARTS[0]
    assert conforms(json.dumps(current), generation_schema(composites=True))
    assert parse_scene(current) == s.model_copy(update={"seed": 0})


def test_grounding_keeps_a_models_composite_with_its_relations():
    from worldsmith.scene_dsl import grounding
    a = lexicon.analyze("a red car next to a gazebo")
    model = parse_scene(doc({"id": "car", "kind": "car", "color": "red"},
                            {**GAZEBO, "relations": [{"type": "behind", "target": "car"}]}))
    grounded, warnings = grounding.ground(model, a)
    by = {e.id: e for e in grounded.entities}
    # the model's composite fills the reading's placeholder for "gazebo": one gazebo, with its parts
    assert by["gazebo"].is_composite and by["gazebo"].parts == model.entities[1].parts
    assert by["gazebo"].requested == "gazebo" and len(grounded.entities) == 2
    # the prompt relates the two ("next to"), so the model's own relation between them gives way
    assert [(r.type, r.target) for r in by["car"].relations] == [("next_to", "gazebo")]
    assert not [w for w in warnings if "gazebo" in w]
    # a composite the prompt does not name is kept with its relations to what remains
    a2 = lexicon.analyze("a red car")
    kept, _ = grounding.ground(model, a2)
    assert [(r.type, r.target) for r in {e.id: e for e in kept.entities}["gazebo"].relations] == [("behind", "car")]
    dropped, warnings = grounding.ground(model, a, keep_composites=False)
    # composites off: the reading's labelled placeholder stands, the model's composite is dropped (with a warning)
    assert {e.id: e.kind for e in dropped.entities}["gazebo"] == "cube"
    assert any("dropped 'gazebo'" in w for w in warnings)                 # never silently
