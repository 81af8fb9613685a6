"""The model side, no bpy: backends (in-process llama.cpp, OpenAI-compatible http), the
prompt -> validated DSL pipeline, prompting, the worker-thread jobs the UI uses, model
files, the model registry and downloads."""

import os as _os

# llama.cpp's CPU backend runs its threads under OpenMP, whose barriers spin while they wait. On a
# busy machine (other processes, or Blender itself, on the same cores) a spinning thread holds the
# core the thread it waits for needs: 75 tokens took a minute instead of 1.5 s on 2 shared cores.
# Waiting threads sleep instead (read once, when llama.cpp's library loads; a value the user set
# wins). The numbers the model computes are the same either way.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
