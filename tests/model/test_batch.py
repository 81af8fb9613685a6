"""Batch mode: prompts file -> labelled scenes; resume, kill and resume, sharding, bad input."""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import zlib

from pathlib import Path

import numpy as np
import pytest

from worldsmith.scene_dsl import catalog
from worldsmith.dataset import batch, inputs, store
from worldsmith import cli
from worldsmith.blender import labels
from worldsmith.dataset import coco
from worldsmith.files.images import read_png

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--samples", "4", "--resolution", "160x90"]


def _scene_line(item_id, entities, seed=None):
    doc = {"id": item_id, "scene": {"entities": entities}}
    if seed is not None:
        doc["seed"] = seed
    return json.dumps(doc)


def _cli(args, timeout=300):
    return subprocess.Popen([sys.executable, "-m", "worldsmith", *args], cwd=str(ROOT.parent),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


# ---------------------------------------------------------------- reading and sharding (no model)

def test_read_prompts_reports_bad_lines_and_keeps_going(tmp_path):
    p = tmp_path / "p.jsonl"
    p.write_text("\n".join([
        '{"id": "a", "prompt": "a red car", "seed": 4}',
        "# a comment",
        "a house on a hill",
        '{"id": "b", "prompt": ',
        '{"id": "c"}',
        '{"id": "../x", "prompt": "a dog"}',
        '{"id": "a", "prompt": "again"}',
        '{"prompt": "a cat", "seed": -1}',
        '{"prompt": "a cat", "colour": "red"}',
        '{"id": 7, "prompt": "two dogs"}',
        '{"id": "s", "scene": {"entities": []}}',
        "",
    ]), encoding="utf-8")
    items, bad = inputs.read_prompts(p, default_seed=9)
    assert [(i.id, i.prompt, i.seed, i.line) for i in items] == [
        ("a", "a red car", 4, 1), ("line3", "a house on a hill", 9, 3), ("7", "two dogs", 9, 10), ("s", "", 9, 11)]
    assert items[3].scene == '{"entities": []}'
    reasons = {b.line: b.reason for b in bad}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9]
    assert "JSON" in reasons[4] and reasons[5].startswith("prompt:") and reasons[6].startswith("id:")
    assert "repeats line 1" in reasons[7] and reasons[8].startswith("seed:") and "colour" in reasons[9]


def test_shards_partition_the_prompts_exactly():
    items = [inputs.Item(f"id{k}", "p", 0, k) for k in range(1000)]
    for n in (1, 2, 3, 7):
        parts = [inputs.select_shard(items, i, n) for i in range(n)]
        ids = [it.id for part in parts for it in part]
        assert sorted(ids) == sorted(it.id for it in items) and len(ids) == len(set(ids))
        assert all(len(part) > 1000 / n / 2 for part in parts)   # a hash that spreads, not one shard
        assert [it.id for it in inputs.select_shard(items, 0, n)] == [it.id for it in parts[0]]
    assert inputs.shard_of("car", 4) == 1 == zlib.crc32(b"car") % 4   # stable across runs and machines
    assert inputs.parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "1", "-1/3", "a/b"):
        with pytest.raises(ValueError, match="--shard"):
            inputs.parse_shard(bad)


