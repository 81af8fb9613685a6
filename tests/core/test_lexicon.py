"""Reading prompts and instructions (pure, no model)."""
from __future__ import annotations

import pytest

from worldsmith.scene_dsl import grounding, lexicon, parse_scene


def read(prompt):
    a = lexicon.analyze(prompt)
    return a, {d.id: d for d in a.entities}


def test_counts_colours_relations_time():
    a, d = read("a red car in front of a white house at sunset, two pine trees behind the house")
    assert (d["car"].color, d["house"].color, d["pine_tree"].count) == ("red", "white", 2)
    assert d["car"].relations == [("in_front_of", "house", None)]
    assert d["pine_tree"].relations == [("behind", "house", None)]
    assert a.time_of_day == "sunset"


@pytest.mark.parametrize("prompt,kind", [("a cozy cabin", "house"), ("an automobile", "car"), ("a puppy", "dog"),
                                         ("a fir", "pine_tree"), ("a couch", "sofa"), ("a lorry", "truck")])
def test_synonyms(prompt, kind):
    assert read(prompt)[0].kinds() == [kind]


@pytest.mark.parametrize("prompt,count", [("three dogs", 3), ("12 birds", 12), ("a pair of chairs", 2),
                                          ("a dozen flowers", 12), ("some rocks", 3), ("a cat", 1)])
def test_counts(prompt, count):
    assert read(prompt)[0].entities[0].count == count


def test_with_clause_and_pronoun():
    _, d = read("a cabin with three pine trees behind it")
    assert d["pine_tree"].relations == [("behind", "house", None)] and d["pine_tree"].count == 3


def test_colour_does_not_leak_across_a_relation():
    _, d = read("five yellow flowers around a big rock")
    assert d["rock"].color is None and d["rock"].size == "large" and d["flower"].color == "yellow"


def test_ground_and_implied_ground():
    assert read("a boat on the lake")[0].ground == "water"
    assert read("a snowman")[0].ground == "snow"
    assert read("two palm trees on the beach")[0].ground == "sand"


def test_a_modifier_noun_is_not_a_thing():
    a, _ = read("a brick wall behind a wooden bench")
    assert a.kinds() == ["bench", "wall"]
    a, _ = read("a stone wall behind a wooden bench")   # a stone wall is a kind of its own (a recipe), not a rock
    assert a.kinds() == ["bench", "stone_wall"]


def test_grounding_fixes_what_the_prompt_states():
    a = lexicon.analyze("three red cars")
    model = parse_scene({"version": 1, "time_of_day": "night",
                         "entities": [{"id": "car", "kind": "car", "count": 2, "color": "blue"},
                                      {"id": "bench", "kind": "bench"}]})
    fixed, warnings = grounding.ground(model, a)
    assert [(e.kind, e.count, e.color) for e in fixed.entities] == [("car", 3, "red")]
    assert fixed.time_of_day == "noon"
    assert any("dropped 'bench'" in w for w in warnings)


def test_grounding_keeps_the_model_when_the_prompt_is_not_understood():
    a = lexicon.analyze("something mysterious")
    model = parse_scene({"version": 1, "entities": [{"id": "x", "kind": "rock"}]})
    assert grounding.ground(model, a) == (model, [])


BASE = {"version": 1, "entities": [{"id": "house", "kind": "house", "color": "white"},
                                   {"id": "car", "kind": "car", "color": "red"}]}


@pytest.mark.parametrize("instruction,check", [
    ("make the house blue", lambda s: s.entity("house").color == "blue"),
    ("paint the car dark green", lambda s: s.entity("car").color == "darkgreen"),
    ("remove the car", lambda s: [e.id for e in s.entities] == ["house"]),
    ("add two dogs", lambda s: s.entity("dog").count == 2),
    ("move the car behind the house", lambda s: [(r.type, r.target) for r in s.entity("car").relations] == [("behind", "house")]),
    ("make it night", lambda s: s.time_of_day == "night"),
    ("make the car bigger", lambda s: s.entity("car").size == "large"),
])
def test_edits(instruction, check):
    scene, notes, understood = grounding.apply_edit(parse_scene(BASE), lexicon.analyze(instruction))
    assert understood and check(scene)
    parse_scene(scene.to_json())


def test_an_edit_cannot_empty_the_scene():
    base = parse_scene({"version": 1, "entities": [{"id": "car", "kind": "car"}]})
    scene, notes, understood = grounding.apply_edit(base, lexicon.analyze("remove the car"))
    assert scene == base and not understood


def test_between_the_members_of_a_group_and_passive_surround():
    _, d = read("a small tent between two pine trees")
    assert d["tent"].relations == [("between", "pine_tree", "pine_tree")]
    _, d = read("a campfire surrounded by logs")
    assert d["log"].relations == [("around", "campfire", None)]


def test_a_multiword_singular_is_not_plural():
    _, d = read("a yellow school bus")
    assert d["bus"].count == 1 and d["bus"].color == "yellow"


@pytest.mark.parametrize("prompt,count", [("dog x3", 3), ("3x red cube", 3), ("dog x 4", 4)])
def test_multiplier_counts(prompt, count):
    assert read(prompt)[0].entities[0].count == count


def test_words_inside_a_kind_name_do_not_set_the_ground():
    a, d = read("Can you make me a little park? A few benches and a street lamp.")
    assert a.ground == "grass" and set(d) == {"bench", "street_lamp"} and d["bench"].size is None


def test_grounding_never_lets_the_model_reverse_a_stated_relation():
    a = lexicon.analyze("a sphere on top of a cube")
    model = parse_scene({"version": 1, "entities": [
        {"id": "sphere", "kind": "sphere"}, {"id": "cube", "kind": "cube", "relations": [{"type": "on", "target": "sphere"}]}]})
    fixed, _ = grounding.ground(model, a)
    assert [(r.type, r.target) for r in fixed.entity("sphere").relations] == [("on", "cube")]
    assert fixed.entity("cube").relations == []


@pytest.mark.parametrize("prompt,expected", [
    ("a cottage with three oak trees behind it and a puppy in front",
     {"tree": [("behind", "house", None)], "dog": [("in_front_of", "house", None)]}),
    ("a tower with a wall to its left and a bridge to its right",
     {"wall": [("left_of", "tower", None)], "bridge": [("right_of", "tower", None)]}),
])
def test_with_clauses_without_an_object(prompt, expected):
    _, d = read(prompt)
    assert {k: d[k].relations for k in expected} == expected


def test_self_corrections_keep_the_corrected_words():
    a, d = read("a bird on a street lamp? no, a bird on a wall")
    assert a.kinds() == ["bird", "wall"] and d["bird"].relations == [("on", "wall", None)]


def test_a_noun_that_is_its_own_plural_counts_one_after_an_article():
    kinds = {d.kind: d.count for d in lexicon.analyze("a sheep and a goat grazing near a stone wall").entities}
    assert kinds == {"sheep": 1, "goat": 1, "stone_wall": 1}
    assert lexicon.analyze("three sheep").entities[0].count == 3
