"""Prompt -> DSL with the real embedded model."""
from __future__ import annotations

import pytest

from worldsmith.generation import pipeline
from worldsmith.scene_dsl import grounding, lexicon, parse_scene

pytestmark = pytest.mark.model


def test_sentence_becomes_a_valid_scene(backend):
    res = pipeline.generate("three pine trees behind a red cabin at sunset", backend)
    s = res.scene
    kinds = {e.kind: e for e in s.entities}
    assert kinds["pine_tree"].count == 3
    assert kinds["house"].color == "red"
    assert s.time_of_day == "sunset"
    assert any(r.type == "behind" and r.target == kinds["house"].id for r in kinds["pine_tree"].relations)
    assert parse_scene(s.to_json()) == s


def test_same_seed_same_dsl(backend):
    opts = pipeline.Options(seed=7, temperature=0.8)
    a = pipeline.generate("a dog next to a bench in a park", backend, opts)
    b = pipeline.generate("a dog next to a bench in a park", backend, opts)
    assert a.raw == b.raw and a.scene == b.scene


def test_without_grounding_the_reply_is_the_models_own(backend):
    res = pipeline.generate("a blue boat on the lake", backend, pipeline.Options(grounding=False))
    assert res.warnings == []
    assert parse_scene(pipeline.tidy(res.raw)) == res.scene
    assert any(e.kind == "boat" for e in res.scene.entities)


def test_verify_keeps_the_prompts_facts_and_bounds_what_the_model_adds(backend):
    res = pipeline.generate("two red cars in front of a house", backend,
                            pipeline.Options(grounding="verify", max_extra=2))
    cars = [e for e in res.scene.entities if e.kind == "car"]
    assert len(cars) == 1 and (cars[0].count, cars[0].color) == (2, "red")
    assert any(r.type == "in_front_of" and r.target == "house" for r in cars[0].relations)
    assert 2 <= len(res.scene.entities) <= 4 and res.attempts >= 1
    assert parse_scene(res.scene.to_json()) == res.scene


def test_progress_and_cancel(backend):
    import threading
    from worldsmith.generation.backends.base import Cancelled
    phases = []
    cancel = threading.Event()

    def progress(phase, n):
        phases.append(phase)
        if n >= 5:
            cancel.set()
    with pytest.raises(Cancelled):
        pipeline.generate("a yellow bus", backend, on_progress=progress, cancel=cancel)
    assert "writing" in phases


def test_refine_an_edit_the_reading_understands_never_calls_the_model(backend):
    """"make the house blue" is applied by ``grounding.apply_edit`` (tested in tests/core): no model call."""
    base = parse_scene({"version": 1, "entities": [{"id": "house", "kind": "house", "color": "white"},
                                                   {"id": "car", "kind": "car", "color": "red"}]})
    res = pipeline.refine(base, "make the house blue", backend)
    assert res.attempts == 0 and res.tokens == 0
    house = next(e for e in res.scene.entities if e.kind == "house")
    assert house.color == "blue"
    assert any(e.kind == "car" for e in res.scene.entities)


def test_refine_the_engine_does_not_understand_goes_to_the_model(backend):
    base = parse_scene({"version": 1, "entities": [{"id": "house", "kind": "house"}, {"id": "car", "kind": "car"}]})
    assert not grounding.apply_edit(base, lexicon.analyze("make it cozier"))[2]   # the reading does not know it
    res = pipeline.refine(base, "make it cozier", backend, pipeline.Options(max_tokens=200))
    assert res.attempts >= 1 and res.tokens > 0 and res.raw
    assert parse_scene(res.scene.to_json()) == res.scene


def test_empty_and_overlong_prompts(backend):
    with pytest.raises(ValueError):
        pipeline.generate("", backend)
    with pytest.raises(ValueError):
        pipeline.generate("tree " * 1000, backend)
