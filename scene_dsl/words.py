"""From words to kinds, in general: the noun phrases a prompt names, and which kind each one is.

Pure and deterministic. ``noun_phrases`` finds the things a sentence names without a list of
things: a noun phrase starts after a determiner, a number, "of", or a list comma/"and" that
follows another phrase, and runs until a preposition, a conjunction, punctuation or a verb.
``Resolver.resolve`` maps a phrase to a kind, in order:

1. the catalog's own words (kind names and synonyms; the prompt reading's fast path),
2. the phrase's head: a compound whose last words are a kind's word is that kind
   ("fishing boat" is a boat, "castle wall" a wall); a closed compound's tail makes a stand-in
   ("tugboat": a boat stands in, with a warning; "greenhouse" is no house, so never a match),
3. a ``nearest`` function (optional, e.g. embedding similarity computed by the model layer)
   that returns the closest kind and a score: above ``match`` it *is* that kind, above
   ``stand_in`` that kind stands in for it,
4. otherwise nothing fits and the caller puts a labelled placeholder in its place.

Everything works off whatever the catalog holds (names, synonyms, categories, ``has_parts``),
so kinds added by recipes are covered as soon as they are in the catalog.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import catalog
from .vocabulary import STAND_INS

PLACEHOLDER_KIND = "cube"
PLACEHOLDER_COLOR = "lightgray"

DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her", "my", "our",
               "your", "another", "each", "every", "no", "not", "just", "only", "exactly", "also", "even", "neither", "nor"}
# words that end a noun phrase (prepositions, conjunctions, pronouns, common verbs)
ENDERS = {",", ".", ";", ":", "?", "!", "and", "or", "with", "without", "while", "where", "but", "plus", "as",
          "of", "in", "on", "at", "to", "from", "for", "into", "onto", "over", "under", "along", "across",
          "through", "near", "by", "beside", "besides", "behind", "between", "among", "amongst", "around",
          "above", "below", "beneath", "underneath", "inside", "outside", "atop", "upon", "against", "next",
          "opposite", "facing", "toward", "towards", "past", "up", "down", "out", "off", "it", "them", "there",
          "here", "is", "are", "was", "were", "be", "sits", "sit", "stands", "stand", "has", "have", "lies",
          "full", "filled", "made", "that", "which", "who", "left", "right", "then",
          "very", "so", "too", "all", "both", "than", "like", "one", "ones"}
# words before a noun that describe it (beside colours, sizes and materials the lexicon knows)
ADJECTIVES = {"old", "new", "ancient", "modern", "cozy", "cosy", "abandoned", "busy", "quiet", "empty", "pretty",
              "beautiful", "lonely", "rusty", "shiny", "broken", "stacked", "sleeping", "wooden", "tall", "short",
              "little", "small", "big", "large", "huge", "tiny", "giant", "red", "lone", "single", "wild",
              "young", "cute", "sunny", "rainy", "cloudy", "foggy", "misty", "windy", "stormy", "starry", "hazy",
              "gloomy", "breezy", "clear", "calm", "warm", "cold", "hot", "cool", "late", "early", "lazy", "fluffy", "friendly", "parked", "open", "closed", "round", "square", "long",
              "fat", "thin", "bright", "dark", "light", "pale", "deep", "colorful", "colourful", "striped",
              "spotted", "wet", "dry", "frozen", "snowy", "sandy", "grassy", "stone", "brick", "metal", "glass",
              "plastic", "golden", "silver", "haunted", "magic", "magical", "enchanted", "medieval", "rustic",
              "vintage", "classic", "fancy", "simple", "lovely", "nice", "distant", "nearby", "other", "same",
              "first", "second", "third", "last", "few", "several", "many", "some", "lots", "more", "most",
              "various", "different", "multiple", "numerous"}
# occasions: what happens, not a thing ("a tea party with a teapot and four cups": the teapot and cups are built)
EVENTS = {"party", "festival", "celebration", "parade", "concert", "ceremony", "wedding", "carnival", "feast",
          "match", "race", "contest", "performance", "meeting", "gathering", "reunion", "holiday", "vacation",
          "trip", "adventure", "battle", "fight", "war", "jam", "rush", "chase", "game"}
# nouns that name no buildable thing: parts of the view, amounts, times, arrangements
NOT_THINGS = {"scene", "view", "picture", "image", "photo", "render", "shot", "landscape", "day", "night",
              "morning", "evening", "afternoon", "noon", "sunset", "sunrise", "dawn", "dusk", "time", "moment",
              "middle", "center", "centre", "side", "edge", "corner", "distance", "background", "foreground",
              "lot", "row", "line", "circle", "ring", "group", "cluster", "pair", "couple", "bunch", "set",
              "dozen", "dozens", "pile", "heap", "stack", "handful", "number", "kind", "sort", "type", "bit",
              "piece", "way", "place", "area", "spot", "part", "half", "rest", "lots", "plenty", "sky", "air",
              "weather", "light", "shade", "shadow", "wind", "rain", "fog", "mist", "sun", "moon", "stars",
              "star", "cloud", "clouds", "horizon", "season", "summer", "winter", "spring", "autumn", "fall",
              "spell", "style", "mood", "color", "colour", "size", "shape", "floor", "ground", "surface",
              "zoo", "fair", "farmyard", "barnyard", "clearing", "kitchen", "bathroom", "bedroom", "room",
              "living", "interior", "indoors", "outdoors", "town", "village", "city", "world", "land",
              "countryside", "scenery", "setting", "nature", "wilderness", "jungle", "savanna", "savannah",
              "road", "street", "lane", "path", "trail", "square", "plaza", "corner", "coast", "shore",
              "island", "landscape", "desert", "forest", "woods", "meadow", "field", "fields", "lawn", "yard",
              "backyard", "garden", "park", "beach", "lake", "sea", "ocean", "river", "pond", "harbour",
              "harbor", "bay", "water", "snow", "grass", "sand", "dirt", "mud", "valley", "hillside", "lagoon",
              "pasture", "porch", "patio", "driveway", "pitch", "hole", "front", "back", "top", "bottom", "left", "right",
              "raining", "drizzle", "drizzling", "downpour", "storm", "thunderstorm", "thunder", "lightning",
              "snowing", "snowfall", "blizzard", "hail", "hailing", "sleet", "haze", "other", "another", "each",
              "highway", "motorway", "freeway", "avenue", "boulevard", "alley", "alleyway", "crossroads",
              "intersection", "end", "beginning", "smoke", "steam", "waves", "spray", "dust", "sparks", "splash",
              "ripples", "rainbow", "hall", "hallway", "corridor", "lobby", "point", "seafront", "waterfront", "promenade", "hilltop", "mountaintop", "treetops"} | EVENTS
NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "dozen", "single", "lone", "pair",
                "couple", "few", "several", "many", "some", "multiple", "numerous", "lots", "both"}
# -ing words that are nouns, not verbs taking an object
NOT_VERBS = {"morning", "evening", "building", "ceiling", "painting", "ring", "king", "wing", "spring", "string",
             "swing", "sibling", "pudding", "wedding", "clothing", "railing", "awning", "lightning", "icing",
             "clearing", "landing", "crossing", "dining", "living", "sitting", "ping", "sing"}
# describing words that are the noun when they end a phrase ("traffic light", "paving stone")
NOUN_TOO = {"light", "stone"}
_VERBISH = re.compile(r"^[a-z]{3,}(ing|ed)$")
# a verb after its subject ("while a cat watches", "a dog sleeps by the door"): never the noun's last word
VERBS_3SG = {"watches", "sleeps", "barks", "sits", "runs", "waits", "lies", "swims", "grazes", "eats", "glows",
             "shines", "stares", "jumps", "sings", "chases", "carries", "pulls", "pushes", "leans", "overlooks",
             "stretches", "floats", "hovers", "sails", "drives", "rides", "climbs", "peeks", "grows", "burns",
             "flickers", "sparkles", "blooms", "howls", "purrs", "naps", "perches", "roams", "wanders", "lands"}
# participles no "-ed" rule finds: "a hammock strung between them", "a lantern hung from a branch"
IRREGULAR_VERBS = {"strung", "hung", "tied", "laid", "lain", "sat", "stood", "lit", "spread", "held", "kept",
                   "built", "grown", "drawn", "thrown", "worn", "fallen", "shown", "hidden", "stuck", "dug", "bent",
                   "caught", "found", "lying", "flying", "swung", "spun", "wound", "led", "fed", "slung"}
# the last word of a closed compound that makes it a place, not a thing ("ballroom", "schoolyard")
PLACE_TAILS = ("room",)
# the head of "a pumpkin patch", "an apple orchard": an area of many of one plant
AREA_NOUNS = {"patch": None, "field": None, "plantation": None, "orchard": "tree", "grove": "tree",
              "thicket": "bush", "hedgerow": "bush"}
# a first word that only describes ("futuristic", "colorful", "spooky"): by its ending
_DESCRIBING = re.compile(r"^[a-z]{3,}(ic|ful|ous|ive|ish|less|ical|esque)$")


@dataclass(frozen=True)
class Phrase:
    """A noun phrase: ``tokens[start:end]`` are its words after its determiners and describing words."""
    start: int
    end: int
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return join(self.words)


def join(words) -> str:
    """Words as the user wrote them: "ship 's wheel" -> "ship's wheel"."""
    return " ".join(w for w in words if w != "_").replace(" 's", "'s").replace(" '", "'")


def singular(word: str) -> str:
    irregular = {"people": "person", "men": "man", "women": "woman", "children": "child", "mice": "mouse",
                 "geese": "goose", "cacti": "cactus", "leaves": "leaf", "shelves": "shelf", "knives": "knife",
                 "oxen": "ox", "sheep": "sheep", "deer": "deer", "fish": "fish", "wolves": "wolf",
                 "skis": "ski", "feet": "foot", "teeth": "tooth", "calves": "calf", "loaves": "loaf"}
    if word in irregular:
        return irregular[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and (word[-3] in "xz" or word[-4:-2] in ("ch", "sh", "ss")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _starts_phrase(tokens: list[str], i: int, prev_phrase_end: int) -> bool:
    w = tokens[i]
    if w in DETERMINERS or w in NUMBER_WORDS or w.isdigit() or w == "of":
        return True
    # a list goes on: "a crane, stacked containers and a tugboat"
    return w in (",", "and") and prev_phrase_end == i


def noun_phrases(tokens: list[str], modifiers: set[str] | frozenset = frozenset(),
                 enders: set[str] | frozenset = frozenset()) -> list[Phrase]:
    """The noun phrases of ``tokens`` (lower-case words and punctuation), in order.

    ``modifiers`` are extra describing words (colours, sizes, materials) to skip before the noun;
    ``enders`` extra words that end a phrase (the first words of relation phrases)."""
    stop = ENDERS | set(enders)
    out: list[Phrase] = []
    # "_" fills the place of words a reading pass folded into one ("half a dozen" -> "6 _ _")
    skip = ADJECTIVES | set(modifiers) | DETERMINERS | NUMBER_WORDS | {"_"}
    i, last_end = 0, -1
    while i < len(tokens):
        # a bare noun after "with" or a verb: "with presents", "catching fish", "selling apples"
        bare = i > 0 and (tokens[i - 1] == "with" or tokens[i - 1].endswith("ing") and _VERBISH.match(tokens[i - 1])
                          and tokens[i - 1] not in NOT_VERBS and not tokens[i - 1].endswith("thing")) \
            and tokens[i] not in stop and tokens[i] not in DETERMINERS and tokens[i] not in NUMBER_WORDS \
            and not tokens[i].isdigit()
        if not bare and not _starts_phrase(tokens, i, last_end):
            i += 1
            continue
        j = i if bare else i + 1
        while j < len(tokens) and (tokens[j] in skip or tokens[j].isdigit() or tokens[j] == "of"
                                   and j > 0 and tokens[j - 1] in NUMBER_WORDS
                                   or _VERBISH.match(tokens[j]) and tokens[j] not in stop):
            j += 1
        if (j >= len(tokens) or tokens[j] in stop) and j > i + (0 if bare else 1) and tokens[j - 1] not in DETERMINERS \
                and tokens[j - 1] not in NUMBER_WORDS:
            j -= 1                     # "a stone", "the old": the last describing word is the noun
        k = j
        while k < len(tokens) and tokens[k] not in stop and not (k > j and (
                _VERBISH.match(tokens[k]) or tokens[k] in IRREGULAR_VERBS or tokens[k] in VERBS_3SG
                or (tokens[k] in modifiers or tokens[k] in ADJECTIVES)
                and not (tokens[k] in NOUN_TOO and (k + 1 == len(tokens) or tokens[k + 1] in stop)))) \
                and not re.fullmatch(r"x?\d+x?", tokens[k]):
            k += 1
        if k > j:
            words = tuple(tokens[j:k])
            if k - j > 3:              # a long run is not one thing's name: keep its last three words
                j, words = k - 3, words[-3:]
            out.append(Phrase(j, k, words))
            last_end = k
            i = k
        else:
            i += 1
    return out


def is_thing(phrase: Phrase, not_things: set[str] | frozenset = frozenset()) -> bool:
    """Whether a phrase names a buildable thing (not a place, a time or a part of the view);
    ``not_things`` adds words and phrases (the prompt reading's grounds, times, amounts)."""
    known = NOT_THINGS | set(not_things)
    known_kinds = kind_words()
    while len(phrase.words) > 1 and _DESCRIBING.match(phrase.words[0]) and phrase.words[0] not in known_kinds:
        phrase = Phrase(phrase.start + 1, phrase.end, phrase.words[1:])    # "a futuristic city street"
    head = singular(phrase.words[-1])
    if phrase.words[-1] in EVENTS or head in EVENTS or len(phrase.words) == 1 and phrase.words[0] in VERBS_3SG:
        return False                                                          # "a tea party"; "one sleeps"
    if len(phrase.words) == 1 and head not in known_kinds and any(
            head.endswith(t) and len(head) - len(t) >= 3 for t in PLACE_TAILS):
        return False                                                          # "a ballroom", "the schoolyard"
    if phrase.text in known:
        return False
    if head in known or phrase.words[-1] in known:
        # "the morning light", "a sunny day", "town square": no thing; "traffic light", "post office": a thing
        first = phrase.words[0]
        if len(phrase.words) == 1 or first in known or singular(first) in known:
            return False
    return head.isalpha() and len(head) > 1


@dataclass(frozen=True)
class Resolution:
    kind: str            # the kind built for the phrase
    how: str             # "listed" (a catalog word), "head", "near", "stand_in" or "placeholder"
    score: float = 1.0
    word: str = ""       # the words the user used

    @property
    def substituted(self) -> bool:
        return self.how in ("stand_in", "placeholder")


Nearest = Callable[[str], "tuple[str | None, float]"]


def catalog_words(kinds=None) -> dict[str, str]:
    """Every word and phrase the catalog gives a kind (name, name with spaces, synonyms), singular."""
    out: dict[str, str] = {}
    for spec in (kinds or catalog.KINDS).values():
        for name in (spec.name, spec.name.replace("_", " "), *spec.synonyms):
            words = name.lower().split()
            if words:
                out.setdefault(" ".join(words[:-1] + [singular(words[-1])]), spec.name)
                out.setdefault(" ".join(words), spec.name)
    return out


_KIND_WORDS_CACHE: dict = {}


def kind_words() -> dict[str, str]:
    """``catalog_words()`` of the current catalog, kept until the catalog changes (user recipes)."""
    key = (id(catalog.KINDS), len(catalog.KINDS))
    if key not in _KIND_WORDS_CACHE:
        _KIND_WORDS_CACHE.clear()
        _KIND_WORDS_CACHE[key] = catalog_words()
    return _KIND_WORDS_CACHE[key]


class Resolver:
    """Phrase -> kind, with thresholds for 'is that kind' (``match``) and 'stands in' (``stand_in``)."""

    def __init__(self, nearest: Nearest | None = None, match: float = 1.0, stand_in: float = 1.0, kinds=None):
        self.kinds = kinds or catalog.KINDS
        self.words = catalog_words(self.kinds)
        self.stand_ins = {w: k for k, ws in STAND_INS.items() if k in self.kinds for w in ws}
        self.nearest = nearest
        self.match, self.stand_in = match, stand_in

    def listed(self, words: tuple[str, ...]) -> str | None:
        text = " ".join(words[:-1] + (singular(words[-1]),))
        return self.words.get(" ".join(words)) or self.words.get(text)

    def resolve(self, phrase: Phrase | str) -> Resolution:
        words = tuple(phrase.split()) if isinstance(phrase, str) else phrase.words
        text = join(words)
        kind = self.listed(words)
        if kind:
            return Resolution(kind, "listed", 1.0, text)
        for n in range(1, len(words)):          # the head: "fishing boat" -> boat
            kind = self.listed(words[n:])
            if kind:
                return Resolution(kind, "head", 1.0, text)
        for key in (text, " ".join(words[:-1] + (singular(words[-1]),)), singular(words[-1])):
            kind = self.stand_ins.get(key)           # a narrower word: "a sycamore" -> a tree stands in
            if kind:
                return Resolution(kind, "stand_in", 0.8, text)
        last = singular(words[-1])
        for cut in range(3, len(last) - 2):      # a closed compound's tail: "tugboat" -> a boat stands in
            kind = self.words.get(last[cut:])
            if kind:
                return Resolution(kind, "stand_in", 0.5, text)
        if self.nearest is not None:
            query = " ".join(words[:-1] + (singular(words[-1]),))
            kind, score = self.nearest(query)
            if kind in self.kinds and score >= self.match:
                return Resolution(kind, "near", score, text)
            if kind in self.kinds and score >= self.stand_in:
                return Resolution(kind, "stand_in", score, text)
        return Resolution(PLACEHOLDER_KIND, "placeholder", 0.0, text)

    def part_of(self, owner_kind: str, words: tuple[str, ...]) -> bool:
        """Whether ``words`` name a part the owner kind's asset or recipe already has
        ("a house with a chimney", "a cathedral with two bell towers")."""
        spec = self.kinds.get(owner_kind)
        parts = {p.lower() for p in getattr(spec, "has_parts", ()) or ()}
        if not parts:
            return False
        text = " ".join(words[:-1] + (singular(words[-1]),))
        return text in parts or " ".join(words) in parts or singular(words[-1]) in parts


def slug(text: str) -> str:
    """An entity id made from the user's words ("fire engine" -> "fire_engine")."""
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:28].strip("_")
    if not s or not s[0].isalpha():
        s = "thing_" + s
    return s[:28]


