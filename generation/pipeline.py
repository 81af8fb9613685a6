"""Prompt -> validated scene DSL.

1. The prompt is read for what it plainly says (``scene_dsl.lexicon``): kinds,
   counts, colours, relations, time of day, ground.
2. The model writes the DSL under a grammar built from the DSL schema, with
   the kind and colour enums narrowed to what the prompt mentions.
3. Every reply is validated by pydantic; invalid replies go back to the model
   with the errors for a few repair rounds.
4. Grounding (``Options.grounding``):
   ``strict``: where the prompt states something explicitly (a number, a colour,
   a named thing) and the reply disagrees, the prompt wins with a warning, and
   only what the prompt names is kept (the embedded 270M model's default).
   ``verify``: the grammar requires the prompt's things but lets the model add
   up to ``max_extra`` more from the whole catalog; a disagreement with an
   explicit fact goes back to the model as a repair message first, and the
   prompt's value wins only if the repair does not fix it; what the model adds
   (things, time of day, ground the prompt leaves open) is kept.
   ``off``: the model's reply as it is (research; same grammar as verify).
Nothing the model writes is ever executed: it is parsed as JSON data only.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace

from ..scene_dsl import grounding, lexicon, places, schema as schema_mod
from ..scene_dsl.errors import SceneError
from ..scene_dsl.grounding import MAX_EXTRA
from ..scene_dsl.models import Scene, parse_scene
from . import prompting
from .backends.base import Backend, ModelError, ProgressFn, Request


class GenerationFailed(ModelError):
    """The model never produced a valid scene within the repair rounds."""

    def __init__(self, message: str, attempts: list[str]):
        super().__init__(message)
        self.attempts = attempts


@dataclass
class Options:
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 768
    repair_rounds: int = 2
    grounding: str = "strict"  # strict | verify | off (True/False: strict/off, for older callers)
    narrow: bool = True        # prompt-conditioned enums in the grammar
    max_extra: int = MAX_EXTRA   # entities the model may add in verify/off mode
    composites: bool | None = None   # offer composite entities (own parts, DSL v2); None: the backend decides

    def __post_init__(self):
        if self.grounding is True or self.grounding is False:
            self.grounding = "strict" if self.grounding else "off"
        if self.grounding not in grounding.GROUNDING_MODES:
            raise ValueError(f"grounding must be one of {', '.join(grounding.GROUNDING_MODES)}, "
                             f"not {self.grounding!r}")


def offers_composites(backend, opts: Options) -> bool:
    """Composite parts are offered only when asked for, or by a backend for capable models (http):
    the embedded 270M model stays on the catalog's kinds."""
    if opts.composites is not None:
        return opts.composites
    return bool(getattr(backend, "offers_composites", False))


@dataclass
class Result:
    scene: Scene
    raw: str
    attempts: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    tokens: int = 0
    analysis: lexicon.Analysis | None = None


def decoding_schema(analysis: lexicon.Analysis | None, narrow: bool = True, extra: int = 0,
                    composites: bool = False) -> dict:
    """The grammar: with ``extra`` 0 (strict), one slot per thing the prompt names and nothing
    else; with ``extra`` > 0, those slots first (required), then up to ``extra`` more entities
    of any catalog kind and colour. ``composites``: the things named keep their slots and up to
    12 more may follow, each a catalog entity or a composite (its own parts, DSL v2)."""
    if extra > 0 and narrow and analysis is not None and analysis.entities and not composites:
        slots = [(d.id, d.kind) for d in analysis.entities]
        schema = schema_mod.generation_schema(slots=slots)
        free = schema_mod.generation_schema(max_entities=len(slots) + extra)["properties"]["entities"]["items"]
        for item in schema["properties"]["entities"]["prefixItems"]:
            rel_items = item["properties"]["relations"]["items"]["anyOf"]
            for r in rel_items:   # the slots' relations may point at added things too
                for key in ("target", "target2"):
                    if key in r["properties"]:
                        r["properties"][key] = free["properties"]["id"]
        schema["properties"]["entities"].update(items=free, maxItems=len(slots) + extra)
        return schema
    if not narrow or analysis is None or not analysis.entities:
        # nothing recognised: the whole catalog, but few entities (a small model otherwise lists the catalog)
        return schema_mod.generation_schema(max_entities=12 if composites else 6, composites=composites)
    drafts = analysis.entities
    if composites:      # a thing no kind has gets no placeholder slot: the model may write it as a composite
        drafts = [d for d in drafts if d.how != "placeholder"]
        if not drafts:
            return schema_mod.generation_schema(max_entities=12, composites=True)
    kinds = sorted({d.kind for d in drafts}) or None
    colors = analysis.colors()
    color_names = (colors + ["white", "black", "gray"]) if colors else None
    slots = [(d.id, d.kind) for d in drafts] or None
    # with composites: what the prompt names keeps its slot; more things may follow, written as parts
    return schema_mod.generation_schema(kinds=kinds, color_names=color_names, slots=slots, composites=composites)


