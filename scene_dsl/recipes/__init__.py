"""Kinds as data: recipe files (``schema``), read and resolved by ``loader``.

Shipped recipes live in ``data/`` (one TOML file per theme) and join
``scene_dsl.catalog`` beside the procedural kinds when it is imported; a
user's folder joins through ``catalog.load_user_recipes``. Pure: no bpy.
"""
