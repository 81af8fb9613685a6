"""Further subcommands (models, batch, bench, gallery) register here.

Each feature module adds ``register(sub)`` + a command function, so the
core parser in ``cli.py`` stays small.
"""
from __future__ import annotations

COMMANDS: dict = {}


def register(sub) -> None:
    """Add the optional subcommands to the parser's subparsers."""
    from importlib import import_module
    for name in ("models_cli", "batch", "bench_cli", "gallery"):
        try:
            mod = import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue
            raise
        COMMANDS.update(mod.register(sub))