def _refs_are_text(r: dict) -> bool:
    return all(isinstance(r.get(k), (str, type(None))) for k in ("target", "target2"))


def tidy(text: str) -> str:
    """Mend, without the model, the slips a small model makes that have one obvious fix:
    duplicate ids get a suffix, relations to themselves or to unknown ids are dropped.
    Anything else is left for validation to report. Returns JSON text."""
    try:
        return _tidy(text)
    except RecursionError:   # nested too deeply to mend: validation reports it
        return text


def _tidy(text: str) -> str:
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    ents = doc.get("entities") if isinstance(doc, dict) else None
    if not isinstance(ents, list):
        return text
    seen: set[str] = set()
    for e in ents:
        if isinstance(e, dict) and isinstance(e.get("id"), str):
            base, n = e["id"], 2
            while e["id"] in seen:
                e["id"] = f"{base[:28]}_{n}"
                n += 1
            seen.add(e["id"])
    for e in ents:
        if isinstance(e, dict) and isinstance(e.get("relations"), list):
            # only string references are mended; anything else (a list, an object) is left for validation
            e["relations"] = [r for r in e["relations"] if not isinstance(r, dict) or not _refs_are_text(r) or (
                r.get("target") in seen and r.get("target") != e.get("id")
                and r.get("target2", r.get("target")) in seen and r.get("target2") != e.get("id"))]
    return json.dumps(doc)


def _backend_hint(backend) -> str:
    """A backend's own explanation for repeated failures (e.g. a server ignoring the schema)."""
    hint = getattr(backend, "failure_hint", None)
    text = hint() if callable(hint) else ""
    return f". {text}" if text else ""


def _problems(err: SceneError | ValueError) -> list[str]:
    if isinstance(err, SceneError):
        return [str(i) for i in err.issues]
    return [str(err)]


def _decode_valid(backend: Backend, base: list[dict], schema: dict, opts: Options, on_progress, cancel,
                  what: str) -> tuple[Scene, str, int, int]:
    """Ask ``backend`` until a reply validates, feeding the errors back for up to ``repair_rounds``.

    Returns (scene, reply text, attempts, tokens); raises ``GenerationFailed`` with the last problems.
    """
    msgs, problems, replies, tokens = base, [], [], 0
    for attempt in range(opts.repair_rounds + 1):
        gen = backend.generate(Request(msgs, schema, opts.max_tokens, opts.temperature, opts.seed + attempt,
                                       on_progress, cancel))
        tokens += gen.tokens
        replies.append(gen.text)
        try:
            return parse_scene(tidy(gen.text)), gen.text, attempt + 1, tokens
        except SceneError as err:
            problems = _problems(err)
            msgs = prompting.repair_messages(base, gen.text, problems)
            if on_progress:
                on_progress("repairing", 0)
    raise GenerationFailed(
        f"the model did not produce a valid {what} after {opts.repair_rounds + 1} attempts; "
        f"last problems: {'; '.join(problems[:5])}{_backend_hint(backend)}", replies)


def generate(prompt: str, backend: Backend, options: Options | None = None,
             on_progress: ProgressFn | None = None, cancel=None) -> Result:
    """Turn ``prompt`` into a validated ``Scene`` with ``backend``."""
    opts = options or Options()
    prompt = (prompt or "").strip()
    if not prompt:
        raise ValueError("the prompt is empty: describe a scene, e.g. 'a red car in front of a house'")
    if len(prompt) > 2000:
        raise ValueError(f"the prompt is {len(prompt)} characters long; at most 2000")
    t0 = time.perf_counter()
    analysis = compact(lexicon.analyze(prompt))
    mode = opts.grounding
    tokens_ = analysis.masked or lexicon.tokenize(prompt)
    if analysis.negated and not analysis.entities and not places.named(tokens_):
        raise ValueError("the prompt only names things that are not there ("
                         + ", ".join(sorted(analysis.negated)) + "); describe something that is")
    composites = offers_composites(backend, opts)
    schema = decoding_schema(analysis, opts.narrow, 0 if mode == "strict" else opts.max_extra, composites)
    warnings: list[str] = list(analysis.notes)
    if mode == "strict" and not analysis.entities and places.named(tokens_):
        analysis, warnings = place_reading(analysis, places.named(tokens_)[0], opts.max_extra)
        schema = decoding_schema(analysis, opts.narrow, 0, composites)
    shown = places.retrieve(tokens_) if mode != "strict" else []
    base = prompting.messages(prompt, prompting.hint(analysis) if opts.narrow else None, shown,
                                 composites=composites)
    scene, raw, attempts, tokens = _decode_valid(backend, base, schema, opts, on_progress, cancel, "scene")
    if mode == "verify":
        scene, raw, more, more_tokens, more_notes = _verify_repair(
            scene, raw, analysis, backend, base, schema, replace(opts, repair_rounds=opts.repair_rounds - attempts + 1),
            on_progress, cancel)
        warnings += more_notes
        attempts, tokens = attempts + more, tokens + more_tokens
    if mode != "off":
        scene, notes = grounding.ground(scene, analysis, mode, opts.max_extra, keep_composites=composites)
        warnings += notes
        scene, notes = implied(scene, analysis, tokens_, mode, opts.max_extra)
        warnings += notes
    scene = scene.model_copy(update={"seed": opts.seed})
    return Result(scene, raw, attempts, warnings, time.perf_counter() - t0, tokens, analysis)


