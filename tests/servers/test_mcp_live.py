"""Live mode: Blender (the real bpy module, background mode) with the extension enabled and its live
link switched on in the preferences serves the socket; ``worldsmith mcp --live`` (driven by the SDK's
client) builds into it. The user's own object is untouched, other tokens and garbage are refused."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import anyio
import pytest

pytest.importorskip("mcp")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

from .test_mcp import GOOD, INJECTION, data_of, png_of  # noqa: E402

BLENDER_SIDE = textwrap.dedent("""
    import json, os, sys, time
    import bpy
    import addon_utils
    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable("worldsmith", default_set=True, handle_error=None)
    from worldsmith.blender import live_link
    from worldsmith.operators import live
    user = bpy.data.objects.new("MyThing", bpy.data.meshes.new("MyThing"))
    bpy.context.scene.collection.objects.link(user)
    user.location = (7.0, 8.0, 0.5)
    engine = bpy.context.scene.render.engine
    prefs = bpy.context.preferences.addons["worldsmith"].preferences
    assert live_link.current() is None          # off by default
    prefs.live_port = int(sys.argv[1])
    prefs.live_enabled = True                   # the preference starts it
    link = live_link.current()
    print(json.dumps({"port": link.port, "token": link.token}), flush=True)
    stop = sys.argv[2]
    while not os.path.exists(stop):
        live.serve(0.2)
    ws = bpy.data.collections.get("Worldsmith")
    print(json.dumps({"user": [list(user.location), user.name, [c.name for c in user.users_collection]],
                      "ours": sorted(o.get("worldsmith_id", "") for o in ws.objects if "worldsmith_id" in o),
                      "engine_kept": bpy.context.scene.render.engine == engine, "served": link.served, "refused": link.refused}), flush=True)
    prefs.live_enabled = False
    assert live_link.current() is None
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw(port: int, payload: bytes) -> dict:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
        c.sendall(payload)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = c.recv(65536)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)


@pytest.fixture
def blender(tmp_path):
    script = tmp_path / "blender_side.py"
    script.write_text(BLENDER_SIDE)
    stop = tmp_path / "stop"
    proc = subprocess.Popen([sys.executable, str(script), str(_free_port()), str(stop)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
    try:
        line = ""
        while not line.startswith("{"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
        info = json.loads(line)
        yield info, proc, stop
    finally:
        stop.touch()
        try:
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_an_agent_builds_into_the_open_blender(tmp_path, blender):
    info, proc, stop = blender
    port, token = info["port"], info["token"]
    # the socket refuses a wrong token, garbage and oversize requests before anything reaches Blender
    assert "wrong token" in _raw(port, json.dumps({"token": "x" * 32, "op": "ping"}).encode() + b"\n")["error"]
    assert "wrong token" in _raw(port, json.dumps({"op": "build", "dsl": GOOD}).encode() + b"\n")["error"]
    assert "one line of JSON" in _raw(port, b"__import__('os').system('x')\n")["error"]
    assert "longer" in _raw(port, b"{" * ((4 << 20) + 1))["error"]
    # Blender validates again: an injection string in a colour is data, refused with its field path
    evil = json.loads(json.dumps(GOOD))
    evil["entities"][1]["color"] = INJECTION
    r = _raw(port, json.dumps({"token": token, "op": "build", "dsl": evil}).encode() + b"\n")
    assert r["ok"] is False and r["issues"][0]["path"] == "entities[1].color"
    assert _raw(port, json.dumps({"token": token, "op": "exec", "code": "print(1)"}).encode() + b"\n")["ok"] is False
    # only the loopback address listens
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(("10.255.255.255", 1))
        lan = probe.getsockname()[0]
        probe.close()
    except OSError:
        lan = "127.0.0.1"
    if not lan.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((lan, port), timeout=5).close()

    env = dict(os.environ, WORLDSMITH_LIVE_TOKEN=token)
    server = StdioServerParameters(command=sys.executable, args=["-m", "worldsmith", "mcp", "--live", str(port)],
                                   env=env, cwd=str(tmp_path))

    async def main():
        async with stdio_client(server) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=300)) as s:
                await s.initialize()
                assert data_of(await s.call_tool("get_scene", {}))["dsl"] is None
                evil = json.loads(json.dumps(GOOD))
                evil["entities"][0]["color"] = INJECTION
                bad = await s.call_tool("build_scene", {"dsl": evil})
                assert bad.isError and "entities[0].color" in bad.content[0].text
                built = await s.call_tool("build_scene", {"dsl": GOOD})
                assert not built.isError, built.content[0].text
                d = data_of(built)
                assert d["objects"] == 4 and {o["id"] for o in d["listed"]} == {"house", "car", "trees"}
                (tmp_path / "live_thumb.png").write_bytes(png_of(built))
                cur = data_of(await s.call_tool("get_scene", {}))
                assert cur["dsl"]["entities"][0]["id"] == "house"
                patched = data_of(await s.call_tool("refine_scene", {"dsl_patch": {"entities": {"trees": None}}}))
                assert patched["objects"] == 2
                r = await s.call_tool("render", {"engine": "workbench", "resolution": [64, 48], "samples": 1})
                png_of(r)
                saved = await s.call_tool("save_blend", {"name": "x"})
                assert saved.isError and "live mode" in saved.content[0].text
    anyio.run(main)

    # a server with the wrong token gets a tool error, not a crash
    async def wrong():
        bad_env = dict(env, WORLDSMITH_LIVE_TOKEN="not-the-token")
        params = StdioServerParameters(command=sys.executable, args=["-m", "worldsmith", "mcp", "--live", str(port)],
                                       env=bad_env, cwd=str(tmp_path))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=120)) as s:
                await s.initialize()
                r = await s.call_tool("build_scene", {"dsl": GOOD})
                assert r.isError and "wrong token" in r.content[0].text
    anyio.run(wrong)

    stop.touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    final = json.loads(out.strip().splitlines()[-1])
    assert final["user"] == [[7.0, 8.0, 0.5], "MyThing", ["Scene Collection"]]
    assert final["ours"] == ["car", "house"]
    assert final["engine_kept"]         # the agent's renders leave the user's render settings as they were
    assert final["refused"] >= 5 and final["served"] >= 6


def test_live_needs_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "WORLDSMITH_LIVE_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "worldsmith", "mcp", "--live", "47999"], env=env, cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "token" in r.stderr
    r = subprocess.run([sys.executable, "-m", "worldsmith", "mcp"], env=env, cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--workspace" in r.stderr
