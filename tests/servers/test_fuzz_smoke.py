"""``make fuzz``'s harness runs: a few seconds of each suite, with nothing crashed or hung."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fuzz_harness_runs_every_suite(tmp_path):
    report = tmp_path / "fuzz.json"
    proc = subprocess.run([sys.executable, "-m", "worldsmith.benchmarks.fuzz", "--seconds", "9", "--json",
                           str(report)], capture_output=True, text=True, timeout=600, cwd=str(ROOT.parent))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(report.read_text())
    assert set(r) == {"dsl", "servers", "concurrency"}
    for name, suite in r.items():
        assert suite["tried"] > 0 and suite["tried"] == suite["clean"], (name, suite)
