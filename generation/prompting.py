"""The model's instructions: a short description of the DSL and a few examples.

Kept small: a 270M model copies examples, so the examples are varied and the
decoding grammar (narrowed to what the prompt mentions) does the rest.
"""
from __future__ import annotations

import json

from ..scene_dsl.models import GROUNDS, RELATIONS, TIMES_OF_DAY
from ..scene_dsl.recipes.schema import SHAPES

SYSTEM = (
    "You turn a description of a 3D scene into JSON for a scene engine. "
    "Write each thing mentioned once as an entity with its count (how many), its colour if the text gives one, "
    "and its relations to other entities by id. "
    "Relations: {relations}. time_of_day: {times}. ground: {grounds}. "
    "'behind' means farther from the viewer, 'in_front_of' closer. Output only the JSON."
)

EXAMPLES: list[tuple[str, dict]] = [
    ("two yellow bicycles next to a bench in the park at noon",
     {"version": 1, "time_of_day": "noon", "ground": "grass", "entities": [
         {"id": "bench", "kind": "bench", "count": 1},
         {"id": "bicycles", "kind": "bicycle", "count": 2, "color": "yellow",
          "relations": [{"type": "next_to", "target": "bench"}]}]}),
    ("a snowman left of a blue tent at night, with a campfire in front of the tent",
     {"version": 1, "time_of_day": "night", "ground": "snow", "entities": [
         {"id": "tent", "kind": "tent", "count": 1, "color": "blue"},
         {"id": "snowman", "kind": "snowman", "count": 1, "relations": [{"type": "left_of", "target": "tent"}]},
         {"id": "campfire", "kind": "campfire", "count": 1, "relations": [{"type": "in_front_of", "target": "tent"}]}]}),
    ("four grey rocks around a well on the beach in the morning, a cat on a crate",
     {"version": 1, "time_of_day": "morning", "ground": "sand", "entities": [
         {"id": "well", "kind": "well", "count": 1},
         {"id": "rocks", "kind": "rock", "count": 4, "color": "gray", "relations": [{"type": "around", "target": "well"}]},
         {"id": "crate", "kind": "crate", "count": 1},
         {"id": "cat", "kind": "cat", "count": 1, "relations": [{"type": "on", "target": "crate"}]}]}),
]


COMPOSITES = (
    " Use a catalog kind when one fits. For a thing no kind fits, write a composite entity instead: "
    "\"name\" (what it is), \"parts\" (at most 32: each a shape ({shapes}) with size [width, depth, height] "
    "in metres, or a catalog \"kind\"; \"at\" [x, y, z] is the base centre of the part, the front faces -y; "
    "optional \"rotate\" [x, y, z] degrees, \"array\" {{count, axis, spacing}}, \"mirror_x\", and \"slot\": "
    "main (the entity's colour) or a fixed material such as roof_tile, wood_dark, metal, glass, stone) "
    "and \"size\" [width, depth, height] in metres. Use version 2."
)

# one example of a composite, shown only to models that are offered composites
COMPOSITE_EXAMPLE = (
    "a white gazebo with a bench in front of it",
    {"version": 2, "time_of_day": "noon", "ground": "grass", "entities": [
        {"id": "gazebo", "name": "gazebo", "count": 1, "color": "white", "size": [4, 4, 3.5], "parts": [
            {"shape": "cylinder", "size": [3, 3, 0.2], "slot": "stone"},
            {"shape": "cylinder", "at": [1.2, 1.2, 0.2], "size": [0.15, 0.15, 2.2], "mirror_x": True},
            {"shape": "cylinder", "at": [1.2, -1.2, 0.2], "size": [0.15, 0.15, 2.2], "mirror_x": True},
            {"shape": "cone", "at": [0, 0, 2.4], "size": [3.4, 3.4, 0.9], "slot": "roof_tile"}]},
        {"id": "bench", "kind": "bench", "count": 1, "relations": [{"type": "in_front_of", "target": "gazebo"}]}]})


