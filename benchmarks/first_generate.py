"""The first Generate of a Blender session, timed: bpy as a module, the add-on enabled as Blender
enables it, then ``bpy.ops.worldsmith.generate`` once (in background mode the operator runs its
model job on the spot), from the call to the built scene. The model load, llguidance's tokenizer
and the prompt's prefix come from the warm-start caches a previous process left, as in a new
Blender session.

    python -m worldsmith.benchmarks.first_generate ["a prompt"]

Prints one JSON line: seconds to import bpy, to enable the add-on, and for the first Generate.
"""
from __future__ import annotations

import json
import os
import sys
import time

PROMPT = "a red car in front of a white house"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    prompt = argv[0] if argv else PROMPT
    t0 = time.perf_counter()
    import bpy
    import addon_utils      # Blender's own module, importable once bpy is
    t1 = time.perf_counter()
    mod = addon_utils.enable("worldsmith", default_set=False, handle_error=None)
    if mod is None or not hasattr(bpy.types.Scene, "worldsmith"):
        print("first_generate: the add-on did not enable", file=sys.stderr)
        return 1
    t2 = time.perf_counter()
    result = bpy.ops.worldsmith.generate("EXEC_DEFAULT", prompt=prompt)
    t3 = time.perf_counter()
    built = [o for o in bpy.context.scene.objects if "worldsmith_id" in o]
    print(json.dumps({"prompt": prompt, "result": sorted(result), "objects": len(built),
                      "import_bpy_s": round(t1 - t0, 3), "enable_addon_s": round(t2 - t1, 3),
                      "first_generate_s": round(t3 - t2, 3), "load": [round(v, 2) for v in os.getloadavg()]}))
    return 0 if result == {"FINISHED"} and built else 1


if __name__ == "__main__":
    sys.exit(main())
