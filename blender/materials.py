"""Materials: a colour plus a preset becomes a procedural node material.

Materials are shared by name (``WS <preset> <#rrggbb>``) and tagged with the
custom property ``worldsmith`` so we only ever reuse or remove our own.
Every material carries ``worldsmith_color``: the sRGB hex of its base colour.

Each preset is a small node setup that reads in Cycles and Eevee alike:
wood grain (wave + noise), bricks (Brick texture), stone/grass/sand/snow
(noise with bump), glass and water (transmission), emission. Texture detail
only varies the colour *around* the named colour (lighter and darker by the
same factor, driven by a texture whose mean is 0.5), so the surface's mean
colour stays the colour that was asked for. Textures use object coordinates,
so their scale is in metres and the same on every copy of a shared mesh.
"""
from __future__ import annotations

import bpy

from ..scene_dsl import catalog, colors
from ..scene_dsl.recipes import schema as recipe_schema

# the presets the DSL can name (scene_dsl.models.MATERIALS), plus a few
# internal ones used only by fixed part materials and grounds
PRESETS = ("plain", "wood", "metal", "glass", "plastic", "stone", "brick", "fabric",
           "grass", "sand", "snow", "water", "emissive")
INTERNAL_PRESETS = ("bark", "window", "rubber", "paint", "water_surface", "leaf", "dirt", "concrete", "planks")

# fixed materials of secondary parts (catalog part values other than "main")
PART_MATERIALS: dict[str, tuple[str, str]] = {
    "bark": ("#5b3a21", "bark"), "leaf": ("#3f7f2a", "leaf"), "glass": ("#2b3a44", "window"),
    "rubber": ("#1c1c1c", "rubber"), "headlight": ("#fff6d5", "emissive"),
    "roof_tile": ("#8e3b2b", "brick"), "wood_dark": ("#4a2f1b", "wood"), "wood": ("#a0744a", "wood"),
    "white_paint": ("#f2f2f0", "paint"), "metal_dark": ("#3a3d40", "metal"), "metal": ("#a8acb0", "metal"),
    "red_paint": ("#c0392b", "paint"), "lamp_glow": ("#ffd98a", "emissive"), "fabric_white": ("#efeae0", "fabric"),
    "water": ("#2f6f8f", "water"), "stone": ("#7d7a73", "stone"), "books": ("#7b3f3f", "fabric"),
    "black_plastic": ("#151515", "plastic"), "orange_paint": ("#ff7f1a", "paint"), "pink_paint": ("#f4a0b0", "paint"),
    "cream": ("#efe3c8", "plain"), "skin": ("#e0b48f", "plain"), "denim": ("#2f4a6d", "fabric"),
    "hair": ("#3b2a1d", "fabric"),
}

# when an entity names no preset, its main part uses the kind's natural one
KIND_PRESET = {
    "log": "bark", "table": "wood", "chair": "wood", "bench": "wood", "bookshelf": "wood", "barrel": "wood",
    "crate": "wood", "fence": "wood", "bridge": "wood", "signpost": "wood", "rock": "stone", "wall": "stone",
    "well": "stone", "tower": "stone", "car": "paint", "truck": "paint", "bus": "paint", "boat": "paint",
    "bicycle": "paint", "mailbox": "paint", "street_lamp": "metal", "sofa": "fabric", "bed": "fabric",
    "tent": "fabric", "lamp": "fabric", "snowman": "snow", "campfire": "emissive", "tree": "leaf",
    "pine_tree": "leaf", "palm_tree": "leaf", "bush": "leaf", "cactus": "leaf", "hill": "grass",
    "house": "plain", "barn": "planks", "lighthouse": "paint", "windmill": "plain",
}

EMISSION_STRENGTH = 2.0  # emissive presets glow this many times their colour (AgX turns more into white)


def material(color_hex: str, preset: str = "plain") -> bpy.types.Material:
    """The shared material for a colour and preset, created on first use."""
    color_hex = colors.to_hex(color_hex)
    if preset not in PRESETS and preset not in INTERNAL_PRESETS:
        raise ValueError(f"unknown material preset {preset!r}; choose from {', '.join(PRESETS)}")
    name = f"WS {preset} {color_hex}"
    mat = bpy.data.materials.get(name)
    if mat is not None and mat.get("worldsmith"):
        return mat
    mat = bpy.data.materials.new(name)
    mat["worldsmith"] = True
    mat["worldsmith_color"] = color_hex
    mat["worldsmith_preset"] = preset
    rgb = colors.hex_to_linear(color_hex)
    mat.diffuse_color = (*rgb, 1.0)  # Workbench and the viewport
    _Nodes(mat).build(rgb, preset)
    return mat


