"""Reading what a prompt plainly says: kinds, counts, colours, sizes,
relations, time of day and ground.

The model writes the scene; this reading (pure, deterministic, no model)
narrows the model's decoding grammar to the kinds and colours the prompt
mentions and then *grounds* the reply: where the prompt is explicit ("three",
"red", "behind the house") and the reply disagrees, the prompt wins, with a
warning. Where the prompt says nothing this reading understands, the model's
reply stands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import catalog, colors, places, wording, words as words_mod
from .models import Entity, Relation, Scene
from .vocabulary import (  # noqa: F401  (lexicon.NUMBERS etc. stay where callers look for them)
    NUMBERS, VAGUE, SIZES, MATERIAL_WORDS, EXTRA_COLORS, TIMES,
    GROUND_WORDS, IMPLIED_GROUND, REL_PHRASES, OBJECTLESS, CORRECTION, ARRANGEMENT_WORDS, WEATHER)

BREAKS = {",", ".", ";", ":", "?", "!", "and", "with", "while", "where", "but", "plus", "as"}
WORD = re.compile(r"[a-z0-9]+|'s\b|(?<=s)'(?![a-z0-9])|[,.;:?!]")

_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child", "mice": "mouse",
              "geese": "goose", "cacti": "cactus", "leaves": "leaf", "shelves": "shelf", "knives": "knife",
              "oxen": "ox", "cattle": "cattle", "sheep": "sheep", "bunnies": "bunny", "benches": "bench",
              "buses": "bus", "boxes": "box", "bushes": "bush", "torches": "torch", "couches": "couch",
              "lorries": "lorry", "ponies": "pony", "puppies": "puppy", "kitties": "kitty", "daisies": "daisy",
              "bodies": "body", "cities": "city", "cherries": "cherry", "sofas": "sofa"}


def _lexicon() -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for spec in catalog.KINDS.values():
        for name in (spec.name, spec.name.replace("_", " "), *spec.synonyms):
            out[tuple(name.split())] = spec.name
    return out


LEXICON = _lexicon()
MAX_PHRASE = max(len(k) for k in LEXICON)


def refresh() -> None:
    """Re-read the catalog's words (after a user's recipes folder added kinds)."""
    global MAX_PHRASE
    LEXICON.clear()
    LEXICON.update(_lexicon())
    MAX_PHRASE = max(len(k) for k in LEXICON)


_INVARIANT = {"sheep", "deer", "fish", "moose", "bison", "salmon", "trout", "aircraft", "swine", "elk"}


def _singular(word: str) -> tuple[str, bool]:
    if word in _IRREGULAR:
        return _IRREGULAR[word], True
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y", True
    if len(word) > 3 and word.endswith("es") and word[:-2] + "" and word[-3] in "sxzh":
        return word[:-2], True
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1], True
    return word, False


@dataclass
class Mention:
    kind: str
    start: int            # token index of the noun phrase's first noun token
    end: int              # one past its last token
    count: int = 1
    explicit_count: bool = False
    plural: bool = False
    color: str | None = None
    size: str | None = None
    material: str | None = None
    definite: bool = False
    entity: int = -1      # index into Analysis.entities
    requested: str = ""   # the words the prompt used for the thing
    how: str = "listed"   # how the words became a kind (``words.Resolution.how``)
    conflict: str | None = None


@dataclass
class Draft:
    id: str
    kind: str
    count: int = 1
    explicit_count: bool = False
    color: str | None = None
    size: str | None = None
    material: str | None = None
    arrangement: str | None = None
    relations: list[tuple[str, str, str | None]] = field(default_factory=list)  # (type, target id, target2)
    requested: str = ""
    how: str = "listed"


@dataclass
class Analysis:
    prompt: str
    entities: list[Draft] = field(default_factory=list)
    time_of_day: str | None = None
    ground: str | None = None
    relation_words: set[str] = field(default_factory=set)
    masked: list[str] = field(default_factory=list)   # the prompt's words, things' names blanked out
    negated: set[str] = field(default_factory=set)    # kinds the prompt says are absent ("no trees")
    notes: list[str] = field(default_factory=list)    # what the reading noticed: negations, contradictions

    def kinds(self) -> list[str]:
        return sorted({d.kind for d in self.entities})

    def colors(self) -> list[str]:
        return sorted({d.color for d in self.entities if d.color})

    def draft_scene(self) -> Scene | None:
        """The prompt's reading alone as a scene (``None`` when it found nothing)."""
        if not self.entities:
            return None
        ents = [Entity(id=d.id, kind=d.kind, count=d.count, color=d.color, size=d.size, material=d.material,
                       arrangement=d.arrangement, requested=d.requested or None,
                       relations=[Relation(type=t, target=a, target2=b) for t, a, b in d.relations])
                for d in self.entities]
        return Scene(time_of_day=self.time_of_day or "noon", ground=self.ground or "grass", entities=ents)


