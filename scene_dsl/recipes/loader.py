"""Reading recipe files: parse, validate each kind, resolve kind references.

Every problem is an ``Issue`` whose path names the file and the field
(``home.toml: kinds.sink.parts[2].size[0]``). Shipped recipes load strictly
(any problem raises ``RecipeError``); a user folder loads leniently: a broken
kind, and any kind that uses it, is left out with a warning, the rest load.
"""
from __future__ import annotations

import json
import math
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from pydantic import ValidationError

from ..errors import Issue, format_loc
from .schema import MAX_EXPANDED, MAX_KINDS_PER_FILE, Part, Recipe, RecipeFile

MAX_FILE_BYTES = 1_000_000
MAX_FILES = 200
SUFFIXES = (".toml", ".json")


class RecipeError(ValueError):
    """Recipes failed to load. ``issues`` says what and where (file and field)."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:20]) or "invalid recipe")


@dataclass(frozen=True)
class Loaded:
    name: str
    recipe: Recipe
    file: str
    size: tuple[float, float, float]


def _issues(err: ValidationError, where: str, prefix: tuple = ()) -> list[Issue]:
    out = []
    for e in err.errors()[:20]:
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        if e["type"] not in ("missing", "model_type") and not isinstance(got, (dict, list)):
            text = repr(got)
            msg += f" (got {text[:60]})"
        out.append(Issue(f"{where}: {format_loc(prefix + tuple(e['loc']))}", msg))
    return out


def read_file(path: str) -> tuple[dict[str, Recipe], list[Issue]]:
    """Parse one file; each kind is validated on its own, so one bad kind spoils only itself."""
    where = os.path.basename(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return {}, [Issue(where, f"file is {size} bytes; recipes files are at most {MAX_FILE_BYTES}")]
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        return {}, [Issue(where, f"cannot read recipe file: {exc.strerror or exc}")]
    try:
        if path.endswith(".json"):
            doc = json.loads(raw.decode("utf-8"))
        else:
            doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, [Issue(where, "not UTF-8 text")]
    except json.JSONDecodeError as exc:
        return {}, [Issue(f"{where}: line {exc.lineno}", f"not valid JSON: {exc.msg}")]
    except tomllib.TOMLDecodeError as exc:
        return {}, [Issue(where, f"not valid TOML: {exc}")]
    except RecursionError:
        return {}, [Issue(where, "nested too deeply")]
    if not isinstance(doc, dict):
        return {}, [Issue(where, "a recipe file is a table with a 'kinds' table")]
    kinds = doc.get("kinds")
    shell = {k: v for k, v in doc.items() if k != "kinds"}
    try:
        RecipeFile.model_validate({**shell, "kinds": {"x": _MINIMAL}})
    except ValidationError as err:
        return {}, _issues(err, where)
    if not isinstance(kinds, dict) or not kinds:
        return {}, [Issue(f"{where}: kinds", "a recipe file needs a non-empty [kinds] table")]
    if len(kinds) > MAX_KINDS_PER_FILE:
        return {}, [Issue(f"{where}: kinds", f"{len(kinds)} kinds; a file holds at most {MAX_KINDS_PER_FILE}")]
    out, issues = {}, []
    source = doc.get("source")
    for name, body in kinds.items():
        try:
            RecipeFile.model_validate({"kinds": {name: _MINIMAL}})
        except ValidationError:
            issues.append(Issue(f"{where}: kinds.{str(name)[:40]}",
                                "a kind name is lower-case letters, digits and '_' (at most 40)"))
            continue
        try:
            r = Recipe.model_validate(body)
        except ValidationError as err:
            issues += _issues(err, where, ("kinds", name))
            continue
        if r.source is None and source:
            r = r.model_copy(update={"source": source})
        out[name] = r
    return out, issues


_MINIMAL = {"category": "prop", "color": "#808080", "parts": [{"shape": "box", "size": [1, 1, 1]}]}


def list_files(folder: str) -> tuple[list[str], list[Issue]]:
    if not os.path.isdir(folder):
        return [], [Issue(folder, "recipes folder does not exist")]
    names = sorted(n for n in os.listdir(folder) if n.endswith(SUFFIXES) and not n.startswith("."))
    if len(names) > MAX_FILES:
        return [], [Issue(folder, f"{len(names)} recipe files; a folder holds at most {MAX_FILES}")]
    return [os.path.join(folder, n) for n in names], []


# ---- geometry bookkeeping (pure): where each part's copies go, and the bounds -----------------

@dataclass(frozen=True)
class Placed:
    part: Part
    at: tuple[float, float, float]
    mirrored: bool


def placements(parts: Iterable[Part], size_of, variant: int | None = None) -> Iterator[Placed]:
    """Every copy of every part (arrays, then the mirror on X), for ``variant`` (None: all).
    ``size_of(part)`` is the part's size (a kind reference's default is its kind's size)."""
    for p in parts:
        if variant is not None and p.variants is not None and variant not in p.variants:
            continue
        n = p.array.count if p.array else 1
        axis = "xyz".index(p.array.axis) if p.array else 0
        base = p.base(size_of(p))
        for i in range(n):
            at = list(base)
            if p.array:
                at[axis] += i * p.array.spacing
            yield Placed(p, tuple(at), False)
            if p.mirror_x:
                yield Placed(p, (-at[0], at[1], at[2]), True)


