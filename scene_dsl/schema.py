"""JSON Schemas for the DSL.

``document_schema()`` is the full public schema (``worldsmith schema``).
``generation_schema()`` is the subset a model writes: fewer optional fields,
properties in the order a model should write them, and enums that can be
narrowed to what a prompt mentions (kinds, colours) so constrained decoding
keeps a small model on track. Both describe documents ``parse_scene`` accepts.
By default a model writes catalog kinds only (version 1 documents, which load
as version 2); ``composites=True`` also offers composite entities (version 2,
their own ``parts``) to models that can write them.
"""
from __future__ import annotations

import copy
from typing import Iterable

from . import catalog, colors
from .composite import MAX_COMPOSITE_PARTS
from .models import (ARRANGEMENTS, DSL_VERSION, GROUNDS, MAX_COUNT, RELATIONS, SIZES, TIMES_OF_DAY, Scene)
from .recipes.schema import FIXED_MATERIALS, MAX_ARRAY, MAX_METRES, SHAPES

ID_PATTERN = "^[a-z][a-z0-9_]{0,31}$"


def document_schema() -> dict:
    schema = Scene.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"Worldsmith scene DSL v{DSL_VERSION}"
    return schema


def generation_schema(kinds: Iterable[str] | None = None, color_names: Iterable[str] | None = None,
                      max_entities: int = 12, max_count: int = 50, max_relations: int = 3,
                      ids: Iterable[str] | None = None, slots: list[tuple[str, str]] | None = None,
                      composites: bool = False) -> dict:
    """The schema a model decodes against.

    ``kinds`` and ``color_names`` narrow the enums (for prompt-conditioned
    decoding); ``None`` allows the whole catalog and every CSS colour name.
    ``ids`` fixes the entity ids (and so the number of entities and the
    possible relation targets) to those the prompt names. ``slots`` goes
    further: one (id, kind) pair per entity, in order, so the model only
    fills in counts, colours, sizes and relations. ``composites`` lets an
    entity carry its own ``parts`` instead of a kind (a version 2 document).
    """
    if slots:
        ids = [i for i, _ in slots]
    kind_enum = sorted(set(kinds)) if kinds else list(catalog.KIND_NAMES)
    unknown = [k for k in kind_enum if k not in catalog.KINDS]
    if unknown:
        raise ValueError(f"unknown kinds {unknown}")
    color_enum = sorted({colors.normalize_name(c) for c in color_names}) if color_names else sorted(colors.CSS_COLORS)
    id_list = list(dict.fromkeys(ids)) if ids else None
    id_schema = {"enum": id_list} if id_list else {"type": "string", "pattern": ID_PATTERN}
    relation = {
        "type": "object",
        "properties": {
            "type": {"enum": [r for r in RELATIONS if r != "between"]},
            "target": id_schema,
        },
        "required": ["type", "target"],
        "additionalProperties": False,
    }
    between = {
        "type": "object",
        "properties": {
            "type": {"const": "between"},
            "target": id_schema,
            "target2": id_schema,
        },
        "required": ["type", "target", "target2"],
        "additionalProperties": False,
    }
    entity = {
        "type": "object",
        "properties": {
            "id": id_schema,
            "kind": {"enum": kind_enum},
            "count": {"type": "integer", "minimum": 1, "maximum": min(max_count, MAX_COUNT)},
            "color": {"enum": color_enum},
            "size": {"enum": list(SIZES)},
            "arrangement": {"enum": list(ARRANGEMENTS)},
            "relations": {"type": "array", "items": {"anyOf": [relation, between]}, "maxItems": max_relations},
        },
        "required": ["id", "kind", "count"],
        "additionalProperties": False,
    }
    item: dict = entity
    if composites:
        item = {"anyOf": [entity, _composite_entity(entity, kind_enum)]}
    entities: dict = {"type": "array", "items": item, "minItems": len(id_list) if id_list else 1,
                      "maxItems": len(id_list) if id_list else max_entities}
    if slots:
        items = []
        for sid, skind in slots:
            item = copy.deepcopy(entity)
            item["properties"]["id"] = {"const": sid}
            item["properties"]["kind"] = {"const": skind}
            items.append(item)
        entities = {"type": "array", "prefixItems": items, "items": False,
                    "minItems": len(items), "maxItems": len(items)}
        if composites:            # what the prompt names stays on its kinds; more things may follow as parts
            entities.update(items=_composite_entity(entity, list(catalog.KIND_NAMES), free_id=True),
                            maxItems=len(items) + max(0, max_entities - len(items)))
    return {
        "type": "object",
        "properties": {
            "version": {"const": DSL_VERSION if composites else 1},
            "time_of_day": {"enum": list(TIMES_OF_DAY)},
            "ground": {"enum": list(GROUNDS)},
            "entities": entities,
        },
        "required": ["version", "time_of_day", "ground", "entities"],
        "additionalProperties": False,
    }


def _composite_entity(entity: dict, kind_enum: list[str], free_id: bool = False) -> dict:
    """An entity with its own parts: what it is (``name``), its parts, its size in metres."""
    num = {"type": "number", "minimum": -MAX_METRES, "maximum": MAX_METRES}
    length = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_METRES}
    vec = {"type": "array", "items": num, "minItems": 3, "maxItems": 3}
    dims = {"type": "array", "items": length, "minItems": 3, "maxItems": 3}
    common = {
        "at": vec,
        "rotate": {"type": "array", "items": {"type": "number", "minimum": -360, "maximum": 360},
                   "minItems": 3, "maxItems": 3},
        "array": {"type": "object", "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": MAX_ARRAY},
            "axis": {"enum": ["x", "y", "z"]}, "spacing": num},
            "required": ["count", "axis", "spacing"], "additionalProperties": False},
        "mirror_x": {"type": "boolean"},
        "slot": {"enum": ["main", *FIXED_MATERIALS]},
    }
    shape_part = {"type": "object", "properties": {"shape": {"enum": list(SHAPES)}, "size": dims, **common},
                  "required": ["shape", "size"], "additionalProperties": False}
    kind_part = {"type": "object", "properties": {"kind": {"enum": kind_enum}, "size": dims, **common},
                 "required": ["kind"], "additionalProperties": False}
    props = entity["properties"]
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN} if free_id else props["id"],
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
            "parts": {"type": "array", "items": {"anyOf": [shape_part, kind_part]},
                      "minItems": 1, "maxItems": MAX_COMPOSITE_PARTS},
            "size": dims,
            "top": length,
            "count": props["count"],
            "color": props["color"],
            "relations": props["relations"],
        },
        "required": ["id", "name", "parts", "count"],
        "additionalProperties": False,
    }


def with_enum(schema: dict, path: tuple[str, ...], values: list) -> dict:
    """A copy of ``schema`` with the enum at ``path`` (through properties/items) replaced."""
    out = copy.deepcopy(schema)
    node = out
    for key in path:
        node = node["items"] if key == "[]" else node["properties"][key]
    node["enum"] = list(values)
    return out
