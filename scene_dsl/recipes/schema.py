"""The recipe format: a kind defined as data (TOML or JSON), validated by pydantic.

A recipe file holds one or more kinds under ``[kinds.<name>]``. Each kind has
a category, colour slots (``main`` takes the entity's colour; a fixed part
material name such as ``"wood_dark"``; or ``{color, preset}``), and a list of
``parts``: primitives or references to other kinds (``kind = "tower"``), each
placed by the centre of its base (``at``, metres; front faces -Y), sized by
its bounding box (``size``), turned about its own centre (``rotate``, degrees,
X then Y then Z), optionally repeated (``array``) and mirrored on X.

Nothing in a recipe is ever executed: it is numbers and names, all bounded.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import colors

SHAPES = ("box", "rounded_box", "cylinder", "cone", "frustum", "sphere", "hemisphere", "torus",
          "wedge", "prism", "capsule")
CATEGORIES = ("primitive", "nature", "structure", "prop", "vehicle", "creature")
# presets a recipe may name for a colour slot: the DSL's presets and the builder's internal ones
PRESETS = ("plain", "wood", "metal", "glass", "plastic", "stone", "brick", "fabric", "grass", "sand", "snow",
           "water", "emissive", "bark", "window", "rubber", "paint", "leaf", "dirt", "concrete", "planks")
# fixed part materials the builder knows (blender/materials.PART_MATERIALS; a test keeps them equal)
FIXED_MATERIALS = ("bark", "leaf", "glass", "rubber", "headlight", "roof_tile", "wood_dark", "wood", "white_paint",
                   "metal_dark", "metal", "red_paint", "lamp_glow", "fabric_white", "water", "stone", "books",
                   "black_plastic", "orange_paint", "pink_paint", "cream", "skin", "denim", "hair")
MAX_PARTS = 64             # parts written in one recipe (or one composite entity)
MAX_EXPANDED = 512         # primitives after arrays, mirrors and kind references are expanded
MAX_ARRAY = 32
MAX_VARIANTS = 8
MAX_KINDS_PER_FILE = 200
MAX_SYNONYMS = 40
MAX_METRES = 500.0         # no part, offset or kind is larger than this
MIN_METRES = 0.002
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Length = Annotated[float, Field(gt=0, le=MAX_METRES, allow_inf_nan=False)]
Offset = Annotated[float, Field(ge=-MAX_METRES, le=MAX_METRES, allow_inf_nan=False)]
Angle = Annotated[float, Field(ge=-360.0, le=360.0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Array(_Strict):
    """``count`` copies, each ``spacing`` metres further along ``axis`` (the first at ``at``)."""
    count: int = Field(ge=1, le=MAX_ARRAY)
    axis: Literal["x", "y", "z"] = "x"
    spacing: Offset


class FixedColor(_Strict):
    color: str
    preset: Literal[PRESETS] = "plain"  # type: ignore[valid-type]

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        return colors.to_hex(v)


class Part(_Strict):
    shape: Literal[SHAPES] | None = None  # type: ignore[valid-type]
    kind: Name | None = Field(None, description="another kind placed here (its geometry, fitted to size)")
    at: tuple[Offset, Offset, Offset] | None = Field(None, description="where the base centre goes (default 0,0,0)")
    center: tuple[Offset, Offset, Offset] | None = Field(None, description="or: where the part's centre goes")
    size: tuple[Length, Length, Length] | None = Field(
        None, description="bounding box before rotation; a kind reference defaults to that kind's size")
    rotate: tuple[Angle, Angle, Angle] = (0.0, 0.0, 0.0)
    array: Array | None = None
    mirror_x: bool = False
    slot: Name | None = Field(None, description="colour slot; default: the kind's main slot")
    variants: tuple[Annotated[int, Field(ge=0, lt=MAX_VARIANTS)], ...] | None = Field(
        None, max_length=MAX_VARIANTS, description="only in these variants (default: all)")
    segments: int | None = Field(None, ge=3, le=48)
    top: float = Field(0.5, ge=0.0, le=4.0, allow_inf_nan=False,
                       description="frustum: top radius as a fraction of the bottom's (above 1: flares out)")
    round: Fraction = Field(0.25, description="rounded_box: corner roundness")
    thickness: Fraction = Field(0.3, description="torus: tube thickness as a fraction of the width")
    variant: int = Field(0, ge=0, lt=MAX_VARIANTS, description="kind reference: which variant")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.shape is None) == (self.kind is None):
            raise ValueError("a part needs exactly one of 'shape' (a primitive) or 'kind' (another kind)")
        if self.shape is not None and self.size is None:
            raise ValueError(f"a {self.shape} part needs a size [width, depth, height]")
        if self.at is not None and self.center is not None:
            raise ValueError("give 'at' (base centre) or 'center', not both")
        return self

    def base(self, size) -> tuple[float, float, float]:
        """The base centre of the part's (unturned) box, given its size."""
        if self.center is not None:
            return (self.center[0], self.center[1], self.center[2] - size[2] / 2)
        return self.at or (0.0, 0.0, 0.0)

    def copies(self) -> int:
        return (self.array.count if self.array else 1) * (2 if self.mirror_x else 1)


