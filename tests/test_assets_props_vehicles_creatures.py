"""Geometry checks for the prop, vehicle and creature assets (pure numpy, no bpy)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from worldsmith.addon import assets
from worldsmith.addon.assets import creatures, props, vehicles  # noqa: F401  (registers the kinds)
from worldsmith.scene_dsl import catalog

KINDS = ["table", "chair", "bench", "sofa", "bed", "bookshelf", "lamp", "street_lamp", "barrel", "crate",
         "mailbox", "campfire", "snowman", "signpost",
         "car", "truck", "bus", "boat", "bicycle",
         "person", "dog", "cat", "bird", "cow"]
CASES = [(k, v) for k in KINDS for v in range(catalog.get(k).variants)]


def _build(kind, variant):
    return assets._BUILDERS[kind](catalog.get(kind), variant)


def test_all_kinds_registered():
    for k in KINDS:
        assert assets.has_asset(k), k
        assert assets._BUILDERS[k].__module__.split(".")[-1] in ("props", "vehicles", "creatures")


@pytest.mark.parametrize("kind,variant", CASES)
def test_asset_geometry(kind, variant):
    spec = catalog.get(kind)
    m = _build(kind, variant)
    v = m.verts
    assert v.ndim == 2 and v.shape[1] == 3 and len(v) > 0
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    assert len(v) <= 2500, f"{kind}: {len(v)} verts"
    # polygon arrays are consistent
    assert len(m.loop_start) == len(m.loop_total) == len(m.face_slot) == m.n_faces > 0
    assert (m.loop_total >= 3).all()
    assert m.loop_start[0] == 0
    assert (m.loop_start[1:] == np.cumsum(m.loop_total)[:-1]).all()
    assert m.loop_total.sum() == len(m.loop_verts)
    assert m.loop_verts.min() >= 0 and m.loop_verts.max() < len(v)
    # size and origin
    lo, hi = m.bounds()
    ext = hi - lo
    size = np.asarray(spec.size)
    assert np.all(np.abs(ext / size - 1.0) <= 0.2), f"{kind} v{variant}: extent {ext} vs {size}"
    assert abs(lo[2]) < 1e-3
    centre = (lo[:2] + hi[:2]) / 2
    assert np.all(np.abs(centre) <= 0.1 * size[:2])
    # material slots: in range, every part used
    n_parts = len(spec.parts)
    assert m.face_slot.min() >= 0 and m.face_slot.max() < n_parts
    assert set(np.unique(m.face_slot).tolist()) == set(range(n_parts))
    # no degenerate polygons: distinct corners and nonzero area
    vv = v.astype(np.float64)
    for s, t in zip(m.loop_start, m.loop_total):
        idx = m.loop_verts[s:s + t]
        assert len(set(idx.tolist())) == t, f"{kind}: repeated vertex in a face"
        p = vv[idx]
        area = 0.5 * np.linalg.norm(np.cross(p - p.mean(axis=0), np.roll(p, -1, axis=0) - p.mean(axis=0)).sum(axis=0))
        assert area > 1e-10, f"{kind}: zero-area face"


@pytest.mark.parametrize("kind,variant", CASES)
def test_deterministic(kind, variant):
    a, b = _build(kind, variant), _build(kind, variant)
    assert np.array_equal(a.verts, b.verts)
    assert np.array_equal(a.loop_verts, b.loop_verts)
    assert np.array_equal(a.face_slot, b.face_slot)


@pytest.mark.parametrize("kind", [k for k in KINDS if catalog.get(k).variants > 1])
def test_variants_differ(kind):
    spec = catalog.get(kind)
    meshes = [_build(kind, v) for v in range(spec.variants)]
    for i in range(len(meshes)):
        for j in range(i + 1, len(meshes)):
            a, b = meshes[i], meshes[j]
            assert a.verts.shape != b.verts.shape or not np.allclose(a.verts, b.verts), (kind, i, j)


def test_front_faces_minus_y():
    """Headlights sit at the front (-Y) of the road vehicles; heads at the front of creatures."""
    for kind in ("car", "truck", "bus"):
        spec = catalog.get(kind)
        m = _build(kind, 0)
        light = list(spec.parts).index("light")
        face_y = [m.verts[m.loop_verts[s:s + t], 1].mean()
                  for s, t, f in zip(m.loop_start, m.loop_total, m.face_slot) if f == light]
        assert np.mean(face_y) < -0.4 * spec.depth
    for kind in ("dog", "cat", "cow"):
        spec = catalog.get(kind)
        m = _build(kind, 0)
        nose_slot = list(spec.parts).index("nose" if kind != "cow" else "horns")
        ys = [m.verts[m.loop_verts[s:s + t], 1].mean()
              for s, t, f in zip(m.loop_start, m.loop_total, m.face_slot) if f == nose_slot]
        assert np.min(ys) < -0.3 * spec.depth


def test_closed_parts_point_outward():
    """A whole closed-ish asset has positive signed volume (outward winding dominates)."""
    for kind in ("table", "crate", "barrel", "car", "bus", "snowman", "cow"):
        assert props.signed_volume(_build(kind, 0)) > 0, kind


def test_public_build_uses_these_assets():
    m = assets.build("car", 1)
    assert m.verts.shape[0] > 100


def test_build_speed():
    t0 = time.perf_counter()
    for k, v in CASES:
        _build(k, v)
    assert time.perf_counter() - t0 < 5.0
