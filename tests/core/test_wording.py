"""Free wording the reader handles as classes (scene_dsl/wording.py), and bad input (no model)."""
from __future__ import annotations

import pytest

from worldsmith.generation import pipeline
from worldsmith.scene_dsl import lexicon


def read(prompt):
    return {d.id: d for d in lexicon.analyze(prompt).entities}


@pytest.mark.parametrize("prompt,kind,count", [
    ("half a dozen rocks", "rock", 6), ("a half dozen chairs", "chair", 6), ("a dozen and a half crates", "crate", 18),
    ("two dozen flowers", "flower", 24), ("3 dozen birds", "bird", 36), ("a baker's dozen barrels", "barrel", 13),
    ("a quartet of benches", "bench", 4), ("a score of cows", "cow", 20), ("a dozen eggs and a dog", "dog", 1)])
def test_quantity_idioms(prompt, kind, count):
    d = read(prompt)[kind]
    assert d.count == count and d.explicit_count


def test_a_handful_is_vague():
    d = read("a handful of mushrooms")["mushroom"]
    assert 2 <= d.count <= 6 and not d.explicit_count


def test_possessors_are_not_things():
    assert list(read("the farmer's dog next to a barn")) == ["dog", "barn"]
    d = read("a child\u2019s red bicycle leaning against a fence")
    assert list(d) == ["bicycle", "fence"] and d["bicycle"].color == "red"


def test_plural_possessors_are_not_things_either():
    d = read("the kids' bicycles next to the farmers' barn")
    assert list(d) == ["bicycle", "barn"]
    assert d["bicycle"].requested == "kids' bicycles"
    assert read("a ship's wheel")["ship_s_wheel"].requested == "ship's wheel"


@pytest.mark.parametrize("prompt,kind,count", [
    ("a pile of logs", "log", 4), ("a stack of books", "book", 4), ("a heap of red apples", "apple", 4),
    ("half a dozen gold coins", "cube", 6)])
def test_heaps_and_idioms_keep_their_noun(prompt, kind, count):
    (d,) = lexicon.analyze(prompt).entities
    assert (d.kind, d.count) == (kind, count) and "_" not in d.requested and "pile" not in d.requested


def test_weather_is_named_not_built():
    a = lexicon.analyze("a barn and a tractor, raining at dusk")
    assert [d.kind for d in a.entities] == ["barn", "tractor"] and a.time_of_day == "dusk"
    assert any("weather or effects (raining)" in n for n in a.notes)
    a = lexicon.analyze("a snowman in front of a log cabin, snowing")
    assert a.ground == "snow" and [d.kind for d in a.entities] == ["snowman", "house"]
    assert any("snowing" in n and "not drawn" in n for n in a.notes)


@pytest.mark.parametrize("prompt,subject,relations", [
    ("a house on a cliff near a tree", "house", [("near", "tree", None)]),     # the cliff is the place
    ("a dog on the beach with a ball", "dog", []),
    ("a lighthouse on a cliff, raining, and a boat", "lighthouse", []),
    ("a cat in front of a row of houses", "cat", [("in_front_of", "house", None)]),
    ("a lamp to the left of the light blue sofa", "lamp", [("left_of", "sofa", None)]),
    ("a bird on top of a ruined castle", "bird", [("on", "castle", None)])])
def test_a_place_between_relation_and_thing_is_the_object(prompt, subject, relations):
    assert read(prompt)[subject].relations == relations


def test_distributive_colours_split_a_group():
    d = read("four cars: one red, one blue and two white")
    assert [(x.kind, x.count, x.color) for x in d.values()] == [("car", 1, "red"), ("car", 1, "blue"), ("car", 2, "white")]
    d = read("three tents, a green one and a yellow one")
    assert [(x.count, x.color) for x in d.values()] == [(1, "green"), (1, "yellow"), (1, None)]
    assert read("two tents, one green, one blue and one red")["tent"].color is None   # more than two: not split


def test_scenery_phrases_place_things_in_depth():
    d = read("a barn in the foreground and a windmill in the distance")
    assert d["windmill"].relations == [("behind", "barn", None)]
    d = read("a boat, and far away a lighthouse on the horizon")
    assert d["lighthouse"].relations == [("behind", "boat", None)] and d["boat"].relations == []
    a = lexicon.analyze("a lighthouse on the far shore")
    assert a.entities[0].relations == [] and a.ground == "sand"


def test_relative_clauses_keep_their_relation():
    assert read("a dog, which sits on a sofa, and a lamp")["dog"].relations == [("on", "sofa", None)]
    assert read("a car that is parked behind the house")["car"].relations == [("behind", "house", None)]


def test_a_shared_predicate_applies_to_both_subjects():
    d = read("a red car and two trucks in front of a house")
    assert d["car"].relations == d["truck"].relations == [("in_front_of", "house", None)]
    d = read("a cat on a table and a dog under the chair")   # the table is an object, not a subject
    assert d["table"].relations == [] and d["dog"].relations == [("under", "chair", None)]


def test_place_words_inside_thing_names_name_no_place():
    assert lexicon.analyze("a street lamp next to a bench").masked.count("street") == 0
    assert list(read("a flower garden")) == []          # the garden's flowers come from the place


@pytest.mark.parametrize("prompt", [
    "a red blue car", "two cars, three cars", "no trees near a house", "a house without a car", "is there a dog?",
    ", ".join(f"a {k}" for k in ["cube", "dog", "tree", "car", "house"] * 20), "un chat rouge sur une table",
    "a " + "very " * 390 + "big dog", "'s 's , , . dozen dozen half a dog", "three cars: one red"])
