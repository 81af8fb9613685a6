"""Batch processes as an operating system sees them: one batch per folder, and workers that
never outlive the batch that started them. Scene lines need no model; workers hold bpy."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _batch(prompts: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "worldsmith", "batch", str(prompts), "--out", str(out),
                             "--engine", "workbench", "--resolution", "64x36", *extra],
                            cwd=str(ROOT.parent), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_one_batch_per_folder_and_workers_die_with_the_batch(tmp_path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("\n".join(json.dumps({"id": f"s{k}", "scene": {"entities": [
        {"id": "house", "kind": "house"}, {"id": "trees", "kind": "pine_tree", "count": 40}]}})
        for k in range(200)) + "\n")
    out = tmp_path / "out"
    first = _batch(prompts, out, "--jobs", "2")
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2 and first.poll() is None:
            time.sleep(0.2)
            workers = _children(first.pid)
        assert len(workers) >= 2, first.stderr.read() if first.poll() is not None else "no workers started"

        second = _batch(prompts, out)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2 and "another Worldsmith run is writing" in err, err

        first.send_signal(signal.SIGKILL)          # the batch dies without a chance to clean up
        first.wait(timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "workers outlived their batch"
        finished = {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
        time.sleep(2)
        assert {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")} == finished
    finally:
        if first.poll() is None:
            first.kill()
        for w in _children(first.pid):
            os.kill(w, signal.SIGKILL)