def tokenize(text: str) -> list[str]:
    """Lower-case words, digits and punctuation; a possessive "'s" is a token of its own, and so is
    a plural's bare apostrophe ("the kids' swings": "kids", "'", "swings")."""
    return WORD.findall(text.lower().replace("\u2019", "'"))


def _find_phrase(tokens: list[str], phrases) -> str | None:
    text = " " + " ".join(tokens) + " "
    for value, words in phrases:
        for w in words:
            if f" {w} " in text:
                return value
    return None


def _color_at(tokens: list[str], i: int) -> tuple[str | None, int]:
    """A colour starting at token i: returns (css name, tokens used)."""
    if i >= len(tokens):
        return None, 0
    w = tokens[i]
    if i + 1 < len(tokens):
        two = w + tokens[i + 1]
        if two in colors.CSS_COLORS:
            return two, 2
        if w in ("navy", "royal", "sky", "forest", "hot", "lime", "olive") and tokens[i + 1] in colors.CSS_COLORS:
            cand = {"navyblue": "navy", "royalblue": "royalblue", "skyblue": "skyblue",
                    "forestgreen": "forestgreen", "hotpink": "hotpink", "limegreen": "limegreen",
                    "olivegreen": "olivedrab"}.get(two)
            if cand:
                return cand, 2
    if w in colors.CSS_COLORS and w not in ("snow", "tan") or w in ("tan",) and i + 1 < len(tokens) and tokens[i + 1] not in ("and",):
        return w, 1
    if w in EXTRA_COLORS and EXTRA_COLORS[w]:
        return EXTRA_COLORS[w], 1
    return None, 0


def _match_kind(tokens: list[str], i: int) -> tuple[str | None, int, bool]:
    for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
        words = tokens[i:i + n]
        key = tuple(words)
        if key in LEXICON:
            return LEXICON[key], n, n == 1 and False
        last, plural = _singular(words[-1])
        if plural:
            key = tuple(words[:-1]) + (last,)
            if key in LEXICON:
                return LEXICON[key], n, True
    return None, 0, False


def _mentions(tokens: list[str], resolver: words_mod.Resolver | None = None) -> list[Mention]:
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        kind, n, plural = _match_kind(tokens, i)
        if kind is None or n == 1 and wording.verb_here(tokens, i, found[-1] if found else None,
                                                        NUMBERS, SIZES, _STOP | BREAKS):
            i += 1
            continue
        # plural words that are their own lexicon entries ("trees", "people")
        last = tokens[i + n - 1]
        if not plural:
            single, changed = _singular(last)
            if changed and LEXICON.get(tuple(tokens[i:i + n - 1]) + (single,)) == kind:
                plural = True
            elif last in _IRREGULAR or last in ("cattle", "kids", "persons"):
                plural = True
        found.append(Mention(kind, i, i + n, plural=plural, requested=words_mod.join(tokens[i:i + n])))
        i += n
    # a kind word right before another is a modifier ("stone wall", "wooden crate"), not a thing
    keep = []
    for k, m in enumerate(found):
        nxt = found[k + 1] if k + 1 < len(found) else None
        if nxt is not None and nxt.start == m.end and not m.plural:
            continue
        keep.append(m)
    if resolver is not None:
        keep = words_mod.read_things(tokens, keep, resolver, Mention, *_READING_WORDS)
    prev_end = 0
    for m in keep:
        _read_modifiers(tokens, m, prev_end)
        prev_end = m.end
    return keep


# for the noun phrases (scene_dsl.words): describing words, words that name no thing, words that end a phrase
_KIND_WORDS = {w for k in catalog.KINDS.values() for w in (k.name, k.name.replace("_", " "), *k.synonyms)}
_READING_WORDS = (set(colors.CSS_COLORS) | set(EXTRA_COLORS) | set(SIZES) | set(MATERIAL_WORDS),
                  {p for _, ps in GROUND_WORDS + TIMES for p in ps} | set(NUMBERS) | set(ARRANGEMENT_WORDS)
                  # a colour alone ("one red, one blue") or a place ("a campsite") is no thing, unless a kind has that name
                  | (set(colors.CSS_COLORS) | set(EXTRA_COLORS)
                     | {w for pl in places.load() for w in pl.words}) - _KIND_WORDS,
                  {p.split()[0] for p, _ in REL_PHRASES + OBJECTLESS} - {"the", "a", "in"} | {"close"})