Slot = Union[Literal["main"], Name, FixedColor]


class Recipe(_Strict):
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    color: str = Field(description="the main slot's default colour")
    size: tuple[Length, Length, Length] | None = Field(
        None, description="real-world width, depth, height in metres (default: the parts' bounds)")
    slots: dict[Name, Slot] = Field(default_factory=lambda: {"body": "main"}, max_length=12)
    main_slot: Name | None = None
    preset: Literal[PRESETS] | None = Field(None, description="the main slot's preset when the entity names none")
    top: Length | None = Field(None, description="height in metres of a surface things can stand on")
    light: float | None = Field(None, ge=0.0, le=MAX_METRES, allow_inf_nan=False,
                                description="a light shines at this height (metres) at night")
    variants: int = Field(1, ge=1, le=MAX_VARIANTS)
    synonyms: tuple[Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9 '\-]*$")], ...] = \
        Field((), max_length=MAX_SYNONYMS)
    source: str | None = Field(None, max_length=200, description="where the kind's name comes from")
    has_parts: tuple[Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9 '\-]*$")], ...] = \
        Field((), max_length=MAX_SYNONYMS, description="words for parts the kind already has ('a church with a "
                                                      "steeple' is one church); kinds its parts reuse count too")
    is_a: Name | None = Field(None, description="the broader kind this is one of (a sailboat is a boat): a check "
                                                "for 'a boat' is met by a sailboat; a kind outside this file")
    parts: list[Part] = Field(min_length=1, max_length=MAX_PARTS)

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        return colors.to_hex(v)

    @model_validator(mode="after")
    def _check(self):
        mains = [k for k, v in self.slots.items() if v == "main"]
        for name, v in self.slots.items():
            if isinstance(v, str) and v != "main" and v not in FIXED_MATERIALS:
                raise ValueError(f"slots.{name}: unknown material {v!r}; use 'main', one of "
                                 f"{', '.join(FIXED_MATERIALS)}, or {{color = ..., preset = ...}}")
        if self.main_slot is not None and self.main_slot not in self.slots:
            raise ValueError(f"main_slot {self.main_slot!r} is not one of the slots {sorted(self.slots)}")
        if not mains and self.main_slot is None:
            raise ValueError("one slot must be 'main' (it takes the entity's colour)")
        for i, p in enumerate(self.parts):
            if p.slot is not None and p.slot not in self.slots:
                raise ValueError(f"parts[{i}].slot {p.slot!r} is not one of the slots {sorted(self.slots)}")
            if p.variants and max(p.variants) >= self.variants:
                raise ValueError(f"parts[{i}].variants names variant {max(p.variants)} "
                                 f"but the kind has {self.variants}")
        if sum(p.copies() for p in self.parts) > MAX_EXPANDED:
            raise ValueError(f"arrays and mirrors expand to more than {MAX_EXPANDED} parts")
        return self

    @property
    def main(self) -> str:
        return self.main_slot or next(k for k, v in self.slots.items() if v == "main")


class RecipeFile(_Strict):
    source: str | None = Field(None, max_length=300, description="where the kinds' names come from")
    kinds: dict[Name, Recipe] = Field(min_length=1, max_length=MAX_KINDS_PER_FILE)


_HEX = re.compile(r"^#[0-9a-f]{6}$")


def slot_value(slot: Slot) -> str:
    """A colour slot as a catalog part value: ``main``, a fixed material name, or ``#rrggbb:preset``."""
    if isinstance(slot, FixedColor):
        return f"{slot.color}:{slot.preset}"
    return slot


def parse_slot_value(value: str) -> tuple[str, str] | None:
    """``#rrggbb:preset`` -> (hex, preset); None for ``main`` and named fixed materials."""
    hex_, _, preset = value.partition(":")
    if _HEX.match(hex_) and preset in PRESETS:
        return hex_, preset
    return None
