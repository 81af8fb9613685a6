"""``worldsmith generate | build | schema | validate``: one scene from a prompt or a DSL file."""
from __future__ import annotations

import json
import time

from .options import (EXIT_BAD_INPUT, EXIT_MODEL, EXIT_OK, CliError, add_model_options, add_recipes_option,
                      add_render_options, close_backend, pipeline_options, progress, render_settings, start_backend,
                      use_recipes)


def register(sub) -> dict:
    g = sub.add_parser("generate", help="prompt -> scene.json, scene.blend, render.png")
    g.add_argument("prompt")
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--print-dsl", action="store_true", help="also print the DSL to stdout")
    add_model_options(g)
    add_render_options(g)
    add_recipes_option(g)

    b = sub.add_parser("build", help="scene.json -> scene.blend, render.png (no model)")
    b.add_argument("scene", help="a scene DSL JSON file")
    b.add_argument("--out", required=True)
    b.add_argument("--seed", type=int, default=None, help="override the scene's layout seed")
    add_render_options(b)
    add_recipes_option(b)

    sub.add_parser("schema", help="print the DSL's JSON Schema")

    v = sub.add_parser("validate", help="check a scene.json and print its problems with field paths")
    v.add_argument("scene")
    return {"generate": cmd_generate, "build": cmd_build, "schema": cmd_schema, "validate": cmd_validate}


def cmd_generate(args) -> int:
    from ..generation.errors import ModelError
    # the model loads in a thread (llama.cpp and llguidance release the GIL) while this thread imports
    # the scene core and bpy, which stays on the main thread (Blender takes the thread that imports it
    # as its main one); the thread starts first, before those imports, so they overlap its load
    loading = start_backend(args)
    try:
        use_recipes(args)
        from ..generation import pipeline
        settings = render_settings(args)
        from ..blender import scene_io
    except BaseException:
        close_backend(loading)
        raise
    backend = loading.result()
    last = [0.0]

    def on_progress(phase, n):
        now = time.perf_counter()
        if phase != "writing" or now - last[0] > 1.0:
            last[0] = now
            progress(f"{phase}" + (f" ({n} tokens)" if n else ""))
    try:
        try:
            res = pipeline.generate(args.prompt, backend, pipeline_options(args), on_progress=on_progress)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_BAD_INPUT) from None
        except ModelError as exc:
            raise CliError(str(exc), EXIT_MODEL) from None
    finally:
        backend.close()
    progress(f"scene written by the model in {res.seconds:.1f} s ({res.tokens} tokens, {res.attempts} attempt(s))")
    for w in res.warnings:
        progress(f"warning: {w}")
    if args.print_dsl:
        print(res.scene.to_json(indent=2))
    progress("building" + (" and rendering" if settings else ""))
    out = scene_io.build_and_save(res.scene, args.out, settings, warnings=res.warnings,
                                  extra_files={"prompt.txt": args.prompt + "\n"}, dressing=args.dressing)
    for w in out.warnings[len(res.warnings):]:  # the pipeline's were printed above; these are the build's
        progress(f"warning: {w}")
    progress(f"wrote {out.scene_json.parent}")
    return EXIT_OK


def cmd_build(args) -> int:
    from ..blender import scene_io
    use_recipes(args)
    settings = render_settings(args)
    scene = scene_io.load_scene_file(args.scene)
    if args.seed is not None:
        scene = scene.model_copy(update={"seed": args.seed})
    out = scene_io.build_and_save(scene, args.out, settings, dressing=args.dressing)
    for w in out.warnings:
        progress(f"warning: {w}")
    progress(f"wrote {out.scene_json.parent}")
    return EXIT_OK


def cmd_schema(args) -> int:
    from ..scene_dsl.schema import document_schema
    print(json.dumps(document_schema(), indent=2))
    return EXIT_OK


def cmd_validate(args) -> int:
    from ..blender import scene_io
    scene = scene_io.load_scene_file(args.scene)
    print(f"ok: {len(scene.entities)} entities ({scene.total_count()} placed)")
    return EXIT_OK


