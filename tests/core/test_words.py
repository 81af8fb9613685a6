"""From words to kinds (scene_dsl.words): noun phrases, resolution, stand-ins, placeholders, parts."""
from __future__ import annotations

import dataclasses

import pytest

from worldsmith.benchmarks import nouns as bench
from worldsmith.generation import pipeline
from worldsmith.scene_dsl import catalog, grounding, lexicon, words
from worldsmith.scene_dsl.models import Entity, Scene, parse_scene


def things(prompt: str) -> list[tuple[str, str, int, str]]:
    return [(d.kind, d.requested, d.count, d.how) for d in lexicon.analyze(prompt).entities]


@pytest.mark.parametrize("prompt,phrases", [
    ("a harbour with a crane, stacked containers and a tugboat", ["harbour", "crane", "containers", "tugboat"]),
    ("a bear catching fish in a river", ["bear", "fish", "river"]),
    ("two red sports cars parked by a traffic light", ["sports cars", "traffic light"]),
    ("a christmas tree with presents under it", ["christmas tree", "presents"]),
])
def test_noun_phrases_are_found_without_a_list_of_things(prompt, phrases):
    mods = lexicon._READING_WORDS[0]
    assert [p.text for p in words.noun_phrases(lexicon.tokenize(prompt), mods)] == phrases


def test_nothing_named_is_dropped_and_each_substitution_is_a_note():
    a = lexicon.analyze("a zoo with a hippogriff, an okapi and two penguins")
    assert [(d.id, d.kind, d.count, d.how) for d in a.entities] == [
        ("hippogriff", "cube", 1, "placeholder"), ("okapi", "cube", 1, "placeholder"),
        ("penguin", "penguin", 2, "listed")]
    assert all(d.color == words.PLACEHOLDER_COLOR for d in a.entities[:2])
    assert len(a.notes) == 2 and "'hippogriff'" in a.notes[0] and "placeholder" in a.notes[0]
    # the catalog word inside a longer name is a modifier, not a thing: no campfires for a fire station
    assert things("a fire station with a fire engine out front") == [
        ("fire_station", "fire station", 1, "listed"), ("fire_engine", "fire engine", 1, "listed")]
    assert things("a yurt with a fire pit") == [("tent", "yurt", 1, "stand_in"), ("campfire", "fire pit", 1, "listed")]
    assert things("a gazebo with a fire pit")[0] == ("cube", "gazebo", 1, "placeholder")


def test_heads_and_listed_words_keep_the_users_words():
    assert things("a garbage truck near three oak trees") == [("truck", "garbage truck", 1, "listed"),
                                                             ("tree", "oak trees", 3, "listed")]
    res = words.default_resolver().resolve("garbage truck")
    assert (res.kind, res.how, res.word) == ("truck", "head", "garbage truck")


def test_places_times_and_amounts_are_not_things():
    assert things("a cow on a farm on a sunny day") == [("cow", "cow", 1, "listed")]
    assert things("a trio of palm trees in the morning light") == [("palm_tree", "palm trees", 3, "listed")]
    assert lexicon.analyze("a cow on a farm").ground == "dirt"


@pytest.mark.parametrize("prompt,expected", [
    ("a house with a chimney", [("house", "house with a chimney", 1, "listed")]),
    ("a car with four wheels", [("car", "car with four wheels", 1, "listed")]),
    ("a table with four chairs", [("table", "table", 1, "listed"), ("chair", "chairs", 4, "listed")]),
    ("a tower with a wall to its left", [("tower", "tower", 1, "listed"), ("wall", "wall", 1, "listed")]),
])
def test_with_means_part_of_only_when_the_kind_has_that_part(prompt, expected):
    assert things(prompt) == expected


def recipe_like_catalog() -> dict:
    """The catalog plus kinds the way recipes add them: names, synonyms, category, parts."""
    extra = [catalog.KindSpec("sheep", "creature", (0.5, 1.1, 0.9), "#eeeeee", synonyms=("lamb", "ewe")),
             catalog.KindSpec("cathedral", "structure", (20, 40, 30), "#cccccc", synonyms=("minster",),
                              has_parts=("bell tower", "spire", "rose window"))]
    return {**catalog.KINDS, **{k.name: k for k in extra}}


