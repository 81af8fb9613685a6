"""``--shard i/n`` runs sharing one output folder (as a Slurm array or a Kubernetes Indexed Job
runs them, see docs/), then ``worldsmith batch merge``: one COCO file and report, idempotent.
Scene lines need no model; renders are Workbench at 64x36."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from worldsmith.dataset.inputs import select_shard, read_prompts

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "worldsmith", "batch", *args], cwd=str(ROOT.parent),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_shards_share_a_folder_and_merge_is_idempotent(tmp_path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps({"id": f"s{k}", "seed": k, "scene": {"entities": [
        {"id": "house", "kind": "house"}, {"id": "car", "kind": "car", "count": 1 + k % 2}]}})
        for k in range(5)) + '\n{"id": "bad"\n', encoding="utf-8")   # line 6: not JSON
    items, _ = read_prompts(prompts)
    assert all(select_shard(items, i, 2) for i in range(2))
    out = tmp_path / "out"
    small = ("--engine", "workbench", "--resolution", "64x36")

    # shard 0 alone: the merge says what is missing
    assert _cli(str(prompts), "--out", str(out), "--shard", "0/2", *small).wait(timeout=300) == 0
    p = _cli("merge", "--out", str(out))
    _, err = p.communicate(timeout=120)
    assert p.returncode == 1 and "shards without a report yet: 1" in err, err
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "incomplete" and report["missing_shards"] == [1]
    assert sorted(report["missing"]) == sorted(it.id for it in select_shard(items, 1, 2))

    # shard 1, while the folder is locked by another run (a shard has its own lock)
    from worldsmith.files.atomic import folder_lock
    with folder_lock(out):
        assert _cli(str(prompts), "--out", str(out), "--shard", "1/2", *small).wait(timeout=300) == 0
    p = _cli("merge", "--out", str(out))
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    first = {n: (out / n).read_bytes() for n in ("annotations.json", "report.json", "contact_sheet.png")}
    report = json.loads(first["report.json"])
    assert report["status"] == "complete" and report["done"] == 5 and report["missing"] == []
    assert report["shards"] == 2 and report["shards_merged"] == [0, 1]
    assert [b["line"] for b in report["malformed_lines"]] == [6]
    coco = json.loads(first["annotations.json"])
    assert [im["file_name"] for im in coco["images"]] == [f"s{k}/render.png" for k in range(5)]
    shard_anns = sum(len(json.loads((out / f"annotations.shard{i}of2.json").read_text())["annotations"])
                     for i in range(2))
    assert len(coco["annotations"]) == shard_anns == report["annotations"] > 5
    assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])

    # merging again changes nothing
    assert _cli("merge", "--out", str(out)).wait(timeout=120) == 0
    assert {n: (out / n).read_bytes() for n in first} == first


def test_merge_of_a_missing_folder_is_bad_input(tmp_path):
    p = _cli("merge", "--out", str(tmp_path / "nowhere"))
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2 and "is not a folder of batch results" in err, err


def test_the_job_files_run_one_shard_per_index():
    """docs/: the Slurm array script and the Kubernetes Indexed Job give --shard their index."""
    slurm = (ROOT / "docs" / "slurm_batch.sh").read_text()
    assert '--shard "$SLURM_ARRAY_TASK_ID/$N"' in slurm and "worldsmith batch merge" in slurm
    assert subprocess.run(["bash", "-n", str(ROOT / "docs" / "slurm_batch.sh")]).returncode == 0
    yaml = pytest.importorskip("yaml")
    job = yaml.safe_load((ROOT / "docs" / "k8s_batch_job.yaml").read_text())
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    box = job["spec"]["template"]["spec"]["containers"][0]
    assert '--shard "${JOB_COMPLETION_INDEX}/${SHARDS}"' in box["args"][0]
    assert {e["name"]: e["value"] for e in box["env"]}["SHARDS"] == str(job["spec"]["completions"])
