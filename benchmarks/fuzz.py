"""``make fuzz``: hostile input, hostile servers and concurrent runs, for a bounded time.

    python -m worldsmith.benchmarks.fuzz [--seconds 300] [--seed 0] [--json FILE]

Three suites, each reporting tried / clean / crashed / hung and the memory peak:

* ``dsl``: documents drawn from the published JSON Schema (``schema_strategy``) and
  hostile mutations of them (type confusion, deep nesting, huge strings and numbers,
  huge counts and scales). Clean: validated and laid out, or refused with a ``SceneError``.
  Every 25th valid document is also built in Blender.
* ``servers``: a scripted OpenAI-compatible server on 127.0.0.1 that misbehaves in a
  random way per request (status codes, garbage, trickles, huge lines, gzip bombs, broken
  streams, escape codes). Clean: a reply or a ``ModelError``, within the deadline.
* ``concurrency``: processes writing the same output folder at once, and first runs
  assembling the embedded model into the same folder at once. Clean: every folder whole,
  every model file verified, every refusal a clear ``FolderBusy``.

Crashed = any other exception; hung = over the time budget of one case. Not part of
``make test`` (it explores); a failure it finds becomes a test.
"""
from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

CASE_BUDGET_S = 20.0


class Hung(Exception):
    pass


class Tally:
    def __init__(self, name: str):
        self.name, self.tried, self.clean, self.crashed, self.hung = name, 0, 0, 0, 0
        self.examples: list[str] = []

    def record(self, outcome: str, detail: str = "") -> None:
        self.tried += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != "clean" and len(self.examples) < 10:
            self.examples.append(detail[:2000])

    def as_dict(self) -> dict:
        return {"tried": self.tried, "clean": self.clean, "crashed": self.crashed, "hung": self.hung,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "examples": self.examples}


def _budget(seconds: float):
    def alarm(*_):
        raise Hung(f"over {seconds:g} s")
    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _clear_budget():
    signal.setitimer(signal.ITIMER_REAL, 0)


# --------------------------------------------------------------------------- dsl

def _mutate(doc: dict, rng: random.Random):
    """A hostile variant of a (schema-shaped) document."""
    hostile = [True, False, None, "3", " 2 ", -1, 0, 2 ** 63, 1e308, -1e308, [], {}, [1, 2, 3], {"a": 1},
               "x" * rng.choice((1, 1000, 1_000_000)), "\x1b[2J", "é" * 50]
    doc = json.loads(json.dumps(doc))
    kind = rng.randrange(6)
    ents = doc.get("entities") if isinstance(doc.get("entities"), list) else []
    if kind == 0 and ents:                                     # type confusion in one field
        e = rng.choice(ents)
        if isinstance(e, dict):
            e[rng.choice(["id", "kind", "count", "color", "scale", "rotation", "position", "relations",
                          "size", "arrangement"])] = rng.choice(hostile)
    elif kind == 1:                                            # deep nesting somewhere
        depth = rng.choice((40, 1000, 100_000))
        doc["entities"] = json.loads("[" * depth + "]" * depth) if depth < 5000 else "[" * depth
    elif kind == 2 and ents:                                   # huge groups and scales
        for e in ents:
            if isinstance(e, dict):
                e["count"] = rng.choice((1, 64, 500, 2000))
                e["scale"] = rng.choice((0.02, 1, 50, 100))
    elif kind == 3 and ents:                                   # relation targets of any shape
        e = rng.choice(ents)
        if isinstance(e, dict):
            e["relations"] = [{"type": rng.choice(["near", "on", "between", "around"]),
                               "target": rng.choice(hostile + ["a", "b"])} for _ in range(rng.randrange(1, 4))]
    elif kind == 4:                                            # the top level itself
        doc = rng.choice([[doc], "scene", 7, None, {"version": 1}, {"entities": []}, doc | {"extra": 1}])
    else:                                                      # many entries
        doc["entities"] = (ents or [{"id": "a", "kind": "cube"}]) * rng.choice((10, 100, 600))
    return doc


