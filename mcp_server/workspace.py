"""The one folder an MCP session may write into, and the names it accepts there.

A name is a plain file name (letters, digits, ``_``, ``-``, ``.``, spaces inside; at most
64 characters), never a path: ``..``, separators, absolute paths, drive letters and
hidden names are refused, and a target that is a symbolic link, or resolves outside the
workspace, is refused too. Files are written to a temporary name in the workspace and
renamed into place, so a failed save leaves nothing half-written.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


class WorkspaceError(ValueError):
    """A name or path an agent gave that this workspace refuses; the message says why."""


class Workspace:
    def __init__(self, root: str | os.PathLike):
        root = Path(root).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve(strict=True)
        if not self.root.is_dir():
            raise WorkspaceError(f"the workspace {self.root} is not a folder")

    def target(self, name: object, suffix: str, field: str = "name") -> Path:
        """The file ``name`` (``suffix`` added when missing) inside the workspace, or ``WorkspaceError``."""
        if not isinstance(name, str):
            raise WorkspaceError(f"{field}: a file name is text")
        shown = name if len(name) <= 60 else name[:60] + "..."
        if "/" in name or "\\" in name or ":" in name or name.startswith("~"):
            raise WorkspaceError(f"{field}: {shown!r} is a path; give a plain file name (it goes in the workspace)")
        if ".." in name:
            raise WorkspaceError(f"{field}: {shown!r} contains '..'")
        if not _NAME.fullmatch(name) or name.endswith((" ", ".")):
            raise WorkspaceError(f"{field}: {shown!r} is not an accepted file name "
                                 "(letters, digits, '_', '-', '.', inner spaces; at most 64 characters)")
        if not name.lower().endswith(suffix):
            name += suffix
        path = self.root / name
        if path.is_symlink():
            raise WorkspaceError(f"{field}: {name!r} is a symbolic link in the workspace; refused")
        if path.exists() and not path.is_file():
            raise WorkspaceError(f"{field}: {name!r} exists and is not a file")
        resolved = path.resolve(strict=False)
        if resolved.parent != self.root:
            raise WorkspaceError(f"{field}: {name!r} would be written outside the workspace")
        return path

    def temp_for(self, path: Path) -> Path:
        """A fresh temporary name beside ``path`` (in the workspace) to write to and rename from."""
        return path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")

    def files(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and not p.name.startswith("."))
