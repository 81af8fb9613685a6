"""``worldsmith doctor``: Blender, Python, platform, backend, decoder, GPU offload, the model and its hash,
and what is missing with the fix. Loads no model; hashes the model only with ``--verify``."""
from __future__ import annotations

from .options import EXIT_MODEL, EXIT_OK


def register(sub) -> dict:
    d = sub.add_parser("doctor", help="what this installation can run, and what is missing with the fix")
    d.add_argument("--backend", choices=("local", "http"), default="local")
    d.add_argument("--model", default=None, help="GGUF path or downloaded model name (default: embedded)")
    d.add_argument("--endpoint", default=None, help="http backend: the server to test")
    d.add_argument("--gpu-layers", type=int, default=0)
    d.add_argument("--decoder", choices=("fast", "reference"), default=None)
    d.add_argument("--verify", action="store_true", help="hash the model file now (assembling the embedded one)")
    d.add_argument("--json", action="store_true", help="the report as JSON")
    return {"doctor": cmd_doctor}


def cmd_doctor(args) -> int:
    from ..generation import diagnose
    rep = diagnose.report(args.backend, args.model, args.endpoint, args.gpu_layers, args.decoder, args.verify)
    print(rep.json() if args.json else rep.text())
    return EXIT_MODEL if rep.missing else EXIT_OK
