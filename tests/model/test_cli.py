"""The command line, in-process (cli.run) and as a real subprocess."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import bpy
import pytest

from worldsmith import cli
from worldsmith.scene_dsl import parse_scene

DATA = Path(__file__).parents[1] / "data"
GOOD = {"version": 1, "entities": [{"id": "car", "kind": "car", "color": "red"},
                                  {"id": "house", "kind": "house", "relations": []}]}


def write(tmp_path, data, name="scene.json"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    return p


def test_schema_command_prints_the_json_schema(capsys):
    assert cli.run(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"].startswith("Worldsmith scene DSL") and "entities" in schema["properties"]


def test_build_writes_json_and_blend(tmp_path):
    out = tmp_path / "out"
    assert cli.run(["build", str(DATA / "all_relations.json"), "--out", str(out), "--no-render"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["scene.blend", "scene.json"]
    assert parse_scene((out / "scene.json").read_text()) == parse_scene((DATA / "all_relations.json").read_text())
    bpy.ops.wm.open_mainfile(filepath=str(out / "scene.blend"))
    sc = bpy.context.scene
    assert sc.camera is not None and sc["worldsmith_time_of_day"] == "afternoon"
    assert sum(1 for o in sc.objects if "worldsmith_id" in o) == 15


@pytest.mark.render
@pytest.mark.parametrize("engine", ["workbench", "cycles"])
def test_build_renders_a_png(tmp_path, engine):
    out = tmp_path / engine
    code = cli.run(["build", str(DATA / "all_relations.json"), "--out", str(out), "--engine", engine,
                    "--samples", "2", "--resolution", "96x54"])
    assert code == 0
    img = bpy.data.images.load(str(out / "render.png"))
    assert tuple(img.size) == (96, 54)


BAD_INPUTS = [
    ("invalid json", '{"version": 1, "entities": [', "invalid JSON at line 1"),
    ("unknown kind", {"version": 1, "entities": [{"id": "a", "kind": "hippogriff"}]}, "entities[0].kind"),
    ("unknown colour", {"version": 1, "entities": [{"id": "a", "kind": "car", "color": "glorp"}]}, "entities[0].color"),
    ("negative count", {"version": 1, "entities": [{"id": "a", "kind": "car", "count": -1}]}, "entities[0].count"),
    ("huge count", {"version": 1, "entities": [{"id": "a", "kind": "car", "count": 10**7}]}, "entities[0].count"),
    ("nan", '{"version": 1, "entities": [{"id": "a", "kind": "car", "rotation": NaN}]}', "finite"),
    ("infinity", '{"version": 1, "entities": [{"id": "a", "kind": "car", "position": [Infinity, 0, 0]}]}', "finite"),
    ("version", {"version": 3, "entities": [{"id": "a", "kind": "car"}]}, "unsupported DSL version 3"),
    ("v2 field in v1", {"version": 1, "entities": [{"id": "a", "parts": [{"shape": "box", "size": [1, 1, 1]}]}]},
     "entities[0].parts: 'parts' is new in DSL version 2"),
    ("missing id", {"version": 1, "entities": [{"id": "a", "kind": "car",
                                                "relations": [{"type": "behind", "target": "zz"}]}]},
     "entities[0].relations[0].target: no entity has id 'zz'"),
    ("cycle", {"version": 1, "entities": [
        {"id": "a", "kind": "crate", "relations": [{"type": "on", "target": "b"}]},
        {"id": "b", "kind": "crate", "relations": [{"type": "on", "target": "a"}]}]}, "cyclic 'on' relations"),
]


@pytest.mark.parametrize("name,data,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_scene_files_exit_2_with_the_path_and_write_nothing(tmp_path, capsys, name, data, expected):
    out = tmp_path / "out"
    code = cli.run(["build", str(write(tmp_path, data)), "--out", str(out), "--no-render"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert cli.run(["build", str(write(tmp_path, GOOD)), "--out", str(tmp_path / "o"), "--resolution", "huge"]) == 2
    assert cli.run(["build", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.fixture(scope="module")
def embedded_path():
    from worldsmith.generation.model_files import embedded_model_path
    return embedded_model_path()


@pytest.mark.parametrize("kind", ["missing", "truncated", "random"])
def test_bad_model_files_exit_3(tmp_path, capsys, embedded_path, kind):
    path = tmp_path / "model.gguf"
    if kind == "truncated":
        with open(embedded_path, "rb") as src:
            path.write_bytes(src.read(5_000_000))
    elif kind == "random":
        path.write_bytes(os.urandom(200_000))
    out = tmp_path / "out"
    code = cli.run(["generate", "a red car", "--model", str(path), "--out", str(out), "--no-render"])
    err = capsys.readouterr().err
    assert code == 3
    assert {"missing": "model file not found", "truncated": "is truncated",
            "random": "not a GGUF model file"}[kind] in err
    assert not out.exists()


@pytest.mark.model
def test_a_reply_that_never_validates_exits_3_after_the_repair_rounds(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.run(["generate", "a red car next to a house", "--out", str(out), "--no-render",
                    "--max-tokens", "6", "--repair-rounds", "1"])
    err = capsys.readouterr().err
    assert code == 3
    assert "did not produce a valid scene after 2 attempts" in err and "invalid JSON" in err
    assert not out.exists()


def test_empty_prompt_is_bad_input(tmp_path, capsys):
    assert cli.run(["generate", "   ", "--out", str(tmp_path / "o"), "--no-render"]) == 2
    assert "prompt is empty" in capsys.readouterr().err


@pytest.mark.model
@pytest.mark.slow
def test_module_entry_point_generates_from_a_sentence(tmp_path, cli_env, run_cli):
    """``python -m worldsmith generate`` end to end, as a user runs it: sentence to .blend and render."""
    out = tmp_path / "gen"
    proc = run_cli(["generate", "a red car in front of a white house at sunset", "--out", str(out),
                    "--engine", "cycles", "--samples", "2", "--resolution", "128x72"], env=cli_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "model ready" in proc.stderr and "wrote" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["prompt.txt", "render.png", "scene.blend", "scene.json"]
    bpy.ops.wm.open_mainfile(filepath=str(out / "scene.blend"))
    sc = bpy.context.scene
    objs = [o for o in sc.objects if "worldsmith_id" in o]
    kinds = {o["worldsmith_kind"]: o for o in objs}
    assert {"car", "house"} <= set(kinds)
    assert kinds["car"]["worldsmith_color"] == "#ff0000" and kinds["house"]["worldsmith_color"] == "#ffffff"
    assert sc["worldsmith_time_of_day"] == "sunset" and sc.camera is not None
    assert parse_scene(sc["worldsmith_dsl"]).entities


def test_console_script_is_installed():
    exe = shutil.which("worldsmith", path=str(Path(os.sys.executable).parent))
    assert exe is not None
