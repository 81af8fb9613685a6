"""The embedded model's own embeddings as the word resolver's ``nearest`` function.

``scene_dsl.words.Resolver`` maps the words no kind lists to the closest kind when a ``nearest``
function is given. This one embeds the word with the embedded Gemma 3 270M (llama.cpp,
``embedding=True``, mean pooling) and compares it with the embeddings of every kind's name and
synonyms. The catalog's embeddings are computed once and cached on disk under a name made of the
catalog's words and the model file's digest, so a catalog that changes (recipes) is re-embedded.
Deterministic: same model, same words, same thread count -> same vectors; scores are rounded.

Not on by default: on the 2-core development machine (under load) one word took 1-1.7 s and the
model 6 s to load, so embedding the catalog (~440 words) takes minutes once per catalog, and its
accuracy could not be measured in time. ``worldsmith bench nouns --nearest embedded`` measures it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..scene_dsl import catalog, words
from . import model_files

# provisional thresholds (NOT yet tuned): tune them on benchmarks/nouns/dev.tsv only, never on heldout.tsv
MATCH = 0.92
STAND_IN = 0.86
THREADS = 2


def catalog_labels(kinds=None) -> list[tuple[str, str]]:
    """(text, kind) for every name and synonym of the catalog, in a stable order."""
    out = set()
    for spec in (kinds or catalog.KINDS).values():
        for text in (spec.name.replace("_", " "), *spec.synonyms):
            out.add((text.lower(), spec.name))
    return sorted(out)


class EmbeddedNearest:
    """``nearest(word) -> (kind, cosine)`` over the catalog's words, with the embedded model."""

    def __init__(self, model_path: str | Path | None = None, cache: Path | None = None, kinds=None):
        import numpy as np
        self._np = np
        self.path = Path(model_path) if model_path else model_files.embedded_model_path()
        self.labels = catalog_labels(kinds)
        self._llm = None
        self._words: dict[str, object] = {}
        key = hashlib.sha256(json.dumps([self.path.name, self.path.stat().st_size, self.labels]).encode())
        self.cache = (cache or model_files.cache_dir() / "nearest") / f"labels-{key.hexdigest()[:20]}.npy"
        try:
            self.matrix = np.load(self.cache)
            if self.matrix.shape[0] != len(self.labels):
                raise ValueError("stale")
        except (OSError, ValueError):
            self.matrix = np.stack([self.embed(text) for text, _ in self.labels])
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache.with_suffix(".partial.npy")
            np.save(tmp, self.matrix)
            tmp.replace(self.cache)

    def _model(self):
        if self._llm is None:
            from .backends.local import _import_llama, quiet_native_log   # refuses a library this CPU cannot run
            llama_cpp = _import_llama()
            with quiet_native_log(llama_cpp):
                self._llm = llama_cpp.Llama(str(self.path), embedding=True, n_ctx=64, n_threads=THREADS,
                                            n_threads_batch=THREADS,
                                            pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN, verbose=False)
        return self._llm

    def embed(self, text: str):
        np = self._np
        v = self._words.get(text)
        if v is None:
            v = np.asarray(self._model().embed(text), dtype=np.float64)
            if v.ndim > 1:
                v = v.mean(axis=0)
            v = v / (np.linalg.norm(v) or 1.0)
            self._words[text] = v
        return v

    def __call__(self, word: str) -> tuple[str | None, float]:
        sims = self.matrix @ self.embed(word.lower())
        j = int(sims.argmax())
        return self.labels[j][1], round(float(sims[j]), 4)


def embedded_resolver(match: float = MATCH, stand_in: float = STAND_IN, **kw) -> words.Resolver:
    return words.Resolver(nearest=EmbeddedNearest(**kw), match=match, stand_in=stand_in)
