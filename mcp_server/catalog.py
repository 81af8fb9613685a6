"""The tool list an MCP client sees: names, descriptions, input and output JSON Schemas.

The DSL itself is described once, by ``scene_dsl.schema.document_schema`` (the
``get_dsl_schema`` tool and the ``worldsmith://dsl/schema`` resource), so a new DSL
version shows up here without a change.
"""
from __future__ import annotations

from .tools import ENGINES, MAX_PROMPT, MAX_SAMPLES, MAX_SIDE

_DSL = {"type": ["object", "string"],
        "description": "a Worldsmith scene DSL document (a JSON object, or its JSON text); "
                       "see get_dsl_schema. A thing no kind fits may be a composite entity with its own "
                       "\"parts\" (version 2; e.g. {\"id\": \"gazebo\", \"name\": \"gazebo\", \"size\": [4, 4, 3.5], "
                       "\"parts\": [{\"shape\": \"cylinder\", \"size\": [3, 3, 0.2]}, ...]}). "
                       "Example: {\"version\": 2, \"time_of_day\": \"sunset\", "
                       "\"entities\": [{\"id\": \"house\", \"kind\": \"house\", \"color\": \"white\"}, "
                       "{\"id\": \"car\", \"kind\": \"car\", \"color\": \"red\", \"relations\": "
                       "[{\"type\": \"in_front_of\", \"target\": \"house\"}]}]}"}
_THUMB = {"type": "boolean", "default": True, "description": "return a small Workbench render (320x180)"}
_ISSUES = {"type": "array", "items": {"type": "object", "properties": {"path": {"type": "string"},
                                                                       "message": {"type": "string"}}}}
_BUILT = {"type": "object", "properties": {
    "objects": {"type": "integer"}, "warnings": {"type": "array", "items": {"type": "string"}},
    "listed": {"type": "array", "items": {"type": "object"}}, "by_entity": {"type": "object"},
    "truncated": {"type": "boolean"}, "seconds": {"type": "number"},
    "dsl": {"type": "object", "description": "the scene built (not repeated by build_scene)"}},
    "required": ["objects", "warnings", "listed"]}


def _obj(props: dict, required: tuple = ()) -> dict:
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


TOOLS: list[dict] = [
    {"name": "get_dsl_schema", "title": "DSL schema",
     "description": "The JSON Schema of the Worldsmith scene DSL: what build_scene and validate_scene accept.",
     "inputSchema": _obj({}), "outputSchema": {"type": "object", "properties": {"schema": {"type": "object"}}}},
    {"name": "list_kinds", "title": "Kinds of things",
     "description": "Every kind the engine builds, with its category, real-world size in metres (width X, "
                    "depth Y, height Z), default colour, whether things can stand on it, and synonyms.",
     "inputSchema": _obj({"category": {"type": "string", "description": "only this category"}}),
     "outputSchema": {"type": "object", "properties": {"kinds": {"type": "array"}, "count": {"type": "integer"}}}},
    {"name": "validate_scene", "title": "Validate a scene",
     "description": "Check a DSL document without building it: every problem with its field path "
                    "(e.g. entities[1].relations[0].target).",
     "inputSchema": _obj({"dsl": _DSL}, ("dsl",)),
     "outputSchema": {"type": "object", "properties": {"valid": {"type": "boolean"}, "issues": _ISSUES},
                      "required": ["valid", "issues"]}},
    {"name": "build_scene", "title": "Build a scene",
     "description": "Build a DSL document into the scene (replacing the previous Worldsmith build): the "
                    "engine lays it out (relations, no overlaps), builds objects, sky, ground and camera. "
                    "Returns warnings, every placed object with its position and whether the camera sees it, "
                    "and a small render.",
     "inputSchema": _obj({"dsl": _DSL, "thumbnail": _THUMB}, ("dsl",)), "outputSchema": _BUILT},
    {"name": "generate_scene", "title": "Generate a scene from a sentence",
     "description": "Turn a sentence into a scene with Worldsmith's own local language model (slower than "
                    "writing the DSL yourself; useful for a first draft), then build it.",
     "inputSchema": _obj({"prompt": {"type": "string", "maxLength": MAX_PROMPT}, "thumbnail": _THUMB},
                         ("prompt",)), "outputSchema": _BUILT},
    {"name": "refine_scene", "title": "Change the current scene",
     "description": "Change the current scene and rebuild it. Either an instruction in words (\"make the "
                    "house blue\", \"add two dogs\") or dsl_patch: a JSON merge patch of the document, where "
                    "'entities' may be an object keyed by entity id ({\"entities\": {\"car\": {\"color\": "
                    "\"blue\"}, \"tree\": null}} recolours the car and removes the tree).",
     "inputSchema": _obj({"instruction": {"type": "string", "maxLength": MAX_PROMPT},
                          "dsl_patch": {"type": "object"}, "thumbnail": _THUMB}), "outputSchema": _BUILT},
    {"name": "render", "title": "Render",
     "description": f"Render the current scene and return the image (at most {MAX_SIDE} px a side, "
                    f"{MAX_SAMPLES} samples).",
     "inputSchema": _obj({"engine": {"enum": list(ENGINES), "default": "workbench"},
                          "resolution": {"type": "array", "items": {"type": "integer", "minimum": 16,
                                                                    "maximum": MAX_SIDE},
                                         "minItems": 2, "maxItems": 2, "default": [480, 270]},
                          "samples": {"type": "integer", "minimum": 1, "maximum": MAX_SAMPLES, "default": 16}}),
     "outputSchema": {"type": "object", "properties": {"engine": {"type": "string"}, "seconds": {"type": "number"}}}},
    {"name": "save_blend", "title": "Save the .blend",
     "description": "Save the scene as NAME.blend (and NAME.json, its DSL) in the server's workspace folder. "
                    "NAME is a plain file name, not a path.",
     "inputSchema": _obj({"name": {"type": "string", "maxLength": 64}}, ("name",)),
     "outputSchema": {"type": "object", "properties": {"blend": {"type": "string"}, "dsl": {"type": "string"}}}},
    {"name": "get_scene", "title": "The current scene",
     "description": "The DSL of the scene as it is now (null before the first build) and its warnings.",
     "inputSchema": _obj({}), "outputSchema": {"type": "object", "properties": {"dsl": {"type": ["object", "null"]}}}},
]
TOOL_NAMES: tuple[str, ...] = tuple(t["name"] for t in TOOLS)

RESOURCES = [
    {"uri": "worldsmith://dsl/schema", "name": "dsl-schema", "title": "Worldsmith scene DSL (JSON Schema)",
     "mimeType": "application/json"},
    {"uri": "worldsmith://kinds", "name": "kinds", "title": "Worldsmith kinds (sizes, categories, synonyms)",
     "mimeType": "application/json"},
    {"uri": "worldsmith://scene/current", "name": "current-scene", "title": "The current scene's DSL",
     "mimeType": "application/json"},
]
