"""Scene DSL v2: the document a model writes and the engine builds.

Field names are short and ordered the way a model should write them (what,
how many, what colour, then where). Every number and list is bounded.

Version 2 adds composite entities: ``parts`` (the recipe part schema) instead
of a catalog ``kind``, with an optional ``name`` (its label), ``size`` in
metres and ``top``. A version 1 document is migrated on load (``migrate``):
it validates and builds exactly as before and is written back as version 2.
"""
from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import catalog, colors, composite
from .errors import Issue, SceneError, format_loc
from .recipes.schema import Length, Name, Part

DSL_VERSION = 2
VERSIONS = (1, 2)          # versions this Worldsmith reads (1 is migrated to 2)
MAX_ENTITIES = 2000          # after counts are expanded
MAX_ENTRIES = 500            # entity entries in one document
MAX_COUNT = 2000
MAX_COORD = 1000.0           # metres from the origin
MAX_RELATIONS = 16
MAX_DEPTH = 32               # nesting of lists and objects (a valid scene needs 5)

TIMES_OF_DAY = ("dawn", "morning", "noon", "afternoon", "sunset", "dusk", "night")
GROUNDS = ("grass", "sand", "snow", "dirt", "stone", "water", "concrete", "wood")
RELATIONS = ("left_of", "right_of", "in_front_of", "behind", "on", "under", "near",
             "next_to", "between", "around", "facing")
SIZES = ("tiny", "small", "medium", "large", "huge")
SIZE_SCALE = {"tiny": 0.4, "small": 0.7, "medium": 1.0, "large": 1.5, "huge": 2.5}
ARRANGEMENTS = ("row", "grid", "ring", "cluster", "scatter")
MATERIALS = ("plain", "wood", "metal", "glass", "plastic", "stone", "brick", "fabric",
             "grass", "sand", "snow", "water", "emissive")
CAMERA_VIEWS = ("front", "front_left", "front_right", "left", "right", "back", "top", "aerial", "low")

def _known_kind(v: str) -> str:
    if v not in catalog.KINDS and v != composite.COMPOSITE:   # read at validation time: a user's recipes folder adds kinds
        raise ValueError(f"unknown kind {short(v)}; known kinds: {', '.join(catalog.KIND_NAMES)}")
    return v


# the schema's enum is filled in when the schema is made, so it lists the kinds loaded by then
Kind = Annotated[str, AfterValidator(_known_kind),
                 Field(json_schema_extra=lambda s: s.update(enum=[*catalog.KIND_NAMES, composite.COMPOSITE]),
                       description="a catalog kind; 'composite' (or omitted) for an entity with its own parts")]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="lower-case identifier")]
Coord = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Relation(_Strict):
    type: Literal[RELATIONS]  # type: ignore[valid-type]
    target: Id
    target2: Id | None = Field(None, description="second reference, for 'between' only")


