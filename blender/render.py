"""Render settings and still renders: Cycles (CPU or GPU), Eevee, Workbench."""
from __future__ import annotations

import os
from dataclasses import dataclass

import bpy

ENGINES = {"cycles": "CYCLES", "eevee": "BLENDER_EEVEE", "workbench": "BLENDER_WORKBENCH"}


@dataclass
class RenderSettings:
    engine: str = "cycles"
    device: str = "cpu"          # cycles only: cpu or gpu
    samples: int = 32
    resolution: tuple[int, int] = (960, 540)
    denoise: bool = True
    workbench_aa: str = "8"      # workbench anti-aliasing samples; "FXAA" for quick previews (5x faster)

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose from {', '.join(ENGINES)}")
        if self.device not in ("cpu", "gpu"):
            raise ValueError(f"unknown device {self.device!r}; choose cpu or gpu")
        if not 1 <= self.samples <= 65536:
            raise ValueError("samples must be between 1 and 65536")
        w, h = self.resolution
        if not (16 <= w <= 16384 and 16 <= h <= 16384):
            raise ValueError("resolution must be between 16 and 16384 pixels on each side")


def apply(bl_scene: bpy.types.Scene, s: RenderSettings) -> None:
    r = bl_scene.render
    r.engine = ENGINES[s.engine]
    r.resolution_x, r.resolution_y = s.resolution
    r.resolution_percentage = 100
    r.image_settings.file_format = "PNG"
    bl_scene.view_settings.view_transform = "AgX"
    # world.py balances its light for AgX with a punchier look (AgX alone reads washed out);
    # the exposure stays whatever world.setup_world chose for the time of day
    bl_scene.view_settings.look = "AgX - Punchy"
    if s.engine == "cycles":
        c = bl_scene.cycles
        c.samples = s.samples
        c.use_adaptive_sampling = True
        c.use_denoising = s.denoise
        c.max_bounces = 6
        c.sample_clamp_indirect = 10.0   # no fireflies from lamps and glossy bounces at low samples
        c.blur_glossy = 1.0
        c.device = "GPU" if s.device == "gpu" and _enable_gpu() else "CPU"
    elif s.engine == "eevee":
        e = bl_scene.eevee
        e.taa_render_samples = s.samples
        # what Cycles does by itself: soft shadows from the sun's angle and the lamps' radii (shadow rays
        # traced through the shadow map), and the sky's light occluded under and between things (screen-space
        # ray tracing with fast GI), so a day scene is not flat and a room under a table is not lit
        e.use_shadows = True
        e.shadow_ray_count, e.shadow_step_count = 2, 6
        e.use_raytracing = True
        e.ray_tracing_method = "SCREEN"
        e.use_fast_gi = True
    else:
        shading = bl_scene.display.shading
        shading.light = "STUDIO"
        shading.color_type = "MATERIAL"
        bl_scene.display.render_aa = s.workbench_aa


def _enable_gpu() -> bool:
    """Turn on the first GPU backend Cycles finds (OptiX, CUDA, HIP, oneAPI, Metal)."""
    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
    except KeyError:
        return False
    for backend in ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL"):
        try:
            prefs.compute_device_type = backend
        except TypeError:
            continue
        prefs.get_devices()
        devices = [d for d in prefs.devices if d.type == backend]
        if devices:
            for d in prefs.devices:
                d.use = d.type == backend
            return True
    return False


def render_still(bl_scene: bpy.types.Scene, path: str, s: RenderSettings) -> str:
    """Render ``bl_scene`` to a PNG at ``path`` and return the path."""
    if bl_scene.camera is None:
        raise ValueError("the scene has no camera to render from")
    apply(bl_scene, s)
    path = os.path.abspath(path)
    bl_scene.render.filepath = path
    with bpy.context.temp_override(scene=bl_scene) if _has_window() else _nullcontext():
        bpy.ops.render.render(write_still=True, scene=bl_scene.name)
    if not os.path.exists(path):
        raise RuntimeError(f"the renderer wrote no image at {path}")
    return path


def _has_window() -> bool:
    return bool(getattr(bpy.context, "window", None))


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
