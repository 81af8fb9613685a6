"""Procedural assets: one pure geometry function per catalog kind.

``build(kind, variant)`` returns a ``MeshData`` with the base centre at the
origin, front toward -Y, sized to the catalog's real-world dimensions, and one
material slot per catalog part (same order as ``KindSpec.parts``).
"""
from __future__ import annotations

from functools import lru_cache

from ...scene_dsl import catalog
from . import mesh
from .mesh import MeshData

_BUILDERS = {}


def asset(kind: str):
    """Register the geometry function of a catalog kind."""
    def deco(fn):
        if kind not in catalog.KINDS:
            raise KeyError(f"{kind!r} is not in the kind catalog")
        _BUILDERS[kind] = fn
        return fn
    return deco


def slots(spec) -> dict[str, int]:
    """Part name -> material slot index (catalog ``parts`` order)."""
    return {name: i for i, name in enumerate(spec.parts)}


@asset("cube")
def _cube(spec, variant):
    return mesh.box(spec.size)


@asset("sphere")
def _sphere(spec, variant):
    return mesh.uv_sphere(0.5, 24, 12, (0, 0, 0.5), scale=spec.size)


@asset("cylinder")
def _cylinder(spec, variant):
    return mesh.transformed(mesh.cylinder(0.5, 1.0, 24, smooth=True), spec.size)


@asset("cone")
def _cone(spec, variant):
    return mesh.transformed(mesh.cone(0.5, 1.0, 24), spec.size)


@asset("torus")
def _torus(spec, variant):
    return mesh.torus(0.375 * spec.width, 0.125 * spec.width, 32, 12, z_center=spec.height / 2)


@asset("plane")
def _plane(spec, variant):
    return mesh.plane(spec.size[:2], spec.height)


@asset("pyramid")
def _pyramid(spec, variant):
    return mesh.pyramid(spec.size)


def _fallback(spec, variant) -> MeshData:
    """A neutral box of the kind's size, for kinds whose asset is not written yet."""
    return mesh.box(spec.size)


def _load_kind_modules() -> None:
    # Asset modules register themselves with @asset when imported.
    from importlib import import_module
    for name in ("nature", "structures", "props", "vehicles", "creatures"):
        try:
            import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


@lru_cache(maxsize=None)
def build(kind: str, variant: int = 0) -> MeshData:
    """Geometry for ``kind``; cached, so identical (kind, variant) share data."""
    if not _BUILDERS.keys() - {"cube", "sphere", "cylinder", "cone", "torus", "plane", "pyramid"}:
        _load_kind_modules()
    spec = catalog.get(kind)
    if kind in catalog.RECIPES and kind not in _BUILDERS:
        from . import recipe
        return recipe.build(kind, variant % max(1, spec.variants), build)
    fn = _BUILDERS.get(kind, _fallback)
    return fn(spec, variant % max(1, spec.variants))


def build_composite(key: str, parts, spec) -> MeshData:
    """Geometry of a composite entity's parts (DSL v2), cached by ``key`` (its parts and size)."""
    from . import recipe
    return recipe.build_composite(key, parts, spec, build)


def has_asset(kind: str) -> bool:
    _load_kind_modules()
    return kind in _BUILDERS