def read_things(tokens: list[str], mentions: list, resolver: Resolver, make, modifiers=frozenset(),
                not_things=frozenset(), enders=frozenset()) -> list:
    """Merge the catalog-word ``mentions`` (objects with kind/start/end/requested/how) with the noun
    phrases of ``tokens``: a phrase that ends in a mention names that mention's thing (its words are
    what was requested); a phrase no mention ends is a thing of its own, resolved by ``resolver``, and
    the catalog words inside it were modifiers ("fire" in "fire station"). ``make(kind, start, end, ...)``
    builds a new mention."""
    out = list(mentions)
    for p in noun_phrases(tokens, modifiers, enders):
        inside = [m for m in out if m.start < p.end and m.end > p.start]
        ending = [m for m in inside if m.end == p.end]
        if ending:
            m = ending[0]
            m.requested = join(tokens[min(p.start, m.start):m.end])
            continue
        if not is_thing(p, not_things):
            continue
        res = resolver.resolve(p)
        plural = singular(p.words[-1]) != p.words[-1]
        area = _area(p, resolver) if res.how == "placeholder" else None
        if area is not None:           # "a pumpkin patch": pumpkins; "an olive grove": trees
            res, plural = area, True
        out = [m for m in out if m not in inside]
        out.append(make(res.kind, p.start, p.end, plural=plural, requested=res.word, how=res.how))
    return sorted(out, key=lambda m: m.start)


