"""Prompt -> validated scene DSL.

1. The prompt is read for what it plainly says (``scene_dsl.lexicon``): kinds,
   counts, colours, relations, time of day, ground.
2. The model writes the DSL under a grammar built from the DSL schema, with
   the kind and colour enums narrowed to what the prompt mentions.
3. Every reply is validated by pydantic; invalid replies go back to the model
   with the errors for a few repair rounds.
4. Grounding: where the prompt states something explicitly (a number, a
   colour, a named thing) and the model's reply disagrees, the prompt wins and
   a warning says so. ``grounding=False`` keeps the model's reply as it is.
Nothing the model writes is ever executed: it is parsed as JSON data only.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from ..scene_dsl import grounding, lexicon, schema as schema_mod
from ..scene_dsl.errors import SceneError
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
    grounding: bool = True
    narrow: bool = True        # prompt-conditioned enums in the grammar
    composites: bool | None = None   # offer composite entities (own parts, DSL v2); None: the backend decides


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


def decoding_schema(analysis: lexicon.Analysis | None, narrow: bool = True, composites: bool = False) -> dict:
    if not narrow or analysis is None or not analysis.entities:
        # nothing recognised: the whole catalog, but few entities (a small model otherwise lists the catalog)
        return schema_mod.generation_schema(max_entities=12 if composites else 6, composites=composites)
    kinds = analysis.kinds() or None
    colors = analysis.colors()
    color_names = (colors + ["white", "black", "gray"]) if colors else None
    slots = [(d.id, d.kind) for d in analysis.entities] or None
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
    analysis = lexicon.analyze(prompt)
    composites = offers_composites(backend, opts)
    schema = decoding_schema(analysis, opts.narrow, composites)
    base = prompting.messages(prompt, prompting.hint(analysis) if opts.narrow else None, composites=composites)
    scene, raw, attempts, tokens = _decode_valid(backend, base, schema, opts, on_progress, cancel, "scene")
    warnings: list[str] = []
    if opts.grounding:
        scene, warnings = grounding.ground(scene, analysis, keep_composites=composites)
    scene = scene.model_copy(update={"seed": opts.seed})
    return Result(scene, raw, attempts, warnings, time.perf_counter() - t0, tokens, analysis)


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
    if opts.grounding:
        # instructions the prompt reading understands are applied directly, in milliseconds
        edited, notes, understood = grounding.apply_edit(scene, analysis)
        if understood:
            return Result(edited, "", 0, notes, time.perf_counter() - t0, 0, analysis)
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
    new, warnings = grounding.ground_edit(scene, new, analysis) if opts.grounding else (new, [])
    new = new.model_copy(update={"seed": scene.seed, "camera": scene.camera})
    return Result(new, raw, attempts, warnings, time.perf_counter() - t0, tokens, analysis)
