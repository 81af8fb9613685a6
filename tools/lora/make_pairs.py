"""Synthetic prompt -> DSL pairs for a LoRA of the embedded model (tools/lora/README.md).

Run with the project's venv (it uses the project's catalog, reader, schema and prompt format):

    .venv/bin/python tools/lora/make_pairs.py --n 3000 --out /tmp/pairs.jsonl

Each sentence is made from templates over the catalog (kinds and their words, counts, colours,
relations, places, times of day); its DSL is what the template put in, so the target is known,
never a model's guess. The reader (``scene_dsl.lexicon``) is the teacher only where it is certain:
a pair is kept only when the reader finds exactly the template's things with the template's
counts and colours, because the pipeline shows the model the reader's hint and its slots (ids,
order) -- the target follows the reader's ids and order. Every target validates against the DSL
(``Scene``). Each sample is the exact text the pipeline sends with grounding off or verify
(system prompt, examples, the retrieved places' examples, the hint), rendered by the model file's
own chat template, and the reply the model should write. SceneBench sentences are not used.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT.parent))

from worldsmith.generation import pipeline, prompting  # noqa: E402
from worldsmith.scene_dsl import catalog, lexicon, places  # noqa: E402
from worldsmith.scene_dsl.models import Scene  # noqa: E402

NUMBERS = {1: ["a", "one", "a single"], 2: ["two", "a pair of", "2"], 3: ["three", "3"], 4: ["four", "4"],
           5: ["five", "5"], 6: ["six", "half a dozen"], 7: ["seven"], 8: ["eight"], 10: ["ten"], 12: ["twelve", "a dozen"]}
COLORS = ["red", "blue", "green", "yellow", "white", "black", "orange", "purple", "pink", "brown", "gray", "gold",
          "silver", "teal", "navy", "maroon", "turquoise", "beige", "crimson", "violet"]
# relation type -> ways to say "X <rel> Y"
REL_WORDS = {"next_to": ["next to", "beside"], "left_of": ["left of", "to the left of"],
             "right_of": ["right of", "to the right of"], "in_front_of": ["in front of"],
             "behind": ["behind"], "on": ["on", "on top of"], "under": ["under", "beneath"],
             "near": ["near", "close to"], "around": ["around"], "facing": ["facing"]}
PLACES = [("grass", ["in a park", "on the lawn", "in a meadow", "in the garden", "in a field"]),
          ("sand", ["on the beach", "in the desert"]), ("snow", ["in the snow", "on a snowy field"]),
          ("concrete", ["on the street", "in a parking lot", "in the city"]),
          ("stone", ["in a courtyard", "on cobblestone"]), ("dirt", ["on a farm", "on a dirt trail"]),
          ("wood", ["in a room", "on a wooden floor"])]
TIMES = [("night", ["at night"]), ("dusk", ["at dusk", "in the evening"]), ("sunset", ["at sunset"]),
         ("dawn", ["at dawn", "at sunrise"]), ("morning", ["in the morning"]), ("afternoon", ["in the afternoon"]),
         ("noon", ["at noon", "at midday"])]
PLURAL_EXCEPTIONS = {"person": "people", "sheep": "sheep", "deer": "deer", "fish": "fish", "mouse": "mice",
                     "goose": "geese", "shelf": "shelves", "knife": "knives", "wolf": "wolves", "leaf": "leaves",
                     "man": "men", "woman": "women", "snowman": "snowmen", "cattle": "cattle", "child": "children"}


def plural(word: str) -> str:
    head, _, last = word.rpartition(" ")
    pre = head + " " if head else ""
    if last in PLURAL_EXCEPTIONS:
        return pre + PLURAL_EXCEPTIONS[last]
    if last.endswith(("s", "x", "ch", "sh", "z")):
        return pre + last + "es"
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return pre + last[:-1] + "ies"
    return pre + last + "s"


def noun_words(kind: str) -> list[str]:
    spec = catalog.get(kind)
    words = [kind.replace("_", " ")]
    # the catalog lists plurals among the synonyms ("pines"): only singular-looking words are inflected here
    words += [s for s in spec.synonyms if len(s) > 2 and (not s.endswith("s") or s.endswith("ss"))
              and s.split()[-1] not in ("cattle", "people")][:3]
    return words


def phrase(rng, kind: str, count: int, color: str | None) -> str:
    noun = rng.choice(noun_words(kind))
    num = rng.choice(NUMBERS[count])
    if num == "a" and noun[0] in "aeiou" and not color:
        num = "an"
    if num == "a" and color and color[0] in "aeiou":
        num = "an"
    word = noun if count == 1 else plural(noun)
    return " ".join(x for x in (num, color, word) if x)


def sample(rng, kinds: list[str]) -> tuple[str, dict] | None:
    """One sentence and its intended things: [(kind, count, color, relation or None)], time, ground."""
    n = rng.choice([1, 1, 2, 2, 2, 3, 3])
    chosen = rng.sample(kinds, n)
    things = []
    for k in chosen:
        count = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12])
        color = rng.choice(COLORS) if rng.random() < 0.5 else None
        things.append([k, count, color, None])
    parts = [phrase(rng, *things[0][:3])]
    for i in range(1, n):
        if rng.random() < 0.75:
            rel = rng.choice(list(REL_WORDS))
            if rel == "on" and catalog.get(things[i - 1][0]).top is None:
                rel = "next_to"
            # "A <rel> B": the new thing i is the subject, the one before the target
            text = phrase(rng, *things[i][:3]) + " " + rng.choice(REL_WORDS[rel]) + " the " + rng.choice(
                noun_words(things[i - 1][0])[:1]) + ("" if things[i - 1][1] == 1 else "")
            if things[i - 1][1] > 1:
                text = phrase(rng, *things[i][:3]) + " " + rng.choice(REL_WORDS[rel]) + " the " + plural(
                    noun_words(things[i - 1][0])[0])
            things[i][3] = rel
            parts.append(text)
        else:
            parts.append(phrase(rng, *things[i][:3]))
    sentence = parts[0] if n == 1 else (", ".join(parts[:-1]) + rng.choice([" and ", ", ", " with "]) + parts[-1])
    ground = time = None
    if rng.random() < 0.6:
        ground, words = rng.choice(PLACES)
        sentence += " " + rng.choice(words)
    if rng.random() < 0.6:
        time, words = rng.choice(TIMES)
        sentence += " " + rng.choice(words)
    return sentence, {"things": things, "time": time, "ground": ground}


def target(sentence: str, plan: dict):
    """The DSL for ``sentence`` in the reader's ids and order, or None when the reader is not certain."""
    a = pipeline.compact(lexicon.analyze(sentence))
    if a.notes or a.negated or len(a.entities) != len(plan["things"]):
        return None, a
    by_kind = {d.kind: d for d in a.entities}
    if set(by_kind) != {t[0] for t in plan["things"]}:
        return None, a
    ids = {}
    for kind, count, color, _ in plan["things"]:
        d = by_kind[kind]
        if d.count != count or (d.color or None) != color or d.how != "listed" or d.material or d.size:
            return None, a
        ids[kind] = d.id
    if plan["time"] and a.time_of_day != plan["time"]:
        return None, a
    if plan["ground"] and a.ground != plan["ground"]:
        return None, a
    rels = {}
    for i, (kind, _, _, rel) in enumerate(plan["things"]):
        if rel:
            rels[kind] = [{"type": rel, "target": ids[plan["things"][i - 1][0]]}]
    plan_of = {t[0]: t for t in plan["things"]}
    ents = []
    for d in a.entities:
        kind, count, color, _ = plan_of[d.kind]
        e = {"id": d.id, "kind": kind, "count": count}
        if color:
            e["color"] = color
        if kind in rels:
            e["relations"] = rels[kind]
        ents.append(e)
    doc = {"version": 1, "time_of_day": plan["time"] or a.time_of_day or "noon",
           "ground": plan["ground"] or a.ground or "grass", "entities": ents}
    Scene.model_validate(doc)          # raises on a template bug: every target is a valid scene
    return doc, a


