"""The kind catalog: one entry per kind the engine can build.

Pure data. Sizes are real-world metres: ``width`` along X, ``depth`` along Y
(the front faces -Y, toward the default camera), ``height`` along Z. The
origin of every asset is the centre of its base.

``parts`` maps each material slot of the asset to either ``MAIN`` (takes the
entity's colour) or a fixed material preset name. ``top`` is the height, as a
fraction of ``height``, of a surface other things can stand on (``None`` when
nothing can). ``synonyms`` are words people use for the kind; they feed the
model's prompt and the prompt-grounding pass, never the DSL itself. ``has_parts`` are
words for parts the kind's asset (or recipe) already has: "a house with a chimney" is one
house, while "a table with four chairs" is a table and four chairs (``scene_dsl.words``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

MAIN = "main"


@dataclass(frozen=True)
class KindSpec:
    name: str
    category: str
    size: tuple[float, float, float]
    color: str
    parts: dict[str, str] = field(default_factory=lambda: {"body": MAIN})
    main_part: str = "body"
    top: float | None = None
    light: bool = False
    variants: int = 1
    synonyms: tuple[str, ...] = ()
    preset: str | None = None          # the main part's preset when the entity names none (recipes)
    light_height: float | None = None  # where its light shines, as a fraction of height (None: 0.9)
    origin: str = "procedural"         # "procedural", "recipe" (shipped) or "user" (a user's recipes folder)
    source: str | None = None          # where a recipe kind's name comes from (a dataset's category list)
    has_parts: tuple[str, ...] = ()
    is_a: str | None = None            # the broader kind this is one of (a sailboat is a boat)

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def depth(self) -> float:
        return self.size[1]

    @property
    def height(self) -> float:
        return self.size[2]

    @property
    def footprint_radius(self) -> float:
        return 0.5 * (self.size[0] ** 2 + self.size[1] ** 2) ** 0.5

    @property
    def top_height(self) -> float | None:
        return None if self.top is None else self.top * self.size[2]


def _k(name, category, size, color, parts=None, main_part="body", top=None, light=False,
       variants=1, synonyms=()):
    return KindSpec(name, category, tuple(float(s) for s in size), color,
                    parts if parts is not None else {"body": MAIN}, main_part, top, light,
                    variants, tuple(synonyms), has_parts=HAS_PARTS.get(name, ()))


# parts each procedural asset builds (blender/assets): "with" one of these is part of the thing
HAS_PARTS: dict[str, tuple[str, ...]] = {
    "tree": ("trunk", "branch", "leaf", "canopy", "crown"),
    "pine_tree": ("trunk", "branch", "needle", "canopy"),
    "palm_tree": ("trunk", "leaf", "frond"),
    "flower": ("stem", "petal", "leaf"),
    "mushroom": ("stem", "cap"),
    "house": ("roof", "door", "front door", "window", "chimney", "porch", "wall"),
    "barn": ("roof", "door", "barn door", "wall"),
    "tower": ("roof", "window", "wall", "spire", "pointed roof"),
    "lighthouse": ("lantern", "light", "stripe", "red stripe", "roof", "balcony"),
    "windmill": ("sail", "blade", "vane", "roof", "door"),
    "tent": ("pole", "flap"),
    "well": ("roof", "bucket", "water"),
    "bridge": ("railing", "rail", "deck"),
    "bench": ("backrest", "armrest", "leg"),
    "chair": ("backrest", "leg", "seat"),
    "table": ("leg", "top"),
    "sofa": ("cushion", "armrest", "leg"),
    "bed": ("pillow", "headboard", "frame", "blanket", "sheet", "duvet", "mattress"),
    "bookshelf": ("book", "shelf"),
    "lamp": ("shade", "lampshade", "bulb", "base"),
    "street_lamp": ("bulb", "light", "lamp", "lantern"),
    "barrel": ("hoop", "lid"),
    "mailbox": ("post", "flag"),
    "campfire": ("log", "stone", "flame"),
    "snowman": ("hat", "top hat", "nose", "carrot nose", "carrot", "button", "scarf", "arm", "stick arm"),
    "signpost": ("sign", "post", "arrow"),
    "car": ("wheel", "tire", "tyre", "window", "windshield", "headlight", "door"),
    "truck": ("wheel", "tire", "tyre", "window", "headlight", "cargo", "trailer", "cab"),
    "bus": ("wheel", "tire", "tyre", "window", "headlight", "door"),
    "boat": ("hull", "deck", "mast", "sail", "oar", "cabin"),
    "bicycle": ("wheel", "tire", "tyre", "seat", "saddle", "handlebar", "pedal", "frame"),
    "person": ("hair", "hat", "arm", "leg", "head", "shirt"),
    "dog": ("tail", "ear", "nose", "collar"),
    "cat": ("tail", "ear", "whisker", "nose"),
    "bird": ("wing", "beak", "tail", "feather"),
    "cow": ("horn", "spot", "tail", "udder", "bell"),
}


_ENTRIES = [
    # primitives
    _k("cube", "primitive", (1, 1, 1), "#b0b0b0", top=1.0, synonyms=("box", "block", "cubes", "boxes", "blocks")),
    _k("sphere", "primitive", (1, 1, 1), "#b0b0b0", synonyms=("ball", "orb", "globe", "balls", "spheres", "bubble")),
    _k("cylinder", "primitive", (1, 1, 1), "#b0b0b0", top=1.0, synonyms=("pillar", "column", "tube", "pipe", "pillars", "columns")),
    _k("cone", "primitive", (1, 1, 1), "#b0b0b0", synonyms=("traffic cone",)),
    _k("torus", "primitive", (1, 1, 0.25), "#b0b0b0", synonyms=("donut", "doughnut", "tire", "tyre", "donuts")),
    _k("plane", "primitive", (2, 2, 0.02), "#b0b0b0", top=1.0, synonyms=("platform", "slab", "tile")),
    _k("pyramid", "primitive", (1, 1, 1), "#d2b48c", synonyms=("pyramids",)),
    # nature
    _k("tree", "nature", (3.2, 3.2, 5.0), "#3c8d2f", {"trunk": "bark", "canopy": MAIN}, "canopy",
       variants=3, synonyms=("oak", "maple", "birch", "trees", "oak tree", "deciduous tree", "elm", "willow", "beech", "apple tree", "cherry tree", "fruit tree", "sapling", "chestnut tree", "shade tree")),
    _k("pine_tree", "nature", (2.6, 2.6, 6.0), "#1f5e2e", {"trunk": "bark", "canopy": MAIN}, "canopy",
       variants=3, synonyms=("pine", "fir", "spruce", "conifer", "evergreen", "christmas tree", "pines", "firs", "cedar", "pine tree", "fir tree", "spruce tree")),
    _k("palm_tree", "nature", (3.5, 3.5, 6.0), "#3f9b3a", {"trunk": "bark", "leaves": MAIN}, "leaves",
       variants=2, synonyms=("palm", "palms", "coconut tree", "coconut palm")),
    _k("bush", "nature", (1.4, 1.4, 1.0), "#3b7d2b", {"body": MAIN}, variants=3,
       synonyms=("shrub", "hedge", "shrubs", "bushes", "hedges", "shrubbery")),
    _k("flower", "nature", (0.25, 0.25, 0.45), "#e0245e", {"stem": "leaf", "petals": MAIN}, "petals",
       variants=3, synonyms=("rose", "tulip", "daisy", "blossom", "flowers", "sunflower", "lily", "poppy", "orchid", "daffodil", "wildflower", "flower bed")),
    _k("rock", "nature", (1.0, 0.8, 0.6), "#7d7d78", {"body": MAIN}, top=0.95, variants=3,
       synonyms=("stone", "boulder", "rocks", "pebble", "boulders", "stones")),
    _k("mushroom", "nature", (0.3, 0.3, 0.35), "#d23b2a", {"stem": "cream", "cap": MAIN}, "cap",
       variants=2, synonyms=("toadstool", "fungus", "mushrooms")),
    _k("cactus", "nature", (0.8, 0.5, 1.9), "#3f8f3a", {"body": MAIN}, variants=2,
       synonyms=("cacti", "saguaro", "cactuses")),
    _k("log", "nature", (2.0, 0.45, 0.45), "#7a5230", {"bark": MAIN, "cut": "wood"}, "bark", top=1.0,
       synonyms=("tree trunk", "timber", "logs", "fallen tree")),
    _k("hill", "nature", (14, 14, 3.5), "#5a9a3c", {"body": MAIN}, top=1.0, variants=2,
       synonyms=("mound", "knoll", "hills", "hillock", "mountain", "mountains")),
    # structures
    _k("house", "structure", (8, 7, 6.5), "#e8dcc8",
       {"walls": MAIN, "roof": "roof_tile", "door": "wood_dark", "window": "glass", "trim": "white_paint"},
       "walls", variants=3, synonyms=("cabin", "cottage", "home", "hut", "villa", "bungalow", "houses", "shack", "lodge", "chalet", "farmhouse", "mansion", "building", "townhouse", "inn", "homes")),
    _k("barn", "structure", (10, 8, 7.5), "#a52a2a",
       {"walls": MAIN, "roof": "metal_dark", "door": "white_paint", "trim": "white_paint"}, "walls",
       synonyms=("barns", "shed", "granary", "sheds")),
    _k("tower", "structure", (4, 4, 14), "#9e9a90", {"walls": MAIN, "roof": "roof_tile", "window": "glass"},
       "walls", variants=2, synonyms=("castle tower", "turret", "towers", "watchtower", "castle", "clock tower", "bell tower", "spire")),
    _k("lighthouse", "structure", (4, 4, 16), "#f5f5f5",
       {"walls": MAIN, "stripe": "red_paint", "lantern": "lamp_glow", "roof": "metal_dark"}, "walls",
       light=True, synonyms=("beacon", "light house", "lighthouses")),
    _k("windmill", "structure", (6, 5, 12), "#e8dcc8",
       {"walls": MAIN, "roof": "roof_tile", "sails": "fabric_white", "door": "wood_dark"}, "walls",
       synonyms=("wind mill", "mill", "windmills")),
    _k("tent", "structure", (3, 3.2, 2.0), "#e07b22", {"body": MAIN, "pole": "metal"}, variants=2,
       synonyms=("tents", "teepee", "tipi", "camping tent")),
    _k("well", "structure", (1.8, 1.8, 2.4), "#8c8c86", {"walls": MAIN, "roof": "wood_dark", "water": "water"},
       "walls", synonyms=("wishing well", "water well", "wells")),
    _k("fence", "structure", (4, 0.12, 1.1), "#8b6b47", {"body": MAIN}, top=1.0,
       synonyms=("picket fence", "railing", "fences", "fencing")),
    _k("wall", "structure", (5, 0.45, 2.5), "#a0a0a0", {"body": MAIN}, top=1.0,
       synonyms=("stone wall", "brick wall", "walls", "barrier")),
    _k("bridge", "structure", (9, 3, 2.4), "#8b6b47", {"deck": MAIN, "rail": "wood_dark"}, "deck", top=0.55,
       synonyms=("footbridge", "bridges", "overpass")),
    # furniture and props
    _k("table", "prop", (1.6, 0.9, 0.76), "#8b5a2b", {"body": MAIN}, top=1.0,
       synonyms=("desk", "dining table", "tables", "coffee table", "picnic table", "workbench", "desks")),
    _k("chair", "prop", (0.5, 0.52, 0.95), "#8b5a2b", {"body": MAIN}, top=0.48,
       synonyms=("stool", "seat", "chairs", "armchair", "rocking chair", "throne", "stools")),
    _k("bench", "prop", (1.7, 0.55, 0.85), "#8b5a2b", {"body": MAIN, "legs": "metal_dark"}, top=0.5,
       synonyms=("park bench", "benches", "pew")),
    _k("sofa", "prop", (2.1, 0.95, 0.85), "#4f6d8f", {"body": MAIN, "legs": "wood_dark"}, top=0.5,
       synonyms=("couch", "settee", "sofas", "loveseat")),
    _k("bed", "prop", (1.6, 2.1, 0.9), "#e9e4da", {"frame": "wood", "body": MAIN, "pillow": "fabric_white"}, top=0.6,
       synonyms=("beds", "mattress", "bunk")),
    _k("bookshelf", "prop", (1.0, 0.35, 2.0), "#8b5a2b", {"body": MAIN, "books": "books"}, top=1.0,
       synonyms=("bookcase", "shelf", "shelves", "bookshelves", "cabinet", "cupboard", "book shelf")),
    _k("lamp", "prop", (0.35, 0.35, 0.6), "#f2e6c8", {"shade": MAIN, "base": "metal_dark", "bulb": "lamp_glow"},
       "shade", light=True, synonyms=("desk lamp", "table lamp", "lamps", "floor lamp", "lantern", "lanterns")),
    _k("street_lamp", "prop", (0.6, 0.6, 4.5), "#2f3a3a", {"body": MAIN, "bulb": "lamp_glow"}, light=True,
       synonyms=("streetlight", "street light", "lamp post", "lamppost", "street lamps", "streetlamp", "streetlights", "street lights", "lampposts", "lamp posts")),
    _k("barrel", "prop", (0.6, 0.6, 0.9), "#8b5a2b", {"body": MAIN, "hoops": "metal_dark"}, top=1.0,
       synonyms=("keg", "cask", "barrels", "oil drum", "kegs")),
    _k("crate", "prop", (0.8, 0.8, 0.8), "#b08850", {"body": MAIN}, top=1.0,
       synonyms=("wooden box", "crates", "chest", "package", "treasure chest", "parcel")),
    _k("mailbox", "prop", (0.45, 0.3, 1.25), "#1f4fa0", {"body": MAIN, "post": "wood"},
       synonyms=("postbox", "letterbox", "mail box", "mailboxes")),
    _k("campfire", "prop", (1.0, 1.0, 0.6), "#ff7a1a", {"logs": "wood_dark", "stones": "stone", "flames": MAIN},
       "flames", light=True, synonyms=("bonfire", "fire", "fire pit", "campfires", "camp fire")),
    _k("snowman", "prop", (0.8, 0.8, 1.7), "#ffffff", {"body": MAIN, "hat": "black_plastic", "nose": "orange_paint"},
       synonyms=("snow man", "snowmen")),
    _k("signpost", "prop", (0.9, 0.15, 2.0), "#8b6b47", {"sign": MAIN, "post": "wood"}, "sign",
       synonyms=("sign", "signboard", "road sign", "signposts", "guidepost", "street sign", "signs")),
    # vehicles (front toward -Y)
    _k("car", "vehicle", (1.85, 4.4, 1.45), "#c0392b",
       {"body": MAIN, "window": "glass", "wheel": "rubber", "light": "headlight"}, variants=2, top=None,
       synonyms=("automobile", "sedan", "auto", "cars", "vehicle", "coupe", "suv", "jeep", "taxi", "cab", "hatchback", "convertible", "sports car", "minivan", "police car", "race car", "limousine", "limo", "station wagon", "roadster", "taxis")),
    _k("truck", "vehicle", (2.5, 7.0, 3.3), "#2e6da4",
       {"body": MAIN, "cargo": "metal", "window": "glass", "wheel": "rubber", "light": "headlight"},
       synonyms=("lorry", "pickup", "pickup truck", "trucks", "van", "fire truck", "firetruck", "dump truck", "vans", "delivery truck")),
    _k("bus", "vehicle", (2.55, 11.0, 3.2), "#f1c40f",
       {"body": MAIN, "window": "glass", "wheel": "rubber", "light": "headlight"},
       synonyms=("school bus", "coach", "buses", "minibus", "double decker", "trolley")),
    _k("boat", "vehicle", (2.2, 5.5, 1.3), "#f5f5f5", {"hull": MAIN, "deck": "wood", "trim": "red_paint"},
       "hull", variants=2, synonyms=("rowboat", "ship", "canoe", "sailboat", "yacht", "boats", "dinghy", "kayak", "ferry", "fishing boat", "raft", "gondola", "motorboat", "speedboat", "ships")),
    _k("bicycle", "vehicle", (0.6, 1.75, 1.05), "#d35400", {"frame": MAIN, "wheel": "rubber", "seat": "black_plastic"},
       "frame", synonyms=("bike", "bicycles", "bikes", "mountain bike", "tricycle")),
    # creatures (face -Y)
    _k("person", "creature", (0.5, 0.3, 1.75), "#3366cc",
       {"body": MAIN, "skin": "skin", "legs": "denim", "hair": "hair"}, variants=3,
       synonyms=("man", "woman", "people", "child", "kid", "boy", "girl", "human", "figure", "persons",
                 "men", "women", "children", "kids", "hiker", "farmer", "lady", "guy", "soldier", "knight", "worker", "student", "tourist", "fisherman", "policeman", "chef", "dancer", "runner", "skier", "pedestrian", "villager", "traveler", "traveller", "ladies", "guys", "adult", "adults", "teenager", "baby", "girls", "boys", "friends", "friend", "couple of people")),
    _k("dog", "creature", (0.32, 0.85, 0.65), "#a0703c", {"body": MAIN, "nose": "black_plastic"}, variants=2,
       synonyms=("puppy", "pup", "hound", "dogs", "puppies", "doggy", "terrier", "retriever", "labrador", "poodle", "corgi", "husky", "dalmatian", "bulldog", "beagle", "sheepdog")),
    _k("cat", "creature", (0.22, 0.5, 0.32), "#e08a3c", {"body": MAIN, "nose": "pink_paint"}, variants=2,
       synonyms=("kitten", "kitty", "cats", "kittens", "tabby", "tomcat")),
    _k("bird", "creature", (0.2, 0.3, 0.2), "#3a6fd8", {"body": MAIN, "beak": "orange_paint"},
       synonyms=("sparrow", "robin", "crow", "pigeon", "birds", "seagull", "parrot", "duck", "ducks", "goose", "swan", "owl", "eagle", "hawk", "gull", "dove", "raven", "chicken", "hen", "rooster", "penguin", "finch", "songbird", "geese", "chickens", "hens")),
    _k("cow", "creature", (0.85, 2.2, 1.5), "#f5f5f5", {"body": MAIN, "spots": "black_plastic", "horns": "cream"},
       synonyms=("cattle", "cows", "bull", "calf", "ox", "bulls", "calves", "heifer", "bison", "buffalo", "yak")),
]

KINDS: dict[str, KindSpec] = {e.name: e for e in _ENTRIES}
PROCEDURAL: tuple[str, ...] = tuple(KINDS)
KIND_NAMES: tuple[str, ...] = tuple(KINDS)
PRIMITIVES: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.category == "primitive")
RECIPE_DIR = os.path.join(os.path.dirname(__file__), "recipes", "data")
RECIPES: dict = {}                 # kind name -> recipes.loader.Loaded, for every recipe kind
RECIPES_ENV = "WORLDSMITH_RECIPES"  # a user's recipes folder, read when the catalog is imported
USER_RECIPE_ISSUES: list = []       # what was wrong with the user's recipes (shown as warnings)


def _spec(loaded, origin: str, lookup) -> KindSpec:
    r = loaded.recipe
    parts = {name: schema.slot_value(v) for name, v in r.slots.items()}
    for p in r.parts:                # a referenced kind's fixed materials become slots here too
        if p.kind:
            for slot, value in lookup(p.kind).parts.items():
                if value != MAIN and value not in parts.values():
                    parts[f"{p.kind}.{slot}"] = value
    h = loaded.size[2]
    has = list(r.has_parts)
    for p in r.parts:                # "a cathedral with two bell towers" is one cathedral: its towers are parts
        if p.kind:
            ref = lookup(p.kind)
            has += [w for w in (ref.name.replace("_", " "), *ref.synonyms) if w not in has]
    return KindSpec(loaded.name, r.category, loaded.size, r.color, parts, r.main,
                    None if r.top is None else min(1.0, r.top / h), r.light is not None, r.variants,
                    tuple(s for s in r.synonyms), r.preset,
                    None if r.light is None else min(1.0, r.light / h), origin, r.source, tuple(has), r.is_a)


def family(kind: str) -> list[str]:
    """``kind`` and the broader kinds it is one of: ["sailboat", "boat"]."""
    out = [kind]
    while kind in KINDS and KINDS[kind].is_a and KINDS[kind].is_a not in out:
        kind = KINDS[kind].is_a
        out.append(kind)
    return out


def _words(spec: KindSpec) -> set[str]:
    return {spec.name, spec.name.replace("_", " "), *spec.synonyms}


def _add(loaded: dict, origin: str) -> None:
    """Recipe kinds join the catalog. A procedural kind keeps its name; a word that names a recipe
    kind (its name or synonym) leaves the synonyms of every kind already there, so "armchair"
    reaches the armchair recipe rather than the chair; among recipes the first to claim a word keeps it."""
    global KIND_NAMES
    new = {}
    for name, item in loaded.items():
        if name in KINDS:
            continue
        new[name] = _spec(item, origin, lambda k: new.get(k) or KINDS[k])
        RECIPES[name] = item
    names = {w for spec in new.values() for w in (spec.name, spec.name.replace("_", " "))}
    # a primitive's name is not a claim on the word: in a sentence "a plane" is an aeroplane, not a flat square
    claimed = {w for spec in KINDS.values() if spec.category != "primitive"
               for w in (spec.name, spec.name.replace("_", " "))} | names
    taken_by_new = set()
    for name, spec in list(new.items()):
        own = tuple(w for w in spec.synonyms if w not in claimed and w not in taken_by_new)
        taken_by_new.update(own)
        new[name] = replace(spec, synonyms=own)
    words = names | taken_by_new
    words |= {w + s for w in names for s in ("s", "es")}     # "stools" goes with "stool" to the stool recipe
    for name, spec in list(KINDS.items()):
        if words & set(spec.synonyms):
            KINDS[name] = replace(spec, synonyms=tuple(w for w in spec.synonyms if w not in words))
    KINDS.update(new)
    KIND_NAMES = tuple(KINDS)


def _sizes() -> dict:
    return {k: v.size for k, v in KINDS.items()}


def load_user_recipes(folder: str) -> list:
    """Add the kinds of a user's recipes folder; a broken recipe (and whatever uses it) is left out.
    Returns the problems found (``errors.Issue``) for the caller to show as warnings."""
    loaded, issues = loader.load_folder(os.path.expanduser(folder), _sizes(), strict=False, taken=KINDS)
    _add(loaded, "user")
    return issues


def get(kind: str) -> KindSpec:
    return KINDS[kind]


def main_part_index(kind: str) -> int:
    spec = KINDS[kind]
    return list(spec.parts).index(spec.main_part)


from .recipes import loader, schema  # noqa: E402  (recipes read the procedural kinds above)

_add(loader.load_folder(RECIPE_DIR, _sizes(), strict=True, taken=KINDS)[0], "recipe")
if os.environ.get(RECIPES_ENV):     # worker processes (batch --jobs) inherit the folder this way
    USER_RECIPE_ISSUES.extend(load_user_recipes(os.environ[RECIPES_ENV]))
