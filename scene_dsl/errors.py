"""Errors are values: a list of (field path, message) the CLI and UI can show."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<document>'}: {self.message}"


class SceneError(ValueError):
    """The scene document is invalid. ``issues`` says what and where."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues) or "invalid scene")

    def describe(self) -> str:
        lines = [f"invalid scene ({len(self.issues)} problem{'s' if len(self.issues) != 1 else ''}):"]
        lines += [f"  - {i}" for i in self.issues]
        return "\n".join(lines)


def format_loc(loc) -> str:
    """``('entities', 2, 'color')`` -> ``entities[2].color``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
