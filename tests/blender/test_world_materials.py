"""Materials, sky/sun/ground and the gallery helpers, with the real bpy.

Renders are tiny (64x36, Cycles, 2 samples): enough to check that every time
of day and every ground builds and renders, and that exposure lands where a
photograph would (day bright but not clipped, night dark but not black).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from worldsmith.blender import builder, lighting, materials, render, world  # noqa: E402
from worldsmith.blender import images  # noqa: E402
from worldsmith.files import images as file_images  # noqa: E402
from worldsmith.scene_dsl import catalog, colors  # noqa: E402
from worldsmith.scene_dsl.models import GROUNDS, MATERIALS, TIMES_OF_DAY, parse_scene  # noqa: E402


def _socket(sockets, identifier):
    return next(s for s in sockets if s.identifier == identifier)


def mean_base_color(mat) -> np.ndarray:
    """The mean linear base colour a material's node tree feeds its Principled BSDF."""
    bsdf = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    sock = bsdf.inputs["Base Color"]
    if not sock.is_linked:
        return np.array(sock.default_value[:3])
    node = sock.links[0].from_node
    if node.type == "MIX" and node.blend_type == "MIX":        # texture-driven lighter/darker mix
        a = np.array(_socket(node.inputs, "A_Color").default_value[:3])
        b = np.array(_socket(node.inputs, "B_Color").default_value[:3])
        return (a + b) / 2
    if node.type == "MIX":                                      # brick overlaid with neutral grit
        brick = _socket(node.inputs, "A_Color").links[0].from_node
        assert brick.type == "TEX_BRICK"
        c1, c2 = (np.array(brick.inputs[k].default_value[:3]) for k in ("Color1", "Color2"))
        return (c1 + c2) / 2
    raise AssertionError(f"unexpected base colour node {node.type}")


@pytest.mark.parametrize("preset", MATERIALS)
@pytest.mark.parametrize("hex_", ["#8b5a2b", "#ffffff", "#000000", "#3366cc"])
def test_preset_keeps_the_named_colour(bl_scene, preset, hex_):
    mat = materials.material(hex_, preset)
    assert mat["worldsmith"] is True and mat["worldsmith_color"] == hex_
    assert mat.name == f"WS {preset} {hex_}"
    rgb = np.array(colors.hex_to_linear(hex_))
    assert np.allclose(mat.diffuse_color[:3], rgb, atol=1e-5)
    assert np.allclose(mean_base_color(mat), rgb, atol=0.03 * max(rgb.max(), 0.05))
    assert materials.material(hex_, preset) is mat  # shared


def test_presets_have_their_textures(bl_scene):
    types = {p: {n.type for n in materials.material("#777777", p).node_tree.nodes} for p in MATERIALS}
    assert "TEX_WAVE" in types["wood"] and "TEX_NOISE" in types["wood"]
    assert "TEX_BRICK" in types["brick"]
    for p in ("stone", "grass", "sand", "snow"):
        assert "TEX_NOISE" in types[p] and "BUMP" in types[p], p

    def inp(p, name):
        bsdf = next(n for n in materials.material("#777777", p).node_tree.nodes if n.type == "BSDF_PRINCIPLED")
        return bsdf.inputs[name].default_value

    assert inp("glass", "Transmission Weight") == 1.0 and inp("water", "Transmission Weight") == 1.0
    assert inp("metal", "Metallic") == 1.0
    assert inp("emissive", "Emission Strength") > 0


def test_part_materials_and_errors(bl_scene):
    tyre = materials.part_material("rubber", "#ff0000", None, "car")
    assert tyre["worldsmith_color"] == materials.PART_MATERIALS["rubber"][0]
    assert materials.part_material("main", "#ff0000", None, "log")["worldsmith_preset"] == "bark"
    assert materials.part_material("main", "#ff0000", "glass", "log")["worldsmith_preset"] == "glass"
    for value, (hex_, preset) in materials.PART_MATERIALS.items():
        assert materials.part_material(value, "#000000", None, "cube")["worldsmith_color"] == hex_
    with pytest.raises(ValueError):
        materials.material("#123456", "velvet")
    with pytest.raises(ValueError):
        materials.material("not a colour", "plain")
    user = bpy.data.materials.new("WS plain #101010")  # a user's look-alike is never reused
    assert materials.material("#101010", "plain") is not user
    assert materials.remove_unused() >= 1
    assert user.name in bpy.data.materials


def _sun_down_vector(sun) -> np.ndarray:
    m = np.array(sun.matrix_world)
    return -m[:3, 2]  # a sun lamp shines along its local -Z


