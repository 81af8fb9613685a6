"""Per-scene settings shown in the sidebar (saved in the .blend with the scene).

The DSL itself lives in the scene's ``worldsmith_dsl`` custom property (the
public contract); this group holds the panel's fields, the last message and
a short history of prompts.
"""

import bpy
from bpy.props import BoolProperty, CollectionProperty, EnumProperty, IntProperty, StringProperty

from ..preferences import ENGINE_ITEMS

HISTORY_LIMIT = 12


class WorldsmithHistoryItem(bpy.types.PropertyGroup):
    text: StringProperty(name="Text")
    action: EnumProperty(name="Action", items=(("generate", "Generate", ""), ("refine", "Refine", ""),
                                                ("import", "Import", "")), default="generate")


class WorldsmithSceneSettings(bpy.types.PropertyGroup):
    prompt: StringProperty(
        name="Prompt", default="",
        description="Describe the scene, e.g. 'a red car in front of a white house at sunset'")
    instruction: StringProperty(
        name="Change", default="",
        description="What to change in the current scene, e.g. 'make the house blue' or 'add two dogs'")
    seed: IntProperty(name="Seed", default=0, min=0, description="Sampling, layout and variant seed")
    engine: EnumProperty(name="Engine", items=ENGINE_ITEMS, default="cycles")
    samples: IntProperty(name="Samples", default=32, min=1, max=65536)
    resolution_x: IntProperty(name="X", default=960, min=16, max=16384, subtype="PIXEL")
    resolution_y: IntProperty(name="Y", default=540, min=16, max=16384, subtype="PIXEL")
    last_message: StringProperty(name="Last Message", default="")
    last_level: EnumProperty(name="Level", items=(("INFO", "Info", ""), ("WARNING", "Warning", ""),
                                                  ("ERROR", "Error", "")), default="INFO")
    history: CollectionProperty(type=WorldsmithHistoryItem)
    defaults_applied: BoolProperty(default=False, options={"HIDDEN"},
                                   description="The preferences' render defaults were copied in at the first build")


def remember(scene, text: str, action: str) -> None:
    """Add a prompt to the scene's history (newest last, at most ``HISTORY_LIMIT``)."""
    hist = scene.worldsmith.history
    item = hist.add()
    item.text, item.action = text, action
    while len(hist) > HISTORY_LIMIT:
        hist.remove(0)


def set_message(scene, text: str, level: str = "INFO") -> None:
    s = scene.worldsmith
    s.last_message, s.last_level = text, level


classes = (WorldsmithHistoryItem, WorldsmithSceneSettings)