class Entity(_Strict):
    id: Id
    kind: Kind | None = None
    name: Name | None = Field(None, description="composite only: what it is (its label), e.g. 'gazebo'")
    parts: list[Part] | None = Field(None, min_length=1, max_length=composite.MAX_COMPOSITE_PARTS,
                                     description="composite only (v2): its own parts, instead of a catalog kind")
    count: int = Field(1, ge=1, le=MAX_COUNT)
    color: str | None = Field(None, description="CSS colour name or #rrggbb; default: the kind's own")
    material: Literal[MATERIALS] | None = None  # type: ignore[valid-type]
    size: Literal[SIZES] | tuple[Length, Length, Length] | None = Field(  # type: ignore[valid-type]
        None, description="a word; or, for a composite, [width, depth, height] in metres (default: its parts' bounds)")
    top: Length | None = Field(None, description="composite only: height in metres of a surface things stand on")
    scale: float | None = Field(None, gt=0.01, le=100.0, allow_inf_nan=False)
    arrangement: Literal[ARRANGEMENTS] | None = None  # type: ignore[valid-type]
    position: tuple[Coord, Coord, Coord] | None = None
    rotation: float | None = Field(None, ge=-360.0, le=360.0, allow_inf_nan=False,
                                   description="degrees about Z; 0 faces the camera")
    relations: list[Relation] = Field(default_factory=list, max_length=MAX_RELATIONS)
    requested: str | None = Field(None, max_length=120,
                                  description="the words the prompt used for this thing (set by the prompt "
                                              "reading, never by the model); the built objects carry it")

    @field_validator("color")
    @classmethod
    def _color(cls, v: str | None) -> str | None:
        if v is None:
            return v
        colors.to_hex(v)  # raises ValueError with a readable message
        return v

    @model_validator(mode="after")
    def _kind_or_parts(self):
        if self.parts is None:
            if self.kind is None or self.kind == composite.COMPOSITE:
                raise ValueError("an entity needs a catalog 'kind', or 'parts' to make a composite")
            for f in ("name", "top"):
                if getattr(self, f) is not None:
                    raise ValueError(f"'{f}' is only for a composite (an entity with 'parts')")
            if isinstance(self.size, tuple):
                raise ValueError("a size in metres is only for a composite; a catalog kind's size is one of "
                                 + ", ".join(SIZES))
            return self
        if self.kind is not None and self.kind != composite.COMPOSITE:
            raise ValueError(f"give 'kind' ({self.kind!r}) or 'parts', not both")
        self.kind = composite.COMPOSITE
        return self

    @property
    def is_composite(self) -> bool:
        return self.parts is not None

    @property
    def label(self) -> str:
        """What the entity is, for labels: its kind, or a composite's name."""
        return (self.name or composite.COMPOSITE) if self.parts is not None else self.kind

    def spec(self) -> catalog.KindSpec:
        if self.parts is None:
            return catalog.get(self.kind)
        size = self.size if isinstance(self.size, tuple) else None
        return composite.spec(tuple(self.parts), size, self.top, self.label)

    def mesh_key(self) -> str:
        """The builder's key for this entity's geometry: its kind, or a composite's parts and size."""
        return self.kind if self.parts is None else composite.mesh_key(self.parts, self.spec().size)

    def resolved_color(self) -> str:
        return colors.to_hex(self.color) if self.color else self.spec().color

    def size_factor(self) -> float:
        word = self.size if isinstance(self.size, str) else None
        return (self.scale or 1.0) * SIZE_SCALE[word or "medium"]


class Camera(_Strict):
    view: Literal[CAMERA_VIEWS] | None = None  # type: ignore[valid-type]
    zoom: float | None = Field(None, ge=0.2, le=5.0, allow_inf_nan=False,
                               description=">1 moves closer, <1 further away")
    lens: float | None = Field(None, ge=8.0, le=300.0, allow_inf_nan=False, description="focal length, mm")
    target: Id | None = Field(None, description="entity to centre on")


class Scene(_Strict):
    version: Literal[VERSIONS] = DSL_VERSION  # type: ignore[valid-type]

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v):
        if isinstance(v, bool):   # true == 1 in Python, but the schema says integer
            raise ValueError(f"unsupported DSL version {v!r}; {_READS}")
        return v

    @field_validator("version", mode="after")
    @classmethod
    def _migrated(cls, v):
        return DSL_VERSION        # a v1 document is a v2 document (``migrate`` checks it uses no v2 field)
    time_of_day: Literal[TIMES_OF_DAY] = "noon"  # type: ignore[valid-type]
    ground: Literal[GROUNDS] = "grass"  # type: ignore[valid-type]
    entities: list[Entity] = Field(min_length=1, max_length=MAX_ENTRIES)
    camera: Camera | None = None
    seed: int = Field(0, ge=0, le=2**31 - 1, description="layout and variant seed")

    def total_count(self) -> int:
        return sum(e.count for e in self.entities)

    def entity(self, id_: str) -> Entity:
        for e in self.entities:
            if e.id == id_:
                return e
        raise KeyError(id_)

    def to_json(self, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent, exclude_none=True, exclude_defaults=False)