def test_bad_input_gives_a_scene_with_honest_counts(prompt):
    res = pipeline.reader_only(prompt)
    assert 1 <= len(res.scene.entities) <= pipeline.MAX_SLOTS + 6
    assert all(1 <= e.count <= 2000 for e in res.scene.entities)


def test_negation_contradiction_and_lists_are_visible():
    res = pipeline.reader_only("no trees near a house")
    assert [e.kind for e in res.scene.entities] == ["house"] and "no tree" in res.warnings[0]
    assert lexicon.analyze("a cabin without any pine trees").negated == {"pine_tree"}
    assert [e.kind for e in pipeline.reader_only("a house without a car").scene.entities] == ["house"]
    assert "two colours" in pipeline.reader_only("a red blue car").warnings[0]
    assert "more than one number" in " ".join(pipeline.reader_only("two cars, three cars").warnings)
    many = pipeline.reader_only(", ".join(f"a {k}" for k in ["cube", "dog", "tree", "car", "house"] * 20))
    assert sorted((e.kind, e.count) for e in many.scene.entities) == [
        ("car", 20), ("cube", 20), ("dog", 20), ("house", 20), ("tree", 20)]
    assert "grouped 95 repeats" in many.warnings[-1]


def test_only_negated_things_is_a_clear_message():
    with pytest.raises(ValueError, match="only names things that are not there"):
        pipeline.generate("no trees", backend=None)
    with pytest.raises(ValueError, match="at most 2000"):
        pipeline.generate("a dog " * 400, backend=None)


@pytest.mark.parametrize("prompt,kinds", [
    ("a bunch of kids building a sandcastle near the water", ["person", "castle"]),   # a verb, not a building
    ("a tall building next to a car", ["house", "car"]),
    ("a robot vacuum cleaning the floor while a cat watches", ["cube", "cat"]),      # the cat stays a cat
    ("two cats, one sleeps on a sofa", ["cat", "sofa"]),
    ("a tea party with a teapot and four cups", ["teapot", "mug"]),                   # an occasion: a note
    ("a hammock strung between two palm trees", ["cube", "palm_tree"]),
    ("a scarecrow over a pumpkin patch", ["scarecrow", "pumpkin"]),
    ("an apple orchard", ["tree"]), ("a football field", ["cube"]),
    ("cars and buses on a highway at night", ["car", "bus"])])
def test_verbs_occasions_and_areas_read_as_what_they_are(prompt, kinds):
    a = lexicon.analyze(prompt)
    assert [d.kind for d in a.entities] == kinds
    if "party" in prompt:
        assert any("occasion" in n for n in a.notes)
    if "highway" in prompt:
        assert a.ground == "concrete"
    if "orchard" in prompt or "patch" in prompt:
        assert a.entities[-1].count > 1


def test_a_room_word_is_where_the_scene_is():
    a = lexicon.analyze("a grand piano in the middle of an empty ballroom")
    assert [d.kind for d in a.entities] == ["piano"] and a.ground == "wood"
    assert any("'ballroom'" in n for n in a.notes)


def test_a_lone_thing_named_by_a_place_word_still_names_the_place():
    from worldsmith.generation import pipeline as pl
    scene = pl.reader_only("a harbour").scene
    kinds = {e.kind for e in scene.entities}
    assert "dock" in kinds and len(kinds) > 1 and scene.ground == "water"


def test_neither_nor_and_denied_colours():
    a = lexicon.analyze("neither a cat nor a dog, only a bird")
    assert [d.kind for d in a.entities] == ["bird"] and a.negated == {"cat", "dog"}
    a = lexicon.analyze("a car that is not red")
    assert a.entities[0].color not in (None, "red") and any("not red" in n for n in a.notes)
    assert lexicon.analyze("a red car, not a blue one").entities[0].color == "red"


@pytest.mark.parametrize("prompt", ["un chat rouge sur une table", "ein roter Hund neben einem Haus",
                                    "\u4e00\u53ea\u7ea2\u8272\u7684\u732b\u5728\u684c\u5b50\u4e0a"])
def test_another_language_gets_a_clear_note(prompt):
    assert any("does not look like English" in n for n in lexicon.analyze(prompt).notes)
    assert not any("English" in n for n in lexicon.analyze("a house by the lake at the end of the day").notes)


def test_a_colour_a_kind_also_names_is_a_colour_in_a_distributive_list():
    d = read("two tents, one green and one orange")
    assert [(x.kind, x.count, x.color) for x in d.values()] == [("tent", 1, "green"), ("tent", 1, "orange")]
    assert [x.kind for x in read("an orange and an apple on a table").values()] == ["orange", "apple", "table"]


def test_collectives_effects_definite_parts_and_singular_verbs():
    assert [(d.kind, d.count) for d in read("a family of ducks crossing a road").values()] == [("duck", 4)]
    assert read("a flock of sheep on a hill")["sheep"].count >= 4
    a = lexicon.analyze("a cozy cabin in the woods, smoke rising from the chimney, with a pickup parked beside it")
    assert [d.kind for d in a.entities] == ["house", "truck"] and a.entities[1].relations == [("next_to", "house", None)]
    assert any("smoke" in n and "not drawn" in n for n in a.notes) and any("'chimney'" in n for n in a.notes)
    assert [d.kind for d in lexicon.analyze("a lighthouse stands tall on the rocky point").entities] == ["lighthouse"]
    assert "market_stall" in [d.kind for d in lexicon.analyze("a market with fruit stands").entities]
    assert read("a counter and six stools")["stool"].count == 6


def test_a_colour_said_of_a_thing_after_it():
    assert read("a table with four chairs, the chairs are red")["chair"].color == "red"
    d = read("the car is blue and the house is white")
    assert (d["car"].color, d["house"].color) == ("blue", "white")
    d = read("a cat is on a red sofa")
    assert (d["cat"].color, d["sofa"].color) == (None, "red")