_STOP = {"of", "in", "on", "at", "to", "from", "is", "are", "sits", "stands"} | {
    w for phrase, _ in REL_PHRASES for w in phrase.split() if w not in ("the", "a", "of")}


def _read_modifiers(tokens: list[str], m: Mention, floor: int = 0) -> None:
    j = m.start - 1
    while j >= floor and m.start - j <= 6:
        w = tokens[j]
        if w in BREAKS or w in _STOP:
            if w == "of" and j >= 1 and tokens[j - 1] in NUMBERS:  # "a pair of", "a couple of", "dozens of"
                j -= 1
                continue
            break
        if w in ("the", "this", "that", "these", "those", "its"):
            m.definite = True
            break
        c, used = _color_at(tokens, j)
        if c is None and j >= 1:
            c2, used2 = _color_at(tokens, j - 1)
            if c2 and used2 == 2:
                c, used = c2, 2
                j -= 1
        if c and m.color is None:
            m.color = c
        elif c and c != m.color:
            m.conflict = f"two colours for one thing ({c} {m.color}); using {m.color}"
        elif w.isdigit() or re.fullmatch(r"\d{1,4}x", w):
            m.count, m.explicit_count = max(1, min(int(w.rstrip("x")), 2000)), True
        elif w in NUMBERS and not m.explicit_count:
            m.count = NUMBERS[w]
            m.explicit_count = w not in VAGUE and not (w in ("a", "an") and m.plural)
            if w in ("a", "an") and j + 1 < len(tokens) and tokens[j + 1] in NUMBERS and tokens[j + 1] not in ("a", "an"):
                pass
        elif w in SIZES and m.size is None:
            m.size = SIZES[w]
        elif w in MATERIAL_WORDS and m.material is None:
            m.material = MATERIAL_WORDS[w]
        j -= 1
    # "a dozen", "a pair of", "a couple of", "a few": the number word wins over the article
    if m.plural and m.count == 1 and tokens[m.end - 1] in _INVARIANT and tokens[m.start - 1:m.start] in (["a"], ["an"]):
        m.plural, m.explicit_count = False, True      # "a sheep", "a deer": one
    if m.plural and m.count == 1:
        m.count = 3
        m.explicit_count = False
    if m.count > 1 and not m.plural and m.explicit_count and tokens[m.start - 1:m.start] in (["a"], ["an"]):
        m.count = 1
    # "dog x3", "3x dog"
    k = m.end
    if k < len(tokens) and re.fullmatch(r"x\d{1,4}", tokens[k]):
        m.count, m.explicit_count = max(1, min(int(tokens[k][1:]), 2000)), True
    elif k + 1 < len(tokens) and tokens[k] == "x" and tokens[k + 1].isdigit():
        m.count, m.explicit_count = max(1, min(int(tokens[k + 1]), 2000)), True
    # "a car that is red", "a house painted blue", "make the house blue"
    c, used = _color_at(tokens, k)
    if c and m.color is None and (k + used == len(tokens) or tokens[k + used] in BREAKS):
        m.color = c
    elif k < len(tokens) and tokens[k] in SIZES and m.size is None and (
            k + 1 == len(tokens) or tokens[k + 1] in BREAKS):
        m.size = SIZES[tokens[k]]
    if k + 1 < len(tokens) and tokens[k] in ("painted", "colored", "coloured", "in") and m.color is None:
        c, _ = _color_at(tokens, k + 1)
        if c:
            m.color = c
    if k + 2 < len(tokens) and tokens[k] in ("that", "which") and tokens[k + 1] in ("is", "are") and m.color is None:
        c, _ = _color_at(tokens, k + 2)
        if c:
            m.color = c


def _relation_after(tokens: list[str], start: int, stop: int, objectless: bool = False) -> tuple[str | None, int]:
    """The first relation phrase in tokens[start:stop]: (relation, index after the phrase).

    With ``objectless``, phrases that take no object ("in front", "to its left") count too;
    otherwise such a phrase ends the search (it does not point at the next thing named)."""
    for i in range(start, stop):
        for phrase, rel in OBJECTLESS:
            words = phrase.split()
            if tokens[i:i + len(words)] == words and (i + len(words) >= len(tokens) or tokens[i + len(words)] != "of"):
                return (rel, i + len(words)) if objectless else (None, -1)
        for phrase, rel in REL_PHRASES:
            words = phrase.split()
            if tokens[i:i + len(words)] == words:
                return rel, i + len(words)
    return None, -1


