"""Places and situations as data (``places.json``): what a sentence that names a
place implies. "a farm" names no barn, yet a farm without a barn, animals or a
fence is not a farm.

Each place has the words that name it, its usual ground, plausible times of
day, and its typical things: kind, count, arrangement, and a relation to
another thing of the same place (by kind). Used

* by ``generation.prompting`` to pick the model's few-shot examples by
  retrieval (a prompt about a harbour is shown a harbour), and
* by ``implied_additions`` as the fallback when the model adds nothing the
  sentence implies (a visible note says what was added and why).

Validated on load: a kind the catalog does not have, an unknown relation,
ground, time or arrangement is an error naming the place and field. Adding a
place is adding a JSON object; no code changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import catalog
from .models import ARRANGEMENTS, GROUNDS, RELATIONS, TIMES_OF_DAY, Entity, Relation, Scene

PLACES_FILE = Path(__file__).with_name("places.json")


class PlacesError(ValueError):
    pass


@dataclass(frozen=True)
class Thing:
    kind: str
    count: int = 1
    arrangement: str | None = None
    relation: tuple[str, str] | None = None     # (relation, kind of another thing of this place)
    color: str | None = None


@dataclass(frozen=True)
class Place:
    name: str
    words: tuple[str, ...]
    ground: str
    times: tuple[str, ...]
    things: tuple[Thing, ...]
    example: str | None = None


def validate(doc: object, where: str = "places.json") -> list[str]:
    """Problems in a places document, each naming the place and field."""
    if not isinstance(doc, dict) or not isinstance(doc.get("places"), list):
        return [f"{where}: expected an object with a 'places' list"]
    probs: list[str] = []
    names: set[str] = set()
    for i, p in enumerate(doc["places"]):
        at = f"{where}: places[{i}]"
        if not isinstance(p, dict):
            probs.append(f"{at}: not an object")
            continue
        name = p.get("name")
        at = f"{where}: places[{i}] ({name})"
        if not isinstance(name, str) or not name or name in names:
            probs.append(f"{at}.name: missing or repeated")
        names.add(name)
        words = p.get("words")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            probs.append(f"{at}.words: a non-empty list of words")
        if p.get("ground") not in GROUNDS:
            probs.append(f"{at}.ground: {p.get('ground')!r} is not one of {', '.join(GROUNDS)}")
        times = p.get("times")
        if not isinstance(times, list) or not times or any(t not in TIMES_OF_DAY for t in times):
            probs.append(f"{at}.times: a non-empty list of {', '.join(TIMES_OF_DAY)}")
        things = p.get("things")
        if not isinstance(things, list) or not things:
            probs.append(f"{at}.things: a non-empty list")
            continue
        kinds = [t.get("kind") for t in things if isinstance(t, dict)]
        for j, t in enumerate(things):
            tat = f"{at}.things[{j}]"
            if not isinstance(t, dict):
                probs.append(f"{tat}: not an object")
                continue
            if t.get("kind") not in catalog.KINDS:
                probs.append(f"{tat}.kind: unknown kind {t.get('kind')!r}")
            if not isinstance(t.get("count", 1), int) or not 1 <= t.get("count", 1) <= 50:
                probs.append(f"{tat}.count: an integer 1..50")
            if t.get("arrangement") not in (None, *ARRANGEMENTS):
                probs.append(f"{tat}.arrangement: {t.get('arrangement')!r} is not one of {', '.join(ARRANGEMENTS)}")
            rel = t.get("relation")
            if rel is not None and not (isinstance(rel, list) and len(rel) == 2 and rel[0] in RELATIONS
                                        and rel[1] in kinds and rel[1] != t.get("kind")):
                probs.append(f"{tat}.relation: [relation, kind of another thing of this place], not {rel!r}")
    return probs


@lru_cache(maxsize=4)
def load(path: str | None = None) -> tuple[Place, ...]:
    where = Path(path) if path else PLACES_FILE
    try:
        doc = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlacesError(f"cannot read {where}: {exc}") from None
    probs = validate(doc, where.name)
    if probs:
        raise PlacesError("; ".join(probs[:5]))
    return tuple(Place(p["name"], tuple(w.lower() for w in p["words"]), p["ground"], tuple(p["times"]),
                       tuple(Thing(t["kind"], t.get("count", 1), t.get("arrangement"),
                                   tuple(t["relation"]) if t.get("relation") else None, t.get("color"))
                             for t in p["things"]), p.get("example"))
                 for p in doc["places"])


def _phrase_in(words: tuple[str, ...], tokens: list[str]) -> int:
    """Length in tokens of the longest of ``words`` found in ``tokens`` (0: none)."""
    text = " " + " ".join(tokens) + " "
    return max((len(w.split()) for w in words if f" {w} " in text), default=0)


def phrase_from(tokens: list[str], start: int, end: int, joins: set[str] = frozenset()) -> Place | None:
    """The place whose name is a compound that starts at ``tokens[start]`` and runs past ``end``
    ("flower garden" from "flower"; not "cabin in the snow": no word of ``joins`` inside), else None."""
    for p in load():
        for w in p.words:
            words = w.split()
            if len(words) > end - start and tokens[start:start + len(words)] == words and not joins & set(words):
                return p
    return None


def named(tokens: list[str]) -> list[Place]:
    """Places the prompt names, most specific (longest matching phrase) first; a place whose
    phrase is part of a longer one's ("village" in "winter village") is left out."""
    hits = [(n, p) for p in load() if (n := _phrase_in(p.words, tokens))]
    hits.sort(key=lambda h: -h[0])
    out: list[Place] = []
    for n, p in hits:
        if any(any(f" {w} " in f" {v} " for w in p.words for v in q.words if len(v.split()) > n) for q in out):
            continue
        out.append(p)
    return out


