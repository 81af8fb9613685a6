"""The engine's entry points shared by the CLI, the operators and batch mode.

Each function does one whole job on plain arguments; bpy state changes are
confined to the scene it is given.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..scene_dsl.models import Scene, parse_scene
from . import builder, render
from .outputs import staged_dir


@dataclass
class Outputs:
    scene_json: Path
    blend: Path
    render: Path | None
    warnings: list[str] = field(default_factory=list)


def fresh_scene() -> bpy.types.Scene:
    """An empty Blender file to build into (command-line use only)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene


def load_scene_file(path: str | os.PathLike) -> Scene:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return parse_scene(text)


def build_and_save(scene: Scene, out_dir: str | os.PathLike, settings: render.RenderSettings | None,
                   warnings: list[str] | None = None, extra_files: dict[str, str] | None = None) -> Outputs:
    """Build ``scene`` into a fresh file and write scene.json, scene.blend and (with settings) render.png."""
    bl_scene = fresh_scene()
    res = settings.resolution if settings else (960, 540)
    bl_scene.render.resolution_x, bl_scene.render.resolution_y = res
    result = builder.build_scene(scene, bl_scene, resolution=res)
    all_warnings = list(warnings or []) + result.warnings
    out = Path(out_dir).absolute()
    with staged_dir(out) as tmp:
        (tmp / "scene.json").write_text(scene.to_json(indent=2) + "\n", encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        if settings is not None:
            render.apply(bl_scene, settings)
            render.render_still(bl_scene, str(tmp / "render.png"), settings)
        bpy.ops.wm.save_as_mainfile(filepath=str(tmp / "scene.blend"), copy=True, compress=True)
    return Outputs(out / "scene.json", out / "scene.blend", (out / "render.png") if settings else None, all_warnings)


def dump_json(obj) -> str:
    return json.dumps(obj, indent=2)