def _corrected(prompt: str) -> str:
    """Keep what follows the last self-correction ("a bird on a lamp? no, a bird on a wall")."""
    parts = CORRECTION.split(prompt)
    if len(parts) > 1 and _mentions(tokenize(parts[-1]), words_mod.default_resolver()):
        return parts[-1]
    return prompt


def analyze(prompt: str, resolver: words_mod.Resolver | None = None) -> Analysis:
    """Read ``prompt``. ``resolver`` maps the words no kind lists (default: the catalog's words and
    their heads; the model layer can pass one with a ``nearest`` function)."""
    # free wording (scene_dsl/wording.py): quantity idioms to numbers, scenery phrases to tags
    plain = wording.quantities(tokenize(_corrected(prompt)))
    tokens = wording.scenery(plain)
    a = Analysis(prompt)
    a.notes += [n for n in [wording.language_note(prompt, plain)] if n]
    resolver = resolver or words_mod.default_resolver()
    mentions = words_mod.fold_parts(tokens, _mentions(tokens, resolver), resolver, a.notes)
    poss = wording.possessors(tokens, [(m.start, m.end) for m in mentions])
    mentions = [m for k, m in enumerate(mentions) if k not in poss]   # "the farmer's dog": no farmer
    mentions = wording.colour_words_kept(tokens, wording.drop_negated(tokens, mentions, a), _color_at)
    a.notes += [f"{tokens[m.start]}: {m.conflict}" for m in mentions if m.conflict]
    # a thing's name that opens a place's name is not a thing ("a flower garden", "a bus stop")
    mentions = [m for m in mentions if m.plural or m.explicit_count and m.count > 1
                or not places.phrase_from(tokens, m.start, m.end, _STOP | {"the", "a"})]
    # words inside a thing's name ("street lamp", "snowman") say nothing of the ground or time
    masked = list(plain)
    for m in mentions:
        # ...except a lone thing named by a place's word ("a harbour" is a dock and names the harbour)
        if not (len(mentions) == 1 and m.requested in _PLACE_WORDS):
            masked[m.start:m.end] = ["_"] * (m.end - m.start)
    a.time_of_day = _find_phrase(masked, TIMES)
    ground = _find_phrase(masked, GROUND_WORDS)
    weather = sorted({t for t in masked if t in WEATHER}, key=masked.index)
    if weather:
        a.notes.append(f"the prompt's weather or effects ({', '.join(weather)}) are not drawn: Worldsmith builds no "
                       f"rain, fog, wind, smoke or waves" + (" (the ground is snowy)" if ground == "snow" else ""))
    # entities: a repeated kind with "the" (or no count and no colour) is the same entity
    by_kind: dict = {}
    for m in mentions:
        key = m.kind if m.how in ("listed", "head") else (m.kind, m.requested)
        prev = by_kind.get(key)
        same = prev is not None and (m.definite or (not m.explicit_count and m.color is None and not m.plural)
                                     # "a slide in a playground": the place's word names the slide again
                                     or m.requested in _PLACE_WORDS and m.color is None)
        if prev is not None and m.color and a.entities[prev].color not in (None, m.color):
            same = False
        if same:
            m.entity = prev
            d = a.entities[prev]
            d.color = d.color or m.color
            continue
        base = m.kind if m.how in ("listed", "head", "near") else words_mod.slug(words_mod.singular_text(m.requested))
        taken = {d.id for d in a.entities}
        eid, n_same = base, 1
        while eid in taken:
            n_same += 1
            eid = f"{base}_{n_same}"
        color = m.color or (words_mod.PLACEHOLDER_COLOR if m.how == "placeholder" else None)
        a.entities.append(Draft(eid, m.kind, m.count, m.explicit_count, color, m.size, m.material,
                                requested=m.requested, how=m.how))
        a.notes.extend(words_mod.substitution_notes(m.requested, m.kind, m.how, eid))
        m.entity = len(a.entities) - 1
        by_kind[key] = m.entity
    # arrangement words near a mention ("a row of trees", "trees in a circle")
    for m in mentions:
        d = a.entities[m.entity]
        window = tokens[max(0, m.start - 4):m.end + 4]
        for w in window:
            if w in ARRANGEMENT_WORDS and d.count > 1 and d.arrangement is None:
                d.arrangement = ARRANGEMENT_WORDS[w]
    _relations(tokens, mentions, a)
    wording.apply(tokens, mentions, a.entities, _color_at, _MODIFIERS, Draft)   # shared predicates, scenery...
    a.masked = masked
    wording.predicate_colours(tokens, mentions, a.entities, _color_at)
    a.notes += wording.count_notes(a.entities) + wording.negated_colours(tokens, mentions, a.entities, _color_at)
    for rel_phrase, rel in REL_PHRASES:
        if f" {rel_phrase} " in " " + " ".join(tokens) + " ":
            a.relation_words.add("around" if rel == "around_by" else rel)
    events = [t for t in masked if t in words_mod.EVENTS]
    if events:
        a.notes.append(f"{events[0]!r} names an occasion, not a thing: only the things the prompt lists are built")
    rooms = [t for t in masked if len(t) > 6 and t.endswith("room")]
    if rooms:                           # "a ballroom", "the classroom": the room the scene is in
        ground = ground or "wood"
        a.notes.append(f"{rooms[0]!r} reads as the room the scene is in ({ground} floor), not as a thing")
    if ground is None:
        for d in a.entities:
            if d.kind in IMPLIED_GROUND:
                ground = IMPLIED_GROUND[d.kind]
                break
    a.ground = ground
    return a


