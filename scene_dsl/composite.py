"""Composite entities (DSL v2): an entity that carries its own ``parts`` instead of a catalog kind.

A composite is built exactly like a recipe kind (the same ``Part`` schema, the same builder), but
its parts come from the document, so a capable model or an agent can write a new object on the
fly. It is data only: numbers and names, all bounded, never executed. Its size is given in metres
(``size: [w, d, h]``) or is the bounds of its parts; its category follows from its size.

A part's ``slot`` is ``main`` (the default: the entity's colour) or one of the builder's fixed
materials (``roof_tile``, ``wood_dark``, ``metal``, ...). ``kind`` parts reuse catalog kinds;
the catalog's kinds are acyclic and an entity is never a kind, so a composite cannot make a cycle.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from . import catalog
from .recipes import loader
from .recipes.schema import FIXED_MATERIALS, MAX_EXPANDED, Part

COMPOSITE = "composite"          # the kind a composite entity has (and its label unless it is named)
MAX_COMPOSITE_PARTS = 32
COLOR = "#b0b0b0"                # a composite's colour when the entity names none
MAIN_SLOTS = (None, "main")


def digest(parts) -> str:
    """A short digest of a part list: equal parts share one mesh, whatever entity carries them."""
    text = json.dumps([p.model_dump(mode="json", exclude_defaults=True) for p in parts],
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _expanded(kind: str, memo: dict) -> int:
    """Primitives one copy of ``kind`` expands to (a procedural kind is one)."""
    if kind in memo:
        return memo[kind]
    loaded = catalog.RECIPES.get(kind)
    n = 1 if loaded is None else sum(p.copies() * (_expanded(p.kind, memo) if p.kind else 1)
                                     for p in loaded.recipe.parts)
    memo[kind] = n
    return n


def problems(parts, size=None, top=None) -> list[tuple[str, str]]:
    """What is wrong with a composite's parts, as (field path below the entity, message)."""
    out: list[tuple[str, str]] = []
    memo: dict = {}
    total = 0
    for i, p in enumerate(parts):
        if p.kind is not None and p.kind not in catalog.KINDS:
            out.append((f"parts[{i}].kind", f"unknown kind {p.kind!r}: a part may reuse a catalog kind"))
            continue
        if p.slot not in MAIN_SLOTS and p.slot not in FIXED_MATERIALS:
            out.append((f"parts[{i}].slot", f"unknown slot {p.slot!r}; use 'main' (the entity's colour) "
                                            f"or a fixed material: {', '.join(FIXED_MATERIALS)}"))
        if p.variants is not None and any(v != 0 for v in p.variants):
            out.append((f"parts[{i}].variants", "a composite has one variant (0); 'variants' is for recipe kinds"))
        total += p.copies() * (_expanded(p.kind, memo) if p.kind else 1)
    if total > MAX_EXPANDED:
        out.append(("parts", f"arrays, mirrors and kind references expand to {total} primitives; "
                             f"at most {MAX_EXPANDED}"))
    if top is not None and not out:
        height = size[2] if size is not None else natural_size(tuple(parts))[2]
        if top > height + 1e-9:
            out.append(("top", f"top {top} m is above the composite's height {height:g} m"))
    return out


@lru_cache(maxsize=256)
def natural_size(parts: tuple[Part, ...]) -> tuple[float, float, float]:
    """The bounds of the parts (what a recipe without a ``size`` gets)."""
    sizes = {p.kind: catalog.get(p.kind).size for p in parts if p.kind}
    lo, hi = loader.bounds(parts, sizes)
    return tuple(round(max(h - l, 0.01), 4) for l, h in zip(lo, hi))


def category_for(size) -> str:
    """Big things are structures (other things stand beside them); the rest are props."""
    return "structure" if size[2] >= 2.0 or max(size[0], size[1]) >= 3.0 else "prop"


@lru_cache(maxsize=256)
def spec(parts: tuple[Part, ...], size: tuple[float, float, float] | None, top: float | None,
         label: str) -> catalog.KindSpec:
    """The ``KindSpec`` the layout and the builder use for a composite (named ``label``)."""
    size = tuple(float(s) for s in size) if size is not None else natural_size(parts)
    slots = {"main": catalog.MAIN}
    for p in parts:
        if p.slot in FIXED_MATERIALS:
            slots[p.slot] = p.slot
        if p.kind:               # a reused kind's fixed materials keep their own slots
            for name, value in catalog.get(p.kind).parts.items():
                if value != catalog.MAIN and value not in slots.values():
                    slots[f"{p.kind}.{name}"] = value
    return catalog.KindSpec(label, category_for(size), size, COLOR, slots, "main",
                            None if top is None else min(1.0, top / size[2]), origin=COMPOSITE)


def mesh_key(parts, size) -> str:
    """The builder's mesh key for a part list at a size (never a kind name: those have no ':')."""
    return f"{COMPOSITE}:{digest(parts)}:" + "x".join(f"{s:g}" for s in size)
