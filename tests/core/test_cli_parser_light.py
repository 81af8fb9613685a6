"""Building the command line's parser imports none of the heavy layers.

Every ``worldsmith`` command builds the whole parser (all subcommands, and a checkout's plugins:
``bench``, ``mcp``) before it runs. ``generate`` starts loading its model in a thread first and only
then imports the scene core and bpy, so the two overlap; a subcommand module that imported the scene
core, bpy, numpy or llama.cpp at its top would put that import back in front of the model's load.
"""
from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("worldsmith.scene_dsl", "worldsmith.blender", "worldsmith.dataset", "bpy", "numpy", "llama_cpp",
         "llguidance", "pydantic", "mcp")

PROBE = """
import json, sys
from worldsmith import cli
parser, commands = cli.build_parser()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY}
               and any(m == h or m.startswith(h + ".") for h in HEAVY))
print(json.dumps({"commands": sorted(commands), "heavy": heavy}))
"""


def test_parser_imports_no_heavy_layer():
    out = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + PROBE], capture_output=True, text=True,
                         check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"generate", "build", "batch", "gallery", "models", "doctor"} <= set(got["commands"])
    assert got["heavy"] == [], f"building the parser imported {got['heavy']}"