_PLACE_WORDS = {w for pl in places.load() for w in pl.words}


def _relations(tokens: list[str], mentions: list[Mention], a: Analysis) -> None:
    for k, m in enumerate(mentions):
        subj = a.entities[m.entity]
        nxt = mentions[k + 1] if k + 1 < len(mentions) else None
        stop = nxt.start if nxt else len(tokens)
        rel, after = _relation_after(tokens, m.end, stop)
        # "a house on a cliff near a tree": the place between is the relation's object, not the tree;
        # a later relation in the same stretch ("near") is the one that points at the next thing
        while rel is not None and nxt is not None and not wording.object_gap(tokens[after:nxt.start]):
            rel, after = _relation_after(tokens, after, stop)
        if rel is None:
            continue
        between_tokens = tokens[m.end:after]
        if any(t in (",", ".", ";") for t in between_tokens) and not wording.relative_gap(between_tokens):
            continue
        target = None
        if nxt is not None and after <= nxt.start:
            target = a.entities[nxt.entity]
        elif any(t in ("it", "them") for t in tokens[after:after + 2]) and k > 0:
            target = a.entities[mentions[k - 1].entity]
        if target is None or target is subj:
            # "X with a Y in front" (no object): Y relates to X
            continue
        if rel == "between":
            third = mentions[k + 2] if k + 2 < len(mentions) else None
            joined = third is not None and "and" in tokens[nxt.end:third.start] and a.entities[third.entity] is not subj
            if joined:
                subj.relations.append(("between", target.id, a.entities[third.entity].id))
            elif target.count >= 2:
                # "between two trees": between the members of one group
                subj.relations.append(("between", target.id, target.id))
            continue
        if rel == "around_by":
            # "a campfire surrounded by logs": the logs are around the campfire
            target.relations.append(("around", subj.id, None))
            continue
        # "a house with a car in front of it" -> the car is in front of the house
        subj.relations.append((rel, target.id, None))
    # "with" clauses: "a cabin with three pine trees behind it and a puppy in front"
    owner = None
    for k, m in enumerate(mentions):
        if k == 0:
            continue
        gap = tokens[mentions[k - 1].end:m.start]
        if "with" in gap:
            owner = mentions[k - 1]
        elif any(t in (".", ";", "?", "!") for t in gap):
            owner = None
        rel, after = _relation_after(tokens, m.end, mentions[k + 1].start if k + 1 < len(mentions) else len(tokens),
                                     objectless=True)
        anchor = owner
        if anchor is None:
            # "a red armchair and a lamp beside it": "it" is the thing named just before
            if not (rel and tokens[after - 1] in ("it", "them")):
                continue
            anchor = mentions[k - 1]
        d = a.entities[m.entity]
        if rel and rel != "between" and not d.relations and d is not a.entities[anchor.entity] and (
                after >= len(tokens) or tokens[after] in ("it", "them", ",", ".", "and")):
            d.relations.append((rel, a.entities[anchor.entity].id, None))
    # drop self relations and keep at most one 'on'
    for d in a.entities:
        seen_on = False
        rels = []
        for r in d.relations:
            if r[1] == d.id or r[2] == d.id:
                continue
            if r[0] == "on":
                if seen_on:
                    continue
                seen_on = True
            if r not in rels:
                rels.append(r)
        d.relations = rels[:8]



_MODIFIERS = set(NUMBERS) | set(SIZES) | set(MATERIAL_WORDS) | set(EXTRA_COLORS) | {"the", "some", "other"}
