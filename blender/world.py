"""Sky, sun and ground from the scene's ``time_of_day`` and ``ground``.

The sky is Blender's physically based Sky Texture (multiple scattering) for
the sun's position, without its own sun disc: the direct sunlight comes from
one sun lamp whose strength and colour we control, so sky and sun together
stay within what AgX shows as a well-exposed photograph (a white wall in full
noon sun sits just under white, grass in the mid-tones). Dusk keeps the
twilight sky of a sun just under the horizon; night is a dark blue sky lit by
a faint cool moon, so lamps and fires carry the picture.

Directions: azimuth is measured from +Y toward +X; the default camera looks
from -Y toward +Y, so an azimuth near 180-230 lights the front of things.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import bpy
from mathutils import Vector

from ..scene_dsl import colors
from . import materials


@dataclass(frozen=True)
class Light:
    elevation: float      # sun (or moon) degrees above the horizon
    azimuth: float        # degrees from +Y toward +X
    strength: float       # sun lamp irradiance, W/m^2
    color: str            # sun lamp colour, sRGB hex
    sky: float            # sky texture strength (0: no sky texture, a flat night colour instead)
    sky_elevation: float  # the sun's elevation for the sky model (may be below the horizon)
    angle: float = 1.0    # sun disc angle, degrees: softness of shadows
    exposure: float = 0.0  # camera exposure, stops: a photographer exposes a night scene longer


TIMES: dict[str, Light] = {
    # elevation, azimuth, sun W/m^2, sun colour, sky strength, sky's sun elevation, sun angle, exposure
    "dawn": Light(9.0, 115.0, 3.4, "#ffb07a", 0.22, 7.0, 4.0, 0.4),       # cool-pink sky, peach sun
    "morning": Light(28.0, 140.0, 2.6, "#fff0dc", 0.18, 28.0, 3.0, 0.15),
    "noon": Light(62.0, 205.0, 2.6, "#fffaf4", 0.14, 62.0, 2.5, 0.0),
    "afternoon": Light(38.0, 235.0, 2.6, "#fff1dc", 0.18, 38.0, 3.0, 0.1),
    "sunset": Light(8.0, 235.0, 3.9, "#ff8236", 0.24, 4.0, 4.0, 0.7),      # orange sun, golden sky
    "dusk": Light(35.0, 160.0, 0.12, "#a9b8ff", 0.9, -3.0, 6.0, 2.0),     # the sky's glow carries it
    "night": Light(40.0, 200.0, 0.25, "#9fb4ff", 0.0, -30.0, 3.0, 2.8),    # moonlight; lamps carry it
}
DARK_TIMES = ("dusk", "night")
NIGHT_SKY = ((0.006, 0.010, 0.026), (0.0012, 0.0018, 0.0048))  # horizon, zenith (linear)

# ground -> (colour, material preset)
GROUNDS: dict[str, tuple[str, str]] = {
    "grass": ("#55883a", "grass"), "sand": ("#d6bf8e", "sand"), "snow": ("#f2f4f8", "snow"),
    "dirt": ("#6e5238", "dirt"), "stone": ("#8a8782", "stone"), "water": ("#1d4a5c", "water_surface"),
    "concrete": ("#a3a29e", "concrete"), "wood": ("#9a6b43", "wood"),
}
GROUND_SIZE = 4000.0
WORLD_NAME = "Worldsmith World"


def is_dark(time_of_day: str) -> bool:
    return time_of_day in DARK_TIMES


def sun_vector(elevation: float, azimuth: float) -> Vector:
    """Unit vector from the scene toward the sun."""
    el, az = math.radians(elevation), math.radians(azimuth)
    return Vector((math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)))


def find_world() -> bpy.types.World | None:
    """Our world, by its tag (a user's world that happens to have our name is not ours)."""
    return next((w for w in bpy.data.worlds if w.get("worldsmith")), None)


def setup_world(scene: bpy.types.Scene, time_of_day: str) -> bpy.types.World:
    """A Worldsmith world for ``time_of_day``; the user's worlds are left alone."""
    t = TIMES[time_of_day]
    world = find_world()
    if world is None:
        world = bpy.data.worlds.new(WORLD_NAME)
        world["worldsmith"] = True
    if world.node_tree is None:
        world.use_nodes = True
    nt = world.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputWorld")
    bg = nt.nodes.new("ShaderNodeBackground")
    nt.links.new(bg.outputs[0], out.inputs[0])
    if t.sky > 0.0:
        sky = nt.nodes.new("ShaderNodeTexSky")
        sky.sky_type = "MULTIPLE_SCATTERING"
        sky.sun_disc = False           # the sun lamp is the sun
        sky.sun_elevation = math.radians(t.sky_elevation)
        sky.sun_rotation = math.radians(t.azimuth) % (2 * math.pi)  # also from +Y toward +X
        sky.altitude = 200.0
        sky.air_density = 1.0
        sky.aerosol_density = 0.7      # clear air: a blue sky, not a white haze
        nt.links.new(sky.outputs[0], bg.inputs["Color"])
        bg.inputs["Strength"].default_value = t.sky
        world.color = (0.4, 0.55, 0.8) if not is_dark(time_of_day) else (0.05, 0.07, 0.15)
    else:
        # a night sky: a faint blue glow at the horizon fading to near black overhead
        grad = _night_gradient(nt)
        nt.links.new(grad, bg.inputs["Color"])
        bg.inputs["Strength"].default_value = 1.0
        world.color = NIGHT_SKY[0]
    world["worldsmith_time_of_day"] = time_of_day
    scene.world = world
    vs = scene.view_settings
    vs.view_transform = "AgX"
    vs.look = "AgX - Punchy"
    vs.exposure = t.exposure
    return world


def _night_gradient(nt):
    coord = nt.nodes.new("ShaderNodeTexCoord")
    sep = nt.nodes.new("ShaderNodeSeparateXYZ")
    nt.links.new(coord.outputs["Generated"], sep.inputs[0])
    ramp = nt.nodes.new("ShaderNodeValToRGB")
    # generated coordinates of the world are the view direction: z in -1..1
    nt.links.new(sep.outputs["Z"], ramp.inputs["Fac"])
    els = ramp.color_ramp.elements
    els[0].position, els[0].color = 0.0, (*NIGHT_SKY[0], 1.0)
    els[1].position, els[1].color = 0.6, (*NIGHT_SKY[1], 1.0)
    return ramp.outputs["Color"]


def add_sun(collection: bpy.types.Collection, time_of_day: str) -> bpy.types.Object:
    """The sun lamp (the moon at dusk and night)."""
    t = TIMES[time_of_day]
    data = bpy.data.lights.new("Worldsmith Sun", "SUN")
    data.energy = t.strength
    data.color = colors.hex_to_linear(t.color)
    data.angle = math.radians(t.angle)
    data["worldsmith"] = True
    obj = bpy.data.objects.new("Worldsmith Sun", data)
    # a sun lamp shines along its local -Z
    obj.rotation_euler = (-sun_vector(t.elevation, t.azimuth)).to_track_quat("-Z", "Y").to_euler()
    obj.location = (0.0, 0.0, 50.0)
    obj["worldsmith_role"] = "sun"
    collection.objects.link(obj)
    return obj


def add_ground(collection: bpy.types.Collection, ground: str, center=(0.0, 0.0)) -> bpy.types.Object:
    """A large ground square centred under the scene, with the ground type's material."""
    hex_, preset = GROUNDS[ground]
    me = bpy.data.meshes.new("Worldsmith Ground")
    h = GROUND_SIZE / 2
    me.from_pydata([(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], [], [(0, 1, 2, 3)])
    me.materials.append(materials.material(hex_, preset))
    me["worldsmith"] = True
    obj = bpy.data.objects.new("Worldsmith Ground", me)
    # water sits a hand's breadth lower, so hulls and banks dip into it
    obj.location = (center[0], center[1], -0.05 if ground == "water" else 0.0)
    obj["worldsmith_role"] = "ground"
    obj["worldsmith_ground"] = ground
    collection.objects.link(obj)
    return obj
