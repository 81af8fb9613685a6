"""Geometry checks for every catalog kind's asset, every variant (pure numpy, no bpy)."""
from __future__ import annotations

import numpy as np
import pytest

from worldsmith.blender import assets
from worldsmith.blender.assets import mesh
from worldsmith.scene_dsl import catalog

KINDS = catalog.PROCEDURAL   # recipe kinds: tests/blender/test_recipes_bpy.py
CASES = [(k, v) for k in KINDS for v in range(max(1, catalog.get(k).variants))]
# shaded smooth on purpose; every other kind keeps the flat low-poly look
SMOOTH = {"sphere", "cylinder", "torus", "hill", "person", "dog", "cat", "bird", "cow"}
# open surfaces: no enclosed volume to point outward
OPEN = {"flower", "hill", "tent"}


def _build(kind, variant):
    """A fresh (uncached) build straight from the registered asset function."""
    assert assets.has_asset(kind), kind      # also imports the kind modules
    return assets._BUILDERS[kind](catalog.get(kind), variant)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_has_its_own_asset(kind):
    assert assets.has_asset(kind), kind
    assert assets._BUILDERS[kind].__module__.startswith(assets.__name__)


@pytest.mark.parametrize("kind,variant", CASES)
def test_asset_geometry(kind, variant):
    spec = catalog.get(kind)
    m = _build(kind, variant)
    v = m.verts
    assert v.dtype == np.float32 and v.ndim == 2 and v.shape[1] == 3
    assert np.isfinite(v).all()
    assert 0 < len(v) <= 2500, f"{kind}: {len(v)} verts"
    # polygon arrays are consistent
    assert len(m.loop_start) == len(m.loop_total) == len(m.face_slot) == m.n_faces > 0
    assert (m.loop_total >= 3).all()
    assert m.loop_start[0] == 0
    assert (m.loop_start[1:] == np.cumsum(m.loop_total)[:-1]).all()
    assert m.loop_total.sum() == len(m.loop_verts)
    assert m.loop_verts.min() >= 0 and m.loop_verts.max() < len(v)
    # catalog size, origin at the base centre
    lo, hi = m.bounds()
    size = np.asarray(spec.size)
    assert np.all(np.abs((hi - lo) / size - 1.0) <= 0.2), f"{kind} v{variant}: extent {hi - lo} vs {size}"
    assert abs(lo[2]) < 1e-3
    centre = (lo[:2] + hi[:2]) / 2
    assert np.all(np.abs(centre) <= 0.1 * size[:2])
    # material slots: in range, every part used
    n_parts = len(spec.parts)
    assert m.face_slot.min() >= 0 and m.face_slot.max() < n_parts
    assert set(np.unique(m.face_slot).tolist()) == set(range(n_parts)), (sorted(set(m.face_slot)), list(spec.parts))
    assert m.smooth == (kind in SMOOTH)


@pytest.mark.parametrize("kind,variant", CASES)
def test_no_degenerate_faces(kind, variant):
    m = _build(kind, variant)
    v = m.verts.astype(np.float64)
    scale = max(1.0, float(np.max(m.bounds()[1] - m.bounds()[0])))
    for s, n in zip(m.loop_start, m.loop_total):
        idx = m.loop_verts[s:s + n]
        assert len(set(idx.tolist())) == n, f"{kind}: repeated vertex in a polygon"
        p = v[idx]
        area = 0.5 * np.linalg.norm(np.cross(p, np.roll(p, -1, axis=0)).sum(axis=0))   # Newell
        assert area > 1e-10 * scale * scale, (kind, idx, p)


@pytest.mark.parametrize("kind,variant", [c for c in CASES if c[0] not in OPEN])
def test_outward_winding(kind, variant):
    # not every part is closed, but overall the mesh must enclose positive volume
    assert mesh.signed_volume(_build(kind, variant)) > 0


@pytest.mark.parametrize("kind,variant", CASES)
def test_consistent_winding(kind, variant):
    # neighbouring polygons agree on orientation: no directed edge is used twice
    m = _build(kind, variant)
    edges = set()
    for s, n in zip(m.loop_start, m.loop_total):
        p = m.loop_verts[s:s + n].tolist()
        for e in zip(p, p[1:] + p[:1]):
            assert e not in edges, (kind, e)
            edges.add(e)


@pytest.mark.parametrize("kind", KINDS)
def test_variants_deterministic_and_distinct(kind):
    n = max(1, catalog.get(kind).variants)
    builds = [_build(kind, v) for v in range(n)]
    again = [_build(kind, v) for v in range(n)]
    for a, b in zip(builds, again):
        for field in ("verts", "loop_verts", "loop_start", "loop_total", "face_slot"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
    for i in range(n):
        for j in range(i + 1, n):
            a, b = builds[i], builds[j]
            assert a.verts.shape != b.verts.shape or not np.allclose(a.verts, b.verts), (kind, i, j)


@pytest.mark.parametrize("kind,variant", CASES)
def test_build_is_the_cached_asset(kind, variant):
    m = assets.build(kind, variant)
    assert m is assets.build(kind, variant)
    fresh = _build(kind, variant)
    assert np.array_equal(m.verts, fresh.verts) and np.array_equal(m.loop_verts, fresh.loop_verts)
    # variants wrap around
    wrapped = assets.build(kind, variant + max(1, catalog.get(kind).variants))
    assert np.array_equal(wrapped.verts, m.verts)


def test_front_faces_minus_y():
    """Headlights sit at the front (-Y) of the road vehicles; heads at the front of creatures."""
    for kind in ("car", "truck", "bus"):
        spec = catalog.get(kind)
        m = _build(kind, 0)
        light = list(spec.parts).index("light")
        face_y = [m.verts[m.loop_verts[s:s + t], 1].mean()
                  for s, t, f in zip(m.loop_start, m.loop_total, m.face_slot) if f == light]
        assert np.mean(face_y) < -0.4 * spec.depth, kind
    for kind in ("dog", "cat", "cow"):
        spec = catalog.get(kind)
        m = _build(kind, 0)
        nose_slot = list(spec.parts).index("nose" if kind != "cow" else "horns")
        ys = [m.verts[m.loop_verts[s:s + t], 1].mean()
              for s, t, f in zip(m.loop_start, m.loop_total, m.face_slot) if f == nose_slot]
        assert np.min(ys) < -0.3 * spec.depth, kind
