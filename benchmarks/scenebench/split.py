"""SceneBench's development / held-out split and the model-lift figures.

The split is fixed: within each category, prompts are ordered by a stable hash
of (seed, id) and the first ``ceil(share * n)`` are held out. A prompt's hash never
changes, so adding a prompt moves at most one other prompt across the split (at
its category's boundary); no randomness of the machine or Python's ``hash`` is
involved.

Held-out prompts are for measuring only: the reader (``scene_dsl/lexicon.py``)
and the model's prompts are changed by looking at development failures.
"""
from __future__ import annotations

import hashlib
import math

SEED = "scenebench-split-1"
HELD_OUT_SHARE = 0.3
SPLITS = ("dev", "heldout")


def _key(pid: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest()


def assign(rows: list[dict], share: float = HELD_OUT_SHARE, seed: str = SEED) -> dict[str, str]:
    """id -> "dev" or "heldout" (at least ``share`` of each category held out)."""
    cats: dict[str, list[str]] = {}
    for r in rows:
        cats.setdefault(r.get("category", "misc"), []).append(r["id"])
    out = {}
    for ids in cats.values():
        ranked = sorted(ids, key=lambda i: _key(i, seed))
        k = math.ceil(share * len(ranked))
        for n, pid in enumerate(ranked):
            out[pid] = "heldout" if n < k else "dev"
    return out


def pick(rows: list[dict], split: str) -> list[dict]:
    """The rows of one split ("dev", "heldout") or all of them ("all"), each tagged with its split."""
    where = assign(rows)
    tagged = [{**r, "split": where[r["id"]]} for r in rows]
    return tagged if split == "all" else [r for r in tagged if r["split"] == split]


def lift(real: dict, random: dict) -> dict:
    """Model lift: the real model's rates minus the random-weight twin's, overall and per split."""
    keys = ("all_pass", "explicit_pass", "constraint_rate", "implied_rate")

    def diff(a: dict, b: dict) -> dict:
        return {k: (round(a[k] - b[k], 4) if a.get(k) is not None and b.get(k) is not None else None)
                for k in keys}
    out = {"all": diff(real, random)}
    for s in SPLITS:
        if s in real.get("splits", {}) and s in random.get("splits", {}):
            out[s] = diff(real["splits"][s], random["splits"][s])
    return out