def retrieve(tokens: list[str], k: int = 2) -> list[Place]:
    """The ``k`` places most like the prompt: those it names, then by shared words and kinds."""
    first = named(tokens)
    if len(first) >= k:
        return first[:k]
    words = set(tokens)
    scored = []
    for p in load():
        if p in first or not p.example:
            continue
        kinds = {t.kind for t in p.things}
        score = len(words & {w for ph in p.words for w in ph.split()}) + sum(
            1 for w in words if w in kinds or w.rstrip("s") in kinds)
        scored.append((-score, p.name, p))
    scored.sort(key=lambda s: s[:2])
    return first + [p for _, _, p in scored[:k - len(first)]]


def example_scene(place: Place, time: str | None = None) -> Scene:
    """A place's typical things as a DSL scene (ids are kinds)."""
    ents = []
    for t in place.things:
        rels = [Relation(type=t.relation[0], target=t.relation[1],
                         target2=t.relation[1] if t.relation[0] == "between" else None)] if t.relation else []
        ents.append(Entity(id=t.kind, kind=t.kind, count=t.count, color=t.color,
                           arrangement=t.arrangement if t.count > 1 else None, relations=rels))
    return Scene(time_of_day=time or place.times[0], ground=place.ground, entities=ents)


def implied_additions(scene: Scene, tokens: list[str], max_add: int) -> tuple[Scene, list[str]]:
    """Add a named place's typical things the scene lacks (by kind), at most ``max_add`` entities,
    each related to what is already there where the place says so. Returns (scene, notes)."""
    places = named(tokens)
    if not places or max_add <= 0:
        return scene, []
    place = places[0]
    have = {e.kind for e in scene.entities}
    id_of = {e.kind: e.id for e in scene.entities}
    taken = {e.id for e in scene.entities}
    added: list[Entity] = []
    for t in place.things:
        if t.kind in have or len(added) >= max_add:
            continue
        nid, n = t.kind, 2
        while nid in taken:
            nid, n = f"{t.kind}_{n}", n + 1
        taken.add(nid)
        id_of[t.kind] = nid
        have.add(t.kind)
        added.append(Entity(id=nid, kind=t.kind, count=t.count, color=t.color,
                            arrangement=t.arrangement if t.count > 1 else None))
    if not added:
        return scene, []
    spec = {t.kind: t for t in place.things}
    final = []
    for e in added:
        rel = spec[e.kind].relation
        tgt = id_of.get(rel[1]) if rel else None
        if rel and tgt and tgt != e.id:
            e = e.model_copy(update={"relations": [Relation(
                type=rel[0], target=tgt, target2=tgt if rel[0] == "between" else None)]})
        final.append(e)
    note = (f"'{place.name}' implies more than the prompt names; added "
            + ", ".join(f"{e.count} {e.kind}" for e in final))
    return scene.model_copy(update={"entities": list(scene.entities) + final}), [note]