def test_unwritable_output_folder_stops_with_a_clear_message(tmp_path, capsys):
    p = tmp_path / "p.txt"
    p.write_text("a red car\n")
    (tmp_path / "file").write_text("x")
    assert cli.run(["batch", str(p), "--out", str(tmp_path / "file" / "out")]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "output folder" in err and "is not writable" in err
    assert not (tmp_path / "out").exists()
    assert cli.run(["batch", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o")]) == cli.EXIT_BAD_INPUT
    assert "cannot read the prompts file" in capsys.readouterr().err


def test_full_disk_stops_before_anything_is_written(tmp_path):
    """A file-size limit makes every write past 16 KiB fail, as a full disk would."""
    p = tmp_path / "p.jsonl"
    p.write_text(_scene_line("a", [{"id": "car", "kind": "car"}]) + "\n")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
    r = subprocess.run([sys.executable, "-m", "worldsmith", "batch", str(p), "--out", str(tmp_path / "out"), *SMALL],
                       cwd=str(ROOT.parent), capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert r.returncode == cli.EXIT_BAD_INPUT, r.stderr
    assert "not writable" in r.stderr and "File too large" in r.stderr
    assert list((tmp_path / "out").iterdir()) == []


# ---------------------------------------------------------------- a real batch with the embedded model

PROMPTS = [
    '{"id": "car", "prompt": "a red car in front of a white house", "seed": 1}',
    "three pine trees and a grey rock",
    '{"id": "camp", "prompt": "a yellow tent next to a campfire"}',
    '{"id": "broken", "prompt": ',
]


@pytest.fixture(scope="module")
def model_batch(tmp_path_factory, backend):
    d = tmp_path_factory.mktemp("batch")
    p = d / "prompts.jsonl"
    p.write_text("\n".join(PROMPTS) + "\n")
    args = cli.build_parser()[0].parse_args(["batch", str(p), "--out", str(d / "out"), *SMALL])
    rc = cli.batch.cmd_batch(args, backend=backend)
    return rc, p, d / "out"


@pytest.mark.model
@pytest.mark.render
@pytest.mark.slow
def test_batch_outputs_and_report(model_batch):
    rc, _, out = model_batch
    assert rc == cli.EXIT_OK
    report = json.loads((out / "report.json").read_text())
    assert report["done"] == 3 and report["failed"] == [] and report["status"] == "complete"
    assert report["malformed_lines"][0]["line"] == 4
    for item_id in ("car", "line2", "camp"):
        d = out / item_id
        assert sorted(f.name for f in d.iterdir()) == sorted(store.OUTPUTS + ("item.json",))
        assert json.loads((d / "item.json").read_text())["prompt"]
    assert not [f for f in out.iterdir() if ".partial-" in f.name]
    sheet = read_png(out / "contact_sheet.png")
    assert sheet.ndim == 3 and sheet.shape[2] == 3 and sheet.shape[1] > 160


@pytest.mark.model
@pytest.mark.render
@pytest.mark.slow
def test_labels_agree_with_the_blend(model_batch):
    import bpy
    _, _, out = model_batch
    for item_id in ("car", "line2", "camp"):
        d = out / item_id
        lab = json.loads((d / "labels.json").read_text())
        mask = read_png(d / "mask.png")
        w, h = lab["image"]["width"], lab["image"]["height"]
        assert mask.shape == (h, w) == (90, 160)
        bpy.ops.wm.open_mainfile(filepath=str(d / "scene.blend"))
        scene = bpy.context.scene
        roots = {o.name: o for o in scene.objects if "worldsmith_id" in o}
        assert sorted(roots) == sorted(r["name"] for r in lab["instances"]) and roots
        dg = bpy.context.evaluated_depsgraph_get()
        for rec in lab["instances"]:
            obj = roots[rec["name"]]
            assert (rec["id"], rec["kind"], rec["color"]) == (obj["worldsmith_id"], obj["worldsmith_kind"],
                                                              obj["worldsmith_color"])
            assert rec["mask_value"] == obj.pass_index
            world = labels._world_vertices(obj, dg)
            assert np.allclose(world.min(0), rec["bbox_3d"]["min"], atol=1e-3)
            assert np.allclose(world.max(0), rec["bbox_3d"]["max"], atol=1e-3)
            assert rec["mask_area"] == int((mask == rec["mask_value"]).sum())
            if rec["bbox_2d"] is not None:
                x0, y0, x1, y1 = rec["bbox_2d"]
                assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
            if rec["mask_area"]:
                assert rec["visible"] and rec["bbox_2d"] is not None
                mx0, my0, mx1, my1 = rec["mask_bbox"]
                assert x0 - 1 <= mx0 < mx1 <= x1 + 1 and y0 - 1 <= my0 < my1 <= y1 + 1
        assert any(r["mask_area"] > 0 for r in lab["instances"])
        assert set(np.unique(mask)) <= {0} | {r["mask_value"] for r in lab["instances"]}
        assert np.allclose(lab["camera"]["matrix_world"], [list(r) for r in scene.camera.matrix_world], atol=1e-4)


@pytest.mark.model
@pytest.mark.render
@pytest.mark.slow
def test_coco_file_is_valid(model_batch):
    _, _, out = model_batch
    doc = json.loads((out / "annotations.json").read_text())
    assert [i["file_name"] for i in doc["images"]] == ["car/render.png", "line2/render.png", "camp/render.png"]
    images = {i["id"]: i for i in doc["images"]}
    cats = {c["id"]: c["name"] for c in doc["categories"]}
    assert set(cats.values()) == set(catalog.KINDS) | {"composite"} and doc["annotations"]
    ids = [a["id"] for a in doc["annotations"]]
    assert len(ids) == len(set(ids))
    for a in doc["annotations"]:
        img = images[a["image_id"]]
        assert a["category_id"] in cats and a["iscrowd"] == 0
        x, y, bw, bh = a["bbox"]
        assert 0 <= x and 0 <= y and bw > 0 and bh > 0 and x + bw <= img["width"] and y + bh <= img["height"]
        m = coco.rle_decode(a["segmentation"])
        assert m.shape == (img["height"], img["width"]) and m.sum() == a["area"] > 0


@pytest.mark.model
@pytest.mark.render
@pytest.mark.slow
def test_rerun_skips_finished_work(model_batch, capsys):
    _, p, out = model_batch
    before = {f: f.stat().st_mtime_ns for f in out.rglob("*") if f.is_file() and f.parent != out}
    t0 = time.perf_counter()
    assert cli.run(["batch", str(p), "--out", str(out), *SMALL]) == cli.EXIT_OK
    assert time.perf_counter() - t0 < 60   # no model call, no render
    assert "3 prompt(s) already finished" in capsys.readouterr().err
    after = {f: f.stat().st_mtime_ns for f in out.rglob("*") if f.is_file() and f.parent != out}
    assert after == before
    assert json.loads((out / "report.json").read_text())["skipped"] == 3


# ---------------------------------------------------------------- killed mid-way, then resumed (no model)

@pytest.mark.render
@pytest.mark.slow
def test_killed_run_resumes_cleanly(tmp_path):
    p = tmp_path / "scenes.jsonl"
    p.write_text("\n".join([
        _scene_line("a", [{"id": "car", "kind": "car", "color": "red"}, {"id": "house", "kind": "house"}]),
        _scene_line("b", [{"id": "trees", "kind": "pine_tree", "count": 3}], seed=3),
        _scene_line("c", [{"id": "d", "kind": "hippogriff"}]),
        _scene_line("d", [{"id": "tent", "kind": "tent"}, {"id": "fire", "kind": "campfire"}]),
    ]) + "\n")
    out = tmp_path / "out"
    proc = _cli(["batch", str(p), "--out", str(out), *SMALL])
    deadline = time.time() + 240
    try:
        while time.time() < deadline and proc.poll() is None:
            partial = list(out.glob(".*.partial-*")) if out.exists() else []
            if (out / "a").exists() and partial:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be killed: " + proc.stderr.read()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()
    # what a kill leaves: finished folders complete, the rest only as hidden partial folders
    items, _ = inputs.read_prompts(p)
    cfg = store.Config(str(out), 1, resolution=(160, 90))
    for it in items:
        assert not (out / it.id).exists() or store.is_finished(it, cfg), it.id
    assert store.is_finished(items[0], cfg)
    assert list(out.glob(".*.partial-*"))
    a_before = (out / "a" / "render.png").stat().st_mtime_ns

    proc = _cli(["batch", str(p), "--out", str(out), *SMALL, "--jobs", "2"])
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == batch.EXIT_PARTIAL, err   # c is not a valid scene
    report = json.loads((out / "report.json").read_text())
    assert report["skipped"] >= 1 and report["done"] + report["skipped"] == 3
    assert [(f["id"], f["line"]) for f in report["failed"]] == [("c", 3)]
    assert "entities[0].kind" in report["failed"][0]["reason"]
    assert (out / "a" / "render.png").stat().st_mtime_ns == a_before
    assert all(store.is_finished(it, cfg) for it in items if it.id != "c")
    assert not (out / "c").exists()
    assert not [f for f in out.iterdir() if f.name.startswith(".")]
    doc = json.loads((out / "annotations.json").read_text())
    assert [i["file_name"] for i in doc["images"]] == ["a/render.png", "b/render.png", "d/render.png"]