@lru_cache(maxsize=1024)
def rotation_matrix(deg: tuple[float, float, float]):
    """X, then Y, then Z (degrees), as a 3x3 nested tuple applied to column vectors."""
    rx, ry, rz = (math.radians(a) for a in deg)
    cx, sx, cy, sy, cz, sz = math.cos(rx), math.sin(rx), math.cos(ry), math.sin(ry), math.cos(rz), math.sin(rz)
    X = ((1, 0, 0), (0, cx, -sx), (0, sx, cx))
    Y = ((cy, 0, sy), (0, 1, 0), (-sy, 0, cy))
    Z = ((cz, -sz, 0), (sz, cz, 0), (0, 0, 1))

    def mul(a, b):
        return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))
    return mul(Z, mul(Y, X))


def part_box(pl: Placed, size: tuple[float, float, float]):
    """The axis-aligned (lo, hi) box of one placed part, turned as its recipe says (a mirrored copy's
    placement is already mirrored, and its box is the same about its centre)."""
    hx, hy, hz = size[0] / 2, size[1] / 2, size[2] / 2
    cx, cy, cz = pl.at[0], pl.at[1], pl.at[2] + hz
    if any(pl.part.rotate):
        m = rotation_matrix(pl.part.rotate)
        # half extents of a turned box: |M| times the half sizes
        hx, hy, hz = (abs(r[0]) * hx + abs(r[1]) * hy + abs(r[2]) * hz for r in m)
    return (cx - hx, cy - hy, cz - hz), (cx + hx, cy + hy, cz + hz)


def part_size(p: Part, sizes: dict[str, tuple[float, float, float]]) -> tuple[float, float, float]:
    return p.size if p.size is not None else sizes[p.kind]


def bounds(parts: Iterable[Part], sizes: dict[str, tuple[float, float, float]]):
    lo, hi = [math.inf] * 3, [-math.inf] * 3
    for pl in placements(parts, lambda p: part_size(p, sizes)):
        a, b = part_box(pl, part_size(pl.part, sizes))
        for i in range(3):
            lo[i], hi[i] = min(lo[i], a[i]), max(hi[i], b[i])
    return tuple(lo), tuple(hi)


# ---- resolving kind references ---------------------------------------------------------------

def resolve(recipes: dict[str, tuple[Recipe, str]], base_sizes: dict[str, tuple[float, float, float]],
            strict: bool) -> tuple[dict[str, Loaded], list[Issue]]:
    """Check kind references (known, no cycles, bounded expansion) and settle each kind's size.

    ``base_sizes``: the kinds recipes may reuse that are not recipes (the procedural ones).
    """
    issues: list[Issue] = []
    bad: set[str] = set()
    state: dict[str, int] = {}       # 1 visiting, 2 done
    expanded: dict[str, int] = {}
    order: list[str] = []

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name):] + [name]
            issues.append(Issue(f"{recipes[name][1]}: kinds.{name}.parts",
                                f"kind references form a cycle: {' -> '.join(cycle)}"))
            bad.update(cycle)
            return
        state[name] = 1
        recipe, where = recipes[name]
        if recipe.is_a is not None and recipe.is_a not in base_sizes:
            issues.append(Issue(f"{where}: kinds.{name}.is_a",
                                f"unknown kind {recipe.is_a!r} (a broader kind outside these recipes)"))
            bad.add(name)
        total = 0
        for i, p in enumerate(recipe.parts):
            if p.kind is None:
                total += p.copies()
                continue
            if p.kind in recipes:
                visit(p.kind, path + [name])
                if p.kind in bad:
                    if name not in bad:
                        issues.append(Issue(f"{where}: kinds.{name}.parts[{i}].kind",
                                            f"uses kind {p.kind!r}, which failed to load"))
                    bad.add(name)
                total += p.copies() * expanded.get(p.kind, 1)
            elif p.kind in base_sizes:
                total += p.copies()
            else:
                issues.append(Issue(f"{where}: kinds.{name}.parts[{i}].kind", f"unknown kind {p.kind!r}"))
                bad.add(name)
        if total > MAX_EXPANDED and name not in bad:
            issues.append(Issue(f"{where}: kinds.{name}.parts",
                                f"expands to {total} primitives with its kind references; at most {MAX_EXPANDED}"))
            bad.add(name)
        expanded[name] = total
        state[name] = 2
        order.append(name)

    for name in recipes:
        visit(name, [])
    if strict and issues:
        raise RecipeError(issues)
    sizes = dict(base_sizes)
    out: dict[str, Loaded] = {}
    for name in order:               # references come before their users
        if name in bad:
            continue
        recipe, where = recipes[name]
        if recipe.size is not None:
            size = recipe.size
        else:
            lo, hi = bounds(recipe.parts, sizes)
            size = tuple(round(max(h - l, 0.01), 4) for l, h in zip(lo, hi))
        sizes[name] = size
        out[name] = Loaded(name, recipe, where, size)
    return out, issues


def load_folder(folder: str, base_sizes: dict[str, tuple[float, float, float]], strict: bool,
                taken: Iterable[str] = ()) -> tuple[dict[str, Loaded], list[Issue]]:
    """All recipes of ``folder``. Names in ``taken`` (kinds that exist already) are skipped with a warning."""
    files, issues = list_files(folder)
    taken = set(taken)
    recipes: dict[str, tuple[Recipe, str]] = {}
    for path in files:
        found, errs = read_file(path)
        issues += errs
        where = os.path.basename(path)
        for name, r in found.items():
            if name in taken or name in recipes:
                other = "a built-in kind" if name in taken else f"kinds.{name} in {recipes[name][1]}"
                issues.append(Issue(f"{where}: kinds.{name}", f"the name is taken by {other}; this one is ignored"))
                continue
            recipes[name] = (r, where)
    if strict and issues:
        raise RecipeError(issues)
    loaded, more = resolve(recipes, base_sizes, strict)
    return loaded, issues + more
