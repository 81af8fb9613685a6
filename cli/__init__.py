"""The command line: ``worldsmith ...``, ``python -m worldsmith ...`` and
``blender -b -c worldsmith ...`` share this one parser.

Each subcommand module has ``register(subparsers) -> {name: function}``;
``COMMAND_MODULES`` is the whole table. Commands that live outside the shipped
extension (``worldsmith bench``, in ``benchmarks/``) plug in through the
``worldsmith.commands`` entry-point group of an installed checkout, so the
engine never imports them.

Exit codes: 0 ok; 2 bad input (with the field path and a readable message);
3 model failure. Progress and warnings go to stderr.
"""
from __future__ import annotations

import argparse
import sys

from . import batch, doctor, gallery, models, scene
from .options import EXIT_BAD_INPUT, EXIT_MODEL, EXIT_OK, CliError  # noqa: F401 (re-exported)

COMMAND_MODULES = (scene, models, batch, gallery, doctor)
PLUGIN_GROUP = "worldsmith.commands"


def _plugins() -> list:
    """``register`` functions of installed plugins (the benchmarks of a checkout); none in the extension."""
    from importlib.metadata import entry_points
    return [ep.load() for ep in entry_points(group=PLUGIN_GROUP)]


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    p = argparse.ArgumentParser(prog="worldsmith", description="Turn a sentence into a Blender scene.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict = {}
    for register in [m.register for m in COMMAND_MODULES] + _plugins():
        commands.update(register(sub))
    return p, commands


def run(argv: list[str]) -> int:
    """Parse ``argv`` and run the command; returns the exit code (never raises on bad input)."""
    parser, commands = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the reason
        return EXIT_BAD_INPUT if exc.code else EXIT_OK
    try:
        return commands[args.command](args)
    except CliError as exc:
        print(f"worldsmith: error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, OSError) as exc:
        # imported here, not at the top: the scene core (a fifth of a second) is work a command may not need
        # before its model starts loading; a SceneError (a ValueError) lists its problems with field paths
        from ..scene_dsl.errors import SceneError
        print(f"worldsmith: error: {exc.describe() if isinstance(exc, SceneError) else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("worldsmith: interrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv))
