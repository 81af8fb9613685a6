"""Grounding modes (strict / verify / off), the verify mode's disagreements and the open grammar (no model)."""
from __future__ import annotations

import pytest

from worldsmith.generation import pipeline, registry
from worldsmith.scene_dsl import grounding, lexicon, parse_scene


def scene(entities, **kw):
    return parse_scene({"version": 1, "entities": entities, **kw})


def test_disagreements_name_each_explicit_fact():
    a = lexicon.analyze("three red cars in front of a house at sunset")
    model = scene([{"id": "car", "kind": "car", "count": 2, "color": "blue"},
                   {"id": "car_2", "kind": "car", "count": 1}], time_of_day="noon")
    probs = grounding.disagreements(model, a)
    text = " | ".join(probs)
    assert "3 car" in text and "count 2" in text          # the number
    assert "red" in text and "blue" in text               # the colour
    assert "no house entity" in text                      # the named thing
    assert "'car_2' adds more car" in text                # an extra car would change the number
    assert "sunset" in text
    fixed = scene([{"id": "car", "kind": "car", "count": 3, "color": "red",
                    "relations": [{"type": "in_front_of", "target": "house"}]},
                   {"id": "house", "kind": "house"}], time_of_day="sunset")
    assert grounding.disagreements(fixed, a) == []


def test_verify_keeps_what_the_model_adds_and_the_prompt_leaves_open():
    a = lexicon.analyze("a red barn")
    model = scene([{"id": "barn", "kind": "barn", "color": "blue"},
                   {"id": "cows", "kind": "cow", "count": 3, "relations": [{"type": "near", "target": "barn"}]},
                   {"id": "fence", "kind": "fence", "color": "white"}], time_of_day="morning", ground="dirt")
    out, warnings = grounding.ground(model, a, "verify")
    got = {e.id: e for e in out.entities}
    assert got["barn"].color == "red"                      # the prompt's explicit colour wins
    assert got["cows"].count == 3 and got["cows"].relations[0].target == "barn"
    assert got["fence"].color == "white"
    assert (out.time_of_day, out.ground) == ("morning", "dirt")   # the prompt names neither
    assert any("kept what the model added" in w for w in warnings)
    strict, _ = grounding.ground(model, a, "strict")
    assert [e.kind for e in strict.entities] == ["barn"] and strict.time_of_day == "noon"
    assert grounding.ground(model, a, "off") == (model, [])


def test_verify_bounds_and_drops_contradicted_additions():
    a = lexicon.analyze("two dogs")
    ents = [{"id": "dogs", "kind": "dog", "count": 2}, {"id": "dog_b", "kind": "dog", "count": 5}]
    ents += [{"id": f"rock{i}", "kind": "rock"} for i in range(5)]
    out, warnings = grounding.ground(scene(ents), a, "verify", max_extra=3)
    kinds = [e.kind for e in out.entities]
    assert kinds.count("dog") == 1 and out.entities[0].count == 2 and kinds.count("rock") == 3
    assert any("dog_b" in w and "names that kind" in w for w in warnings)
    assert sum("more than 3 added" in w for w in warnings) == 2


def test_options_modes_and_registry_defaults():
    assert pipeline.Options(grounding=True).grounding == "strict"
    assert pipeline.Options(grounding=False).grounding == "off"
    with pytest.raises(ValueError, match="grounding must be one of"):
        pipeline.Options(grounding="loose")
    assert registry.default_grounding(None) == "strict"
    assert registry.default_grounding("qwen3-8b") == "verify"
    assert registry.default_grounding("/models/Qwen3-8B-Q4_K_M.gguf") == "verify"
    assert registry.default_grounding("/tmp/unknown.gguf") == "strict"


def test_open_grammar_requires_the_slots_and_allows_a_bounded_number_more():
    a = lexicon.analyze("a red car behind a house")
    strict = pipeline.decoding_schema(a, extra=0)["properties"]["entities"]
    assert strict["items"] is False and strict["maxItems"] == 2
    open_ = pipeline.decoding_schema(a, extra=4)["properties"]["entities"]
    assert [i["properties"]["kind"]["const"] for i in open_["prefixItems"]] == ["car", "house"]
    assert open_["minItems"] == 2 and open_["maxItems"] == 6
    assert "barn" in open_["items"]["properties"]["kind"]["enum"]     # the whole catalog


def test_cli_grounding_option_and_its_alias():
    import argparse

    from worldsmith.cli.options import CliError, add_model_options, grounding_mode
    p = argparse.ArgumentParser()
    add_model_options(p)
    assert grounding_mode(p.parse_args([])) == "strict"
    assert grounding_mode(p.parse_args(["--model", "qwen3-8b"])) == "verify"
    assert grounding_mode(p.parse_args(["--grounding", "off", "--model", "qwen3-8b"])) == "off"
    assert grounding_mode(p.parse_args(["--no-grounding"])) == "off"
    with pytest.raises(CliError, match="contradicts"):
        grounding_mode(p.parse_args(["--no-grounding", "--grounding", "verify"]))