def test_a_catalog_with_new_kinds_is_covered_without_code(monkeypatch):
    kinds = recipe_like_catalog()
    r = words.Resolver(kinds=kinds)
    assert (r.resolve("lambs").kind, r.resolve("lambs").how) == ("sheep", "listed")
    assert r.resolve("spring lamb").kind == "sheep"
    monkeypatch.setattr(catalog, "KINDS", kinds)
    a = lexicon.analyze("a cathedral with two bell towers", words.Resolver(kinds=kinds))
    assert [(d.kind, d.requested, d.count) for d in a.entities] == [
        ("cathedral", "cathedral with two bell towers", 1)]
    assert "part of the cathedral" in a.notes[0]


def test_a_nearest_function_gives_kinds_and_stand_ins_by_threshold():
    table = {"canoe": ("boat", 0.9), "gondolier": ("boat", 0.6), "idea": ("cube", 0.2)}
    r = words.Resolver(nearest=lambda w: table.get(w, (None, 0.0)), match=0.8, stand_in=0.5)
    r.words.pop("canoe")     # not listed: the nearest function decides
    assert [(r.resolve(w).kind, r.resolve(w).how) for w in ("canoe", "gondolier", "idea")] == [
        ("boat", "near"), ("boat", "stand_in"), ("cube", "placeholder")]
    a = lexicon.analyze("a gondolier beside a house", r)
    assert [(d.id, d.kind, d.how) for d in a.entities] == [("gondolier", "boat", "stand_in"),
                                                          ("house", "house", "listed")]
    assert a.notes == ["'gondolier' has no kind of its own: a boat stands in for it ('gondolier')"]


def test_requested_reaches_the_scene_and_the_warnings():
    a = lexicon.analyze("a fishing boat and an okapi")
    model = Scene(entities=[Entity(id="boat", kind="boat"), Entity(id="x", kind="cube")])
    grounded, _ = grounding.ground(model, a)
    assert [(e.kind, e.requested) for e in grounded.entities] == [("boat", "fishing boat"), ("cube", "okapi")]
    again = parse_scene(grounded.to_json())
    assert again.entities[1].requested == "okapi"
    house = words.default_resolver().resolve("houseboat")  # a closed compound's tail: a stand-in, never a match
    assert (house.kind, house.how) == ("boat", "stand_in")
    assert "requested" not in pipeline.decoding_schema(a)["properties"]["entities"]["prefixItems"][0]["properties"]


def test_benchmarks_run_and_drop_nothing():
    cov = bench.score_coverage(bench.COVERAGE, words.default_resolver())
    assert cov["prompts"] >= 100 and cov["counts"]["dropped"] == 0
    held = bench.score_nouns(bench.HELDOUT, words.default_resolver())
    assert held["nouns"] >= 300 and 0.0 <= held["accuracy"] <= 1.0
    dev = {w for _, (w, _) in bench.read_tsv(bench.DEV)}
    assert not dev & {w for _, (w, _) in bench.read_tsv(bench.HELDOUT)}


def test_expected_kind_follows_the_catalog():
    assert bench.expected_kind("hippogriff|none") is None
    assert bench.expected_kind("armchair|chair") == "armchair"
    assert bench.expected_kind("hippogriff|chair") == "chair"
    assert bench.expected_kind("sheep", recipe_like_catalog()) == "sheep"
    assert {"has_parts", "is_a"} <= {f.name for f in dataclasses.fields(catalog.KindSpec)}


def test_an_edit_adds_a_placeholder_with_its_words():
    old = Scene(entities=[Entity(id="house", kind="house")])
    a = lexicon.analyze("add an okapi")
    new, notes, understood = grounding.apply_edit(old, a)
    assert understood and [(e.id, e.kind, e.requested) for e in new.entities] == [
        ("house", "house", None), ("okapi", "cube", "okapi")]
    assert "'okapi'" in a.notes[0]


@pytest.mark.parametrize("word,kind", [("sycamore", "tree"), ("dandelion", "flower"), ("border collie", "dog"),
                                       ("koala", "bear"), ("igloo", "house"), ("rhino", "elephant")])
def test_narrower_words_get_a_kind_that_stands_in_with_a_note(word, kind):
    a = lexicon.analyze(f"a {word} next to a bench")
    assert (a.entities[0].kind, a.entities[0].how, a.entities[0].requested) == (kind, "stand_in", word)
    assert any(f"'{word}'" in n and f"a {kind.replace('_', ' ')} stands in" in n for n in a.notes)