@pytest.mark.parametrize("time_of_day", TIMES_OF_DAY)
def test_sky_and_sun_for_every_time(bl_scene, time_of_day):
    t = world.TIMES[time_of_day]
    w = world.setup_world(bl_scene, time_of_day)
    assert bl_scene.world is w and w["worldsmith"] is True
    skies = [n for n in w.node_tree.nodes if n.type == "TEX_SKY"]
    coll = bpy.data.collections.new("t")
    sun = world.add_sun(coll, time_of_day)
    bl_scene.collection.children.link(coll)
    bpy.context.view_layer.update()
    d = _sun_down_vector(sun)
    assert d[2] < 0, "the sun (or moon) shines downward"
    assert math.degrees(math.asin(-d[2])) == pytest.approx(t.elevation, abs=0.5)
    to_sun = world.sun_vector(t.elevation, t.azimuth)
    assert np.allclose(-d, np.array(to_sun), atol=1e-4)
    if time_of_day == "night":
        assert not skies and sun.data.energy < 0.1 * world.TIMES["noon"].strength   # a moon, not a sun
    else:
        assert len(skies) == 1 and skies[0].sky_type == "MULTIPLE_SCATTERING" and not skies[0].sun_disc
        assert skies[0].sun_rotation == pytest.approx(math.radians(t.azimuth) % (2 * math.pi), abs=1e-4)
    if time_of_day in ("dawn", "sunset"):
        assert t.elevation < 15 and sun.data.color[0] > sun.data.color[2] * 1.5   # low and warm
    if time_of_day == "noon":
        assert t.elevation > 45
    assert world.is_dark(time_of_day) == (time_of_day in ("dusk", "night"))
    assert math.degrees(sun.data.angle) == pytest.approx(t.angle) and t.angle >= 2.0   # soft shadows
    assert bl_scene.view_settings.exposure == pytest.approx(t.exposure)


def test_the_exposure_table_keeps_every_time_equally_exposed():
    """Less light, longer exposure: the sun's light as the photo records it (its luminance, on a mix of
    ground and walls facing it, times 2^exposure) stays within half a stop or so across the day; dawn and
    sunset get a little more exposure, dusk and night much more, night the most."""
    T = world.TIMES

    def key(t):
        lum = float(np.dot(colors.hex_to_linear(T[t].color), [0.2126, 0.7152, 0.0722]))
        el = math.radians(T[t].elevation)
        return T[t].strength * lum * (math.sin(el) + math.cos(el)) / 2 * 2 ** T[t].exposure

    keys = {t: key(t) for t in ("dawn", "morning", "noon", "afternoon", "sunset")}
    assert max(keys.values()) / min(keys.values()) < 1.5, keys
    assert T["noon"].exposure <= min(T["morning"].exposure, T["afternoon"].exposure)
    assert max(T["morning"].exposure, T["afternoon"].exposure) < min(T["dawn"].exposure, T["sunset"].exposure)
    assert max(T["dawn"].exposure, T["sunset"].exposure) < T["dusk"].exposure < T["night"].exposure
    # the warm low suns differ: dawn is pinker (more blue in it) than the orange sunset
    assert colors.hex_to_linear(T["dawn"].color)[2] > colors.hex_to_linear(T["sunset"].color)[2]


LIGHT_KINDS = [{"id": "lamp", "kind": "lamp"},
               {"id": "candle", "kind": "candle", "relations": [{"type": "left_of", "target": "lamp"}]},
               {"id": "portal", "kind": "portal", "relations": [{"type": "right_of", "target": "lamp"}]},
               {"id": "sofa", "kind": "sofa", "relations": [{"type": "behind", "target": "lamp"}]}]


@pytest.mark.parametrize("time_of_day", ["noon", "night"])
def test_light_giving_kinds_light_the_dark_and_a_room_gets_a_ceiling_light(bl_scene, time_of_day):
    scene = parse_scene({"time_of_day": time_of_day, "ground": "wood", "entities": LIGHT_KINDS})
    res = builder.build_scene(scene, bl_scene, resolution=(64, 36), dressing="none")
    lights = {o.parent["worldsmith_kind"]: o for o in bl_scene.objects
              if o.type == "LIGHT" and o.get("worldsmith_part") == "light"}
    rooms = [o for o in bl_scene.objects if o.get("worldsmith_role") == "fill"]
    if time_of_day == "noon":
        assert set(lights) == {"candle"} and rooms == []   # lamps off by day (a flame burns)
        assert all(o.visible_shadow for o in res.objects)   # and by day everything casts its shadow
        return
    assert set(lights) == {"lamp", "candle", "portal"}
    # in the dark a light-giving thing does not shadow its own light (a shade would swallow it in Eevee)
    assert {o["worldsmith_kind"]: o.visible_shadow for o in res.objects} == {
        "lamp": False, "candle": False, "portal": False, "sofa": True}
    assert lights["candle"].data.energy < lights["lamp"].data.energy < lights["portal"].data.energy
    assert lights["lamp"].data.energy == pytest.approx(lighting.watts(catalog.get("lamp")))
    r, g, b = lights["candle"].data.color
    assert r > g > b and r > 2 * b                               # a flame: orange
    r, g, b = lights["portal"].data.color
    assert b > g and r > g                                       # the portal's own violet glow
    for kind, light in lights.items():                           # inside the thing, at its light height
        spec = catalog.get(kind)
        assert light.location.z == pytest.approx(spec.height * (spec.light_height or 0.9))
        assert 0.0 < light.data.shadow_soft_size <= 0.3           # a small bulb or flame: soft shadows
    (room,) = rooms
    assert room.data.type == "AREA" and room.location.z >= 2.6
    tallest = max(p.position[2] + p.size[2] for p in res.layout.placements)
    assert room.location.z > tallest
    # not on grass: out of doors a lamp lights the night, not a ceiling
    builder.build_scene(scene.model_copy(update={"ground": "grass"}), bl_scene, resolution=(64, 36),
                        dressing="none")
    assert not [o for o in bl_scene.objects if o.get("worldsmith_role") == "fill"]


