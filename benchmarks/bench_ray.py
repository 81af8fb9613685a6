"""Batch throughput on one machine: ``--jobs N`` against ``--ray`` with N build workers.

    python -m worldsmith.benchmarks.bench_ray [--prompts 50] [--workers 2] [--out out/bench_ray]

Runs the same prompts (the first ``--prompts`` of SceneBench, through the embedded model) three
times into fresh folders, each a real ``worldsmith batch`` process, and prints JSON:

* ``jobs``: ``--jobs N`` (N worker processes, each loading the model);
* ``ray_model_actor``: ``--ray --build-workers N --model-actors 1`` (the model loaded once);
* ``ray_own_model``: ``--ray --build-workers N --model-actors 0`` (each worker loads the model, as
  with ``--jobs``: the difference to ``jobs`` is what Ray costs).

Per run: wall seconds of the whole command (start-up included), the batch's own seconds, scenes per
minute over both, and for the Ray runs the driver's measure of Ray's share of each scene (round trip
less the work, model calls included) and the number of model loads.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENEBENCH = ROOT / "benchmarks" / "scenebench" / "prompts.jsonl"


def _run(name: str, prompts: Path, out: Path, extra: list[str], render: list[str]) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "worldsmith", "batch", str(prompts), "--out", str(out), *render, *extra]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=str(ROOT.parent), capture_output=True, text=True,
                       env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    wall = time.perf_counter() - t0
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    done = report.get("done", 0)
    row = {"run": name, "args": extra, "exit": p.returncode, "done": done, "failed": len(report.get("failed", [])),
           "wall_s": round(wall, 1), "batch_s": report.get("seconds"),
           "scenes_per_min_wall": round(done / wall * 60, 2) if wall else None,
           "scenes_per_min_batch": round(done / report["seconds"] * 60, 2) if report.get("seconds") else None}
    if "ray" in report:
        row.update({k: report["ray"].get(k) for k in ("overhead_s_per_scene", "model_loads", "model_actors",
                                                      "build_workers")})
    if p.returncode not in (0, 1):
        row["stderr"] = p.stderr[-2000:]
    print(json.dumps(row), file=sys.stderr, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prompts", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="out/bench_ray")
    ap.add_argument("--render", default="--engine workbench --resolution 128x72",
                    help="render options of every run (default: a small Workbench render)")
    ap.add_argument("--runs", default="jobs,ray_model_actor,ray_own_model")
    a = ap.parse_args(argv)
    out = Path(a.out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    lines = SCENEBENCH.read_text(encoding="utf-8").splitlines()[:a.prompts]
    prompts = out / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"p{k}", "prompt": json.loads(x)["prompt"]}) + "\n"
                               for k, x in enumerate(lines)), encoding="utf-8")
    n = str(a.workers)
    runs = {"jobs": ["--jobs", n],
            "ray_model_actor": ["--ray", "--build-workers", n, "--model-actors", "1"],
            "ray_own_model": ["--ray", "--build-workers", n, "--model-actors", "0"]}
    rows = [_run(k, prompts, out / k, runs[k], a.render.split()) for k in a.runs.split(",")]
    print(json.dumps({"prompts": len(lines), "workers": a.workers, "render": a.render, "cpus": os.cpu_count(),
                      "load_average": os.getloadavg(), "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