def part_material(part_value: str, main_hex: str, preset: str | None, kind: str) -> bpy.types.Material:
    """The material of one catalog part: the entity's own colour for ``main``, else a fixed one."""
    if part_value == "main":
        spec = catalog.KINDS.get(kind)
        natural = KIND_PRESET.get(kind) or (spec.preset if spec is not None else None) or "plain"
        return material(main_hex, preset or natural)
    fixed = recipe_schema.parse_slot_value(part_value)   # a recipe's own "#rrggbb:preset" slot
    hex_, p = fixed or PART_MATERIALS.get(part_value, ("#808080", "plain"))
    return material(hex_, p)


def remove_unused() -> int:
    """Remove Worldsmith materials no object uses any more."""
    n = 0
    for mat in list(bpy.data.materials):
        if mat.get("worldsmith") and mat.users == 0:
            bpy.data.materials.remove(mat)
            n += 1
    return n


def _scaled(rgb, f: float) -> tuple[float, float, float, float]:
    return (*(min(c * f, 1.0) for c in rgb), 1.0)


def _pair(rgb, amount: float):
    """A darker and a lighter colour whose average is exactly ``rgb``.

    Where the lighter side would pass 1 it clips and the darker side mirrors it.
    """
    light = _scaled(rgb, 1 + amount)
    dark = (*(max(2 * c - lc, 0.0) for c, lc in zip(rgb, light[:3])), 1.0)
    return dark, light


