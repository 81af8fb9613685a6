"""Sky, sun and ground from the scene's ``time_of_day`` and ``ground``."""
from __future__ import annotations

import math

import bpy

from . import materials

# time -> (sun elevation deg, azimuth deg from +Y toward +X, sun strength, sun colour, sky strength)
TIMES: dict[str, tuple[float, float, float, str, float]] = {
    "dawn": (4.0, 95.0, 1.6, "#ffb58a", 0.6),
    "morning": (25.0, 120.0, 3.5, "#fff1dc", 0.9),
    "noon": (65.0, 170.0, 4.5, "#fffaf2", 1.0),
    "afternoon": (35.0, 230.0, 4.0, "#fff0d8", 0.95),
    "sunset": (3.0, 260.0, 2.0, "#ff9a5a", 0.6),
    "dusk": (-4.0, 275.0, 0.0, "#ff8a6a", 0.25),
    "night": (-25.0, 0.0, 0.0, "#9fb4ff", 0.0),
}
DARK_TIMES = ("dusk", "night")

GROUNDS: dict[str, tuple[str, str]] = {
    "grass": ("#4f8a32", "grass"), "sand": ("#d8c08a", "sand"), "snow": ("#f4f6fa", "snow"),
    "dirt": ("#6b4f34", "stone"), "stone": ("#8a8782", "stone"), "water": ("#1f5f7f", "water"),
    "concrete": ("#9c9c98", "stone"), "wood": ("#9a6b43", "wood"),
}
GROUND_SIZE = 400.0


def is_dark(time_of_day: str) -> bool:
    return time_of_day in DARK_TIMES


def setup_world(scene: bpy.types.Scene, time_of_day: str) -> bpy.types.World:
    """A Worldsmith world for ``time_of_day``; the user's worlds are left alone."""
    elev, azim, _strength, _color, sky_strength = TIMES[time_of_day]
    name = "Worldsmith World"
    world = bpy.data.worlds.get(name)
    if world is None or not world.get("worldsmith"):
        world = bpy.data.worlds.new(name)
        world["worldsmith"] = True
    nt = world.node_tree
    if nt is None:
        world.use_nodes = True
        nt = world.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputWorld")
    bg = nt.nodes.new("ShaderNodeBackground")
    nt.links.new(bg.outputs[0], out.inputs[0])
    if is_dark(time_of_day):
        # deep blue night sky; moonlight comes from the sun lamp
        bg.inputs["Color"].default_value = (0.004, 0.007, 0.02, 1) if time_of_day == "night" else (0.03, 0.035, 0.07, 1)
        bg.inputs["Strength"].default_value = 1.0
    else:
        sky = nt.nodes.new("ShaderNodeTexSky")
        sky.sky_type = "MULTIPLE_SCATTERING" if "MULTIPLE_SCATTERING" in _enum(sky, "sky_type") else "NISHITA"
        sky.sun_elevation = math.radians(max(elev, 0.5))
        sky.sun_rotation = math.radians(azim)
        sky.sun_disc = True
        nt.links.new(sky.outputs[0], bg.inputs["Color"])
        bg.inputs["Strength"].default_value = 0.35 * sky_strength
    world["worldsmith_time_of_day"] = time_of_day
    scene.world = world
    return world


def _enum(node, prop: str) -> set[str]:
    return {i.identifier for i in node.bl_rna.properties[prop].enum_items}


def add_sun(collection: bpy.types.Collection, time_of_day: str) -> bpy.types.Object:
    elev, azim, strength, color, _ = TIMES[time_of_day]
    from ..scene_dsl import colors
    data = bpy.data.lights.new("Worldsmith Sun", "SUN")
    if is_dark(time_of_day):
        # moonlight: cool, faint, from high up
        data.energy = 0.15 if time_of_day == "night" else 0.5
        data.color = colors.hex_to_linear("#9fb4ff")
        elev, azim = 45.0, 200.0
    else:
        data.energy = strength
        data.color = colors.hex_to_linear(color)
    data.angle = math.radians(1.5)
    obj = bpy.data.objects.new("Worldsmith Sun", data)
    # a sun lamp shines along its local -Z: tilt it down by the elevation, turn it by the azimuth
    obj.rotation_euler = (math.radians(90.0 - max(elev, 2.0)), 0.0, math.radians(azim + 180.0))
    obj.location = (0.0, 0.0, 50.0)
    obj["worldsmith_role"] = "sun"
    collection.objects.link(obj)
    return obj


def add_ground(collection: bpy.types.Collection, ground: str, center=(0.0, 0.0)) -> bpy.types.Object:
    hex_, preset = GROUNDS[ground]
    me = bpy.data.meshes.new("Worldsmith Ground")
    h = GROUND_SIZE / 2
    me.from_pydata([(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], [], [(0, 1, 2, 3)])
    me.materials.append(materials.material(hex_, preset))
    obj = bpy.data.objects.new("Worldsmith Ground", me)
    obj.location = (center[0], center[1], -0.02 if ground == "water" else 0.0)
    obj["worldsmith_role"] = "ground"
    obj["worldsmith_ground"] = ground
    collection.objects.link(obj)
    return obj
