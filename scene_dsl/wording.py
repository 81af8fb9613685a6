"""Free wording the keyword reader (``lexicon``) gets wrong as a class, handled
generally: each function is one class of wording, measured on SceneBench's
``wording`` prompts (``worldsmith bench scenebench --reader-only``).

* idiomatic and fractional quantities: "half a dozen", "a dozen and a half",
  "two dozen", "a baker's dozen", "a score of", "a quartet of" -> a number;
* possessives: "the farmer's dog" names a dog, not a farmer;
* scenery phrases: "in the distance", "in the background", "on the far
  shore", "in the foreground" place a thing behind / in front of the rest
  instead of being read as support ("on ... shore") or ignored;
* distributive attributes: "three cars: one red, one blue, one white";
* relative clauses: "a cat, which sits on a crate" (see ``relative_gap``);
* shared predicates: "a dog and a cat on a sofa": both are on the sofa.

Token passes keep the token list's length (replaced words become ``"_"``), so
indices stay valid for the reader's later passes.
"""
from __future__ import annotations

import re

from . import colors, places, words as words_mod

FILLER = "_"
BACK, FORE = "<back>", "<fore>"
_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "a": 1, "an": 1, "half": 0.5, "couple": 2}
# (phrase, value): whole phrases that are one number; longest first
_IDIOMS = [
    ("a dozen and a half", "18"), ("one and a half dozen", "18"), ("a half dozen", "6"), ("half a dozen", "6"),
    ("half dozen", "6"), ("a baker 's dozen", "13"), ("baker 's dozen", "13"), ("a couple dozen", "24"),
    ("a couple of dozen", "24"), ("a score of", "20"), ("a handful of", "several"),
    ("a stack of", "several"), ("a pile of", "several"), ("a heap of", "several"), ("a bunch of", "several"),
    ("stacks of", "many"), ("piles of", "many"), ("heaps of", "many"), ("a bundle of", "several"),
    # collective nouns: "a family of ducks", "a flock of sheep", "a herd of cows"
    ("a family of", "several"), ("a flock of", "many"), ("a herd of", "many"), ("a pack of", "several"),
    ("a school of", "many"), ("a swarm of", "many"), ("a pod of", "several"), ("a troop of", "several"),
    ("a litter of", "several"), ("a gaggle of", "several"), ("a colony of", "many"), ("a fleet of", "several"),
    ("a crowd of", "many"), ("a team of", "several"), ("a row of", "several"), ("a line of", "several"), ("a quartet of", "4"),
    ("a quintet of", "5"), ("a sextet of", "6"), ("a septet of", "7"), ("an octet of", "8"),
]
_MULT = {"dozen": 12, "dozens": 12, "score": 20}
SCENERY = [
    ("in the far distance", BACK), ("in the distance", BACK), ("in the background", BACK), ("far away", BACK),
    ("far off", BACK), ("on the horizon", BACK), ("on the far shore", BACK), ("across the water", BACK),
    ("across the lake", BACK), ("on the other side", BACK), ("in the back", BACK),
    ("in the foreground", FORE), ("up front", FORE), ("close up", FORE), ("closest to the viewer", FORE),
    ("nearest to the viewer", FORE), ("in the front", FORE),
]
RELATIVE = {"which", "that", "who"}
_VERBS = {"is", "are", "sits", "sit", "stands", "stand", "lies", "lie", "rests", "rest", "was", "were", "has",
          "been", "parked", "placed", "standing", "sitting", "lying", "resting", "perched", "leans", "leaning"}


def _replace(tokens: list[str], i: int, n: int, first: str) -> None:
    tokens[i:i + n] = [first] + [FILLER] * (n - 1)


def quantities(tokens: list[str]) -> list[str]:
    """Idiomatic and fractional quantities to digits ("half a dozen" -> "6", "2 dozen" -> "24")."""
    out = list(tokens)
    i = 0
    while i < len(out):
        for phrase, value in _IDIOMS:
            words = phrase.split()
            if out[i:i + len(words)] == words:
                _replace(out, i, len(words), value)
                i += len(words) - 1
                break
        else:
            w = out[i]
            if w in _MULT and i >= 1 and (out[i - 1] in _NUM or out[i - 1].isdigit()):
                k = out[i - 1]
                n = _NUM.get(k, None) if not k.isdigit() else int(k)
                if n is not None:
                    value = n * _MULT[w]
                    _replace(out, i - 1, 2, str(int(value)))
        i += 1
    return out