MAX_SLOTS = 16   # more things than this in one prompt are grouped by kind (a grammar of 100 slots never ends)


def compact(analysis):
    """A prompt that lists more than ``MAX_SLOTS`` things ("a dog, a cat, a dog, ...") is read as
    groups: same kind, colour, size and material, with no relations, become one entity with the
    summed count (the numbers are kept; a note says so)."""
    if len(analysis.entities) <= MAX_SLOTS:
        return analysis
    groups: dict[tuple, lexicon.Draft] = {}
    out, merged = [], 0
    targets = {x for d in analysis.entities for _, a, b in d.relations for x in (a, b) if x}
    for d in analysis.entities:
        key = (d.kind, d.color, d.size, d.material)
        if d.relations or d.id in targets or key not in groups:
            out.append(replace(d))
            if not d.relations and d.id not in targets:
                groups[key] = out[-1]
            continue
        g = groups[key]
        g.count = min(g.count + d.count, 2000)
        g.explicit_count = g.explicit_count and d.explicit_count
        merged += 1
    notes = [f"the prompt lists {len(analysis.entities)} things; grouped {merged} repeats by kind"] if merged else []
    return replace(analysis, entities=out, notes=analysis.notes + notes)


def place_reading(analysis, place, max_things: int):
    """Strict mode, a prompt that names a place and nothing the reading knows ("a farm"): the
    place's typical things become the reading's (counts not explicit), so the grammar asks the
    model for them. Returns (analysis, notes)."""
    drafts = []
    for t in place.things[:max_things]:
        drafts.append(lexicon.Draft(t.kind, t.kind, t.count, False, t.color, None, None,
                                    t.arrangement if t.count > 1 else None, []))
    ids = {d.kind for d in drafts}
    for d, t in zip(drafts, place.things):
        if t.relation and t.relation[1] in ids:
            d.relations = [(t.relation[0], t.relation[1], t.relation[1] if t.relation[0] == "between" else None)]
    new = replace(analysis, entities=drafts, ground=analysis.ground or place.ground)
    return new, [f"'{place.name}' names no things; used what it implies: "
                 + ", ".join(f"{d.count} {d.kind}" for d in drafts)]


def implied(scene: Scene, analysis, tokens: list[str], mode: str, max_extra: int) -> tuple[Scene, list[str]]:
    """The fallback for what a named place implies (``scene_dsl/places.json``): when the model added
    nothing beyond the things the prompt names, add the place's typical things (bounded), and its
    ground when neither the prompt nor (in verify mode) the model chose one."""
    named = places.named(tokens)
    if not named:
        return scene, []
    notes: list[str] = []
    if analysis.ground is None and scene.ground != named[0].ground and (mode == "strict" or scene.ground == "grass"):
        notes.append(f"'{named[0].name}' implies {named[0].ground} ground; using it")
        scene = scene.model_copy(update={"ground": named[0].ground})
    if len(scene.entities) > len(analysis.entities):
        return scene, notes            # the model added things of its own: they stand
    scene, more = places.implied_additions(scene, tokens, max_extra)
    return scene, notes + more