def system_prompt(composites: bool = False) -> str:
    text = SYSTEM.format(relations=", ".join(RELATIONS), times=", ".join(TIMES_OF_DAY), grounds=", ".join(GROUNDS))
    return text + (COMPOSITES.format(shapes=", ".join(SHAPES)) if composites else "")


def hint(analysis) -> str | None:
    """A short reminder of the things the prompt names, e.g. ``entities: car (car), trees (pine_tree)``."""
    if analysis is None or not analysis.entities:
        return None
    parts = [f"{d.id} is a {d.kind}" for d in analysis.entities]
    return "entities: " + "; ".join(parts)


def compact(doc: dict) -> str:
    return json.dumps(doc, separators=(", ", ": "))


def place_examples(shown) -> list[tuple[str, dict]]:
    """Few-shot examples from retrieved places (``scene_dsl.places``): a place's example sentence
    and its typical things, so the model sees what a sentence naming a place implies."""
    out = []
    for p in shown or ():
        if p.example:
            from ..scene_dsl.lexicon import analyze
            from ..scene_dsl.places import example_scene
            doc = example_scene(p, analyze(p.example).time_of_day or "noon").model_dump(exclude_none=True, exclude={"seed", "camera"})
            for e in doc["entities"]:
                for key in [k for k, v in e.items() if v in ([], "medium") or k in ("material", "scale", "position", "rotation")]:
                    e.pop(key)
            out.append((p.example, {"version": 1, **doc}))
    return out


def messages(prompt: str, hint_text: str | None = None, shown=None, composites: bool = False) -> list[dict]:
    """Chat messages for ``prompt``: system text, the examples (fixed ones, then those of the
    places ``shown``, retrieved for this prompt), then the request. ``composites`` (for models that
    are offered them) explains composite entities and adds an example of one."""
    msgs = [{"role": "system", "content": system_prompt(composites)}]
    for text, doc in EXAMPLES + place_examples(shown) + ([COMPOSITE_EXAMPLE] if composites else []):
        if hint_text is not None:
            text = f"{text}\n(entities: " + "; ".join(f"{e['id']} is a {e.get('kind') or e['name']}"
                                                       for e in doc["entities"]) + ")"
        msgs.append({"role": "user", "content": text})
        msgs.append({"role": "assistant", "content": compact(doc)})
    user = prompt.strip()
    if hint_text:
        user = f"{user}\n({hint_text})"
    msgs.append({"role": "user", "content": user})
    return msgs


MAX_REPAIR_ECHO = 8000   # characters of a bad reply sent back to the model (a runaway reply is not)


def repair_messages(base: list[dict], reply: str, problems: list[str]) -> list[dict]:
    listed = "\n".join(f"- {p[:300]}" for p in problems[:8])
    return base + [
        {"role": "assistant", "content": reply[:MAX_REPAIR_ECHO]},
        {"role": "user", "content": f"That JSON has problems:\n{listed}\nWrite the corrected JSON."},
    ]


def disagreement_messages(base: list[dict], reply: str, problems: list[str]) -> list[dict]:
    """Verify mode's repair: the reply's disagreements with what the description states."""
    listed = "\n".join(f"- {p[:300]}" for p in problems[:8])
    return base + [
        {"role": "assistant", "content": reply[:MAX_REPAIR_ECHO]},
        {"role": "user", "content": f"That JSON disagrees with the description:\n{listed}\n"
                                    "Write the corrected JSON; keep everything else you added."},
    ]


def refine_messages(current_json: str, instruction: str, composites: bool = False) -> list[dict]:
    """Messages asking the model to edit an existing scene."""
    msgs = [{"role": "system", "content": system_prompt(composites) +
             " When given a current scene and an instruction, output the whole updated scene JSON, "
             "changing only what the instruction asks."}]
    msgs.append({"role": "user", "content": f"Current scene: {current_json}\nInstruction: {instruction.strip()}"})
    return msgs