NEGATIONS = {"no", "without", "zero", "never", "not", "none", "neither", "nor"}
_NEG_SKIP = {"a", "an", "any", "the", "single", "more", "of", FILLER}


def negated(tokens: list[str], start: int) -> bool:
    """True when the thing starting at ``start`` is negated: "no trees", "without any cars",
    "not a single dog" (only articles and such between the negation and the thing)."""
    j = start - 1
    while j >= 0 and start - j <= 4 and tokens[j] in _NEG_SKIP:
        j -= 1
    return j >= 0 and tokens[j] in NEGATIONS


def drop_negated(tokens: list[str], mentions: list, analysis) -> list:
    """Mentions without the negated ones; their kinds go to ``analysis.negated`` with a note."""
    for m in [m for m in mentions if negated(tokens, m.start)]:
        analysis.negated.add(m.kind)
        analysis.notes.append(f"the prompt says there is no {m.kind.replace('_', ' ')}; none is built")
    return [m for m in mentions if m.kind not in analysis.negated]


# common words of other languages (none an English word a scene prompt uses): two of them in a prompt, or
# mostly non-Latin letters, and the reader says it reads English rather than silently finding nothing
FOREIGN_WORDS = {"le", "la", "les", "une", "des", "sur", "avec", "dans", "est", "der", "das", "ein", "eine",
                 "einem", "einer", "und", "mit", "neben", "auf", "ist", "el", "los", "las", "una", "con", "sobre",
                 "junto", "il", "gli", "della", "sul", "uma", "com", "een", "het", "naast"}


def language_note(prompt: str, tokens: list[str]) -> str | None:
    letters = [c for c in prompt if c.isalpha()]
    if sum(1 for c in letters if not c.isascii()) > 0.3 * len(letters) or len(set(tokens) & FOREIGN_WORDS) >= 2:
        return ("the prompt does not look like English: Worldsmith reads English, so words in other languages "
                "are not found (write the prompt in English)")
    return None


def negated_colours(tokens: list[str], mentions, entities: list, colour_at) -> list[str]:
    """"a car that is not red", "a chair, not blue": the thing the colour is denied to gets no such
    colour (a neutral one where it had none, so a red default cannot slip through); a note says so."""
    notes = []
    for i, t in enumerate(tokens[:-1]):
        colour, _ = colour_at(tokens, i + 1) if t == "not" else (None, 0)
        before = [m for m in mentions if m.end <= i and not any(x in (".", ";", "and") for x in tokens[m.end:i])]
        if colour is None or not before:
            continue
        d = entities[before[-1].entity]
        if d.color in (None, colour):
            d.color = "gray" if colour not in ("gray", "grey", "silver") else "white"
            notes.append(f"the prompt says the {d.kind.replace('_', ' ')} is not {colour}; making it {d.color}")
    return notes


_BE = {"is", "are", "was", "were", "all", "both", "painted", "coloured", "colored", "look", "looks", "be"}


def predicate_colours(tokens: list[str], mentions, entities: list, colour_at) -> None:
    """"a table with four chairs, the chairs are red": a colour said of a thing after it (in place)."""
    starts = {m.start for m in mentions}
    for m in mentions:
        j = m.end
        if j >= len(tokens) or tokens[j] not in ("is", "are", "was", "were"):
            continue
        while j < len(tokens) and tokens[j] in _BE:
            j += 1
        colour, used = colour_at(tokens, j)
        d = entities[m.entity]
        if colour and d.color is None and j + used not in starts:
            d.color = colour


def count_notes(entities: list) -> list[str]:
    """A note per kind given two different plain numbers ("two cars, three cars")."""
    counts: dict[str, list] = {}
    for d in entities:
        counts.setdefault(d.kind, []).append(d)
    notes = []
    for kind, ds in counts.items():
        plain = [d for d in ds if d.explicit_count and not d.color and not d.size and not d.material]
        if len(plain) > 1 and len({d.count for d in plain}) > 1:
            notes.append(f"the prompt gives {kind.replace('_', ' ')} more than one number "
                         f"({', '.join(str(d.count) for d in plain)}); building each group")
    return notes


def possessors(tokens: list[str], spans: list[tuple[int, int]]) -> set[int]:
    """Indices into ``spans`` (mention token spans) that are possessors: followed by "'s" (or a plural's "'")."""
    return {k for k, (_, end) in enumerate(spans) if end < len(tokens) and tokens[end] in ("'s", "'")}


