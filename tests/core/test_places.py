"""Places as data (scene_dsl/places.json): validated, named by words, retrieved, and the implied fallback."""
from __future__ import annotations

import json

import pytest

from worldsmith.generation import pipeline, prompting
from worldsmith.scene_dsl import lexicon, parse_scene, places
from worldsmith.scene_dsl.places import PLACES_FILE


def test_the_shipped_places_are_valid_and_many():
    assert places.validate(json.loads(PLACES_FILE.read_text())) == []
    names = {p.name for p in places.load()}
    assert len(names) >= 40
    assert {"farm", "campsite", "beach", "harbour", "park", "street", "town square", "village", "forest",
            "desert oasis", "living room", "kitchen", "office", "classroom", "playground", "garden",
            "winter cabin"} <= names


def test_validation_names_the_place_and_field():
    doc = {"places": [{"name": "moon base", "words": ["moon base"], "ground": "regolith", "times": ["noon"],
                       "things": [{"kind": "hippogriff"}, {"kind": "rock", "relation": ["near", "hippogriff"]}]}]}
    probs = " | ".join(places.validate(doc))
    assert "places[0] (moon base).ground: 'regolith'" in probs
    assert "things[0].kind: unknown kind 'hippogriff'" in probs
    assert places.validate({"nope": 1}) == ["places.json: expected an object with a 'places' list"]


@pytest.mark.parametrize("prompt,place", [("a farm", "farm"), ("a winter village at dusk", "winter village"),
                                          ("a campsite at night", "campsite"), ("the harbor", "harbour"),
                                          ("a cosy living room", "living room")])
def test_named_prefers_the_most_specific_place(prompt, place):
    assert places.named(lexicon.tokenize(prompt))[0].name == place


def test_every_place_example_scene_validates():
    for p in places.load():
        doc = json.loads(places.example_scene(p).to_json())
        assert parse_scene(doc).entities


def test_implied_fallback_adds_what_a_place_implies_bounded_and_visible():
    a = lexicon.analyze("a campsite at night")
    assert a.entities == []
    base = parse_scene({"version": 1, "time_of_day": "night", "entities": [{"id": "tent", "kind": "tent"}]})
    a = lexicon.analyze("a tent at a campsite at night")
    scene, notes = pipeline.implied(base, a, lexicon.tokenize(a.prompt), "strict", 2)
    kinds = [e.kind for e in scene.entities]
    assert kinds[0] == "tent" and "campfire" in kinds and len(kinds) == 3      # bounded: 2 added
    camp = next(e for e in scene.entities if e.kind == "campfire")
    assert camp.relations[0].type == "in_front_of" and camp.relations[0].target == "tent"
    assert any("'campsite' implies" in n for n in notes)


def test_implied_fallback_leaves_the_models_own_additions_alone():
    a = lexicon.analyze("a red barn on a farm")
    model = parse_scene({"version": 1, "ground": "dirt", "entities": [
        {"id": "barn", "kind": "barn", "color": "red"}, {"id": "pigs", "kind": "cow", "count": 2}]})
    assert pipeline.implied(model, a, lexicon.tokenize(a.prompt), "verify", 6) == (model, [])


def test_place_ground_when_the_prompt_names_none():
    a = lexicon.analyze("a table in a kitchen")
    model = parse_scene({"version": 1, "entities": [{"id": "table", "kind": "table"}]})
    scene, notes = pipeline.implied(model, a, lexicon.tokenize(a.prompt), "strict", 6)
    assert scene.ground == "wood" and "chair" in [e.kind for e in scene.entities]
    assert any("implies wood ground" in n for n in notes)


def test_retrieved_place_examples_are_valid_dsl():
    shown = places.retrieve(lexicon.tokenize("a harbour at dawn"))
    assert shown[0].name == "harbour"
    for text, doc in prompting.place_examples(shown):
        assert parse_scene(doc).entities and text
