"""The embedded model's embeddings as the word resolver's nearest kind (real llama.cpp, real model)."""
from __future__ import annotations

import pytest

from worldsmith.generation import nearest
from worldsmith.scene_dsl import catalog, words


@pytest.mark.model
def test_embedded_nearest_is_cached_per_catalog_and_deterministic(tmp_path):
    kinds = {k: catalog.KINDS[k] for k in ("car", "dog", "house")}
    first = nearest.EmbeddedNearest(cache=tmp_path, kinds=kinds)
    assert len(list(tmp_path.glob("labels-*.npy"))) == 1
    kind, score = first("schnauzer")
    assert kind in kinds and -1.0 <= score <= 1.0
    again = nearest.EmbeddedNearest(cache=tmp_path, kinds=kinds)   # the labels come from the cache
    assert again._llm is None and again("schnauzer") == (kind, score)
    fewer = {k: kinds[k] for k in ("car", "dog")}
    nearest.EmbeddedNearest(cache=tmp_path, kinds=fewer)            # another catalog, another cache file
    assert len(list(tmp_path.glob("labels-*.npy"))) == 2
    r = words.Resolver(nearest=first, match=2.0, stand_in=-2.0, kinds=kinds)   # everything a stand-in
    assert r.resolve("schnauzer").how == "stand_in"