def scenery(tokens: list[str]) -> list[str]:
    """Scenery phrases to one tag token each (BACK or FORE), the rest of the phrase to fillers."""
    out = list(tokens)
    for i in range(len(out)):
        for phrase, tag in SCENERY:
            words = phrase.split()
            if out[i:i + len(words)] == words and (i + len(words) >= len(out) or out[i + len(words)] != "of"):
                _replace(out, i, len(words), tag)
                break
    return out


def scenery_tags(tokens: list[str], spans: list[tuple[int, int]]) -> dict[int, str]:
    """mention index -> BACK/FORE: a tag right after a mention (no clause break between) is that
    mention's; otherwise ("and in the distance a windmill", "in the foreground, a tree") the next one's."""
    tags: dict[int, str] = {}
    for i, t in enumerate(tokens):
        if t not in (BACK, FORE):
            continue
        before = [k for k, (_, e) in enumerate(spans) if e <= i]
        after = [k for k, (s, _) in enumerate(spans) if s > i]
        prev = before[-1] if before else None
        if prev is not None and not any(x in (",", ".", ";", ":", "and") for x in tokens[spans[prev][1]:i]):
            k = prev
        else:
            k = after[0] if after else prev
        if k is not None:
            tags.setdefault(k, t)
    return tags


def relative_gap(gap: list[str]) -> bool:
    """True when the tokens between a thing and its relation phrase open a relative clause
    (", which sits on", "that is next to", ", who is standing by"): the relation is the thing's own."""
    words = [w for w in gap if w != FILLER]
    if words[:1] == [","]:
        words = words[1:]
    return bool(words) and words[0] in RELATIVE and not any(w in (",", ".", ";") for w in words[1:])


_GROUP = re.compile(r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|an)$")


def distributive(tokens: list[str], start: int, colour_at) -> list[tuple[int, str]] | None:
    """After a plural thing ("three cars"), read "(:|,) one red, one blue and one white" or
    "a red one and a blue one": [(count, colour), ...] (two groups or more), else None."""
    i = start
    if i < len(tokens) and tokens[i] in (":", ",", FILLER, "-"):
        i += 1
    else:
        return None
    groups: list[tuple[int, str]] = []
    while i < len(tokens):
        w = tokens[i]
        if w in (",", "and", FILLER, ":"):
            i += 1
            continue
        if not _GROUP.match(w):
            break
        n = int(w) if w.isdigit() else _NUM.get(w, 1)
        colour, used = colour_at(tokens, i + 1)
        if not colour:
            break
        i += 1 + used
        if i < len(tokens) and tokens[i] in ("one", "ones"):
            i += 1
        groups.append((int(n), colour))
    return groups if len(groups) >= 2 else None


def distributive_end(tokens: list[str], start: int, colour_at) -> int:
    """Where the colours ``distributive`` read after ``start`` end (``start`` if none)."""
    i = start + 1
    while i < len(tokens) and (tokens[i] in (",", "and", FILLER, ":", "one", "ones") or _GROUP.match(tokens[i])
                               or colour_at(tokens, i)[0]):
        i += 1
    return i


def colour_words_kept(tokens: list[str], mentions: list, colour_at) -> list:
    """Mentions without the colour words a distributive list uses ("two tents, one green and one
    orange": the orange is a colour there, not the fruit)."""
    drop = set()
    for m in mentions:
        if (m.plural or m.count > 1) and distributive(tokens, m.end, colour_at):
            end = distributive_end(tokens, m.end, colour_at)
            drop |= {id(o) for o in mentions if m.end < o.start < end and colour_at(tokens, o.start)[0]}
    return [m for m in mentions if id(m) not in drop]


def shared_subject(gap: list[str], modifiers: set[str]) -> bool:
    """True when the tokens between two mentions only join them ("and", "and a", "and two red"):
    the second's relation is a predicate shared by both."""
    words = [w for w in gap if w != FILLER]
    return bool(words) and words[0] == "and" and all(w in modifiers for w in words[1:])