def _verify_repair(scene: Scene, raw: str, analysis, backend: Backend, base: list[dict], schema: dict,
                   opts: Options, on_progress, cancel) -> tuple[Scene, str, int, int, list[str]]:
    """Verify mode: send the reply's disagreements with the prompt's explicit facts back to the
    model once; keep the repaired reply when it disagrees less. Returns (scene, raw, extra
    attempts, extra tokens, notes)."""
    problems = grounding.disagreements(scene, analysis)
    if not problems or opts.repair_rounds < 1:
        return scene, raw, 0, 0, []
    if on_progress:
        on_progress("repairing", 0)
    msgs = prompting.disagreement_messages(base, raw, problems)
    try:
        fixed, fixed_raw, attempts, tokens = _decode_valid(
            backend, msgs, schema, replace(opts, repair_rounds=opts.repair_rounds - 1), on_progress, cancel, "repair")
    except GenerationFailed as exc:
        return scene, raw, len(exc.attempts), 0, [
            f"asked the model to fix {len(problems)} disagreement(s) with the prompt; its repair was invalid"]
    left = grounding.disagreements(fixed, analysis)
    note = (f"asked the model to fix {len(problems)} disagreement(s) with the prompt "
            f"({'; '.join(p[:80] for p in problems[:3])}); {len(problems) - len(left)} fixed by the model")
    if len(left) <= len(problems):
        return fixed, fixed_raw, attempts, tokens, [note]
    return scene, raw, attempts, tokens, [note + "; the repair disagreed more, kept the first reply"]


def reader_only(prompt: str, options: Options | None = None) -> Result:
    """No model: the prompt's reading alone (plus what a named place implies), as the strict
    pipeline would ground it. SceneBench's ``--reader-only`` baseline: what the hand-written
    reader scores by itself."""
    opts = options or Options()
    t0 = time.perf_counter()
    analysis = compact(lexicon.analyze(prompt))
    toks = analysis.masked or lexicon.tokenize(prompt)
    scene = analysis.draft_scene()
    if scene is None:
        named = places.named(toks)
        if not named:
            raise GenerationFailed("the reading found nothing it knows in the prompt (no model to ask)", [])
        scene = places.example_scene(named[0], analysis.time_of_day)
    elif opts.grounding != "off":
        scene, _ = implied(scene, analysis, toks, "strict", opts.max_extra)
    scene = scene.model_copy(update={"seed": opts.seed})
    return Result(scene, "", 0, list(analysis.notes), time.perf_counter() - t0, 0, analysis)


def current_doc(scene: Scene) -> dict:
    """``scene`` as the model is shown it for an edit: the fields its grammar lets it write."""
    current = scene.model_dump(mode="json", exclude_none=True, exclude={"seed", "camera"})
    for e, ent in zip(current["entities"], scene.entities):
        for key in ("material", "scale", "position", "rotation"):
            e.pop(key, None)
        if ent.is_composite:     # as a model writes it: no kind, parts without their defaults
            e.pop("kind", None)
            e["parts"] = [p.model_dump(mode="json", exclude_defaults=True) for p in ent.parts]
    return current


def refine(scene: Scene, instruction: str, backend: Backend, options: Options | None = None,
           on_progress: ProgressFn | None = None, cancel=None) -> Result:
    """Edit ``scene`` by an instruction ("make the house blue", "add two dogs")."""
    opts = options or Options()
    instruction = (instruction or "").strip()
    if not instruction:
        raise ValueError("the instruction is empty: say what to change, e.g. 'make the house blue'")
    t0 = time.perf_counter()
    analysis = lexicon.analyze(instruction)
    if opts.grounding != "off":
        # instructions the prompt reading understands are applied directly, in milliseconds
        edited, notes, understood = grounding.apply_edit(scene, analysis)
        if understood:
            return Result(edited, "", 0, analysis.notes + notes, time.perf_counter() - t0, 0, analysis)
    current = current_doc(scene)
    kinds = sorted(set(analysis.kinds()) | {e.kind for e in scene.entities if not e.is_composite})
    colors = analysis.colors() + [e.color for e in scene.entities if e.color]
    # a scene that has composites keeps them editable
    composites = offers_composites(backend, opts) or any(e.is_composite for e in scene.entities)
    schema = schema_mod.generation_schema(kinds=kinds if opts.narrow and not composites else None,
                                          color_names=(colors + ["white", "black", "gray"]) if opts.narrow and colors else None,
                                          composites=composites)
    base = prompting.refine_messages(json.dumps(current, separators=(", ", ": ")), instruction, composites=composites)
    new, raw, attempts, tokens = _decode_valid(backend, base, schema, opts, on_progress, cancel, "edit")
    new, warnings = grounding.ground_edit(scene, new, analysis) if opts.grounding != "off" else (new, [])
    warnings = list(analysis.notes) + warnings
    new = new.model_copy(update={"seed": scene.seed, "camera": scene.camera})
    return Result(new, raw, attempts, warnings, time.perf_counter() - t0, tokens, analysis)