def vocab():
    """The embedded model's tokenizer (llama.cpp's, as the pipeline uses it; transformers' reading of
    the GGUF tokenizer splits differently) and its chat formatter."""
    import llama_cpp
    from worldsmith.generation import model_files
    from worldsmith.generation.backends.local import _chat_formatter
    llm = llama_cpp.Llama(model_path=str(model_files.resolve(None)), vocab_only=True, verbose=False)
    return llm, _chat_formatter(llm)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="pairs to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kinds", default="procedural",
                    help="procedural: the hand-built kinds (the first catalog entries); all: every kind")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    kinds = [k for k in catalog.KIND_NAMES if args.kinds == "all" or catalog.get(k).origin == "procedural"]
    llm, fmt = vocab()
    seen, kept, tried = set(), 0, 0
    with open(args.out, "w", encoding="utf-8") as f:
        while kept < args.n and tried < args.n * 20:
            tried += 1
            sentence, plan = sample(rng, kinds)
            if sentence in seen:
                continue
            seen.add(sentence)
            doc, a = target(sentence, plan)
            if doc is None:
                continue
            tokens = a.masked or lexicon.tokenize(sentence)
            msgs = prompting.messages(sentence, prompting.hint(a), places.retrieve(tokens))
            rendered = fmt(messages=msgs)
            reply = prompting.compact(doc)
            # the token ids exactly as the local backend makes them (prompt_tokens), and the reply's
            p_ids = llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)
            c_ids = llm.tokenize(reply.encode("utf-8"), add_bos=False, special=False)
            f.write(json.dumps({"sentence": sentence, "prompt": rendered.prompt, "completion": reply,
                                "prompt_ids": p_ids, "completion_ids": c_ids}) + "\n")
            kept += 1
    print(f"kept {kept} of {tried} sentences ({len(kinds)} kinds)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
