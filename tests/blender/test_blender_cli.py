"""``blender -b -c worldsmith ...``: the handler registered with ``bpy.utils.register_cli_command``.

The bpy module has no ``blender`` executable to pass ``-c`` to, so the
registered handler is called with real argv lists, exactly as Blender would.
It must share the ``worldsmith`` console script's parser.
"""
from __future__ import annotations

import json

import bpy
import pytest

import addon_utils  # noqa: E402  (importable once bpy is)
from worldsmith import cli

SCENE = {"version": 1, "entities": [{"id": "tree", "kind": "pine_tree", "count": 2},
                                    {"id": "house", "kind": "house", "color": "blue"}]}


def test_the_command_is_registered_and_removed(addon):
    assert addon._cli_handle is not None
    addon_utils.disable("worldsmith", default_set=True, handle_error=None)
    assert addon._cli_handle is None
    addon_utils.enable("worldsmith", default_set=True, handle_error=None)
    assert addon._cli_handle is not None


def test_schema_and_validate(addon, tmp_path, capsys):
    assert addon.cli_command(["schema"]) == cli.EXIT_OK
    assert "entities" in json.loads(capsys.readouterr().out)["properties"]
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SCENE))
    assert addon.cli_command(["validate", str(good)]) == cli.EXIT_OK
    assert "3 placed" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "entities": [{"id": "x", "kind": "car", "count": 0}]}))
    assert addon.cli_command(["validate", str(bad)]) == cli.EXIT_BAD_INPUT
    assert "entities[0].count" in capsys.readouterr().err


def test_same_parser_as_the_console_script(addon, capsys):
    assert addon.cli_command(["generate", "--help"]) == cli.EXIT_OK
    help_text = capsys.readouterr().out
    assert cli.main(["generate", "--help"]) == cli.EXIT_OK      # the console script's entry point
    assert capsys.readouterr().out == help_text and "--out" in help_text and "--gpu-layers" in help_text
    assert addon.cli_command(["generate"]) == cli.EXIT_BAD_INPUT
    assert "prompt" in capsys.readouterr().err
    assert addon.cli_command(["generate", "a car", "--out", "x", "--engine", "povray"]) == cli.EXIT_BAD_INPUT
    assert "povray" in capsys.readouterr().err
    assert addon.cli_command(["frobnicate"]) == cli.EXIT_BAD_INPUT


def test_build_writes_the_outputs(addon, tmp_path, capsys):
    """Last in this file: a build starts from a fresh Blender file, which resets the add-ons."""
    src = tmp_path / "scene.json"
    src.write_text(json.dumps(SCENE))
    out = tmp_path / "out"
    assert addon.cli_command(["build", str(src), "--out", str(out), "--no-render"]) == cli.EXIT_OK
    assert (out / "scene.blend").stat().st_size > 0
    assert json.loads((out / "scene.json").read_text())["entities"][1]["color"] == "blue"
    assert addon.cli_command(["build", str(tmp_path / "nope.json"), "--out", str(out)]) == cli.EXIT_BAD_INPUT
    assert "cannot read" in capsys.readouterr().err
