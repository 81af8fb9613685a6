"""What an agent (an MCP client, the live link) sees of the DSL: pure data, no bpy.

The kind table, problems as ``{"path", "message"}`` values, a bounded reading of
a DSL document an agent sends (JSON text or an object), and JSON merge patches
(RFC 7386) for ``refine_scene(dsl_patch=...)``. Nothing here evaluates text: a
document is parsed as JSON data and validated by ``models.parse_scene``.
"""
from __future__ import annotations

import json
from typing import Any

from . import catalog
from .errors import Issue, SceneError
from .models import MAX_DEPTH, Scene, parse_scene, short

MAX_DSL_BYTES = 1 << 20          # one DSL document an agent sends: 1 MiB of JSON (a 500-entry scene is ~100 KiB)


def kinds_table() -> list[dict]:
    """Every kind: name, category, size in metres (width along X, depth along Y, height), colour, synonyms."""
    out = []
    for spec in catalog.KINDS.values():
        out.append({"kind": spec.name, "category": spec.category,
                    "size_m": {"width": spec.width, "depth": spec.depth, "height": spec.height},
                    "default_color": spec.color, "can_hold_things_on_top": spec.top is not None,
                    "synonyms": list(spec.synonyms)})
    return out


def issue_dicts(err: SceneError) -> list[dict]:
    return [{"path": i.path or "<document>", "message": i.message} for i in err.issues]


def _size_of(doc: Any) -> int:
    try:
        return len(json.dumps(doc, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return 0   # parse_scene says what is wrong with it


def read_dsl(value: Any, field: str = "dsl") -> Scene:
    """A DSL document from an agent (JSON text or an object) as a validated ``Scene``, or ``SceneError``.

    The size is bounded before anything else is done with it; problems name the field path.
    """
    if isinstance(value, str):
        if len(value.encode("utf-8", "surrogatepass")) > MAX_DSL_BYTES:
            raise SceneError([Issue(field, f"the document is longer than {MAX_DSL_BYTES // 1024} KiB")])
    elif isinstance(value, dict):
        if _depth_over(value) or _size_of(value) > MAX_DSL_BYTES:
            raise SceneError([Issue(field, f"the document is longer than {MAX_DSL_BYTES // 1024} KiB "
                                           f"or nests more than {MAX_DEPTH} deep")])
    else:
        raise SceneError([Issue(field, f"a scene is a JSON object (or its JSON text), not {short(value, 40)}")])
    return parse_scene(value)


def _depth_over(doc: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if d > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, d + 1) for v in node)
    return False


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` deletes, anything else replaces.

    ``entities`` is a list, so a patch replaces it whole; ``patch_entities`` below edits entities by id.
    """
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def apply_patch(scene: Scene, patch: Any, field: str = "dsl_patch") -> Scene:
    """``scene`` with an agent's patch applied, validated again.

    The patch is a merge patch of the document, except that ``entities`` may be an object keyed by
    entity id: each value merge-patches that entity (``null`` removes it; an unknown id adds it).
    """
    if not isinstance(patch, dict):
        raise SceneError([Issue(field, f"a patch is a JSON object, not {short(patch, 40)}")])
    if _depth_over(patch) or _size_of(patch) > MAX_DSL_BYTES:
        raise SceneError([Issue(field, f"the patch is longer than {MAX_DSL_BYTES // 1024} KiB "
                                       f"or nests more than {MAX_DEPTH} deep")])
    doc = json.loads(scene.to_json())
    ents = patch.get("entities")
    rest = {k: v for k, v in patch.items() if k != "entities"}
    doc = merge_patch(doc, rest)
    if isinstance(ents, dict):
        by_id = {e["id"]: e for e in doc["entities"]}
        order = [e["id"] for e in doc["entities"]]
        for eid, change in ents.items():
            if change is None:
                if eid not in by_id:
                    raise SceneError([Issue(f"{field}.entities.{short(eid, 40)}", "no entity has this id")])
                by_id.pop(eid)
                order.remove(eid)
            elif eid in by_id:
                by_id[eid] = merge_patch(by_id[eid], change)
            else:
                by_id[eid] = merge_patch({"id": eid}, change) if isinstance(change, dict) else change
                order.append(eid)
        doc["entities"] = [by_id[i] for i in order]
    elif "entities" in patch:
        doc = merge_patch(doc, {"entities": ents})
    return read_dsl(doc, field)


def to_data(scene: Scene) -> dict:
    return json.loads(scene.to_json())
