"""What an agent sees of the DSL (scene_dsl.agent) and the MCP workspace's names: pure, no bpy."""
from __future__ import annotations

import json

import pytest

from worldsmith.scene_dsl import agent, catalog
from worldsmith.scene_dsl.errors import SceneError
from worldsmith.scene_dsl.models import parse_scene

BASE = {"version": 1, "entities": [{"id": "house", "kind": "house"},
                                   {"id": "car", "kind": "car", "relations": [{"type": "near", "target": "house"}]}]}


def test_kinds_table_lists_every_kind_with_size_and_synonyms():
    table = agent.kinds_table()
    assert [k["kind"] for k in table] == list(catalog.KIND_NAMES)
    car = next(k for k in table if k["kind"] == "car")
    assert car["category"] == "vehicle" and car["size_m"]["depth"] == catalog.get("car").depth
    assert json.loads(json.dumps(table)) == table


def _nested(n):
    doc = 1
    for _ in range(n):
        doc = [doc]
    return {"version": 1, "entities": doc}


def test_read_dsl_takes_text_or_objects_and_bounds_them():
    assert agent.read_dsl(json.dumps(BASE)).entities[1].id == "car"
    assert agent.read_dsl(BASE).total_count() == 2
    for bad, where in ((7, "dsl"), (None, "dsl"), ("x" * (agent.MAX_DSL_BYTES + 1), "dsl"),
                       (_nested(40), "dsl")):
        with pytest.raises(SceneError) as e:
            agent.read_dsl(bad)
        assert e.value.issues[0].path == where
    with pytest.raises(SceneError) as e:
        agent.read_dsl({**BASE, "entities": [{"id": "a", "kind": "cube", "color": "'; drop table"}]})
    assert agent.issue_dicts(e.value)[0]["path"] == "entities[0].color"


def test_merge_patch_follows_rfc_7386():
    assert agent.merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == \
        {"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert agent.merge_patch({"a": 1}, [1]) == [1]


def test_apply_patch_edits_entities_by_id_and_validates_again():
    scene = parse_scene(BASE)
    new = agent.apply_patch(scene, {"time_of_day": "night", "entities": {
        "car": {"color": "blue"}, "dog": {"kind": "dog", "relations": [{"type": "next_to", "target": "car"}]}}})
    assert new.time_of_day == "night" and new.entity("car").color == "blue" and new.entities[2].id == "dog"
    gone = agent.apply_patch(scene, {"entities": {"car": None}})
    assert [e.id for e in gone.entities] == ["house"]
    with pytest.raises(SceneError) as e:    # removing the house leaves the car's relation dangling
        agent.apply_patch(scene, {"entities": {"house": None}})
    assert e.value.issues[0].path == "entities[0].relations[0].target"
    with pytest.raises(SceneError) as e:
        agent.apply_patch(scene, {"entities": {"ghost": None}})
    assert "dsl_patch.entities" in e.value.issues[0].path
    with pytest.raises(SceneError):
        agent.apply_patch(scene, ["x"])


def test_workspace_names_stay_inside(tmp_path):
    from worldsmith.mcp_server.workspace import Workspace, WorkspaceError
    ws = Workspace(tmp_path / "ws")
    assert ws.target("scene 1", ".blend") == ws.root / "scene 1.blend"
    assert ws.target("a.blend", ".blend").name == "a.blend"
    (tmp_path / "ws" / "evil.blend").symlink_to(tmp_path / "elsewhere.blend")
    for bad in ("../x", "/etc/passwd", "a/b", "a\\b", "..", "x..y", ".hidden", "~", "evil", "evil.blend",
                "a\n", "", "x" * 65, 3, None, "c:x"):
        with pytest.raises(WorkspaceError):
            ws.target(bad, ".blend")
