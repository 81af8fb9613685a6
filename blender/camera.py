"""Camera framing: every entity in view, seen from -Y looking toward +Y."""
from __future__ import annotations

import math

import numpy as np

# view -> (azimuth deg: 0 = from -Y, negative = from the left; elevation deg)
VIEWS = {
    None: (-12.0, 15.0), "front": (0.0, 15.0), "front_left": (-35.0, 22.0), "front_right": (35.0, 22.0),
    "left": (-80.0, 15.0), "right": (80.0, 15.0), "back": (180.0, 20.0), "top": (0.0, 85.0),
    "aerial": (-20.0, 50.0), "low": (-12.0, 6.0),
}


def look_rotation(direction: np.ndarray) -> tuple[float, float, float]:
    """Euler XYZ for a camera looking along ``direction`` (camera looks down its -Z, up is +Y)."""
    d = direction / np.linalg.norm(direction)
    pitch = math.acos(max(-1.0, min(1.0, -d[2])))      # rotation about X from looking straight down
    yaw = math.atan2(d[1], d[0]) - math.pi / 2          # rotation about Z
    return (pitch, 0.0, yaw)


def frame(points: np.ndarray, view: str | None = None, lens_mm: float = 35.0, aspect: float = 16 / 9,
          zoom: float = 1.0, margin: float = 1.08, sensor_mm: float = 36.0):
    """Camera location and rotation so that all ``points`` (N,3) are in view.

    The distance is solved exactly per point for the view direction, so the
    frame is as tight as ``margin`` allows.
    """
    az, el = VIEWS.get(view, VIEWS[None])
    az, el = math.radians(az), math.radians(el)
    # unit vector from the target toward the camera
    back = np.array([math.sin(az) * math.cos(el), -math.cos(az) * math.cos(el), math.sin(el)])
    fwd = -back
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    if np.linalg.norm(right) < 1e-6:
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    lo, hi = points.min(axis=0), points.max(axis=0)
    center = (lo + hi) / 2
    # horizontal sensor fit
    tan_h = (sensor_mm / 2) / lens_mm
    tan_v = tan_h / aspect if aspect >= 1 else tan_h
    if aspect < 1:
        tan_h = tan_v * aspect
    rel = points - center
    x, y, depth = rel @ right, rel @ up, rel @ fwd
    need = np.maximum(np.abs(x) * margin / tan_h, np.abs(y) * margin / tan_v) - depth
    dist = max(float(need.max()), 1.5) / max(zoom, 1e-3)
    # not inside any object: at least clear of the nearest point along the view
    dist = max(dist, float((-depth).max()) + 0.5)
    loc = center + back * dist
    if loc[2] < 0.3:
        loc[2] = 0.3
    return tuple(loc), look_rotation(center - loc), dist
