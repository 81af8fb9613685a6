"""The live host: the scene is the user's open Blender, reached through the extension's live link
(``blender/live_link.py``) on 127.0.0.1 with the token shown in its panel.

One request per connection, one line of JSON each way. Only data crosses: a DSL document
(validated here and again in Blender), render settings, and the answers. The model (for
generate_scene and refine_scene) runs in this process; Blender only builds.
"""
from __future__ import annotations

import base64
import json
import socket

from ..scene_dsl.models import Scene
from .tools import ToolFailure

MAX_REPLY = 64 << 20
TIMEOUT = 600.0


class LiveHost:
    def __init__(self, port: int, token: str, host: str = "127.0.0.1"):
        if not 0 < port < 65536:
            raise ValueError(f"--live: {port} is not a port number")
        self.address = (host, port)
        self.token = token

    def _ask(self, op: str, **fields) -> dict:
        line = json.dumps({"token": self.token, "op": op, **fields}, separators=(",", ":")).encode("utf-8")
        try:
            with socket.create_connection(self.address, timeout=TIMEOUT) as conn:
                conn.sendall(line + b"\n")
                buf = b""
                while b"\n" not in buf:
                    chunk = conn.recv(1 << 16)
                    if not chunk:
                        break
                    buf += chunk
                    if len(buf) > MAX_REPLY:
                        raise ToolFailure("Blender's answer was too long")
        except ConnectionRefusedError:
            raise ToolFailure(f"nothing listens on 127.0.0.1:{self.address[1]}: switch the live link on in "
                              "Blender's Worldsmith panel (or its preferences)") from None
        except OSError as exc:
            raise ToolFailure(f"the live link failed: {exc.strerror or exc}") from None
        try:
            reply = json.loads(buf.split(b"\n", 1)[0].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ToolFailure("Blender's live link sent something that is not JSON") from None
        if not isinstance(reply, dict):
            raise ToolFailure("Blender's live link sent something that is not a JSON object")
        if not reply.get("ok"):
            raise ToolFailure(str(reply.get("error", "the live link refused the request"))[:2000],
                              reply.get("issues") if isinstance(reply.get("issues"), list) else None)
        return reply

    @staticmethod
    def _png(reply: dict) -> bytes | None:
        b64 = reply.get("png")
        return base64.b64decode(b64) if isinstance(b64, str) else None

    def build(self, scene: Scene, warnings: list[str], thumbnail: bool) -> tuple[dict, bytes | None]:
        reply = self._ask("build", dsl=scene.to_json(), warnings=list(warnings), thumbnail=thumbnail)
        return dict(reply.get("data") or {}), self._png(reply)

    def current(self) -> tuple[str | None, list[str]]:
        data = self._ask("get_scene").get("data") or {}
        return data.get("dsl"), [str(w) for w in data.get("warnings") or []]

    def render(self, engine: str, resolution: tuple[int, int], samples: int) -> bytes:
        png = self._png(self._ask("render", engine=engine, resolution=list(resolution), samples=samples))
        if png is None:
            raise ToolFailure("Blender rendered no image")
        return png

    def save(self, name) -> dict:
        raise ToolFailure("in live mode the scene is the user's open Blender file: they save it there "
                          "(nothing is written by the agent)")
