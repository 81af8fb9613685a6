"""The tools an agent calls, independent of where the scene lives.

A ``Host`` holds the Blender scene: ``headless.HeadlessHost`` (this process's own bpy
scene, files in the workspace) or ``live.LiveHost`` (the user's open Blender, through the
extension's live link). ``Tools`` checks every argument, runs the engine's own functions
(``scene_dsl`` validation, ``generation.pipeline``, the host's builder) and answers with a
``Reply`` (structured data, optionally a PNG) or raises ``ToolFailure`` naming the field.
Everything an agent sends is data: DSL documents are parsed as JSON and validated,
names are checked against the workspace, nothing is evaluated.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..scene_dsl import agent
from ..scene_dsl.errors import SceneError
from ..scene_dsl.models import Scene, parse_scene
from ..scene_dsl.schema import document_schema

MAX_PROMPT = 2000              # characters of a prompt or an instruction
MAX_SIDE = 1024                # pixels on each side of a render for an agent
MAX_SAMPLES = 64
ENGINES = ("workbench", "eevee", "cycles")
THUMBNAIL = (320, 180)


class ToolFailure(Exception):
    """What went wrong, for the agent: a message and the problems with their field paths."""

    def __init__(self, message: str, issues: list[dict] | None = None):
        super().__init__(message)
        self.issues = issues or []


@dataclass
class Reply:
    data: dict
    png: bytes | None = None
    notes: list[str] = field(default_factory=list)


class Host(Protocol):
    def build(self, scene: Scene, warnings: list[str], thumbnail: bool) -> tuple[dict, bytes | None]: ...
    def current(self) -> tuple[str | None, list[str]]: ...
    def render(self, engine: str, resolution: tuple[int, int], samples: int) -> bytes: ...
    def save(self, name: str) -> dict: ...


def _scene_failure(exc: SceneError, head: str = "invalid scene") -> ToolFailure:
    issues = agent.issue_dicts(exc)
    text = f"{head} ({len(issues)} problem{'s' if len(issues) != 1 else ''}): " + "; ".join(
        f"{i['path']}: {i['message']}" for i in issues[:20])
    return ToolFailure(text, issues)


def _text(args: dict, key: str, limit: int = MAX_PROMPT) -> str:
    v = args.get(key)
    if not isinstance(v, str) or not v.strip():
        raise ToolFailure(f"{key}: give some text", [{"path": key, "message": "empty or not text"}])
    if len(v) > limit:
        raise ToolFailure(f"{key}: {len(v)} characters; at most {limit}",
                          [{"path": key, "message": f"longer than {limit} characters"}])
    return v


def _int(args: dict, key: str, default: int, lo: int, hi: int) -> int:
    v = args.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ToolFailure(f"{key}: a whole number from {lo} to {hi}",
                          [{"path": key, "message": f"must be an integer in [{lo}, {hi}]"}])
    return v


class Tools:
    """One agent session's tools over ``host``; ``open_backend()`` gives the model when a tool needs it."""

    def __init__(self, host: Host, open_backend=None, pipeline_options=None):
        self.host = host
        self._open_backend = open_backend
        self._pipeline_options = pipeline_options
        self._backend = None

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    # ---- reading -------------------------------------------------------------------------
    def get_dsl_schema(self, args: dict) -> Reply:
        return Reply({"schema": document_schema()})

    def list_kinds(self, args: dict) -> Reply:
        category = args.get("category")
        kinds = agent.kinds_table()
        if category is not None:
            cats = sorted({k["category"] for k in kinds})
            if category not in cats:
                raise ToolFailure(f"category: unknown; one of {', '.join(cats)}",
                                  [{"path": "category", "message": f"one of {', '.join(cats)}"}])
            kinds = [k for k in kinds if k["category"] == category]
        return Reply({"kinds": kinds, "count": len(kinds)})

    def validate_scene(self, args: dict) -> Reply:
        try:
            scene = agent.read_dsl(args.get("dsl"))
        except SceneError as exc:
            return Reply({"valid": False, "issues": agent.issue_dicts(exc)})
        return Reply({"valid": True, "issues": [], "entities": len(scene.entities), "objects": scene.total_count()})

    def get_scene(self, args: dict) -> Reply:
        text, warnings = self.host.current()
        if not text:
            return Reply({"dsl": None, "warnings": [], "note": "nothing built yet"})
        try:
            doc = agent.to_data(parse_scene(text))
        except SceneError as exc:   # the user edited the stored DSL by hand (live mode)
            raise _scene_failure(exc, "the scene's stored DSL is invalid") from None
        return Reply({"dsl": doc, "warnings": list(warnings)})

    # ---- building ------------------------------------------------------------------------
    def _build(self, scene: Scene, warnings: list[str], args: dict, extra: dict | None = None,
               echo: bool = True) -> Reply:
        """Build ``scene`` on the host; the reply carries the DSL built unless the agent just wrote it."""
        thumb = args.get("thumbnail", True)
        if not isinstance(thumb, bool):
            raise ToolFailure("thumbnail: true or false", [{"path": "thumbnail", "message": "a boolean"}])
        t0 = time.perf_counter()
        try:
            data, png = self.host.build(scene, list(warnings), thumb)
        except SceneError as exc:
            raise _scene_failure(exc) from None
        data = {**(extra or {}), **data, "seconds": round(time.perf_counter() - t0, 3)}
        if echo:
            data["dsl"] = agent.to_data(scene)
        return Reply(data, png)

    def build_scene(self, args: dict) -> Reply:
        try:
            scene = agent.read_dsl(args.get("dsl"))
        except SceneError as exc:
            raise _scene_failure(exc) from None
        return self._build(scene, [], args, echo=False)

    def _backend_now(self):
        if self._open_backend is None:
            raise ToolFailure("no language model is configured for this server")
        if self._backend is None:
            self._backend = self._open_backend()
        return self._backend

    def generate_scene(self, args: dict) -> Reply:
        from ..generation import pipeline
        from ..generation.errors import ModelError
        prompt = _text(args, "prompt")
        try:
            res = pipeline.generate(prompt, self._backend_now(), self._pipeline_options())
        except ModelError as exc:
            raise ToolFailure(f"the model failed: {exc}") from None
        except ValueError as exc:
            raise ToolFailure(f"prompt: {exc}", [{"path": "prompt", "message": str(exc)}]) from None
        return self._build(res.scene, res.warnings, args,
                           {"model": {"seconds": round(res.seconds, 2), "tokens": res.tokens, "attempts": res.attempts}})

    def refine_scene(self, args: dict) -> Reply:
        has_i, has_p = args.get("instruction") is not None, args.get("dsl_patch") is not None
        if has_i == has_p:
            raise ToolFailure("give exactly one of instruction and dsl_patch",
                              [{"path": "instruction", "message": "exactly one of instruction, dsl_patch"}])
        text, _warnings = self.host.current()
        if not text:
            raise ToolFailure("nothing is built yet: call build_scene or generate_scene first")
        try:
            current = parse_scene(text)
        except SceneError as exc:
            raise _scene_failure(exc, "the scene's stored DSL is invalid") from None
        if has_p:
            try:
                scene = agent.apply_patch(current, args["dsl_patch"])
            except SceneError as exc:
                raise _scene_failure(exc, "the patched scene is invalid") from None
            return self._build(scene, [], args)
        from ..generation import pipeline
        from ..generation.errors import ModelError
        instruction = _text(args, "instruction")
        try:
            res = pipeline.refine(current, instruction, self._backend_now(), self._pipeline_options())
        except ModelError as exc:
            raise ToolFailure(f"the model failed: {exc}") from None
        except ValueError as exc:
            raise ToolFailure(f"instruction: {exc}", [{"path": "instruction", "message": str(exc)}]) from None
        return self._build(res.scene, res.warnings, args)

    # ---- output --------------------------------------------------------------------------
    def render(self, args: dict) -> Reply:
        engine = args.get("engine", "workbench")
        if engine not in ENGINES:
            raise ToolFailure(f"engine: one of {', '.join(ENGINES)}",
                              [{"path": "engine", "message": f"one of {', '.join(ENGINES)}"}])
        res = args.get("resolution", [480, 270])
        if not (isinstance(res, list) and len(res) == 2):
            raise ToolFailure("resolution: [width, height]", [{"path": "resolution", "message": "[width, height]"}])
        w = _int({"resolution[0]": res[0]}, "resolution[0]", 0, 16, MAX_SIDE)
        h = _int({"resolution[1]": res[1]}, "resolution[1]", 0, 16, MAX_SIDE)
        samples = _int(args, "samples", 16, 1, MAX_SAMPLES)
        text, _w = self.host.current()
        if not text:
            raise ToolFailure("nothing is built yet: call build_scene or generate_scene first")
        t0 = time.perf_counter()
        png = self.host.render(engine, (w, h), samples)
        return Reply({"engine": engine, "resolution": [w, h], "samples": samples,
                      "seconds": round(time.perf_counter() - t0, 3), "bytes": len(png)}, png)

    def save_blend(self, args: dict) -> Reply:
        if not self.host.current()[0]:
            raise ToolFailure("nothing is built yet: call build_scene or generate_scene first")
        return Reply(self.host.save(args.get("name")))


def call(tools: Tools, name: str, args: Any) -> Reply:
    """Run tool ``name``; unknown tools and non-object arguments are a ``ToolFailure``."""
    from .catalog import TOOL_NAMES, TOOLS
    if name not in TOOL_NAMES:
        raise ToolFailure(f"unknown tool {name[:60]!r}; tools: {', '.join(TOOL_NAMES)}")
    if not isinstance(args, dict):
        raise ToolFailure("arguments must be a JSON object")
    takes = TOOLS[TOOL_NAMES.index(name)]["inputSchema"]["properties"]
    unknown = [str(k)[:40] for k in args if k not in takes]
    if unknown:
        raise ToolFailure(f"{unknown[0]}: {name} takes no such argument; it takes {', '.join(takes) or 'none'}",
                          [{"path": k, "message": "unknown argument"} for k in unknown[:20]])
    return getattr(tools, name)(args)