class _Nodes:
    """Builds one material's node tree: a Principled BSDF plus texture helpers."""

    def __init__(self, mat: bpy.types.Material):
        if mat.node_tree is None:
            mat.use_nodes = True
        self.mat = mat
        self.nt = mat.node_tree
        self.nt.nodes.clear()
        self.bsdf = self.new("ShaderNodeBsdfPrincipled")
        out = self.new("ShaderNodeOutputMaterial")
        self.link(self.bsdf.outputs["BSDF"], out.inputs["Surface"])
        self._coords = None

    def new(self, kind: str):
        return self.nt.nodes.new(kind)

    def link(self, a, b) -> None:
        self.nt.links.new(a, b)

    def set(self, **inputs) -> None:
        for key, value in inputs.items():
            self.bsdf.inputs[key.replace("_", " ")].default_value = value
        if "Roughness" in inputs:
            self.mat.roughness = inputs["Roughness"]

    @property
    def coords(self):
        """Object-space position (metres)."""
        if self._coords is None:
            self._coords = self.new("ShaderNodeTexCoord").outputs["Object"]
        return self._coords

    def noise(self, scale: float, detail: float = 4.0, roughness: float = 0.55, vector=None):
        tex = self.new("ShaderNodeTexNoise")
        tex.inputs["Scale"].default_value = scale
        tex.inputs["Detail"].default_value = detail
        tex.inputs["Roughness"].default_value = roughness
        self.link(vector if vector is not None else self.coords, tex.inputs["Vector"])
        return tex.outputs["Fac"]

    def mix_color(self, fac, a, b):
        """Colour ``a`` where fac is 0 and ``b`` where it is 1."""
        mix = self.new("ShaderNodeMix")
        mix.data_type = "RGBA"
        _socket(mix.inputs, "A_Color").default_value = a
        _socket(mix.inputs, "B_Color").default_value = b
        self.link(fac, _socket(mix.inputs, "Factor_Float"))
        return _socket(mix.outputs, "Result_Color")

    def vary(self, rgb, fac, amount: float):
        """Base colour lighter/darker by ``amount`` around ``rgb``, driven by ``fac`` (mean 0.5)."""
        dark, light = _pair(rgb, amount)
        out = self.mix_color(fac, dark, light)
        self.link(out, self.bsdf.inputs["Base Color"])

    def bump(self, height, strength: float, distance: float = 0.05) -> None:
        b = self.new("ShaderNodeBump")
        b.inputs["Strength"].default_value = strength
        b.inputs["Distance"].default_value = distance
        self.link(height, b.inputs["Height"])
        self.link(b.outputs["Normal"], self.bsdf.inputs["Normal"])

    def math(self, op: str, a, b=None):
        m = self.new("ShaderNodeMath")
        m.operation = op
        for i, v in enumerate((a, b)):
            if v is None:
                continue
            if isinstance(v, (int, float)):
                m.inputs[i].default_value = v
            else:
                self.link(v, m.inputs[i])
        return m.outputs[0]

    # ---- presets -------------------------------------------------------
    def build(self, rgb, preset: str) -> None:
        self.bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        getattr(self, "_" + preset)(rgb)

    def _plain(self, rgb):
        self.set(Roughness=0.55)

    def _paint(self, rgb):
        self.set(Roughness=0.35, Coat_Weight=0.4, Coat_Roughness=0.08)

    def _plastic(self, rgb):
        self.set(Roughness=0.28, Specular_IOR_Level=0.6)

    def _metal(self, rgb):
        self.set(Metallic=1.0, Roughness=0.32)
        rough = self.math("MULTIPLY_ADD", self.noise(8.0, 3.0), 0.2)   # 0.2..0.4 scuffs
        self.link(self.math("ADD", rough, 0.12), self.bsdf.inputs["Roughness"])

    def _glass(self, rgb):
        self.set(Roughness=0.02, Transmission_Weight=1.0, IOR=1.45)

    def _window(self, rgb):
        # dark glossy glass seen from outside a closed building or car
        self.set(Roughness=0.05, Coat_Weight=1.0, Coat_Roughness=0.02, Specular_IOR_Level=0.8)

    def _water(self, rgb):
        self.set(Roughness=0.04, Transmission_Weight=1.0, IOR=1.333)
        self.bump(self.noise(3.0, 2.0), 0.15, 0.02)

    def _water_surface(self, rgb):
        # open water: the colour of deep water plus a Fresnel reflection of the sky and gentle waves
        self.set(Roughness=0.05, IOR=1.333, Specular_IOR_Level=0.7)
        stretched = self.new("ShaderNodeMapping")
        stretched.inputs["Scale"].default_value = (1.0, 3.0, 1.0)
        self.link(self.coords, stretched.inputs["Vector"])
        waves = self.math("ADD", self.noise(0.6, 2.0, vector=stretched.outputs[0]), self.noise(4.0, 3.0))
        self.bump(waves, 0.25, 0.02)
        self.vary(rgb, self.noise(0.08, 2.0), 0.08)

    def _emissive(self, rgb):
        self.set(Roughness=0.5, Emission_Color=(*rgb, 1.0), Emission_Strength=EMISSION_STRENGTH)

    def _wood(self, rgb, scale: float = 2.5, amount: float = 0.22):
        # rings along X distorted by noise, with fine fibres on top
        wave = self.new("ShaderNodeTexWave")
        wave.wave_type = "BANDS"
        wave.bands_direction = "X"
        wave.wave_profile = "SIN"
        wave.inputs["Scale"].default_value = scale
        wave.inputs["Distortion"].default_value = 6.0
        wave.inputs["Detail"].default_value = 3.0
        wave.inputs["Detail Scale"].default_value = 1.5
        stretched = self.new("ShaderNodeMapping")
        stretched.inputs["Scale"].default_value = (1.0, 6.0, 6.0)   # fibres run along X
        self.link(self.coords, stretched.inputs["Vector"])
        self.link(stretched.outputs[0], wave.inputs["Vector"])
        fibres = self.noise(20.0, 2.0, vector=stretched.outputs[0])
        fac = self.math("ADD", self.math("MULTIPLY", wave.outputs["Fac"], 0.75), self.math("MULTIPLY", fibres, 0.25))
        self.vary(rgb, fac, amount)
        self.set(Roughness=0.62)
        self.bump(fibres, 0.08, 0.01)

    def _planks(self, rgb):
        # painted boards (a barn): vertical board seams and a faint grain
        self._wood(rgb, scale=1.5, amount=0.08)
        self.set(Roughness=0.7)

    def _bark(self, rgb):
        stretched = self.new("ShaderNodeMapping")
        stretched.inputs["Scale"].default_value = (14.0, 14.0, 2.0)  # furrows run up the trunk
        self.link(self.coords, stretched.inputs["Vector"])
        fac = self.noise(1.0, 6.0, 0.6, vector=stretched.outputs[0])
        self.vary(rgb, fac, 0.3)
        self.set(Roughness=0.9)
        self.bump(fac, 0.5, 0.05)

    def _stone(self, rgb, scale: float = 3.0, amount: float = 0.25, bump: float = 0.35):
        big = self.noise(scale, 6.0, 0.6)
        speck = self.noise(scale * 12.0, 2.0)
        fac = self.math("ADD", self.math("MULTIPLY", big, 0.7), self.math("MULTIPLY", speck, 0.3))
        self.vary(rgb, fac, amount)
        self.set(Roughness=0.88)
        self.bump(fac, bump, 0.05)

    def _dirt(self, rgb):
        self._stone(rgb, scale=1.2, amount=0.2, bump=0.3)
        self.set(Roughness=0.95, Specular_IOR_Level=0.2)

    def _concrete(self, rgb):
        self._stone(rgb, scale=0.8, amount=0.08, bump=0.1)
        self.set(Roughness=0.8)

    def _brick(self, rgb):
        brick = self.new("ShaderNodeTexBrick")
        # bricks lie along the surface's horizontal: u = x + y, v = z (walls facing X or Y alike)
        sep = self.new("ShaderNodeSeparateXYZ")
        comb = self.new("ShaderNodeCombineXYZ")
        self.link(self.coords, sep.inputs[0])
        self.link(self.math("ADD", sep.outputs["X"], sep.outputs["Y"]), comb.inputs["X"])
        self.link(sep.outputs["Z"], comb.inputs["Y"])
        self.link(comb.outputs[0], brick.inputs["Vector"])
        brick.inputs["Scale"].default_value = 2.6
        brick.inputs["Mortar Size"].default_value = 0.012
        brick.inputs["Bias"].default_value = 0.0
        brick.inputs["Brick Width"].default_value = 0.55
        brick.inputs["Row Height"].default_value = 0.24
        brick.offset = 0.5
        brick.inputs["Color2"].default_value, brick.inputs["Color1"].default_value = _pair(rgb, 0.12)
        brick.inputs["Mortar"].default_value = _scaled(rgb, 1.2)
        # per-brick tint (Fac) is mixed with a fine noise so no two bricks match
        grit = self.noise(25.0, 2.0)
        col = self.mix_color(grit, (0.4, 0.4, 0.4, 1), (0.6, 0.6, 0.6, 1))  # around neutral 0.5
        mixed = self.new("ShaderNodeMix")
        mixed.data_type = "RGBA"
        mixed.blend_type = "OVERLAY"
        _socket(mixed.inputs, "Factor_Float").default_value = 0.5
        self.link(brick.outputs["Color"], _socket(mixed.inputs, "A_Color"))
        self.link(col, _socket(mixed.inputs, "B_Color"))
        self.link(_socket(mixed.outputs, "Result_Color"), self.bsdf.inputs["Base Color"])
        self.set(Roughness=0.85)
        # mortar joints sit back from the brick faces
        self.bump(self.math("SUBTRACT", 1.0, brick.outputs["Fac"]), 0.4, 0.02)

    def _fabric(self, rgb):
        self.set(Roughness=0.95, Sheen_Weight=0.6, Sheen_Roughness=0.4)
        weave = self.new("ShaderNodeTexWave")
        weave.inputs["Scale"].default_value = 60.0
        self.link(self.coords, weave.inputs["Vector"])
        self.vary(rgb, self.noise(4.0, 3.0), 0.1)
        self.bump(weave.outputs["Fac"], 0.08, 0.005)

    def _leaf(self, rgb):
        # foliage: clumps of lighter and darker leaves, a little translucent-looking sheen
        clumps = self.noise(2.2, 5.0, 0.6)
        self.vary(rgb, clumps, 0.3)
        self.set(Roughness=0.75, Specular_IOR_Level=0.3)
        self.bump(self.noise(14.0, 2.0), 0.35, 0.03)

    def _grass(self, rgb):
        patches = self.noise(0.35, 4.0, 0.6)
        blades = self.noise(40.0, 2.0)
        fac = self.math("ADD", self.math("MULTIPLY", patches, 0.65), self.math("MULTIPLY", blades, 0.35))
        self.vary(rgb, fac, 0.28)
        self.set(Roughness=0.95, Specular_IOR_Level=0.15)  # no glare of blue sky off a lawn
        self.bump(blades, 0.3, 0.02)

    def _sand(self, rgb):
        stretched = self.new("ShaderNodeMapping")
        stretched.inputs["Scale"].default_value = (1.0, 4.0, 1.0)  # ripples across Y
        self.link(self.coords, stretched.inputs["Vector"])
        ripples = self.noise(1.2, 2.0, vector=stretched.outputs[0])
        grains = self.noise(60.0, 1.0)
        self.vary(rgb, self.math("ADD", self.math("MULTIPLY", ripples, 0.6), self.math("MULTIPLY", grains, 0.4)), 0.12)
        self.set(Roughness=0.95, Specular_IOR_Level=0.25)
        self.bump(ripples, 0.25, 0.03)

    def _snow(self, rgb):
        self.set(Roughness=0.55, Subsurface_Weight=0.15, Subsurface_Radius=(0.4, 0.5, 0.7), Sheen_Weight=0.2)
        drift = self.noise(0.8, 4.0)
        self.vary(rgb, drift, 0.04)
        self.bump(self.math("ADD", drift, self.noise(30.0, 1.0)), 0.15, 0.02)

    def _rubber(self, rgb):
        self.set(Roughness=0.8)


def _socket(sockets, identifier: str):
    return next(s for s in sockets if s.identifier == identifier)
