"""``pipeline.tidy``: mends a small model's obvious slips, and never crashes on anything else."""
from __future__ import annotations

import json

import pytest

from worldsmith.generation.pipeline import tidy
from worldsmith.scene_dsl import SceneError, parse_scene


def test_mends_duplicate_ids_and_dangling_relations():
    doc = {"entities": [{"id": "a", "kind": "car"}, {"id": "a", "kind": "tree", "relations": [
        {"type": "near", "target": "ghost"}, {"type": "near", "target": "a"}]}]}
    out = json.loads(tidy(json.dumps(doc)))
    assert [e["id"] for e in out["entities"]] == ["a", "a_2"]
    assert out["entities"][1]["relations"] == [{"type": "near", "target": "a"}]


@pytest.mark.parametrize("target", [["a"], {"id": "a"}, 3])
def test_a_reference_that_is_not_text_is_left_for_validation(target):
    doc = {"entities": [{"id": "a", "kind": "car"},
                        {"id": "b", "kind": "car", "relations": [{"type": "near", "target": target}]}]}
    text = tidy(json.dumps(doc))
    with pytest.raises(SceneError) as err:
        parse_scene(text)
    assert err.value.issues[0].path == "entities[1].relations[0].target"


def test_deeply_nested_text_is_returned_as_it_is():
    text = '{"entities": [' + "[" * 3000 + "]" * 3000 + "]}"
    assert tidy(text) == text
    with pytest.raises(SceneError, match="nest more than"):
        parse_scene(text)