def test_eevee_gets_soft_shadows_and_world_light_like_cycles(bl_scene):
    render.apply(bl_scene, render.RenderSettings("eevee", samples=8, resolution=(64, 36)))
    e = bl_scene.eevee
    assert e.use_shadows and e.shadow_ray_count >= 2 and e.shadow_step_count >= 6
    assert e.use_raytracing and e.use_fast_gi          # occlusion of the sky light, as Cycles has
    assert e.taa_render_samples == 8


def _render_mean(bl_scene, tmp_path, name) -> tuple[float, float]:
    out = str(tmp_path / f"{name}.png")
    render.render_still(bl_scene, out, render.RenderSettings("cycles", "cpu", 2, (64, 36), denoise=False))
    img = images.read_rgb8(out).astype(float) / 255
    lum = img @ np.array([0.2126, 0.7152, 0.0722])
    return float(lum.mean()), float((img.max(axis=2) >= 0.995).mean())


VILLAGE = [{"id": "house", "kind": "house"},
           {"id": "lamp", "kind": "street_lamp", "relations": [{"type": "left_of", "target": "house"}]},
           {"id": "fire", "kind": "campfire", "relations": [{"type": "right_of", "target": "house"}]}]


def test_every_time_of_day_renders_well_exposed(bl_scene, tmp_path):
    means = {}
    for t in TIMES_OF_DAY:
        scene = parse_scene({"time_of_day": t, "entities": VILLAGE})
        builder.build_scene(scene, bl_scene, resolution=(64, 36))
        lights = [o for o in bl_scene.objects if o.type == "LIGHT" and o.data.type == "POINT"]
        assert len(lights) == (2 if world.is_dark(t) else 1), t   # lamps at dusk/night, the fire always
        means[t], clipped = _render_mean(bl_scene, tmp_path, t)
        assert clipped < 0.05, f"{t}: {clipped:.0%} of pixels clipped"
    for t in ("morning", "noon", "afternoon"):
        assert 0.25 < means[t] < 0.65, (t, means[t])   # a well-exposed daylight photo
    day = [means[t] for t in ("morning", "noon", "afternoon")]
    assert max(day) < 1.3 * min(day), means              # and the same exposure all day
    for t in ("dawn", "sunset"):
        assert 0.15 < means[t] < means["noon"], (t, means[t])
    assert 0.02 < means["night"] < means["dusk"] < means["sunset"], means   # dark, yet readable


@pytest.mark.parametrize("ground", GROUNDS)
def test_every_ground_builds_and_renders(bl_scene, tmp_path, ground):
    scene = parse_scene({"ground": ground, "entities": [{"id": "r", "kind": "rock"}]})
    builder.build_scene(scene, bl_scene, resolution=(64, 36))
    g = next(o for o in bl_scene.objects if o.get("worldsmith_role") == "ground")
    assert g["worldsmith_ground"] == ground
    mat = g.data.materials[0]
    assert mat["worldsmith_color"] == world.GROUNDS[ground][0]
    assert g.dimensions.x >= world.GROUND_SIZE - 1e-3
    if ground == "water":
        assert g.location.z < 0 and mat["worldsmith_preset"] == "water_surface"
    mean, clipped = _render_mean(bl_scene, tmp_path, ground)
    assert 0.1 < mean < 0.9 and clipped < 0.2, (ground, mean, clipped)


def test_gallery_font_png_and_cli(bl_scene, tmp_path):
    m = file_images.text_mask("street_lamp", 2)
    assert m.shape == (14, (11 * 6 - 1) * 2) and m.any()
    tile = np.full((40, 160, 3), 100, dtype=np.uint8)
    file_images.label(tile, "house")
    assert (tile == 255).any() and tile[:10].max() == 100   # text only in the bottom band
    img = np.random.default_rng(0).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    file_images.write_png(tmp_path / "x.png", img)
    assert (images.read_rgb8(tmp_path / "x.png") == img).all()   # our PNG, read by Blender's own loader
    from worldsmith import cli
    out = tmp_path / "g.png"
    assert cli.run(["gallery", "--kinds", "cube,tree", "--tile", "48", "--samples", "1", "--out", str(out)]) == 0
    sheet = images.read_rgb8(out)
    assert sheet.shape == (48 + 4, 2 * 48 + 6, 3)
    assert cli.run(["gallery", "--kinds", "cube,hippogriff", "--out", str(out)]) == 2
