"""The model side, no bpy: backends (in-process llama.cpp, OpenAI-compatible http), the
prompt -> validated DSL pipeline, prompting, the worker-thread jobs the UI uses, model
files, the model registry and downloads."""
