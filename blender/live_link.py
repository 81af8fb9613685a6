"""The live link's socket side: an agent (through ``worldsmith mcp --live PORT``) builds into the
user's open Blender. The operators (``operators/live.py``) start and stop it and serve it.

Off by default; switched on in the preferences (or with ``worldsmith.live_start``). It
listens on 127.0.0.1 only, with a token made fresh for each start and shown in the
sidebar; a connection from another address, or with a wrong token, is refused before
anything is read into Blender. The listener thread only reads and checks requests; every
change to Blender's data happens on the main thread (a timer drains the queue; in
background mode, where timers never run, ``serve`` drains it in a loop). Requests are
JSON data with one of four ops, ``ping``, ``get_scene``, ``build`` (a DSL document, parsed
and validated here again) and ``render``: nothing is ever evaluated. A build goes through
the operators' own ``build`` (only the ``Worldsmith`` collection is replaced; the user's
objects are untouched) and is one undo step.

Only one link exists in a Blender session (``current()``); the sidebar shows its port and token.
"""
from __future__ import annotations

import base64
import hmac
import json
import queue
import secrets
import socket
import threading

import bpy

MAX_REQUEST = 4 << 20           # bytes of one request line
READ_TIMEOUT = 10.0             # seconds a client may take to send its request
REPLY_TIMEOUT = 600.0           # seconds a request may wait for the main thread
MAX_CONNECTIONS = 8             # open at once; more are closed at once
MAX_SIDE, MAX_SAMPLES = 1024, 64
ENGINES = ("workbench", "eevee", "cycles")


class _Pending:
    def __init__(self, request: dict):
        self.request = request
        self.reply: dict | None = None
        self.done = threading.Event()


class LiveLink:
    """A listening socket on 127.0.0.1, its token, and the queue of checked requests."""

    def __init__(self, port: int = 0):
        self.token = secrets.token_urlsafe(24)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.queue: queue.Queue[_Pending] = queue.Queue()
        self.refused = 0
        self.served = 0
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._thread = threading.Thread(target=self._accept_loop, name="worldsmith-live", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        while not self.queue.empty():      # nobody will run them now
            p = self.queue.get_nowait()
            p.reply = {"ok": False, "error": "the live link was switched off"}
            p.done.set()
        self._thread.join(timeout=2.0)

    # ---- listener thread: read and check, never touch bpy ---------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                self.refused += 1
                conn.close()
                continue
            threading.Thread(target=self._serve_conn, args=(conn, addr), daemon=True).start()

    def _serve_conn(self, conn: socket.socket, addr) -> None:
        try:
            self._serve_one(conn, addr)
        finally:
            self._slots.release()

    def _serve_one(self, conn: socket.socket, addr) -> None:
        with conn:
            if addr[0] != "127.0.0.1":
                self.refused += 1
                return
            conn.settimeout(READ_TIMEOUT)
            reply = self._checked(conn)
            if reply is None:
                return
            try:
                conn.sendall(json.dumps(reply, separators=(",", ":")).encode("utf-8") + b"\n")
            except OSError:
                pass

    def _checked(self, conn) -> dict | None:
        buf = b""
        try:
            while b"\n" not in buf:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > MAX_REQUEST:
                    self.refused += 1
                    return {"ok": False, "error": f"request longer than {MAX_REQUEST >> 20} MiB"}
        except OSError:
            return None
        try:
            request = json.loads(buf.split(b"\n", 1)[0].decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.refused += 1
            return {"ok": False, "error": "a request is one line of JSON"}
        token = request.get("token") if isinstance(request, dict) else None
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), self.token.encode()):
            self.refused += 1
            return {"ok": False, "error": "wrong token: copy it from the Worldsmith panel"}
        pending = _Pending(request)
        self.queue.put(pending)
        if not pending.done.wait(REPLY_TIMEOUT):
            return {"ok": False, "error": "Blender did not answer in time"}
        return pending.reply

    # ---- main thread ------------------------------------------------------------------------
    def drain(self, build, context=None) -> int:
        """Run the queued requests (main thread only) with the operators' ``build``; returns how many ran."""
        n = 0
        while True:
            try:
                pending = self.queue.get_nowait()
            except queue.Empty:
                return n
            try:
                pending.reply = handle(pending.request, context or bpy.context, build)
            except Exception as exc:  # noqa: BLE001 - the agent gets a message, Blender keeps running
                pending.reply = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
            self.served += 1
            pending.done.set()
            n += 1


def _fail(message: str, issues: list | None = None) -> dict:
    return {"ok": False, "error": message, "issues": issues or []}


def handle(request: dict, context, build) -> dict:
    """One checked request, on the main thread; ``build(context, scene, warnings)`` is the operators' build."""
    from . import agent_view, builder
    op = request.get("op")
    scene = context.scene
    if op == "ping":
        return {"ok": True, "data": {"blender": bpy.app.version_string, "scene": scene.name}}
    if op == "get_scene":
        return {"ok": True, "data": {"dsl": builder.read_dsl(scene),
                                     "warnings": [str(w) for w in scene.get("worldsmith_warnings", [])]}}
    if op == "build":
        return _build(request, context, build)
    if op == "render":
        from .render import RenderSettings
        engine, res, samples = request.get("engine"), request.get("resolution"), request.get("samples")
        if engine not in ENGINES or not (isinstance(res, list) and len(res) == 2 and
                                          all(isinstance(v, int) and 16 <= v <= MAX_SIDE for v in res)) \
                or not (isinstance(samples, int) and 1 <= samples <= MAX_SAMPLES):
            return _fail("render: engine, resolution [w, h] (16..1024) and samples (1..64)")
        if scene.camera is None:
            return _fail("the scene has no camera")
        png = agent_view.render_png(scene, RenderSettings(engine, "cpu", samples, tuple(res)))
        return {"ok": True, "data": {}, "png": base64.b64encode(png).decode("ascii")}
    return _fail(f"unknown op {str(op)[:40]!r}")


def _build(request: dict, context, build) -> dict:
    from . import agent_view
    from ..scene_dsl.agent import issue_dicts, read_dsl
    from ..scene_dsl.errors import SceneError
    warnings = request.get("warnings") or []
    if not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
        return _fail("warnings: a list of text")
    try:
        scene_dsl = read_dsl(request.get("dsl"))
        result = build(context, scene_dsl, [w[:500] for w in warnings[:50]])
    except SceneError as exc:
        return _fail(exc.describe(), issue_dicts(exc))
    except ValueError as exc:
        return _fail(str(exc))
    data = {**agent_view.describe(context.scene), "warnings": [str(w) for w in context.scene["worldsmith_warnings"]]}
    png = agent_view.thumbnail(context.scene) if request.get("thumbnail", True) is True else None
    return {"ok": True, "data": data, "png": base64.b64encode(png).decode("ascii") if png else None}


_LINK: LiveLink | None = None


def current() -> LiveLink | None:
    return _LINK


def replace(link: LiveLink | None) -> None:
    """Make ``link`` the session's link, closing the one before."""
    global _LINK
    if _LINK is not None and _LINK is not link:
        _LINK.close()
    _LINK = link