_READS = "this Worldsmith reads versions 1 and 2"
V2_FIELDS = ("parts", "name", "top")


def migrate(doc: dict) -> tuple[dict, list[Issue]]:
    """A version 1 document as version 2 (nothing else changes: every v1 document is a v2 one),
    with an issue for each v2 field it uses. Other versions pass through for validation to judge."""
    v = doc.get("version")
    if type(v) is not int or v != 1:
        return doc, []
    issues = []
    ents = doc.get("entities")
    for i, e in enumerate(ents if isinstance(ents, list) else []):
        if not isinstance(e, dict):
            continue
        for f in V2_FIELDS:
            if f in e:
                issues.append(Issue(f"entities[{i}].{f}", f"'{f}' is new in DSL version 2; this document says version 1"))
        if isinstance(e.get("size"), list) or e.get("kind") == composite.COMPOSITE:
            f = "size" if isinstance(e.get("size"), list) else "kind"
            issues.append(Issue(f"entities[{i}].{f}", "composites are new in DSL version 2; "
                                                     "this document says version 1"))
    return {**doc, "version": DSL_VERSION}, issues


def _semantic_issues(scene: Scene) -> list[Issue]:
    issues: list[Issue] = []
    for i, e in enumerate(scene.entities):
        if e.parts is not None:
            for path, msg in composite.problems(e.parts, e.size if isinstance(e.size, tuple) else None, e.top):
                issues.append(Issue(f"entities[{i}].{path}", msg))
    seen: dict[str, int] = {}
    for i, e in enumerate(scene.entities):
        if e.id in seen:
            issues.append(Issue(f"entities[{i}].id", f"duplicate id {e.id!r} (also entities[{seen[e.id]}])"))
        else:
            seen[e.id] = i
    total = scene.total_count()
    if total > MAX_ENTITIES:
        issues.append(Issue("entities", f"{total} entities after counts are expanded; at most {MAX_ENTITIES}"))
    supports: dict[str, str] = {}
    for i, e in enumerate(scene.entities):
        for j, r in enumerate(e.relations):
            p = f"entities[{i}].relations[{j}]"
            for field_name, ref in (("target", r.target), ("target2", r.target2)):
                if ref is None:
                    continue
                if ref not in seen:
                    issues.append(Issue(f"{p}.{field_name}", f"no entity has id {ref!r}"))
                elif ref == e.id:
                    issues.append(Issue(f"{p}.{field_name}", f"{e.id!r} cannot relate to itself"))
            if r.type == "between" and r.target2 is None:
                issues.append(Issue(f"{p}.target2", "'between' needs a second reference in target2"))
            if r.type != "between" and r.target2 is not None:
                issues.append(Issue(f"{p}.target2", f"target2 is only for 'between', not {r.type!r}"))
            if r.type == "on":
                if e.id in supports:
                    issues.append(Issue(f"{p}", f"{e.id!r} is already 'on' {supports[e.id]!r}"))
                else:
                    supports[e.id] = r.target
    # cycles of 'on' (a on b, b on a) cannot be built
    for start in supports:
        chain, node = [start], supports.get(start)
        while node is not None and node not in chain:
            chain.append(node)
            node = supports.get(node)
        if node == start:
            idx = seen[start]
            cyc = " on ".join(chain + [start])
            issues.append(Issue(f"entities[{idx}].relations", f"cyclic 'on' relations: {cyc}"))
            break
    if scene.camera and scene.camera.target and scene.camera.target not in seen:
        issues.append(Issue("camera.target", f"no entity has id {scene.camera.target!r}"))
    return issues


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a message never echoes a huge input back."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _cap(msg: str, limit: int = 300) -> str:
    return msg if len(msg) <= limit else f"{msg[:limit]}... ({len(msg)} characters)"


def _union_tag(seg) -> bool:
    return isinstance(seg, str) and seg.startswith(("literal[", "tuple["))