def schema_strategy(schema: dict, root: dict | None = None, depth: int = 0):
    """A hypothesis strategy for the JSON Schema subset the DSL's schema uses (objects, arrays with
    items or prefixItems, anyOf, enum, const, $ref, numbers with bounds, strings with a pattern)."""
    from hypothesis import strategies as st
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return schema_strategy(root["$defs"][name], root, depth)
    if "anyOf" in schema:
        return st.one_of([schema_strategy(s, root, depth) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    typ = schema.get("type")
    if typ == "null":
        return st.none()
    if typ == "boolean":
        return st.booleans()
    if typ == "integer":
        return st.integers(schema.get("minimum", -2 ** 31), schema.get("maximum", 2 ** 31))
    if typ == "number":
        lo = schema.get("minimum", schema.get("exclusiveMinimum", -1e6))
        return st.floats(lo, schema.get("maximum", 1e6), allow_nan=False, allow_infinity=False,
                         exclude_min="exclusiveMinimum" in schema)
    if typ == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.one_of(st.sampled_from(["red", "navy", "#a0b0c0", "forestgreen"]), st.text(max_size=20))
    if typ == "array":
        if "prefixItems" in schema:
            return st.tuples(*[schema_strategy(s, root, depth + 1) for s in schema["prefixItems"]]).map(list)
        hi = min(schema.get("maxItems", 8), 8 if depth < 2 else 3)
        return st.lists(schema_strategy(schema.get("items", {}), root, depth + 1),
                        min_size=min(schema.get("minItems", 0), hi), max_size=hi)
    if typ == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries({k: schema_strategy(v, root, depth + 1) for k, v in props.items()
                                      if k in required},
                                     optional={k: schema_strategy(v, root, depth + 1) for k, v in props.items()
                                               if k not in required})
    return st.none()


def fuzz_dsl(seconds: float, seed: int, log) -> Tally:
    from hypothesis import HealthCheck, given, settings

    from worldsmith.scene_dsl.errors import SceneError
    from worldsmith.scene_dsl.layout import solve
    from worldsmith.scene_dsl.models import parse_scene
    from worldsmith.scene_dsl.schema import document_schema
    tally = Tally("dsl")
    rng = random.Random(seed)
    end = time.monotonic() + seconds
    built = [0]

    def one(doc) -> None:
        text = doc if isinstance(doc, str) else None
        try:
            _budget(CASE_BUDGET_S)
            try:
                if text is None:
                    text = json.dumps(doc)
                scene = parse_scene(text)
                solve(scene)
                built[0] += 1
                if built[0] % 25 == 0:
                    from worldsmith.blender import scene_io
                    scene_io.build_fresh(scene, (64, 36))
            finally:
                _clear_budget()
        except SceneError:
            tally.record("clean")
        except Hung as exc:
            tally.record("hung", f"{exc}: {str(text)[:300]}")
        except (RecursionError, ValueError) as exc:
            if text is None and isinstance(exc, RecursionError):   # json.dumps of our own mutation
                tally.record("clean")
            else:
                tally.record("crashed", f"{type(exc).__name__}: {exc}: {str(text)[:300]}")
        except Exception:  # noqa: BLE001 - that is what we count
            tally.record("crashed", f"{traceback.format_exc()[-1500:]}\n{str(text)[:300]}")
        else:
            tally.record("clean")

    @settings(max_examples=10 ** 7, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(schema_strategy(document_schema()))
    def explore(doc):
        if time.monotonic() > end and tally.tried >= 20:
            raise StopIteration
        one(doc)
        one(_mutate(doc, rng))
    try:
        explore()
    except StopIteration:
        pass
    log(f"fuzz dsl: {tally.as_dict()}")
    return tally


# --------------------------------------------------------------------------- servers

BEHAVIOURS = ["ok", "status", "garbage", "html", "empty", "trickle", "huge_line", "gzip_bomb", "cut",
              "number_content", "nested", "escapes", "never_ends", "bad_usage", "slow_headers"]


def _server(rng: random.Random, chosen: list):
    valid = json.dumps({"version": 1, "entities": [{"id": "car", "kind": "car"}]})

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *a):
            pass

        def _send(self, status, body: bytes, ctype="application/json", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._send(200, json.dumps({"data": [{"id": "m\x1b[31m"}]}).encode())

        def do_POST(self):  # noqa: C901 - one branch per behaviour
            try:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                b = chosen[-1]
                ev = lambda d: f"data: {json.dumps(d)}\n\n".encode()  # noqa: E731
                if b == "ok":
                    self._send(200, json.dumps({"choices": [{"message": {"content": valid},
                                                             "finish_reason": "stop"}]}).encode())
                elif b == "status":
                    self._send(rng.choice([400, 401, 404, 413, 422, 429, 500, 503]), b'{"error": "no"}')
                elif b == "garbage":
                    self._send(200, os.urandom(rng.randrange(1, 5000)))
                elif b == "html":
                    self._send(200, b"<html><title>\x1b[2Jproxy</title></html>", "text/html")
                elif b == "empty":
                    self._send(200, b"")
                elif b == "trickle":
                    self._send(200, b"", "text/event-stream")
                    for _ in range(200):
                        self.wfile.write(b": ping\n\n")
                        self.wfile.flush()
                        time.sleep(0.05)
                elif b == "huge_line":
                    self._send(200, b"data: " + b"x" * (3 << 20) + b"\n\n", "text/event-stream")
                elif b == "gzip_bomb":
                    self._send(200, gzip.compress(b" " * (64 << 20), 9), headers=[("Content-Encoding", "gzip")])
                elif b == "cut":
                    self._send(200, ev({"choices": [{"delta": {"content": "{"}}]}), "text/event-stream")
                elif b == "number_content":
                    self._send(200, ev({"choices": [{"delta": {"content": 7}, "finish_reason": "stop"}]}),
                               "text/event-stream")
                elif b == "nested":
                    self._send(200, b"data: " + b"[" * 50000 + b"]" * 50000 + b"\n\n", "text/event-stream")
                elif b == "escapes":
                    self._send(500, json.dumps({"error": {"message": "\x1b[31mboom\x07\x00"}}).encode())
                elif b == "never_ends":
                    self._send(200, b'{"choices": [{"message": {"content": "', "application/json")
                    for _ in range(100):
                        self.wfile.write(b"y" * 65536)
                elif b == "bad_usage":
                    self._send(200, json.dumps({"choices": [{"message": {"content": valid}, "finish_reason": "stop"}],
                                                "usage": {"completion_tokens": "lots"}}).encode())
                elif b == "slow_headers":
                    time.sleep(3)
                    self._send(200, b"{}")
            except (BrokenPipeError, ConnectionResetError):
                pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def fuzz_servers(seconds: float, seed: int, log) -> Tally:
    from worldsmith.generation.backends import BackendSettings, ModelError, Request
    from worldsmith.generation.backends.http import HttpBackend
    from worldsmith.scene_dsl import schema as schema_mod
    tally = Tally("servers")
    rng = random.Random(seed)
    chosen: list = []
    httpd = _server(rng, chosen)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    schema = schema_mod.generation_schema(kinds=["car"])
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end or tally.tried < len(BEHAVIOURS):
            # every behaviour once, then at random
            chosen.append(BEHAVIOURS[tally.tried] if tally.tried < len(BEHAVIOURS) else rng.choice(BEHAVIOURS))
            t0 = time.monotonic()
            try:
                b = HttpBackend(BackendSettings(backend="http", endpoint=url, timeout=1.0, total_timeout=3.0),
                                retries=1, backoff=0.01, connect_timeout=1.0)
                b.generate(Request([{"role": "user", "content": "a car"}], schema, max_tokens=64))
                outcome, detail = "clean", ""
            except ModelError as exc:
                outcome, detail = "clean", str(exc)
                if "\x1b" in detail or "\x00" in detail or len(detail) > 2000:
                    outcome, detail = "crashed", f"{chosen[-1]}: unsafe message {detail[:300]!r}"
            except Exception:  # noqa: BLE001
                outcome, detail = "crashed", f"{chosen[-1]}: {traceback.format_exc()[-1500:]}"
            if time.monotonic() - t0 > 3.0 + 1.0 * 2 + 5:
                outcome, detail = "hung", f"{chosen[-1]}: {time.monotonic() - t0:.1f} s"
            tally.record(outcome, detail)
    finally:
        httpd.shutdown()
    log(f"fuzz servers: {tally.as_dict()}")
    return tally


# --------------------------------------------------------------------------- concurrency

_WRITER = r"""
import sys, time
from worldsmith.files.atomic import FolderBusy, staged_dir
out, tag = sys.argv[1], sys.argv[2]
try:
    with staged_dir(out, owned=("a.txt", "b.txt")) as tmp:
        (tmp / "a.txt").write_text(tag)
        time.sleep(0.05)
        (tmp / "b.txt").write_text(tag)
    print("wrote")
except FolderBusy:
    print("busy")
"""

_ASSEMBLER = r"""
import sys
from pathlib import Path
from worldsmith.generation import model_files
p = model_files.embedded_model_path(Path(sys.argv[1]))
print(p.stat().st_size)
"""


def fuzz_concurrency(seconds: float, seed: int, log) -> Tally:
    tally = Tally("concurrency")
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end or rounds == 0:
        rounds += 1
        with tempfile.TemporaryDirectory(prefix="ws-fuzz-") as tmp:
            out = Path(tmp) / "out"
            procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(out), f"w{k}"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for k in range(4)]
            results = [p.communicate(timeout=120) for p in procs]
            said = [r[0].strip() for r in results]
            files = {f.name: f.read_text() for f in out.iterdir()} if out.exists() else {}
            whole = set(files) == {"a.txt", "b.txt"} and files["a.txt"] == files["b.txt"]
            ok = all(s in ("wrote", "busy") for s in said) and "wrote" in said and whole
            tally.record("clean" if ok else "crashed", f"writers said {said}, folder {files}, "
                                                       f"stderr {[r[1][-300:] for r in results]}")
            if rounds % 5 == 1:   # first runs assembling the embedded model at once (~250 MB each)
                procs = [subprocess.Popen([sys.executable, "-c", _ASSEMBLER, str(Path(tmp) / "models")],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                         for _ in range(3)]
                results = [p.communicate(timeout=600) for p in procs]
                ok = all(p.returncode == 0 for p in procs) and len({r[0].strip() for r in results}) == 1
                leftovers = [f.name for f in (Path(tmp) / "models").iterdir() if ".partial" in f.name]
                tally.record("clean" if ok and not leftovers else "crashed",
                             f"assemblers: {[r[1][-300:] for r in results]}, leftovers {leftovers}")
    log(f"fuzz concurrency: {tally.as_dict()}")
    return tally


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=300.0, help="time for the three suites together")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the report here")
    a = p.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))   # a memory blow-up is a crash, not a dead box
    share = a.seconds / 3
    report = {t.name: t.as_dict() for t in (fuzz_dsl(share, a.seed, log), fuzz_servers(share, a.seed, log),
                                             fuzz_concurrency(share, a.seed, log))}
    text = json.dumps(report, indent=2)
    if a.json:
        Path(a.json).write_text(text + "\n", encoding="utf-8")
    print(f"{'suite':<12}{'tried':>7}{'clean':>7}{'crashed':>9}{'hung':>6}{'peak MB':>9}")
    for name, r in report.items():
        print(f"{name:<12}{r['tried']:>7}{r['clean']:>7}{r['crashed']:>9}{r['hung']:>6}{r['peak_rss_mb']:>9}")
        for ex in r["examples"][:3]:
            print("   ", ex.replace("\n", "\n    ")[:1200])
    return 0 if all(r["crashed"] == 0 and r["hung"] == 0 for r in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
