"""The words the prompt reading knows, as data: numbers, sizes, materials, extra colour names, times of day,
ground words and relation phrases. ``lexicon`` reads sentences with them; nothing here runs.
"""
from __future__ import annotations

import re

NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "lone": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "pair": 2, "couple": 2, "both": 2, "few": 3, "several": 4,
    "many": 6, "lots": 6, "dozen": 12, "dozens": 24, "some": 3, "multiple": 3, "numerous": 8, "twin": 2,
    "trio": 3,
}
VAGUE = {"few", "several", "many", "lots", "some", "multiple", "numerous", "dozens"}
SIZES = {"tiny": "tiny", "miniature": "tiny", "small": "small", "little": "small", "short": "small",
         "big": "large", "large": "large", "tall": "large", "huge": "huge", "giant": "huge", "enormous": "huge",
         "massive": "huge", "gigantic": "huge", "medium": "medium", "bigger": "large", "larger": "large",
         "taller": "large", "smaller": "small", "shorter": "small", "tinier": "tiny"}
MATERIAL_WORDS = {"wooden": "wood", "wood": "wood", "metal": "metal", "metallic": "metal", "steel": "metal",
                  "iron": "metal", "glass": "glass", "plastic": "plastic", "stone": "stone", "brick": "brick",
                  "fabric": "fabric", "glowing": "emissive", "neon": "emissive", "marble": "stone"}
EXTRA_COLORS = {"golden": "gold", "silvery": "silver", "scarlet": "crimson", "ruby": "crimson",
                "emerald": "seagreen", "cream": "cornsilk", "creamy": "cornsilk", "rust": "sienna",
                "rusty": "sienna", "mustard": "goldenrod", "lilac": "plum", "mint": "mediumaquamarine",
                "sky": "skyblue", "charcoal": "dimgray", "burgundy": "maroon", "amber": "orange",
                "bronze": "peru", "copper": "chocolate", "ginger": "chocolate", "blond": "khaki",
                "pale": None, "dark": None, "light": None, "bright": None, "deep": None}
TIMES = [
    ("night", ("night", "midnight", "nighttime", "moonlight", "moonlit", "starry", "stars", "moon")),
    ("dusk", ("dusk", "twilight", "evening", "nightfall", "blue hour")),
    ("sunset", ("sunset", "sundown", "golden hour", "setting sun")),
    ("dawn", ("dawn", "sunrise", "daybreak", "first light", "early morning")),
    ("morning", ("morning",)),
    ("afternoon", ("afternoon",)),
    ("noon", ("noon", "midday", "daytime", "sunny", "bright day", "high noon", "daylight")),
]
GROUND_WORDS = [
    ("water", ("lake", "sea", "ocean", "river", "pond", "harbor", "harbour", "water", "bay", "waves")),
    ("sand", ("beach", "desert", "sand", "sandy", "dunes", "dune", "shore", "seaside", "oasis")),
    ("snow", ("snow", "snowy", "winter", "arctic", "frozen", "icy", "snowfield", "tundra", "snowing", "snowfall",
              "blizzard")),
    ("concrete", ("street", "city", "road", "parking", "plaza", "sidewalk", "town square", "concrete",
                  "asphalt", "urban", "downtown", "pavement", "parking lot", "highway", "motorway", "freeway",
                  "avenue", "boulevard", "alley", "alleyway", "crossroads", "intersection")),
    ("stone", ("courtyard", "cobblestone", "stone ground", "rocky", "quarry", "paved", "cobbled")),
    ("dirt", ("dirt", "mud", "muddy", "farm", "farmyard", "dusty", "soil", "ranch", "barnyard", "trail")),
    ("wood", ("room", "indoors", "indoor", "living room", "bedroom", "floor", "deck", "cabin interior",
              "library", "study", "office", "wooden floor", "porch")),
    ("grass", ("grass", "grassy", "meadow", "field", "lawn", "park", "garden", "pasture", "countryside",
               "yard", "backyard", "forest", "woods", "hillside", "valley")),
]
IMPLIED_GROUND = {"snowman": "snow", "cactus": "sand", "boat": "water"}

