"""Worldsmith's scene DSL: models, schema, kind catalog, layout and colours.

Pure Python (pydantic, no bpy), usable outside Blender.
"""
from .errors import Issue, SceneError
from .models import DSL_VERSION, Entity, Relation, Scene, expanded_ids, parse_scene

__all__ = ["DSL_VERSION", "Entity", "Issue", "Relation", "Scene", "SceneError", "expanded_ids", "parse_scene"]
