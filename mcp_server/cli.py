"""``worldsmith mcp``: the MCP server on stdio (a plugin of the command line, like ``bench``:
the engine never imports this package, and the extension zip leaves it out).

stdout is the protocol channel, so before anything else the process's file descriptor 1
is pointed at stderr (Blender prints render progress and file messages to stdout) and
the protocol writes to a private copy of the original stdout.
"""
from __future__ import annotations

import os
import sys


def register(sub) -> dict:
    from ..cli.options import add_model_options
    p = sub.add_parser("mcp", help="a Model Context Protocol server on stdio: agents build scenes from the DSL")
    p.add_argument("--workspace", default=None, metavar="DIR",
                   help="the only folder the server writes to (save_blend); created if missing")
    p.add_argument("--live", type=int, default=None, metavar="PORT",
                   help="forward to the Worldsmith extension's live link on 127.0.0.1:PORT (the user's "
                        "open Blender) instead of a headless scene of this process")
    p.add_argument("--token-env", default="WORLDSMITH_LIVE_TOKEN", metavar="VAR",
                   help="live: the environment variable holding the token shown in Blender's panel")
    add_model_options(p)
    return {"mcp": cmd_mcp}


def _protocol_stdout():
    """A binary file on the original stdout; fd 1 itself now goes to stderr."""
    sys.stdout.flush()
    proto = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    return proto


def cmd_mcp(args) -> int:
    import anyio

    from ..cli.options import EXIT_BAD_INPUT, EXIT_OK, CliError, open_backend, pipeline_options
    from .server import bounded_stdio, log, make_server
    from .tools import ToolFailure, Tools
    from .workspace import Workspace, WorkspaceError

    if args.live is None and not args.workspace:
        raise CliError("give --workspace DIR (where save_blend may write) or --live PORT", EXIT_BAD_INPUT)
    proto = _protocol_stdout()
    if args.live is not None:
        from .live_client import LiveHost
        token = os.environ.get(args.token_env, "")
        if not token:
            raise CliError(f"--live needs the token from Blender's Worldsmith panel in ${args.token_env}",
                           EXIT_BAD_INPUT)
        host = LiveHost(args.live, token)
    else:
        from .headless import HeadlessHost
        try:
            host = HeadlessHost(Workspace(args.workspace))
        except (OSError, WorkspaceError) as exc:
            raise CliError(f"--workspace: {exc}", EXIT_BAD_INPUT) from None

    def backend():
        try:
            return open_backend(args)
        except CliError as exc:
            raise ToolFailure(f"the model could not be loaded: {exc}") from None

    tools = Tools(host, backend, lambda: pipeline_options(args))
    log(f"serving on stdio ({'live, 127.0.0.1:%d' % args.live if args.live is not None else 'headless'})")

    async def main():
        server = make_server(tools)
        async with bounded_stdio(stdout=proto) as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    try:
        anyio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        tools.close()
    return EXIT_OK
