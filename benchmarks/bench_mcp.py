"""``worldsmith bench mcp``: what an agent pays through ``worldsmith mcp``.

* ``round_trip``: wall time of ``build_scene`` as an MCP client sees it (request, layout,
  build, entity list, Workbench thumbnail, reply), for scenes of 10 and 500 entities,
  against a real ``worldsmith mcp`` subprocess over stdio (the SDK's own client).
* ``agent_tokens``: tokens an agent spends on the scenes of the compactness benchmark
  through these tools (the ``build_scene`` call it writes, the reply it reads, and once
  per session the tool list and the DSL schema) against writing the equivalent bpy script
  for an exec-based bridge (the script of ``perf.bpy_script``, a lower bound). Counted
  with the embedded model's tokenizer, as ``perf``'s compactness is.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from . import perf

KINDS = ("cube", "tree", "rock", "bush", "crate", "barrel", "lamp", "chair", "bench", "flower")


def scene_of(n: int) -> dict:
    return {"version": 1, "time_of_day": "afternoon",
            "entities": [{"id": f"e{i}", "kind": KINDS[i % len(KINDS)]} for i in range(n)]}


async def _session(body, workspace: str):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    params = StdioServerParameters(command=sys.executable, args=["-m", "worldsmith", "mcp", "--workspace", workspace],
                                   env=dict(os.environ), cwd=workspace)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=900)) as s:
            await s.initialize()
            return await body(s)


def run(sizes=(10, 500), repeats: int = 3, tokenize=None, log=print) -> dict:
    import anyio

    async def body(s):
        out: dict = {"round_trip": [], "replies": {}}
        tools = await s.list_tools()
        out["tools_json"] = json.dumps([t.model_dump(exclude_none=True) for t in tools.tools])
        out["schema_json"] = json.dumps((await s.call_tool("get_dsl_schema", {})).structuredContent)
        for n in sizes:
            doc, times, server_s, size = scene_of(n), [], [], 0
            for _ in range(repeats):
                t0 = time.perf_counter()
                r = await s.call_tool("build_scene", {"dsl": doc})
                times.append(time.perf_counter() - t0)
                assert not r.isError, r.content[0].text
                server_s.append(r.structuredContent["seconds"])
                size = sum(len(c.text) if c.type == "text" else len(c.data) for c in r.content)
            row = {"entities": n, "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
                   "server_median_s": round(statistics.median(server_s), 3), "reply_bytes": size,
                   "repeats": repeats}
            log(f"mcp build_scene {n} entities: median {row['median_s']} s round trip "
                f"(server {row['server_median_s']} s), reply {size} bytes")
            out["round_trip"].append(row)
        for name, doc in perf.COMPACT_SCENES.items():
            r = await s.call_tool("build_scene", {"dsl": doc})
            out["replies"][name] = [c.text for c in r.content if c.type == "text"][0]
        return out
    with tempfile.TemporaryDirectory(prefix="worldsmith-bench-mcp-") as ws:
        got = anyio.run(_session, body, ws)
    result = {"round_trip": got["round_trip"]}
    if tokenize is not None:
        result["agent_tokens"] = agent_tokens(tokenize, got, log)
    return result


def agent_tokens(tokenize, got: dict, log=print) -> dict:
    from worldsmith.scene_dsl import layout as layout_mod
    from worldsmith.scene_dsl.models import parse_scene
    rows = []
    for name, doc in perf.COMPACT_SCENES.items():
        scene = parse_scene(doc)
        call = json.dumps({"name": "build_scene", "arguments": {"dsl": json.loads(scene.to_json())}},
                          separators=(",", ":"))   # compact, as perf counts the DSL
        script = perf.bpy_script(scene, layout_mod.solve(scene))
        rows.append({"scene": name, "entities": scene.total_count(), "mcp_call_tokens": len(tokenize(call)),
                     "mcp_reply_tokens": len(tokenize(got["replies"][name])),
                     "bpy_script_tokens": len(tokenize(script))})
    once = {"tool_list": len(tokenize(got["tools_json"])), "dsl_schema": len(tokenize(got["schema_json"]))}
    written_mcp = sum(r["mcp_call_tokens"] for r in rows)
    written_bpy = sum(r["bpy_script_tokens"] for r in rows)
    read_mcp = sum(r["mcp_reply_tokens"] for r in rows)
    log(f"agent tokens over {len(rows)} scenes: writes {written_mcp} (MCP build_scene calls) vs {written_bpy} "
        f"(bpy scripts); reads {read_mcp} in replies; once per session: tools {once['tool_list']}, "
        f"schema {once['dsl_schema']}")
    return {"scenes": rows, "written_mcp": written_mcp, "written_bpy": written_bpy,
            "ratio_written": round(written_bpy / max(written_mcp, 1), 2), "read_mcp_replies": read_mcp,
            "once_per_session": once, "tokenizer": "the embedded model's",
            "note": "the replies list every placed object with its position (an image comes on top, "
                    "counted by clients in their own way); the bpy script is a lower bound (one primitive per asset)"}
