"""``worldsmith bench coldstart``: a fresh process's ``worldsmith generate ... --no-render``, timed whole.

Each run is a new Python process (what a user's shell does), after one warm-up run that fills the
warm-start caches (model hash, token table, prefix state). Reported: wall, user and system seconds
(min, median, max), the model-ready and model-writing times the command prints, and the load
average before and after, because on a shared machine the load is most of the story.

``--vs-pythonpath DIR``: the same command with ``PYTHONPATH=DIR`` (a folder holding another checkout
as ``DIR/worldsmith``, e.g. ``git archive main``), run in turn with this one (A B A B ...), with the
per-pair ratio, so a comparison holds when the machine's speed drifts.
"""
from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from ..cli.options import EXIT_OK

PROMPT = "a red car in front of a white house"
_READY = re.compile(r"model ready in ([0-9.]+) s")
_WRITTEN = re.compile(r"scene written by the model in ([0-9.]+) s")


def register(bs) -> None:
    c = bs.add_parser("coldstart", help="a fresh process's generate --no-render, timed whole (median of N)")
    c.add_argument("--runs", type=int, default=5, help="counted runs (after one warm-up run each)")
    c.add_argument("--prompt", default=PROMPT)
    c.add_argument("--vs-pythonpath", default=None, metavar="DIR",
                   help="also time another checkout (DIR/worldsmith), interleaved, with the ratio")
    c.add_argument("--json", action="store_true", help="print JSON instead of a table")


def one_run(prompt: str, pythonpath: str | None = None) -> dict:
    """One fresh ``python -m worldsmith generate`` process: its wall, user and system seconds."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory(prefix="ws_coldstart_") as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "worldsmith", "generate", prompt, "--out", out, "--no-render"],
                              env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        ok = proc.returncode == 0 and os.path.isfile(os.path.join(out, "scene.json"))
    ready, written = _READY.search(proc.stderr), _WRITTEN.search(proc.stderr)
    return {"ok": ok, "rc": proc.returncode, "wall_s": wall, "user_s": after.ru_utime - before.ru_utime,
            "sys_s": after.ru_stime - before.ru_stime,
            "model_ready_s": float(ready.group(1)) if ready else None,
            "model_writing_s": float(written.group(1)) if written else None,
            "tail": "" if ok else proc.stderr[-600:]}


def _spread(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {}
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def run(prompt: str = PROMPT, runs: int = 5, vs_pythonpath: str | None = None, log=None) -> dict:
    sides = {"this": None} if not vs_pythonpath else {"this": None, "other": vs_pythonpath}
    rows: dict[str, list[dict]] = {k: [] for k in sides}
    for name, path in sides.items():     # warm-up: fills the caches, not counted
        if log:
            log(f"warm-up ({name})")
        first = one_run(prompt, path)
        if not first["ok"]:
            raise RuntimeError(f"the {name} command failed (exit {first['rc']}): {first['tail']}")
    load_before = os.getloadavg()
    for i in range(max(1, runs)):
        for name, path in sides.items():
            r = one_run(prompt, path)
            rows[name].append(r)
            if log:
                log(f"run {i + 1} {name}: {r['wall_s']:.2f} s wall, {r['user_s']:.2f} s user"
                    + ("" if r["ok"] else f" (FAILED, exit {r['rc']})"))
    out = {"prompt": prompt, "runs": runs, "cpus": os.cpu_count(),
           "load_before": [round(v, 2) for v in load_before], "load_after": [round(v, 2) for v in os.getloadavg()]}
    for name, rs in rows.items():
        out[name] = {k: _spread([r[k] for r in rs]) for k in ("wall_s", "user_s", "sys_s", "model_ready_s",
                                                               "model_writing_s")}
        out[name]["failed"] = sum(not r["ok"] for r in rs)
    if vs_pythonpath:
        out["ratio_this_over_other_wall"] = _spread([a["wall_s"] / b["wall_s"]
                                                     for a, b in zip(rows["this"], rows["other"])])
    return out


def cmd(args) -> int:
    def log(msg):
        print(f"worldsmith: {msg}", file=sys.stderr, flush=True)

    result = run(args.prompt, args.runs, args.vs_pythonpath, log)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    print(f"coldstart: {result['runs']} runs, {result['cpus']} CPUs, load {result['load_before']} -> "
          f"{result['load_after']}")
    for name in ("this", "other"):
        if name not in result:
            continue
        for k, s in result[name].items():
            if isinstance(s, dict) and s:
                print(f"  {name:5} {k:16} min {s['min']:6.2f}  median {s['median']:6.2f}  max {s['max']:6.2f}")
    if "ratio_this_over_other_wall" in result:
        s = result["ratio_this_over_other_wall"]
        print(f"  wall ratio this/other: min {s['min']:.2f}  median {s['median']:.2f}  max {s['max']:.2f}")
    return EXIT_OK
