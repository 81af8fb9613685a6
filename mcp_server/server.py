"""The MCP server: the official SDK's low-level ``Server`` over a bounded stdio transport.

Tools run one at a time on the main thread (Blender's data may only change there): a
handler does its bpy work without awaiting, so requests never interleave. Every failure
is a tool error (``isError``) with a message and, where it applies, the field paths;
nothing reaches the client as a traceback. A request line longer than ``MAX_REQUEST``
bytes is never held in memory: it is skipped and answered with a JSON-RPC error.
"""
from __future__ import annotations

import base64
import json
import re
import sys
from contextlib import asynccontextmanager

import anyio
import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.shared.message import SessionMessage

from ..scene_dsl import agent
from ..scene_dsl.schema import document_schema
from .catalog import RESOURCES, TOOLS
from .tools import Reply, ToolFailure, Tools, call

MAX_REQUEST = 4 << 20          # bytes of one JSON-RPC message from the client
_ID_HEAD = re.compile(rb'^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d{1,18}|"[^"\\]{0,64}")')
_ID_TAIL = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"[^"\\]{0,64}")\s*\}\s*$')


def log(msg: str) -> None:
    print(f"worldsmith mcp: {msg}", file=sys.stderr, flush=True)


def _result(reply: Reply) -> types.CallToolResult:
    content: list = [types.TextContent(type="text", text=json.dumps(reply.data, separators=(",", ":")))]
    if reply.png:
        content.append(types.ImageContent(type="image", data=base64.b64encode(reply.png).decode("ascii"),
                                          mimeType="image/png"))
    return types.CallToolResult(content=content, structuredContent=reply.data, isError=False)


def _error(message: str, issues: list[dict] | None = None) -> types.CallToolResult:
    data = {"error": message, "issues": issues or []}
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)],
                                structuredContent=data, isError=True)


def make_server(tools: Tools) -> Server:
    server = Server("worldsmith", instructions=(
        "Worldsmith builds Blender scenes from a small JSON scene language (the DSL), never from code. "
        "Read get_dsl_schema and list_kinds, write a DSL document, check it with validate_scene, build it "
        "with build_scene (you get the placed objects and a picture back), change it with refine_scene, "
        "save it with save_blend. Relations (left_of, behind, on, ...) place things; positions are optional."))
    tool_list = [types.Tool(**t) for t in TOOLS]

    @server.list_tools()
    async def _list_tools() -> list[types.Tool]:
        return tool_list

    @server.call_tool(validate_input=False)     # our own checks name the field; jsonschema's do not
    async def _call_tool(name: str, arguments: dict) -> types.CallToolResult:
        try:
            return _result(call(tools, name, arguments))
        except ToolFailure as exc:
            return _error(str(exc), exc.issues)
        except Exception as exc:   # noqa: BLE001 - an engine bug must not end the session or show a traceback
            log(f"internal error in {name}: {type(exc).__name__}: {exc}")
            return _error(f"internal error in {name}: {type(exc).__name__}: {str(exc)[:300]}")

    @server.list_resources()
    async def _list_resources() -> list[types.Resource]:
        return [types.Resource(**r) for r in RESOURCES]

    @server.read_resource()
    async def _read_resource(uri) -> list[ReadResourceContents]:
        key = str(uri)
        if key == "worldsmith://dsl/schema":
            text = json.dumps(document_schema(), indent=1)
        elif key == "worldsmith://kinds":
            text = json.dumps(agent.kinds_table(), indent=1)
        elif key == "worldsmith://scene/current":
            text = tools.host.current()[0] or "null"
        else:
            raise ValueError(f"unknown resource {key[:80]!r}")
        return [ReadResourceContents(content=text, mime_type="application/json")]

    return server


async def _send_too_large(write_stream, head: bytes, tail: bytes, size: int) -> None:
    m = _ID_HEAD.search(head) or _ID_TAIL.search(tail)
    msg = f"request too large: more than {MAX_REQUEST // (1 << 20)} MiB (got at least {size} bytes)"
    log(msg)
    if m is None:
        return
    rid = json.loads(m.group(1))
    err = types.JSONRPCError(jsonrpc="2.0", id=rid, error=types.ErrorData(code=types.INVALID_REQUEST, message=msg))
    await write_stream.send(SessionMessage(types.JSONRPCMessage(err)))


@asynccontextmanager
async def bounded_stdio(stdin=None, stdout=None):
    """The SDK's stdio transport with a cap on the length of a message (the SDK has none)."""
    stdin = stdin or sys.stdin.buffer          # binary files; reads happen on a worker thread
    stdout = stdout or sys.stdout.buffer

    async def readline(limit: int) -> bytes:
        return await anyio.to_thread.run_sync(stdin.readline, limit, abandon_on_cancel=True)
    read_writer, read_stream = anyio.create_memory_object_stream(0)
    write_stream, write_reader = anyio.create_memory_object_stream(0)

    async def reader():
        async with read_writer:
            while True:
                line = await readline(MAX_REQUEST + 1)
                if not line:
                    return
                if len(line) > MAX_REQUEST and not line.endswith(b"\n"):
                    head, size, tail = line[:4096], len(line), line[-4096:]
                    while True:    # skip the rest of the line, a piece at a time
                        more = await readline(1 << 16)
                        size += len(more)
                        tail = (tail + more)[-4096:]
                        if not more or more.endswith(b"\n"):
                            break
                    await _send_too_large(write_stream, head, tail.rstrip(b"\r\n"), size)
                    continue
                if not line.strip():
                    continue
                try:
                    message = types.JSONRPCMessage.model_validate_json(line)
                except Exception as exc:  # noqa: BLE001 - the session reports it; the server goes on
                    await read_writer.send(exc)
                    continue
                await read_writer.send(SessionMessage(message))

    async def writer():
        async with write_reader:
            async for sm in write_reader:
                data = sm.message.model_dump_json(by_alias=True, exclude_none=True)
                stdout.write(data.encode("utf-8") + b"\n")
                stdout.flush()

    async with anyio.create_task_group() as tg:
        tg.start_soon(reader)
        tg.start_soon(writer)
        yield read_stream, write_stream
        tg.cancel_scope.cancel()


async def serve_stdio(tools: Tools) -> None:
    server = make_server(tools)
    async with bounded_stdio() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
