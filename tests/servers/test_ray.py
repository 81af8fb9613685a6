"""``worldsmith batch --ray`` against real Ray clusters on this machine (``ray.cluster_utils.Cluster``:
a head and worker nodes, each its own raylet), with real bpy and the real embedded model.

Sized for a 2-core machine shared with other work: small CPU counts and object stores, Workbench
renders at 96x54, and a 12-line batch of which 4 lines go through the model (the other 8 are
scene lines, built without it) so the cluster test stays within a few minutes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="needs the ray extra (pip install -e '.[ray]')")
from ray.cluster_utils import Cluster  # noqa: E402

from worldsmith.dataset import ray_batch, store  # noqa: E402
from worldsmith.dataset.inputs import read_prompts  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--engine", "workbench", "--resolution", "96x54"]
STORE = 80 << 20
PROMPTS = ["a red car in front of a house", "two pine trees next to a blue house", "a dog near a bench",
           "a yellow car and a green car"]
LINES = 12


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "worldsmith", "batch", *args], cwd=str(ROOT.parent),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "RAY_USAGE_STATS_ENABLED": "0"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prompts(path: Path) -> list[str]:
    lines = [json.dumps({"id": f"m{k}", "prompt": p, "seed": k}) for k, p in enumerate(PROMPTS)]
    lines += [json.dumps({"id": f"s{k}", "seed": k, "scene": {"entities": [
        {"id": "house", "kind": "house"}, {"id": "tree", "kind": "pine_tree", "count": 1 + k % 3}]}})
        for k in range(LINES - len(PROMPTS))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [json.loads(x)["id"] for x in lines]


# ---------------------------------------------------------------- bad input, before any work (fast)

def test_an_unreachable_address_is_a_clear_error_not_a_hang(tmp_path):
    ids = _prompts(tmp_path / "p.jsonl")
    t0 = time.monotonic()
    p = _cli(str(tmp_path / "p.jsonl"), "--out", str(tmp_path / "out"), "--ray", f"127.0.0.1:{_free_port()}")
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2, err
    assert "cannot reach the Ray cluster at 127.0.0.1:" in err and "ray start --head" in err, err
    assert time.monotonic() - t0 < 60
    assert not [d for d in (tmp_path / "out").iterdir() if d.name in ids]


def test_a_port_that_is_not_a_ray_head_is_a_clear_error_not_a_hang(tmp_path):
    import http.server
    import threading
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ray_batch.RayBatchError, match="answers, but not as a Ray head node"):
            ray_batch.check_address(address)
    finally:
        server.shutdown()
        server.server_close()


def test_ray_options_need_ray_and_sane_values(tmp_path):
    (tmp_path / "p.txt").write_text("a red car\n")
    for args, msg in [(["--build-workers", "2"], "--build-workers needs --ray"),
                      (["--ray", "--jobs", "2"], "with --ray give --build-workers"),
                      (["--ray", "--build-workers", "0"], "--build-workers must be between 1 and 10000"),
                      (["--ray", "--model-gpus", "-1"], "GPU counts >= 0"),
                      (["--ray", "nowhere"], "give the head node as HOST:PORT")]:
        p = _cli(str(tmp_path / "p.txt"), "--out", str(tmp_path / "out"), *args)
        _, err = p.communicate(timeout=120)
        assert p.returncode == 2 and msg in err, (args, err)


def test_a_node_that_cannot_see_the_output_folder_is_named(tmp_path):
    seen = ray_batch._probe(str(tmp_path), "no-such-marker", needs_bpy=False)
    assert seen["problems"] == [f"does not see the output folder {tmp_path} (not a shared file system?)"]
    (tmp_path / "marker").write_text("")
    assert ray_batch._probe(str(tmp_path), "marker", needs_bpy=False)["problems"] == []


# ---------------------------------------------------------------- a real cluster

@pytest.fixture
def cluster(tmp_path):
    # the head runs only the driver's bookkeeping (no CPUs): every actor lives on a worker node
    c = Cluster(initialize_head=True, connect=False,
                head_node_args={"num_cpus": 0, "object_store_memory": STORE, "include_dashboard": False})
    try:
        yield c
    finally:
        c.shutdown()


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.render
def test_batch_on_a_cluster_survives_a_lost_node_and_resumes(cluster, tmp_path):
    prompts = tmp_path / "p.jsonl"
    ids = _prompts(prompts)
    out = tmp_path / "out"

    # a node whose Python cannot import bpy: named before any work starts
    shadow = tmp_path / "nobpy"
    shadow.mkdir()
    (shadow / "bpy.py").write_text("raise ImportError('bpy is not installed on this node')\n")
    broken = cluster.add_node(num_cpus=1, object_store_memory=STORE, env_vars={"PYTHONPATH": str(shadow)})
    p = _cli(str(prompts), "--out", str(out), "--ray", cluster.address, *SMALL)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2, err
    assert "cannot import bpy" in err and "bpy is not installed on this node" in err, err
    assert not any(d.name in ids for d in out.iterdir())
    cluster.remove_node(broken, allow_graceful=False)

    # no node has what a build worker asks for: said at once, no waiting for resources that never come
    p = _cli(str(prompts), "--out", str(out), "--ray", cluster.address, "--build-gpus", "1", *SMALL)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2 and "no node of the Ray cluster has the 1 CPU(s) and 1 GPU(s) a build" in err, err

    # the batch: 1 model actor and 2 build workers, all on one node, which is then lost
    doomed = cluster.add_node(num_cpus=3, object_store_memory=STORE)
    p = _cli(str(prompts), "--out", str(out), "--ray", cluster.address, "--model-gpus", "1", *SMALL)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2 and "GPU(s) a model actor asks for (--model-cpus, --model-gpus)" in err, err
    p = _cli(str(prompts), "--out", str(out), "--ray", cluster.address, "--build-workers", "2",
             "--model-actors", "1", *SMALL)
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and p.poll() is None:
            if sum(1 for d in out.iterdir() if d.name in ids) >= 3:
                break
            time.sleep(0.5)
        assert p.poll() is None, p.communicate()[1]
        cluster.remove_node(doomed, allow_graceful=False)          # SIGKILL: raylet, workers, model
        cluster.add_node(num_cpus=3, object_store_memory=STORE)   # the work moves to a fresh node
        _, err = p.communicate(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert "retrying (1 of 2)" in err, err

    # every prompt exactly once, complete and valid; nothing half-written is left
    items, _ = read_prompts(prompts)
    cfg = store.Config(str(out), resolution=(96, 54))
    folders = sorted(d.name for d in out.iterdir() if d.is_dir())
    assert folders == sorted(ids), folders
    assert all(store.is_finished(it, cfg) for it in items)
    report = json.loads((out / "report.json").read_text())
    assert report["done"] + report["skipped"] == LINES and report["failed"] == [] and report["status"] == "complete"
    assert report["ray"]["lost_and_retried"] >= 1
    assert report["ray"]["build_workers_started"] > 2          # the dead workers were replaced
    assert 1 <= report["ray"]["model_loads"] <= 2              # loaded once; once more after its node died
    coco = json.loads((out / "annotations.json").read_text())
    assert sorted(im["file_name"] for im in coco["images"]) == sorted(f"{i}/render.png" for i in ids)
    for im in coco["images"]:
        labels = json.loads((out / im["file_name"].split("/")[0] / "labels.json").read_text())
        assert (labels["image"]["width"], labels["image"]["height"]) == (96, 54)
        assert labels["instances"], im["file_name"]
    assert len(coco["annotations"]) >= LINES

    # the driver again: everything is finished, nothing is redone
    p = _cli(str(prompts), "--out", str(out), "--ray", cluster.address, *SMALL)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0 and f"{LINES} prompt(s) already finished" in err, err
    assert json.loads((out / "report.json").read_text())["skipped"] == LINES
