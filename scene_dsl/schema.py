"""JSON Schemas for the DSL.

``document_schema()`` is the full public schema (``worldsmith schema``).
``generation_schema()`` is the subset a model writes: fewer optional fields,
properties in the order a model should write them, and enums that can be
narrowed to what a prompt mentions (kinds, colours) so constrained decoding
keeps a small model on track. Both describe documents ``parse_scene`` accepts.
"""
from __future__ import annotations

import copy
from typing import Iterable

from . import catalog, colors
from .models import (ARRANGEMENTS, GROUNDS, MAX_COUNT, RELATIONS, SIZES, TIMES_OF_DAY, Scene)

ID_PATTERN = "^[a-z][a-z0-9_]{0,31}$"


def document_schema() -> dict:
    schema = Scene.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Worldsmith scene DSL v1"
    return schema


def generation_schema(kinds: Iterable[str] | None = None, color_names: Iterable[str] | None = None,
                      max_entities: int = 12, max_count: int = 50, max_relations: int = 3,
                      ids: Iterable[str] | None = None, slots: list[tuple[str, str]] | None = None) -> dict:
    """The schema a model decodes against.

    ``kinds`` and ``color_names`` narrow the enums (for prompt-conditioned
    decoding); ``None`` allows the whole catalog and every CSS colour name.
    ``ids`` fixes the entity ids (and so the number of entities and the
    possible relation targets) to those the prompt names. ``slots`` goes
    further: one (id, kind) pair per entity, in order, so the model only
    fills in counts, colours, sizes and relations.
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
    entities: dict = {"type": "array", "items": entity, "minItems": len(id_list) if id_list else 1,
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
    return {
        "type": "object",
        "properties": {
            "version": {"const": 1},
            "time_of_day": {"enum": list(TIMES_OF_DAY)},
            "ground": {"enum": list(GROUNDS)},
            "entities": entities,
        },
        "required": ["version", "time_of_day", "ground", "entities"],
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
