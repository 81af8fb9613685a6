"""Geometry checks for the nature and structure assets (pure numpy, no bpy)."""
from __future__ import annotations

import numpy as np
import pytest

from worldsmith.addon import assets
from worldsmith.addon.assets import mesh
from worldsmith.scene_dsl import catalog

NATURE = ["tree", "pine_tree", "palm_tree", "bush", "flower", "rock", "mushroom", "cactus", "log", "hill"]
STRUCTURES = ["house", "barn", "tower", "lighthouse", "windmill", "tent", "well", "fence", "wall", "bridge"]
CASES = [(k, v) for k in NATURE + STRUCTURES for v in range(catalog.get(k).variants)]


def _build(kind, variant):
    from worldsmith.addon.assets import nature, structures  # noqa: F401  (registers the kinds)
    spec = catalog.get(kind)
    return spec, assets._BUILDERS[kind](spec, variant)


def test_all_kinds_registered():
    for k in NATURE + STRUCTURES:
        assert assets.has_asset(k), k


@pytest.mark.parametrize("kind,variant", CASES)
def test_asset_geometry(kind, variant):
    spec, m = _build(kind, variant)
    v = m.verts
    assert v.dtype == np.float32 and v.ndim == 2 and v.shape[1] == 3
    assert np.isfinite(v).all()
    assert 0 < len(v) <= 2500, len(v)
    # loops and polygons are consistent
    assert len(m.loop_start) == len(m.loop_total) == len(m.face_slot) > 0
    assert (m.loop_total >= 3).all()
    assert m.loop_start[0] == 0
    assert (np.diff(m.loop_start) == m.loop_total[:-1]).all()
    assert m.loop_start[-1] + m.loop_total[-1] == len(m.loop_verts)
    assert m.loop_verts.min() >= 0 and m.loop_verts.max() < len(v)
    # size, origin at the base centre
    lo, hi = m.bounds()
    size = np.asarray(spec.size)
    assert np.allclose(hi - lo, size, rtol=0.2), (hi - lo, size)
    assert abs(lo[2]) < 1e-3 * max(1.0, size[2])
    centre = (lo + hi) / 2
    assert abs(centre[0]) < 0.1 * size[0] and abs(centre[1]) < 0.1 * size[1]
    # material slots: in range, every part used
    n_parts = len(spec.parts)
    assert m.face_slot.min() >= 0 and m.face_slot.max() < n_parts
    assert set(np.unique(m.face_slot)) == set(range(n_parts)), (sorted(set(m.face_slot)), list(spec.parts))
    # low-poly look: flat shading, except the smooth hill
    assert m.smooth == (kind == "hill")


@pytest.mark.parametrize("kind,variant", CASES)
def test_no_degenerate_faces(kind, variant):
    _, m = _build(kind, variant)
    v = m.verts.astype(np.float64)
    scale = float(np.max(m.bounds()[1] - m.bounds()[0]))
    for s, n in zip(m.loop_start, m.loop_total):
        idx = m.loop_verts[s:s + n]
        assert len(set(idx.tolist())) == n, "repeated vertex in a polygon"
        p = v[idx]
        area2 = np.linalg.norm(np.cross(p, np.roll(p, -1, axis=0)).sum(axis=0))   # Newell: 2 * area
        assert area2 > 1e-10 * scale * scale, (idx, p)


@pytest.mark.parametrize("kind,variant", CASES)
def test_outward_winding(kind, variant):
    # not every part is closed, but overall the mesh must enclose positive volume
    _, m = _build(kind, variant)
    if kind in ("flower", "hill", "tent"):
        pytest.skip("open surfaces")
    assert mesh.signed_volume(m) > 0


@pytest.mark.parametrize("kind", NATURE + STRUCTURES)
def test_variants_deterministic_and_distinct(kind):
    spec = catalog.get(kind)
    builds = [_build(kind, v)[1] for v in range(spec.variants)]
    again = [_build(kind, v)[1] for v in range(spec.variants)]
    for a, b in zip(builds, again):
        assert np.array_equal(a.verts, b.verts) and np.array_equal(a.loop_verts, b.loop_verts)
    for i in range(len(builds)):
        for j in range(i + 1, len(builds)):
            a, b = builds[i], builds[j]
            assert a.verts.shape != b.verts.shape or not np.allclose(a.verts, b.verts)


def test_build_cached_and_fast():
    import time
    t = time.perf_counter()
    for k, v in CASES:
        assets.build(k, v)
    assert time.perf_counter() - t < 5.0
    assert assets.build("tree", 0) is assets.build("tree", 0)
