"""Build one scene into a fresh Blender file and save it: the one home of
"fresh file -> build -> (render) -> save", used by the CLI, batch, the gallery
and the benchmarks. (The operators build into the user's open file instead:
``builder.build_scene`` on their scene, never a fresh one.)
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..scene_dsl.models import Scene, parse_scene
from . import builder, render
from ..files.atomic import staged_dir


OUTPUT_FILES = ("scene.json", "scene.blend", "render.png", "prompt.txt")


@dataclass
class Outputs:
    scene_json: Path
    blend: Path
    render: Path | None
    warnings: list[str] = field(default_factory=list)


def fresh_scene(resolution: tuple[int, int] | None = None, threads: int | None = None) -> bpy.types.Scene:
    """An empty Blender file to build into (command-line use only), at ``resolution`` if given,
    rendering with ``threads`` CPU threads if given (else Blender's default)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bl_scene = bpy.context.scene
    if resolution:
        bl_scene.render.resolution_x, bl_scene.render.resolution_y = resolution
    if threads:
        bl_scene.render.threads_mode = "FIXED"
        bl_scene.render.threads = threads
    return bl_scene


def build_fresh(scene: Scene, resolution: tuple[int, int] = (960, 540), threads: int | None = None,
                dressing: str = "light"):
    """``scene`` built into a fresh file (with ``dressing``: none, light, full): ``(bl_scene, BuildResult)``."""
    bl_scene = fresh_scene(resolution, threads)
    return bl_scene, builder.build_scene(scene, bl_scene, resolution=resolution, dressing=dressing)


def save_blend(path: str | os.PathLike) -> None:
    """Save the open file as a compressed copy at ``path`` (the session keeps its own file name)."""
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True, compress=True)
    if not os.path.exists(path):
        raise OSError(errno.EIO, f"Blender could not write {path}")


def load_scene_file(path: str | os.PathLike) -> Scene:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return parse_scene(text)


def build_and_save(scene: Scene, out_dir: str | os.PathLike, settings: render.RenderSettings | None,
                   warnings: list[str] | None = None, extra_files: dict[str, str] | None = None,
                   dressing: str = "light") -> Outputs:
    """Build ``scene`` into a fresh file and write scene.json, scene.blend and (with settings) render.png."""
    bl_scene, result = build_fresh(scene, settings.resolution if settings else (960, 540), dressing=dressing)
    all_warnings = list(warnings or []) + result.warnings
    bl_scene["worldsmith_warnings"] = list(all_warnings)   # the reading's and the model's too, not only the build's
    out = Path(out_dir).absolute()
    with staged_dir(out, owned=OUTPUT_FILES + tuple(extra_files or ())) as tmp:
        (tmp / "scene.json").write_text(scene.to_json(indent=2) + "\n", encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        if settings is not None:
            render.apply(bl_scene, settings)
            render.render_still(bl_scene, str(tmp / "render.png"), settings)
        save_blend(tmp / "scene.blend")
    return Outputs(out / "scene.json", out / "scene.blend", (out / "render.png") if settings else None, all_warnings)
