"""Lights that come from what is in the scene: lamps, fires, lanterns and candles, and a room's ceiling light.

A kind that gives light (``KindSpec.light``: the catalog's lamps and fires, a recipe's ``light`` height) gets a
point light at its light height, parented to it, at dusk and night (a fire burns at any time). Its power comes
from ``WATTS`` (or, for a kind not listed, from its height); its colour is a flame's orange for fires, else the
colour of the kind's emissive part (a portal glows violet, a traffic light red), else warm lamplight. The lamp
radius is a fraction of the kind's footprint, so shadows are soft. In the dark the thing itself casts no shadow
(``visible_shadow`` off): its shade, bulb and logs would otherwise swallow its own light (Eevee's shadow maps
hide a lamp inside its shade almost entirely), and the moon's shadow of a lamp is not missed. By day a fire keeps
its shadow.

A scene on a wooden floor reads as a room: at dusk and night it gets a warm ceiling light, one area light over
the scene (``worldsmith_role = "fill"``), so the room is lit and not only the pool under a table lamp.
"""
from __future__ import annotations

import bpy

from ..scene_dsl import catalog, colors
from ..scene_dsl.recipes import schema as recipe_schema
from . import materials

FIRE_KINDS = {"campfire", "fireplace", "candle", "menorah", "birthday_cake"}
FIRE_RGB = (1.0, 0.5, 0.17)
LAMP_RGB = (1.0, 0.78, 0.5)
# watts of a kind's point light; the sun's 2.6 W/m^2 at noon, the moon's 0.22 at night (world.TIMES)
WATTS = {"lighthouse": 1500.0, "street_lamp": 160.0, "campfire": 220.0, "fireplace": 120.0, "lamp": 35.0,
         "lantern": 18.0, "paper_lantern": 22.0, "candle": 4.0, "menorah": 9.0, "birthday_cake": 6.0,
         "christmas_tree": 20.0, "traffic_light": 6.0, "fireworks": 60.0, "portal": 150.0, "ufo": 200.0,
         "wizard_tower": 200.0}
ROOM_GROUND = "wood"
ROOM_LUX = 1.0           # the ceiling light's irradiance on the floor, W/m^2 (the night exposure lifts it)
ROOM_RGB = (1.0, 0.88, 0.72)


def watts(spec: catalog.KindSpec) -> float:
    """The power of a light-giving kind's lamp: listed, or 75 W per metre of height (within 3..600 W)."""
    return WATTS.get(spec.name, min(max(75.0 * spec.height, 3.0), 600.0))


def light_color(spec: catalog.KindSpec) -> tuple[float, float, float]:
    """A flame's orange for fires; else the kind's own emissive colour (not the plain lamp glow); else lamplight."""
    if spec.name in FIRE_KINDS:
        return FIRE_RGB
    for value in spec.parts.values():
        hex_, preset = recipe_schema.parse_slot_value(value) or materials.PART_MATERIALS.get(value, (None, None))
        if preset == "emissive" and value not in ("lamp_glow", "headlight"):
            rgb = colors.hex_to_linear(hex_)
            top = max(rgb) or 1.0
            return tuple(0.35 + 0.65 * c / top for c in rgb)      # a tint, never a pure primary
    return LAMP_RGB


def gives_light(spec: catalog.KindSpec, dark: bool) -> bool:
    return bool(spec.light) and (dark or spec.name in FIRE_KINDS)


def add_kind_light(coll, root, spec: catalog.KindSpec, created, dark: bool = True) -> bpy.types.Object:
    """A point light inside ``root`` (an entity of a light-giving kind), parented to it."""
    if dark:
        root.visible_shadow = False
    data = created.add(bpy.data.lights.new(f"WS {spec.name} light", "POINT"))
    data.energy = watts(spec)
    data.color = light_color(spec)
    w, d = spec.size[0], spec.size[1]
    data.shadow_soft_size = max(0.02, min(0.3, 0.25 * min(w, d)))
    data["worldsmith"] = True
    light = created.add(bpy.data.objects.new(f"{root.name} light", data))
    light.parent = root
    at = spec.light_height if spec.light_height is not None else (0.5 if spec.name in FIRE_KINDS else 0.9)
    light.location = (0.0, 0.0, spec.height * at)
    light["worldsmith_part"] = "light"
    coll.objects.link(light)
    return light


def add_room_light(coll, ground: str, dark: bool, placements, created) -> bpy.types.Object | None:
    """A warm ceiling light over a scene on a wooden floor at dusk and night (else None)."""
    if ground != ROOM_GROUND or not dark or not placements:
        return None
    x0 = min(p.footprint[0] for p in placements)
    y0 = min(p.footprint[1] for p in placements)
    x1 = max(p.footprint[2] for p in placements)
    y1 = max(p.footprint[3] for p in placements)
    top = max(p.position[2] + p.size[2] for p in placements)
    sx, sy = max(x1 - x0, 2.0), max(y1 - y0, 2.0)
    data = created.add(bpy.data.lights.new("Worldsmith Room Light", "AREA"))
    data.shape = "RECTANGLE"
    data.size, data.size_y = sx, sy
    data.energy = ROOM_LUX * sx * sy          # an area light's power over its area is the irradiance under it
    data.color = ROOM_RGB
    data["worldsmith"] = True
    obj = created.add(bpy.data.objects.new("Worldsmith Room Light", data))
    obj.location = ((x0 + x1) / 2, (y0 + y1) / 2, max(2.6, top + 0.8))   # an area light shines along -Z
    obj["worldsmith_role"] = "fill"
    coll.objects.link(obj)
    return obj