def _area(p: Phrase, resolver: Resolver) -> Resolution | None:
    """An area of one plant ("a pumpkin patch", "an apple orchard") as that plant, many of it."""
    if len(p.words) < 2 or singular(p.words[-1]) not in AREA_NOUNS:
        return None
    plant = AREA_NOUNS[singular(p.words[-1])]
    kind = resolver.listed(p.words[:-1])
    if plant is None and (kind is None or resolver.kinds[kind].category != "nature"):
        return None
    if plant is not None and (kind is None or resolver.kinds[kind].category != "nature"):
        kind = plant if plant in resolver.kinds else None
    return Resolution(kind, "listed", 1.0, join(p.words)) if kind else None


_PLACING = {"to", "in", "on", "around", "behind", "beside", "near", "next", "under", "at", "by", "against", "along",
            "across", "opposite", "facing", "above", "below", "beneath", "underneath", "out", "outside", "inside",
            "left", "right", "nearby", "close"}


def fold_parts(tokens: list[str], mentions: list, resolver: Resolver, notes: list[str]) -> list:
    """"X with a Y" where Y is a part X's kind already has ("a cathedral with two bell towers",
    "a house with a chimney") is one X: Y is folded into X's requested words. "A table with four
    chairs" keeps the chairs: a table has no chair part. A Y followed by a relation of its own
    ("a house with a wall around it") is a thing beside X, not a part."""
    out: list = []
    skip = ADJECTIVES | DETERMINERS | NUMBER_WORDS
    for m in mentions:
        owner = out[-1] if out else None
        gap = tokens[owner.end:m.start] if owner else []
        after = tokens[m.end:m.end + 2]
        if (owner is not None and gap and gap[0] == "with" and all(w in skip or w.isdigit() for w in gap[1:])
                and not (after and after[0] in _PLACING)
                and resolver.part_of(owner.kind, tuple(tokens[m.start:m.end]))):
            owner.requested = f"{owner.requested} with {' '.join(tokens[m.start - len(gap) + 1:m.end])}"
            notes.append(f"{' '.join(tokens[m.start:m.end])!r} is read as part of the {owner.requested.split(' with ')[0]}"
                         f" ({owner.kind} has it), not as a thing of its own")
            continue
        # "a cabin in the woods, smoke rising from the chimney": the chimney is the cabin's
        part_owner = next((o for o in reversed(out) if resolver.part_of(o.kind, tuple(tokens[m.start:m.end]))),
                          None) if m.start > 0 and tokens[m.start - 1] == "the" else None
        if part_owner is not None:
            notes.append(f"{' '.join(tokens[m.start:m.end])!r} is read as part of the {part_owner.requested}"
                         f" ({part_owner.kind} has it), not as a thing of its own")
            continue
        out.append(m)
    return out


def substitution_notes(requested: str, kind: str, how: str, entity_id: str) -> list[str]:
    """The warning for a thing built as something else (empty when it is built as itself)."""
    if how == "stand_in":
        return [f"{requested!r} has no kind of its own: a {kind} stands in for it ({entity_id!r})"]
    if how == "placeholder":
        return [f"{requested!r} has no kind and nothing close: a labelled placeholder box stands in for it "
                f"({entity_id!r})"]
    return []


def singular_text(text: str) -> str:
    words = text.split()
    return " ".join(words[:-1] + [singular(words[-1])]) if words else text


_DEFAULT: list = [None, None]


def default_resolver() -> Resolver:
    """The rules-only resolver for the catalog as it is now (rebuilt when the catalog changes)."""
    key = tuple(catalog.KINDS)
    if _DEFAULT[0] != key:
        _DEFAULT[:] = [key, Resolver()]
    return _DEFAULT[1]