def apply(tokens: list[str], mentions, entities: list, colour_at, modifiers: set[str], draft_cls) -> None:
    """The reader's last pass: shared predicates, scenery tags and distributive colours, applied to
    ``entities`` (the reader's drafts) in place. ``mentions`` carry ``start``, ``end``, ``entity``."""
    ents = entities
    targets = {x for d in ents for _, x, y in d.relations for x in (x, y) if x}
    # "a dog and a cat on a sofa": the cat's relation is the dog's too
    for k in range(len(mentions) - 1):
        m, n = mentions[k], mentions[k + 1]
        da, db = ents[m.entity], ents[n.entity]
        gap = tokens[m.end:n.start]
        if da is db or da.relations or not db.relations or da.id in targets:
            continue
        if shared_subject(gap, modifiers | {w for w in gap if colour_at([w], 0)[0]} | {
                w for w in gap if w.isdigit()}):
            da.relations = [r for r in db.relations if da.id not in (r[1], r[2])]
    # "in the foreground" / "in the distance"
    tags = scenery_tags(tokens, [(m.start, m.end) for m in mentions])
    back = [ents[mentions[k].entity] for k, t in tags.items() if t == BACK]
    fore = [ents[mentions[k].entity] for k, t in tags.items() if t == FORE]
    rest = [d for d in ents if d not in back and d not in fore]
    for d in back:
        anchor = (fore or rest or [None])[0]
        if anchor is not None and anchor is not d and not d.relations:
            d.relations.append(("behind", anchor.id, None))
    for d in fore:
        anchor = (rest if not back else [])[:1]
        if anchor and anchor[0] is not d and not d.relations:
            d.relations.append(("in_front_of", anchor[0].id, None))
    # "three cars: one red, one blue, one white"
    for m in mentions:
        d = ents[m.entity]
        if d.count < 2 or d.color:
            continue
        groups = distributive(tokens, m.end, colour_at)
        if not groups or sum(n for n, _ in groups) > d.count:
            continue
        rest_n = d.count - sum(n for n, _ in groups)
        parts = groups + ([(rest_n, None)] if rest_n else [])
        d.count, d.color, d.explicit_count = parts[0][0], parts[0][1], True
        for n, colour in parts[1:]:
            ids, k = {e.id for e in ents}, 2
            while f"{d.kind}_{k}" in ids:
                k += 1
            ents.append(draft_cls(f"{d.kind}_{k}", d.kind, n, True, colour, d.size, d.material,
                                  None, list(d.relations)))


# nouns that name a place, ground, time or weather (not amounts, arrangements or sides: "a row of", "the left of")
_SCENE_NOUNS = (words_mod.NOT_THINGS | {w for pl in places.load() for w in pl.words if " " not in w}) - {
    "lot", "row", "line", "circle", "ring", "group", "cluster", "pair", "couple", "bunch", "set", "dozen", "dozens",
    "pile", "heap", "stack", "handful", "number", "kind", "sort", "type", "bit", "piece", "lots", "plenty", "half",
    "rest", "front", "back", "top", "bottom", "left", "right", "side", "middle", "center", "centre", "edge",
    "corner", "light", "shade", "distance", "background", "foreground"}


def object_gap(gap: list[str]) -> bool:
    """Whether the words between a relation phrase and the next thing named can only be that
    thing's describing words (no clause break, no place or scenery noun of its own): in "a house
    on a cliff near a tree" the cliff, not the tree, is what the house is on."""
    kind_words = words_mod.kind_words()
    return not any(t in (",", ".", ";", ":", "?", "!", "with") or t in _SCENE_NOUNS and t not in kind_words
                   for t in gap)


_VERB_NOUNS = {"stands", "towers", "sits", "rests", "hangs", "lies", "looms", "perches"}


def verb_here(tokens: list[str], i: int, prev, numbers, sizes, stops) -> bool:
    """Whether the kind word at ``tokens[i]`` is a verb here. An "-ing" word after a noun, before
    its object ("kids building a sandcastle"; not "a tall building"); or a singular subject's verb
    right after it ("a lighthouse stands on the point"; not "fruit stands"). ``prev``: the mention
    before, if any."""
    w = tokens[i]
    if w in _VERB_NOUNS:
        return (prev is not None and prev.end == i and not prev.plural and prev.start > 0
                and tokens[prev.start - 1] in ("a", "an", "the"))
    if not w.endswith("ing") or i == 0 or i + 1 >= len(tokens):
        return False
    before, after = tokens[i - 1], tokens[i + 1]
    return (after in words_mod.DETERMINERS or after in numbers) and not (
        before in words_mod.DETERMINERS or before in numbers or before in words_mod.ADJECTIVES
        or before in sizes or before in colors.CSS_COLORS or before in stops)
