"""The http backend against a real ``python -m llama_cpp.server`` serving the embedded model, and
against small misbehaving HTTP servers of our own, all on 127.0.0.1."""
from __future__ import annotations

import http.server
import json
import re
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from worldsmith.generation import model_files as models, pipeline, prompting
from worldsmith.generation.backends import BackendSettings, Cancelled, ModelError, Request, create
from worldsmith.generation.backends.http import HttpBackend
from worldsmith.generation.backends.replies import conforms
from worldsmith.scene_dsl import schema as schema_mod
from worldsmith.scene_dsl.models import parse_scene

API_KEY = "ws-test-key-7c1f0e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(log: Path, api_key: str | None = API_KEY):
    """A real llama-cpp-python server on loopback; returns (process, base URL) once it is healthy."""
    pytest.importorskip("uvicorn", reason="needs llama-cpp-python[server] (pip install -e '.[test]')")
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(models.embedded_model_path()),
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--model_alias", "gemma",
           "--n_threads", "1", "--n_threads_batch", str(min(4, os.cpu_count() or 1))]
    if api_key:
        cmd += ["--api_key", api_key]
    out = open(log, "wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if requests.get(url + "/v1/models", headers=headers, timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.25)
    stop(proc)
    raise RuntimeError("llama_cpp.server did not become healthy in 180 s")


def stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    proc, url = start_llama_server(tmp_path_factory.mktemp("llama") / "server.log")
    yield url
    stop(proc)


def http_settings(url, **kw) -> BackendSettings:
    return BackendSettings(backend="http", endpoint=url, **kw)


# -- a tiny scripted server ---------------------------------------------------
class Tiny:
    """A threaded HTTP server on loopback. ``routes`` maps "GET /path" to fn(handler) -> None."""

    def __init__(self, routes: dict):
        self.routes, self.seen = routes, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _dispatch(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                self.body = json.loads(self.rfile.read(n)) if n else None
                outer.seen.append((method, self.path, dict(self.headers), self.body))
                fn = outer.routes.get(f"{method} {self.path}")
                if fn is None:
                    self.send_error(404)
                    return
                try:
                    fn(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                self._dispatch("GET")

            def do_POST(self):
                self._dispatch("POST")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def chat_calls(self):
        return [s for s in self.seen if s[1] == "/v1/chat/completions"]


def reply(h, status=200, body=b"", ctype="application/json", headers=()):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in headers:
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def models_ok(h):
    reply(h, body={"object": "list", "data": [{"id": "tiny", "object": "model"}]})


def sse_start(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.end_headers()


def sse(h, content=None, finish=None):
    delta = {"content": content} if content is not None else {}
    doc = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    h.wfile.write(f"data: {json.dumps(doc)}\n\n".encode())
    h.wfile.flush()


@pytest.fixture
def tiny():
    servers = []

    def make(chat=None, models=models_ok, **extra):
        routes = {"GET /v1/models": models, **extra}
        if chat:
            routes["POST /v1/chat/completions"] = chat
        servers.append(Tiny(routes))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


SCHEMA = schema_mod.generation_schema(kinds=["car"])
VALID = json.dumps({"version": 1, "time_of_day": "noon", "ground": "grass",
                    "entities": [{"id": "car", "kind": "car", "count": 1}]})


def ask(backend, **kw) -> object:
    return backend.generate(Request([{"role": "user", "content": "a car"}], SCHEMA, **kw))


def fast(url, **kw):
    return HttpBackend(http_settings(url, **kw), retries=2, backoff=0.01, connect_timeout=1.0)


# -- against the real llama_cpp.server ---------------------------------------
@pytest.mark.model
@pytest.mark.slow
def test_cli_generate_over_http_end_to_end(llama_server, tmp_path):
    """`worldsmith generate --backend http` against llama_cpp.server writes a valid scene.json; the API key
    reaches the server but no output file, and progress reports the tokens as they stream in."""
    out = tmp_path / "out"
    env = dict(os.environ, WS_TEST_KEY=API_KEY)
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("worldsmith")), "generate", "a red car next to a house",
         "--out", str(out), "--backend", "http", "--endpoint", llama_server + "/v1",
         "--api-key-env", "WS_TEST_KEY", "--no-render"],
        capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    scene = parse_scene((out / "scene.json").read_text())
    assert {"car", "house"} <= {e.kind for e in scene.entities}
    assert f"on server {llama_server}" in proc.stderr and "Traceback" not in proc.stderr
    assert "tokens" in proc.stderr
    for f in out.iterdir():
        assert API_KEY.encode() not in f.read_bytes(), f.name
    assert API_KEY not in proc.stderr + proc.stdout


@pytest.mark.model
def test_real_server_negotiates_the_schema_format_and_streams(llama_server):
    backend = create(http_settings(llama_server, api_key=API_KEY))
    events = []
    try:
        gen = backend.generate(Request(prompting.messages("one red car"), SCHEMA, max_tokens=256,
                                       on_progress=lambda p, n: events.append((p, n))))
    finally:
        backend.close()
    # llama-cpp-python's server rejects OpenAI's json_schema spelling and takes its own json_object+schema
    assert gen.meta["response_format"] == "json_object+schema"
    assert gen.meta["finish_reason"] == "stop", gen.text
    assert gen.meta["schema_ok"] and conforms(gen.text, SCHEMA)
    assert events[0] == ("thinking", 0) and events[-1] == ("writing", len(events) - 1) and len(events) > 5
    info = backend.info()
    assert info["model"] == "gemma" and info["api_key"] == "set" and API_KEY not in repr(info) + repr(backend)


@pytest.mark.model
def test_real_server_unknown_model_and_bad_key(llama_server):
    with pytest.raises(ModelError) as err:
        create(http_settings(llama_server, api_key=API_KEY, model="llama-9000"))
    assert f"model server at {llama_server}" in str(err.value) and "'llama-9000'" in str(err.value)
    assert "it serves: gemma" in str(err.value)
    with pytest.raises(ModelError, match="HTTP 401.*rejected the API key") as err:
        create(http_settings(llama_server, api_key="not-the-key"))
    assert "not-the-key" not in str(err.value)
    with pytest.raises(ModelError, match="needs an API key"):
        create(http_settings(llama_server))


@pytest.mark.model
def test_server_killed_mid_request(tmp_path):
    """A server that dies while streaming: a clear ModelError naming the endpoint, no scene at all."""
    proc, url = start_llama_server(tmp_path / "server.log", api_key=None)
    try:
        backend = HttpBackend(http_settings(url), retries=1, backoff=0.05)

        def kill_at_third_token(phase, n):
            if n == 3:
                proc.kill()
        with pytest.raises(ModelError) as err:
            pipeline.generate("a red car", backend, on_progress=kill_at_third_token)
        assert not isinstance(err.value, pipeline.GenerationFailed)
        assert url in str(err.value) and ("broke in the middle of a reply" in str(err.value)
                                          or "ended before it was complete" in str(err.value))
        with pytest.raises(ModelError, match=r"cannot reach .* \(connection refused\)"):
            ask(backend)
    finally:
        stop(proc)


# -- bad endpoints and bad replies -------------------------------------------
def test_unreachable_endpoint():
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(ModelError, match=f"cannot reach the model server at {url} \\(connection refused\\)"):
        fast(url)


def test_bad_endpoint_settings():
    with pytest.raises(ModelError, match="needs --endpoint"):
        create(http_settings(None))
    with pytest.raises(ModelError, match="must be an http"):
        create(http_settings("127.0.0.1:8080"))


def test_wrong_url_404(tiny):
    s = tiny(models=lambda h: h.send_error(404))
    with pytest.raises(ModelError, match=f"{s.url}/api has no OpenAI-compatible API.*answered 404"):
        fast(s.url + "/api")
    s2 = tiny()          # models exist but the chat route is missing
    with pytest.raises(ModelError, match=f"{s2.url}/v1/chat/completions answered 404: wrong URL"):
        ask(fast(s2.url))


def test_html_error_page(tiny):
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    s = tiny(chat=lambda h: reply(h, 200, page, "text/html"))
    with pytest.raises(ModelError, match="sent an HTML page titled '502 Bad Gateway' instead of JSON"):
        ask(fast(s.url))
    s2 = tiny(chat=lambda h: reply(h, 502, page, "text/html"))
    with pytest.raises(ModelError, match=r"kept failing \(HTTP 502 after 3 tries\): an HTML page"):
        ask(fast(s2.url))
    assert len(s2.chat_calls()) == 3


def test_empty_200(tiny):
    s = tiny(chat=lambda h: reply(h, 200, b""))
    with pytest.raises(ModelError, match=f"{s.url}/v1/chat/completions sent an empty reply"):
        ask(fast(s.url))


def test_non_json_and_truncated_replies(tiny):
    s = tiny(chat=lambda h: reply(h, 200, b'{"choices": [{"message": {"cont'))
    with pytest.raises(ModelError, match="not valid JSON .*truncated"):
        ask(fast(s.url))

    def cut_stream(h):
        sse_start(h)
        sse(h, '{"version"')
        sse(h, ": 1, ")
        h.close_connection = True               # no finish marker, no [DONE]
    s2 = tiny(chat=cut_stream)
    with pytest.raises(ModelError, match="ended before it was complete"):
        ask(fast(s2.url))

    def garbage_event(h):
        sse_start(h)
        h.wfile.write(b"data: {not json\n\n")
    s3 = tiny(chat=garbage_event)
    with pytest.raises(ModelError, match="stream event that is not JSON"):
        ask(fast(s3.url))

    def error_event(h):
        sse_start(h)
        sse(h, "{")
        h.wfile.write(b'error: {"code": 500, "message": "context size exceeded"}\n\n')
    s5 = tiny(chat=error_event)
    with pytest.raises(ModelError, match="reported an error mid-reply: .*context size exceeded"):
        ask(fast(s5.url))
    s4 = tiny(chat=lambda h: reply(h, 200, {"object": "whatever"}))
    with pytest.raises(ModelError, match="not a chat completion"):
        ask(fast(s4.url))


def test_unknown_model_reported_by_the_server(tiny):
    s = tiny(models=lambda h: reply(h, body={"data": []}),
             chat=lambda h: reply(h, 404, {"error": {"message": "model 'big' not found, try pulling it first"}}))
    with pytest.raises(ModelError, match="does not know the model 'big'.*not found"):
        ask(fast(s.url, model="big"))


def test_retries_429_and_5xx_with_backoff(tiny):
    statuses = [429, 503]

    def flaky(h):
        if statuses:
            reply(h, statuses.pop(0), {"error": "busy"}, headers=[("Retry-After", "0")])
            return
        reply(h, 200, {"choices": [{"message": {"content": VALID}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 12, "completion_tokens": 20}})
    s = tiny(chat=flaky)
    gen = ask(fast(s.url))
    assert gen.text == VALID and gen.tokens == 20 and gen.prompt_tokens == 12 and len(s.chat_calls()) == 3


SERVER_SILENCE = 30.0   # far longer than any timeout under test: waiting it out is a failure, not slowness


def test_slow_server_times_out(tiny):
    def slow(h):
        time.sleep(SERVER_SILENCE)
        reply(h, 200, {"choices": [{"message": {"content": VALID}, "finish_reason": "stop"}]})
    s = tiny(chat=slow)
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match=f"model server at {s.url} did not answer within 0.5 s"):
        ask(fast(s.url, timeout=0.5))
    assert time.perf_counter() - t0 < SERVER_SILENCE / 2   # gave up, did not sit the silence out

    def stalls(h):
        sse_start(h)
        sse(h, "{")
        time.sleep(SERVER_SILENCE)
    s2 = tiny(chat=stalls)
    with pytest.raises(ModelError, match="stopped sending for 0.5 s in the middle of a reply"):
        ask(fast(s2.url, timeout=0.5))


def test_cancel_mid_stream(tiny):
    def trickle(h):
        sse_start(h)
        for _ in range(100):
            sse(h, " ")
            time.sleep(SERVER_SILENCE / 100)
    s = tiny(chat=trickle)
    cancel = threading.Event()
    seen = []
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        ask(fast(s.url), cancel=cancel, on_progress=lambda p, n: (seen.append(n), cancel.set() if n == 2 else None))
    assert max(seen) <= 3                                  # stopped at the next token, not at the end
    assert time.perf_counter() - t0 < SERVER_SILENCE / 2


def test_api_key_goes_only_in_the_header(tiny):
    def guarded(h):
        if h.headers.get("Authorization") != f"Bearer {API_KEY}":
            reply(h, 401, {"error": {"message": "invalid api key"}})
            return
        reply(h, 200, {"choices": [{"message": {"content": VALID}, "finish_reason": "stop"}]})
    s = tiny(chat=guarded)
    backend = fast(s.url, api_key=API_KEY)
    assert ask(backend).text == VALID
    method, path, headers, body = s.chat_calls()[-1]
    assert headers["Authorization"] == f"Bearer {API_KEY}" and API_KEY not in json.dumps(body)
    assert API_KEY not in repr(backend) + json.dumps(backend.info())
    with pytest.raises(ModelError, match="rejected the API key") as err:
        ask(fast(s.url, api_key="wrong-key-123"))
    assert "wrong-key-123" not in str(err.value)


def test_schema_format_fallback_and_body(tiny):
    """A server that rejects OpenAI's json_schema spelling gets llama-cpp-python's json_object+schema."""
    def picky(h):
        fmt = h.body["response_format"]
        if fmt["type"] != "json_object":
            reply(h, 422, {"detail": [{"loc": ["body", "response_format", "type"], "msg": "bad"}]})
            return
        reply(h, 200, {"choices": [{"message": {"content": VALID}, "finish_reason": "stop"}]})
    s = tiny(chat=picky)
    backend = fast(s.url)
    assert ask(backend, seed=7, max_tokens=99).meta["response_format"] == "json_object+schema"
    first, second = (c[3] for c in s.chat_calls())
    assert first["response_format"] == {"type": "json_schema",
                                        "json_schema": {"name": "scene", "schema": SCHEMA, "strict": True}}
    assert second["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert second["model"] == "tiny" and second["stream"] and second["seed"] == 7 and second["max_tokens"] == 99
    ask(backend)
    assert len(s.chat_calls()) == 3             # remembered: no second rejection


def test_server_that_ignores_the_schema_is_named(tiny):
    """Replies that finish normally but never match the schema: after the pipeline's repair rounds the
    error says the server does not seem to honour the schema."""
    s = tiny(chat=lambda h: reply(h, 200, {"choices": [{"message": {"content": "Sure! Here is a red car."},
                                                         "finish_reason": "stop"}]}))
    backend = fast(s.url)
    with pytest.raises(pipeline.GenerationFailed, match=f"{s.url} does not seem to honour the JSON schema"):
        pipeline.generate("a red car", backend, pipeline.Options(repair_rounds=1))
    assert len(s.chat_calls()) == 2


def test_conformance_check():
    assert conforms(VALID, SCHEMA)
    assert not conforms("{}", SCHEMA) and not conforms("not json", SCHEMA)
    assert not conforms(VALID.replace('"car", "count"', '"dog", "count"'), SCHEMA)
    assert not conforms(VALID.replace('"count": 1', '"count": 1, "extra": 2'), SCHEMA)


# -- hostile servers: bounded time, bytes and lines; nothing crashes -----------

def test_a_dripping_server_meets_the_whole_replys_deadline(tiny):
    def drip(h):
        sse_start(h)
        for _ in range(int(SERVER_SILENCE * 10)):   # keep-alive comments: each read is quick, the reply never ends
            h.wfile.write(b": ping\n\n")
            h.wfile.flush()
            time.sleep(0.1)
    s = tiny(chat=drip)
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match="did not finish its reply within 1 s"):
        ask(fast(s.url, total_timeout=1.0))
    assert time.perf_counter() - t0 < SERVER_SILENCE / 2


def test_a_huge_single_stream_line_is_refused_without_quadratic_reading(tiny):
    def huge(h):
        sse_start(h)
        h.wfile.write(b"data: " + b"x" * (5 << 20) + b"\n\n")
    s = tiny(chat=huge)
    with pytest.raises(ModelError) as err:
        ask(fast(s.url))
    assert "stream line longer than 1024 KiB" in str(err.value) and len(str(err.value)) < 300


def test_a_never_ending_body_is_cut_at_the_cap(tiny):
    def endless(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        try:
            h.wfile.write(b'{"choices": [{"message": {"content": "')
            for _ in range(200):
                h.wfile.write(b"x" * (64 << 10))
        except (BrokenPipeError, ConnectionResetError):
            pass
    s = tiny(chat=endless)
    with pytest.raises(ModelError, match="larger than 4096 KiB"):
        ask(fast(s.url))


def test_a_gzip_bomb_stops_at_the_cap(tiny):
    import gzip
    bomb = gzip.compress(b'{"choices": [{"message": {"content": "' + b" " * (200 << 20) + b'"}}]}', 9)
    assert len(bomb) < (1 << 20)

    def send(h):
        reply(h, body=bomb, headers=[("Content-Encoding", "gzip")])
    s = tiny(chat=send)
    with pytest.raises(ModelError, match="larger than 4096 KiB"):
        ask(fast(s.url))


@pytest.mark.parametrize("event,words", [
    ({"choices": [{"delta": {"content": 42}, "finish_reason": None}]}, "content is not text"),
    ({"choices": [{"delta": "oops", "finish_reason": "stop"}]}, "ended before it was complete|finish"),
])
def test_odd_stream_events_are_clear_errors(tiny, event, words):
    def send(h):
        sse_start(h)
        h.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
    s = tiny(chat=send)
    try:
        gen = ask(fast(s.url))
    except ModelError as exc:
        assert re.search(words, str(exc)), str(exc)
    else:
        assert gen.text == ""   # a delta that is not an object carries no text


def test_deeply_nested_events_and_bodies_are_clear_errors(tiny):
    deep = "[" * 100_000 + "]" * 100_000

    def stream(h):
        sse_start(h)
        h.wfile.write(f"data: {deep}\n\n".encode())
    with pytest.raises(ModelError, match="not JSON"):
        ask(fast(tiny(chat=stream).url))

    def body(h):
        reply(h, body=deep.encode())
    with pytest.raises(ModelError, match="not valid JSON"):
        ask(fast(tiny(chat=body).url))


def test_usage_that_is_not_a_count_is_ignored(tiny):
    def send(h):
        reply(h, body={"choices": [{"message": {"content": VALID}, "finish_reason": "stop"}],
                       "usage": {"completion_tokens": "many", "prompt_tokens": [1]}})
    gen = ask(fast(tiny(chat=send).url))
    assert gen.text == VALID and gen.tokens >= 1 and gen.prompt_tokens == 0


def test_terminal_escapes_from_a_server_are_never_shown(tiny):
    def send(h):
        reply(h, 400, {"error": {"message": "bad \x1b[2J\x1b[31mthing\x1b]0;pwned\x07 here\x00"}})
    with pytest.raises(ModelError) as err:
        ask(fast(tiny(chat=send).url, ))
    assert "\x1b" not in str(err.value) and "\x00" not in str(err.value) and "bad thing here" in str(err.value)