# relation phrases, longest first; ("between" and "around" handled specially)
REL_PHRASES = [
    ("to the left of", "left_of"), ("on the left of", "left_of"), ("on the left side of", "left_of"),
    ("left of", "left_of"), ("to the right of", "right_of"), ("on the right of", "right_of"),
    ("on the right side of", "right_of"), ("right of", "right_of"), ("in front of", "in_front_of"),
    ("before", "in_front_of"), ("ahead of", "in_front_of"), ("in back of", "behind"),
    ("at the back of", "behind"), ("behind", "behind"), ("beyond", "behind"), ("in the background of", "behind"),
    ("on top of", "on"), ("sitting on", "on"), ("standing on", "on"), ("resting on", "on"), ("atop", "on"),
    ("upon", "on"), ("lying on", "on"), ("perched on", "on"), ("on", "on"),
    ("underneath", "under"), ("beneath", "under"), ("under", "under"), ("below", "under"),
    ("leaning against", "next_to"), ("against", "next_to"), ("next to", "next_to"), ("beside", "next_to"), ("besides", "next_to"), ("alongside", "next_to"),
    ("by", "near"), ("near", "near"), ("nearby", "near"), ("close to", "near"), ("close by", "near"),
    ("around", "around"), ("surrounding", "around"), ("circling", "around"), ("encircling", "around"),
    ("in a circle around", "around"), ("in a ring around", "around"), ("surrounded by", "around_by"),
    ("encircled by", "around_by"), ("circled by", "around_by"), ("ringed by", "around_by"),
    ("between", "between"), ("facing", "facing"), ("looking at", "facing"), ("opposite", "facing"),
]
# phrases with no object of their own ("a cottage with a puppy in front"): they relate to the thing
# the "with" clause belongs to, never to the next thing named
OBJECTLESS = [
    ("in front", "in_front_of"), ("out front", "in_front_of"), ("to its left", "left_of"),
    ("on its left", "left_of"), ("to the left", "left_of"), ("to its right", "right_of"),
    ("on its right", "right_of"), ("to the right", "right_of"), ("on top", "on"), ("in the back", "behind"),
    ("behind it", "behind"), ("in front of it", "in_front_of"), ("next to it", "next_to"), ("beside it", "next_to"),
    ("around it", "around"), ("behind them", "behind"), ("around them", "around"),
    ("next to them", "next_to"), ("beside them", "next_to"), ("in front of them", "in_front_of"),
]
# weather Worldsmith does not draw (no rain, fog, wind or falling snow): read, never a thing, and named
# in a note so it does not vanish silently; falling snow still makes the ground snowy (GROUND_WORDS)
WEATHER = ("rain", "raining", "rainy", "drizzle", "drizzling", "downpour", "pouring", "storm", "stormy",
           "thunderstorm", "thunder", "lightning", "fog", "foggy", "mist", "misty", "haze", "hazy", "wind",
           "windy", "snowing", "snowfall", "blizzard", "hail", "hailing", "sleet", "overcast", "drizzly",
           # effects drawn by no kind either
           "smoke", "steam", "waves", "spray", "dust", "sparks", "splash", "ripples", "rainbow")
CORRECTION = re.compile(r"(?:\bno wait\b|\bno,|\bi mean\b|\bactually,|\bscratch that\b|\bcorrection:|\bsorry,)",
                        re.IGNORECASE)
ARRANGEMENT_WORDS = {"row": "row", "line": "row", "lined": "row", "grid": "grid", "circle": "ring",
                     "ring": "ring", "cluster": "cluster", "group": "cluster", "clump": "cluster",
                     "scattered": "scatter", "scatter": "scatter", "forest": "scatter", "grove": "scatter",
                     "orchard": "grid"}

# narrower words no kind lists, and the kind that stands in for each (with a warning naming both): species of
# trees and flowers, breeds, birds, and animals or shelters with a close built shape. A lexical table, not tuned
# to any benchmark's sentences; a kind must exist for its words to count (see words.Resolver).
STAND_INS = {
    "tree": ("sycamore", "redwood", "cypress", "magnolia", "baobab", "sequoia", "aspen", "poplar", "chestnut",
             "juniper", "acacia", "eucalyptus", "beech", "alder", "hawthorn", "holly", "larch", "linden",
             "mahogany", "olive tree", "sakura", "cherry blossom", "yew", "hemlock", "banyan", "mangrove",
             "dogwood", "hornbeam", "rowan", "laurel", "cottonwood", "jacaranda", "fig tree", "lemon tree"),
    "flower": ("peony", "lavender", "dandelion", "hydrangea", "marigold", "carnation", "chrysanthemum", "iris",
               "jasmine", "begonia", "camellia", "azalea", "gardenia", "hibiscus", "lotus", "crocus", "bluebell",
               "buttercup", "forget-me-not", "zinnia", "petunia", "geranium", "snowdrop", "primrose", "foxglove",
               "cornflower", "bloom", "blossom", "wildflower", "posy"),
    "dog": ("collie", "dachshund", "chihuahua", "spaniel", "pug", "rottweiler", "doberman", "mastiff", "schnauzer",
            "pomeranian", "shih tzu", "sheepdog", "setter", "whippet", "malamute", "pitbull", "sheltie",
            "border collie", "great dane", "st bernard", "saint bernard", "hound", "mutt", "pooch"),
    "cat": ("siamese", "persian cat", "maine coon", "ragdoll", "sphynx", "moggy", "tomcat"),
    "bird": ("pelican", "finch", "hummingbird", "kingfisher", "woodpecker", "magpie", "blackbird", "bluebird",
             "canary", "toucan", "peacock", "vulture", "albatross", "puffin", "gull", "starling", "wren",
             "cockatoo", "macaw", "budgie", "jay", "swallow", "nightingale", "ostrich", "emu", "turkey", "goose"),
    "bear": ("koala", "grizzly", "panda bear"),
    "fox": ("raccoon", "badger", "hyena", "jackal", "coyote"),
    "elephant": ("hippo", "hippopotamus", "rhino", "rhinoceros", "mammoth"),
    "tent": ("yurt", "tipi", "marquee"),
    "house": ("igloo", "chalet", "hut", "shack", "bungalow", "villa", "mansion", "farmhouse"),
    "turtle": ("tortoise", "terrapin"),
}
