"""The headless host: this process's own Blender scene, files only in the workspace.

It builds with ``blender.builder`` (as the command line does), describes and renders with
``blender.agent_view`` (as the live link does) and saves with ``blender.scene_io``.
"""
from __future__ import annotations

import json
import os

from ..scene_dsl.models import Scene
from .tools import THUMBNAIL, ToolFailure
from .workspace import Workspace, WorkspaceError


class HeadlessHost:
    def __init__(self, workspace: Workspace, resolution: tuple[int, int] = (960, 540)):
        from ..blender import scene_io
        self.workspace = workspace
        self.resolution = resolution
        self.bl_scene = scene_io.fresh_scene(resolution)

    def build(self, scene: Scene, warnings: list[str], thumbnail: bool) -> tuple[dict, bytes | None]:
        from ..blender import agent_view, builder
        result = builder.build_scene(scene, self.bl_scene, resolution=self.resolution)
        all_warnings = list(warnings) + list(result.warnings)
        self.bl_scene["worldsmith_warnings"] = all_warnings
        data = {**agent_view.describe(self.bl_scene), "warnings": all_warnings}
        png = agent_view.thumbnail(self.bl_scene, THUMBNAIL) if thumbnail else None
        return data, png

    def current(self) -> tuple[str | None, list[str]]:
        from ..blender import builder
        return builder.read_dsl(self.bl_scene), [str(w) for w in self.bl_scene.get("worldsmith_warnings", [])]

    def render(self, engine: str, resolution: tuple[int, int], samples: int) -> bytes:
        from ..blender import agent_view, render
        try:
            return agent_view.render_png(self.bl_scene, render.RenderSettings(engine, "cpu", samples, resolution))
        except (RuntimeError, ValueError) as exc:
            raise ToolFailure(f"render failed: {exc}") from None

    def save(self, name) -> dict:
        from ..blender import scene_io
        try:
            blend = self.workspace.target(name, ".blend")
            dsl = self.workspace.target(blend.stem, ".json")
        except WorkspaceError as exc:
            raise ToolFailure(str(exc), [{"path": "name", "message": str(exc).split(": ", 1)[-1]}]) from None
        tmp_blend, tmp_dsl = self.workspace.temp_for(blend), self.workspace.temp_for(dsl)
        try:
            scene_io.save_blend(tmp_blend)
            text = self.current()[0] or "{}"
            tmp_dsl.write_text(json.dumps(json.loads(text), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp_dsl, dsl)
            os.replace(tmp_blend, blend)
        except OSError as exc:
            raise ToolFailure(f"could not save {blend.name}: {exc.strerror or exc}") from None
        finally:
            for t in (tmp_blend, tmp_dsl):
                if t.exists():
                    t.unlink()
            for extra in (tmp_blend.with_name(tmp_blend.name + "1"),):   # Blender's backup of an old file
                if extra.exists():
                    extra.unlink()
        return {"blend": blend.name, "dsl": dsl.name, "workspace": str(self.workspace.root),
                "bytes": blend.stat().st_size}