def _one_branch(errors: list[dict]) -> list[dict]:
    """``size`` is a word or [w, d, h]: report only the branch the input meant (a string: the word,
    else the list), with pydantic's branch tag left out of the path."""
    words = {e["loc"][:k]: isinstance(e.get("input"), str) for e in errors
             for k, seg in enumerate(e["loc"]) if isinstance(seg, str) and seg.startswith("literal[")}
    out = []
    for e in errors:
        k = next((k for k, seg in enumerate(e["loc"]) if _union_tag(seg)), None)
        if k is None:
            out.append(e)
        elif words.get(e["loc"][:k], False) == e["loc"][k].startswith("literal["):
            out.append({**e, "loc": e["loc"][:k] + e["loc"][k + 1:]})
    return out


def _pydantic_issues(err: ValidationError) -> list[Issue]:
    out = []
    for e in _one_branch(err.errors()):
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if e["type"] == "literal_error" and "kind" in e["loc"]:
            msg = f"unknown kind {short(e.get('input'))}; known kinds: {', '.join(catalog.KIND_NAMES)}"
        elif e["type"] == "literal_error" and e["loc"] == ("version",):
            msg = f"unsupported DSL version {short(e.get('input'))}; {_READS}"
        elif e["type"] == "literal_error":
            msg = f"{_cap(msg)} (got {short(e.get('input'))})"
        elif e["type"] in ("int_type", "float_type", "string_type", "bool_type", "list_type", "tuple_type",
                           "dict_type", "model_type", "int_from_float"):
            msg = f"{msg} (got {short(e.get('input'))})"
        out.append(Issue(format_loc(e["loc"]), _cap(msg)))
    return out


def _depth(doc: Any) -> int:
    """How deeply lists and objects nest in ``doc`` (iterative: never a RecursionError)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, (list, tuple)):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in node)
        if deepest > MAX_DEPTH:
            break
    return deepest


def parse_scene(data: Any) -> Scene:
    """Validate a DSL document (JSON text, bytes or a dict) into a ``Scene``.

    Validation is strict, as the published JSON Schema is: ``"3"`` is not a count and
    ``true`` is not a version. Raises ``SceneError`` with every problem found, each with
    its field path; a message never repeats a long input in full.
    """
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SceneError([Issue("", f"not UTF-8 text (byte {exc.start})")]) from None
    if isinstance(data, str):
        try:
            data = json.loads(data, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise SceneError([Issue("", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")]) from None
        except RecursionError:
            raise SceneError([Issue("", f"lists and objects nest more than {MAX_DEPTH} deep")]) from None
        except ValueError as exc:
            raise SceneError([Issue("", str(exc))]) from None
    if not isinstance(data, dict):
        raise SceneError([Issue("", f"a scene is a JSON object, not {type(data).__name__}")])
    if _depth(data) > MAX_DEPTH:
        raise SceneError([Issue("", f"lists and objects nest more than {MAX_DEPTH} deep")])
    data, old = migrate(data)
    if old:
        raise SceneError(old)
    try:
        # through JSON text, in strict mode: exactly the types the JSON Schema allows
        scene = Scene.model_validate_json(json.dumps(data, allow_nan=False), strict=True)
    except ValidationError as exc:
        raise SceneError(_pydantic_issues(exc)) from None
    except (TypeError, ValueError) as exc:   # not JSON data at all (a set, NaN, an object)
        raise SceneError([Issue("", f"not JSON data: {_cap(str(exc))}")]) from None
    issues = _semantic_issues(scene)
    if issues:
        raise SceneError(issues)
    return scene


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number a scene may contain (finite numbers only)")


def expanded_ids(scene: Scene) -> list[tuple[str, int, Entity]]:
    """Every placed instance: (instance name, member index, entity)."""
    out = []
    for e in scene.entities:
        for k in range(e.count):
            out.append((e.id if e.count == 1 else f"{e.id}.{k + 1:03d}", k, e))
    return out


def is_finite(x: float) -> bool:
    return math.isfinite(x)
