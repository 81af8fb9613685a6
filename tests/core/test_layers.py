"""The import direction of the package, checked from the source (``ast``, no lint dependency).

    scene_dsl, files          pure: no bpy, nothing else of worldsmith
    generation                model side, no bpy: may use scene_dsl, files
    blender                   bpy side: may use scene_dsl, files
    dataset                   batches and labels: the layers below
    cli, operators, panels    the skins: the layers below (and preferences)
    benchmarks                SceneBench and perf: anything; nothing imports it
    mcp_server                the MCP server (``worldsmith mcp``, a plugin): the engine and cli; nothing imports it

A layer may import only the layers listed for it; imports go one way.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = {"scene_dsl", "files"}
ENGINE = PURE | {"generation", "blender"}
ALLOWED = {
    "scene_dsl": set(),
    "files": set(),
    "generation": PURE,
    "blender": PURE,
    "dataset": ENGINE,
    "cli": ENGINE | {"dataset"},
    "preferences": ENGINE,
    "operators": ENGINE | {"preferences"},
    "panels": ENGINE | {"preferences"},
    "benchmarks": ENGINE | {"dataset", "cli", "preferences"},
    "mcp_server": ENGINE | {"cli"},
    "__init__": {"cli", "operators", "panels", "preferences"},
    "__main__": {"cli"},
}
NO_BPY = {"scene_dsl", "files", "generation"}
BPY_MODULES = {"bpy", "mathutils", "bpy_extras", "bmesh", "addon_utils", "gpu"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def sources() -> list[Path]:
    skip = {"tests", "tools", ".venv", "build", "dist", "out", "wheels"}
    return sorted(p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in skip
                  and not p.relative_to(ROOT).parts[0].startswith("."))


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, first package part below worldsmith, or the top-level module for other imports)."""
    rel = path.relative_to(ROOT)
    package = list(rel.parts[:-1]) if rel.name != "__init__.py" else list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                found.append((node.lineno, parts[1] if parts[0] == "worldsmith" and len(parts) > 1 else
                              ("worldsmith" if parts[0] == "worldsmith" else "!" + parts[0])))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] == "worldsmith":
                    targets = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
                    found += [(node.lineno, t) for t in targets]
                else:
                    found.append((node.lineno, "!" + parts[0]))
                continue
            base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
            if node.level - 1 > len(package):
                found.append((node.lineno, "?outside the package"))
                continue
            full = base + (node.module.split(".") if node.module else [])
            targets = [full[0]] if full else [a.name for a in node.names]
            found += [(node.lineno, t) for t in targets]
    return found


def test_every_import_goes_down_the_layers():
    bad = []
    for path in sources():
        layer = layer_of(path)
        allowed = ALLOWED.get(layer)
        assert allowed is not None, f"{path.relative_to(ROOT)}: a new top-level layer; add it to ALLOWED"
        for line, target in imports_of(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if target.startswith("!"):
                if layer in NO_BPY and target[1:] in BPY_MODULES:
                    bad.append(f"{where}: {layer} must not import {target[1:]}")
                continue
            if target.startswith("?"):
                bad.append(f"{where}: relative import {target[1:]}")
            elif target != layer and target not in allowed:
                bad.append(f"{where}: {layer} imports {target}")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_imports():
    """The check itself: resolved layers of a few known imports."""
    got = {t for _l, t in imports_of(ROOT / "cli" / "scene.py")}
    assert {"blender", "generation", "scene_dsl"} <= got
    assert "!json" in got
    assert {t for _l, t in imports_of(ROOT / "__main__.py")} >= {"cli"}


def test_no_module_is_too_long_without_a_reason():
    """Modules over 500 lines say at their top why they are one module."""
    long = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 500 and "One module because" not in text[:4000]:
            long.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not long, long
