"""Images Blender reads: a render (any format Blender opens) as a numpy array."""
from __future__ import annotations

import os

import bpy
import numpy as np


def read_rgba(path: str | os.PathLike) -> np.ndarray:
    """The image at ``path`` as (H, W, 4) float32, row 0 at the top, through Blender's own loader."""
    img = bpy.data.images.load(str(path), check_existing=False)
    try:
        w, h = img.size
        px = np.empty(w * h * 4, dtype=np.float32)
        img.pixels.foreach_get(px)
    finally:
        bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1]


def read_rgb8(path: str | os.PathLike) -> np.ndarray:
    """The image at ``path`` as (H, W, 3) uint8, row 0 at the top."""
    return np.clip(np.rint(read_rgba(path)[:, :, :3] * 255.0), 0, 255).astype(np.uint8)
