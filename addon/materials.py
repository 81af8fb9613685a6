"""Materials: a colour plus a preset becomes a Principled BSDF material.

Materials are shared by name (``WS <preset> <#rrggbb>``) and tagged with the
custom property ``worldsmith`` so we only ever reuse or remove our own.
Every material carries ``worldsmith_color``: the sRGB hex of its base colour.
"""
from __future__ import annotations

import bpy

from ..scene_dsl import colors

# preset -> Principled BSDF inputs (besides the base colour)
PRESETS: dict[str, dict] = {
    "plain": {"Roughness": 0.55},
    "wood": {"Roughness": 0.7, "grain": True},
    "metal": {"Roughness": 0.3, "Metallic": 1.0},
    "glass": {"Roughness": 0.02, "Transmission Weight": 0.9, "IOR": 1.45},
    "plastic": {"Roughness": 0.35, "Coat Weight": 0.3},
    "stone": {"Roughness": 0.9, "noise": 0.25},
    "brick": {"Roughness": 0.85, "brick": True},
    "fabric": {"Roughness": 0.95, "Sheen Weight": 0.5},
    "grass": {"Roughness": 0.9, "noise": 0.3},
    "sand": {"Roughness": 0.95, "noise": 0.15},
    "snow": {"Roughness": 0.6, "Subsurface Weight": 0.2},
    "water": {"Roughness": 0.03, "Transmission Weight": 0.6, "IOR": 1.33},
    "emissive": {"Roughness": 0.5, "Emission Strength": 4.0},
}

# fixed materials of secondary parts (catalog part values other than "main")
PART_MATERIALS: dict[str, tuple[str, str]] = {
    "bark": ("#5b3a21", "wood"), "leaf": ("#3f7f2a", "plain"), "glass": ("#9fc4d9", "glass"),
    "rubber": ("#1a1a1a", "plastic"), "headlight": ("#fff6d5", "emissive"),
    "roof_tile": ("#8e3b2b", "plain"), "wood_dark": ("#4a2f1b", "wood"), "wood": ("#a0744a", "wood"),
    "white_paint": ("#f2f2f0", "plain"), "metal_dark": ("#3a3d40", "metal"), "metal": ("#a8acb0", "metal"),
    "red_paint": ("#c0392b", "plain"), "lamp_glow": ("#ffd98a", "emissive"), "fabric_white": ("#efeae0", "fabric"),
    "water": ("#2f6f8f", "water"), "stone": ("#7d7a73", "stone"), "books": ("#7b3f3f", "plain"),
    "black_plastic": ("#151515", "plastic"), "orange_paint": ("#ff7f1a", "plain"), "pink_paint": ("#f4a0b0", "plain"),
    "cream": ("#efe3c8", "plain"), "skin": ("#e0b48f", "plain"), "denim": ("#2f4a6d", "fabric"),
    "hair": ("#3b2a1d", "plain"),
}

# when an entity names no preset, its main part uses the kind's natural one
KIND_PRESET = {
    "log": "wood", "table": "wood", "chair": "wood", "bench": "wood", "bookshelf": "wood", "barrel": "wood",
    "crate": "wood", "fence": "wood", "bridge": "wood", "rock": "stone", "wall": "stone", "well": "stone",
    "tower": "stone", "car": "metal", "truck": "metal", "bus": "metal", "bicycle": "metal", "street_lamp": "metal",
    "sofa": "fabric", "bed": "fabric", "tent": "fabric", "snowman": "snow", "campfire": "emissive",
}


def material(color_hex: str, preset: str = "plain") -> bpy.types.Material:
    """The shared material for a colour and preset, created on first use."""
    color_hex = colors.to_hex(color_hex)
    name = f"WS {preset} {color_hex}"
    mat = bpy.data.materials.get(name)
    if mat is not None and mat.get("worldsmith"):
        return mat
    mat = bpy.data.materials.new(name)
    mat["worldsmith"] = True
    mat["worldsmith_color"] = color_hex
    rgb = colors.hex_to_linear(color_hex)
    mat.diffuse_color = (*rgb, 1.0)  # Workbench and the viewport
    _setup_nodes(mat, rgb, preset)
    return mat


def part_material(part_value: str, main_hex: str, preset: str | None, kind: str) -> bpy.types.Material:
    if part_value == "main":
        return material(main_hex, preset or KIND_PRESET.get(kind, "plain"))
    hex_, p = PART_MATERIALS.get(part_value, ("#808080", "plain"))
    return material(hex_, p)


def _setup_nodes(mat: bpy.types.Material, rgb, preset: str) -> None:
    spec = PRESETS.get(preset, PRESETS["plain"])
    nt = mat.node_tree if mat.node_tree is not None else None
    if nt is None:
        mat.use_nodes = True
        nt = mat.node_tree
    nodes, links = nt.nodes, nt.links
    bsdf = next((n for n in nodes if n.type == "BSDF_PRINCIPLED"), None)
    if bsdf is None:
        nodes.clear()
        bsdf = nodes.new("ShaderNodeBsdfPrincipled")
        out = nodes.new("ShaderNodeOutputMaterial")
        links.new(bsdf.outputs[0], out.inputs[0])
    bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
    for key, value in spec.items():
        if key in bsdf.inputs:
            bsdf.inputs[key].default_value = value
    if preset == "emissive":
        bsdf.inputs["Emission Color"].default_value = (*rgb, 1.0)
    mat.roughness = spec.get("Roughness", 0.5)
    if spec.get("noise"):
        # subtle value variation so large surfaces are not flat
        tex = nodes.new("ShaderNodeTexNoise")
        tex.inputs["Scale"].default_value = 6.0
        mix = nodes.new("ShaderNodeMix")
        mix.data_type = "RGBA"
        a = spec["noise"]
        # lighter and darker around the named colour, so the mean stays on it
        _socket(mix.inputs, "A_Color").default_value = (*(min(c * (1 + a), 1.0) for c in rgb), 1.0)
        _socket(mix.inputs, "B_Color").default_value = (*(c * (1 - a) for c in rgb), 1.0)
        links.new(tex.outputs["Fac"], _socket(mix.inputs, "Factor_Float"))
        links.new(_socket(mix.outputs, "Result_Color"), bsdf.inputs["Base Color"])


def _socket(sockets, identifier: str):
    return next(s for s in sockets if s.identifier == identifier)


def remove_unused() -> int:
    """Remove Worldsmith materials no object uses any more."""
    n = 0
    for mat in list(bpy.data.materials):
        if mat.get("worldsmith") and mat.users == 0:
            bpy.data.materials.remove(mat)
            n += 1
    return n
