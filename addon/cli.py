"""The command line: ``worldsmith ...``, ``python -m worldsmith ...`` and
``blender -b -c worldsmith ...`` share this one parser.

Exit codes: 0 ok; 2 bad input (with the field path and a readable message);
3 model failure. Progress and warnings go to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

EXIT_OK, EXIT_BAD_INPUT, EXIT_MODEL = 0, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"resolution must look like 960x540, not {text!r}") from None
    return w, h


def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--backend", choices=("local", "http"), default="local",
                   help="local: llama-cpp-python in this process; http: an OpenAI-compatible server")
    g.add_argument("--model", default=None,
                   help="GGUF path (local) or model name (http); default: the embedded Gemma 3 270M")
    g.add_argument("--endpoint", default=None, help="http backend: server base URL, e.g. http://127.0.0.1:8080")
    g.add_argument("--api-key-env", default=None, metavar="VAR",
                   help="http backend: name of the environment variable that holds the API key")
    g.add_argument("--gpu-layers", type=int, default=0,
                   help="layers to offload to the GPU (-1 = all; needs a CUDA/Metal build of llama-cpp-python)")
    g.add_argument("--ctx", type=int, default=4096, help="context size in tokens")
    g.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores, up to 8)")
    g.add_argument("--seed", type=int, default=0, help="sampling, layout and variant seed")
    g.add_argument("--decoder", choices=("fast", "reference"), default=None,
                   help="local backend: fast = llguidance masks (default when installed); "
                        "reference = llama.cpp's grammar sampler")
    g.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    g.add_argument("--repair-rounds", type=int, default=2, help="extra attempts when a reply is invalid")
    g.add_argument("--max-tokens", type=int, default=768, help="longest reply the model may write")
    g.add_argument("--no-grounding", action="store_true",
                   help="keep the model's reply as it is instead of reconciling it with the prompt's explicit words")


def add_render_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("render")
    g.add_argument("--engine", choices=("cycles", "eevee", "workbench"), default="cycles")
    g.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="Cycles device")
    g.add_argument("--samples", type=int, default=32)
    g.add_argument("--resolution", type=_resolution, default=(960, 540), metavar="WxH")
    g.add_argument("--no-render", action="store_true", help="write scene.json and scene.blend only")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="worldsmith", description="Turn a sentence into a Blender scene.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("generate", help="prompt -> scene.json, scene.blend, render.png")
    g.add_argument("prompt")
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--print-dsl", action="store_true", help="also print the DSL to stdout")
    add_model_options(g)
    add_render_options(g)

    b = sub.add_parser("build", help="scene.json -> scene.blend, render.png (no model)")
    b.add_argument("scene", help="a scene DSL JSON file")
    b.add_argument("--out", required=True)
    b.add_argument("--seed", type=int, default=None, help="override the scene's layout seed")
    add_render_options(b)

    sub.add_parser("schema", help="print the DSL's JSON Schema")

    v = sub.add_parser("validate", help="check a scene.json and print its problems with field paths")
    v.add_argument("scene")

    from . import cli_extra
    cli_extra.register(sub)
    return p


def _progress(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


def _render_settings(args):
    from .render import RenderSettings
    if args.no_render:
        return None
    try:
        return RenderSettings(args.engine, args.device, args.samples, tuple(args.resolution))
    except ValueError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def backend_settings(args):
    from .backends import BackendSettings
    api_key = None
    if getattr(args, "api_key_env", None):
        api_key = os.environ.get(args.api_key_env)
        if api_key is None:
            raise CliError(f"environment variable {args.api_key_env} is not set", EXIT_BAD_INPUT)
    return BackendSettings(args.backend, args.model, args.gpu_layers, args.ctx, args.threads, args.seed,
                           args.endpoint, api_key, decoder=getattr(args, "decoder", None))


def open_backend(args):
    from .backends import create
    from .models import ModelError
    t0 = time.perf_counter()
    what = (f"{args.endpoint or '?'}, model {args.model or 'default'}" if args.backend == "http"
            else args.model or "embedded Gemma 3 270M")
    _progress(f"loading model ({args.backend}: {what})")
    try:
        backend = create(backend_settings(args))
    except ModelError as exc:
        raise CliError(str(exc), EXIT_MODEL) from None
    info = backend.info()
    _progress(f"model ready in {time.perf_counter() - t0:.1f} s on {info.get('device', '?')}"
              f" (gpu layers {info.get('n_gpu_layers', 0)})")
    return backend


def pipeline_options(args):
    from .pipeline import Options
    return Options(seed=args.seed, temperature=args.temperature, max_tokens=max(1, args.max_tokens),
                   repair_rounds=max(0, args.repair_rounds), grounding=not args.no_grounding)


def cmd_generate(args) -> int:
    from . import engine, pipeline
    from .models import ModelError
    settings = _render_settings(args)
    backend = open_backend(args)
    last = [0.0]

    def progress(phase, n):
        now = time.perf_counter()
        if phase != "writing" or now - last[0] > 1.0:
            last[0] = now
            _progress(f"{phase}" + (f" ({n} tokens)" if n else ""))
    try:
        try:
            res = pipeline.generate(args.prompt, backend, pipeline_options(args), on_progress=progress)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_BAD_INPUT) from None
        except ModelError as exc:
            raise CliError(str(exc), EXIT_MODEL) from None
    finally:
        backend.close()
    _progress(f"scene written by the model in {res.seconds:.1f} s ({res.tokens} tokens, {res.attempts} attempt(s))")
    for w in res.warnings:
        _progress(f"warning: {w}")
    if args.print_dsl:
        print(res.scene.to_json(indent=2))
    _progress("building" + (" and rendering" if settings else ""))
    out = engine.build_and_save(res.scene, args.out, settings, extra_files={"prompt.txt": args.prompt + "\n"})
    for w in out.warnings[len(res.warnings):]:
        _progress(f"warning: {w}")
    _progress(f"wrote {out.scene_json.parent}")
    return EXIT_OK


def cmd_build(args) -> int:
    from . import engine
    settings = _render_settings(args)
    scene = engine.load_scene_file(args.scene)
    if args.seed is not None:
        scene = scene.model_copy(update={"seed": args.seed})
    out = engine.build_and_save(scene, args.out, settings)
    for w in out.warnings:
        _progress(f"warning: {w}")
    _progress(f"wrote {out.scene_json.parent}")
    return EXIT_OK


def cmd_schema(args) -> int:
    from ..scene_dsl.schema import document_schema
    print(json.dumps(document_schema(), indent=2))
    return EXIT_OK


def cmd_validate(args) -> int:
    from . import engine
    scene = engine.load_scene_file(args.scene)
    print(f"ok: {len(scene.entities)} entities ({scene.total_count()} placed)")
    return EXIT_OK


COMMANDS = {"generate": cmd_generate, "build": cmd_build, "schema": cmd_schema, "validate": cmd_validate}


def run(argv: list[str]) -> int:
    """Parse ``argv`` and run the command; returns the exit code (never raises on bad input)."""
    from ..scene_dsl.errors import SceneError
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the reason
        return EXIT_BAD_INPUT if exc.code else EXIT_OK
    from . import cli_extra
    fn = COMMANDS.get(args.command) or cli_extra.COMMANDS[args.command]
    try:
        return fn(args)
    except SceneError as exc:
        print(f"worldsmith: error: {exc.describe()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CliError as exc:
        print(f"worldsmith: error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, OSError) as exc:
        print(f"worldsmith: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("worldsmith: interrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv))
